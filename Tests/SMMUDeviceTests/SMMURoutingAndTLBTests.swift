import Stage2
import Testing
@testable import SMMUDevice

/// Stream routing (IHI 0062 §2.4 as the detail doc's §9.5 gives it), fault recording (§9.7), the
/// IOTLB against every invalidation command, and the cost model.
@Suite struct SMMURoutingTests {
    @Test func maskBitsAreDontCare() {
        let f = Fixture()
        f.program(sid: 0x10, mask: 0xF)  // matches 0x10–0x1F
        #expect(f.smmu.translate(streamID: 0x1F, iova: 0x1000_0000, write: false).outcome == .address(0x4200_0000))
        #expect(f.smmu.translate(streamID: 0x10, iova: 0x1000_0000, write: false).outcome == .address(0x4200_0000))
        f.w(0x0, 0x0020_0400)  // USFCFG = 1: unmatched streams fault
        #expect(f.smmu.translate(streamID: 0x20, iova: 0x1000_0000, write: false).outcome == .globalFault)
        #expect(f.smmu.translate(streamID: 0x0F, iova: 0x1000_0000, write: false).outcome == .globalFault)
    }

    @Test func unmatchedStreamRecordsAddressDirectionAndStream() {
        let f = Fixture()
        f.program()
        f.w(0x0, 0x0020_0400)
        #expect(f.smmu.translate(streamID: 9, iova: 0x1234_5678, write: true).outcome == .globalFault)
        #expect(f.r(0x48) == 1 << 1)  // USF
        #expect(f.smmu.read(offset: 0x40, size: 8) == 0x1234_5678)  // sGFAR
        #expect(f.r(0x50) == 1 << 1)  // sGFSYNR0.WNR
        #expect(f.r(0x54) == 9)  // sGFSYNR1: stream ID
        _ = f.smmu.translate(streamID: 9, iova: 0x1, write: false)
        #expect(f.r(0x48) == 1 << 1 | 1 << 31)  // second fault: MULTI, first record kept
        #expect(f.smmu.read(offset: 0x40, size: 8) == 0x1234_5678)
    }

    @Test func s2crTypesAndUnusableBanks() {
        let f = Fixture(banks: 4)
        f.program()
        f.w(0xC00, 1 << 16)  // S2CR0 bypass
        #expect(f.smmu.translate(streamID: 5, iova: 0x7000, write: false).outcome == .address(0x7000))
        f.w(0xC00, 2 << 16)  // S2CR0 fault: ICF
        #expect(f.smmu.translate(streamID: 5, iova: 0x7000, write: false).outcome == .globalFault)
        #expect(f.r(0x48) == 1 << 0)
        f.w(0x48, 0xFFFF_FFFF)
        f.w(0xC00, 6)  // CBNDX 6 on a 4-bank SMMU: UCBF
        #expect(f.smmu.translate(streamID: 5, iova: 0x7000, write: false).outcome == .globalFault)
        #expect(f.r(0x48) == 1 << 3)
        f.w(0x48, 0xFFFF_FFFF)
        f.w(0xC00, 1)
        f.w(0x1004, 2 << 16 | 3)  // CBAR1 TYPE 2 (stage 1 with stage 2 fault): ICF
        #expect(f.smmu.translate(streamID: 5, iova: 0x7000, write: false).outcome == .globalFault)
        #expect(f.r(0x48) == 1 << 0)
    }

    @Test func disabledContextBypasses() {
        let f = Fixture()
        f.program()
        f.w(0x9000, 0x66)  // SCTLR.M = 0
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_2000, write: true).outcome == .address(0x1000_2000))
    }

    @Test func accessFlagAndAddressSizeFaultsSetTheirFSRBits() {
        let f = Fixture()
        f.program()
        f.ram.store(0x4100_3000 + 2 * 8, size: 8, value: Stage2Descriptor.leaf(address: 0x4200_2000, level: 3, af: false).rawValue)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_2000, write: false).outcome == .contextFault(contextBank: 1))
        #expect(f.r(0x9058) == 1 << 2)  // AFF
        f.w(0x9058, 0xFFFF_FFFF)
        // TCR.PS = 48 bits, but OAS is 40: an output at 2^40 is an address-size fault.
        f.w(0x9030, 0x8005_3558)
        f.ram.store(0x4100_3000 + 3 * 8, size: 8, value: Stage2Descriptor.leaf(address: 1 << 40, level: 3).rawValue)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_3000, write: false).outcome == .contextFault(contextBank: 1))
        #expect(f.r(0x9058) == 1 << 7)  // ASF
        #expect(f.r(0x9068) == 3)  // level 3, read
    }
}

@Suite struct SMMUTLBTests {
    /// Fills the IOTLB for IOVA 0x1000_0000, removes the mapping from RAM, and returns whether
    /// the stale translation is still used after `invalidate` ran.
    func staleAfter(_ invalidate: (Fixture) -> Void) -> Bool {
        let f = Fixture()
        f.program()
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).outcome == .address(0x4200_0000))
        f.ram.store(0x4100_3000, size: 8, value: 0)
        invalidate(f)
        return f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).outcome == .address(0x4200_0000)
    }

    @Test func staleEntryStaysWithoutAnInvalidation() {
        #expect(staleAfter { _ in })
        #expect(staleAfter { $0.w(0x70, 0) })  // a sync alone invalidates nothing
        #expect(staleAfter { $0.w(0x97F0, 0) })
        #expect(staleAfter { $0.w(0x64, 4) })  // TLBIVMID of another VMID
        #expect(staleAfter { _ = $0.smmu.write(offset: 0x9630, size: 8, value: 0x1000_1) })  // another page
        #expect(staleAfter { $0.w(0x6C, 0) })  // TLBIALLH: no hypervisor entries here
    }

    @Test func eachInvalidationCommandDropsTheEntry() {
        #expect(!staleAfter { $0.w(0x64, 3) })  // TLBIVMID
        #expect(!staleAfter { $0.w(0x68, 0) })  // TLBIALLNSNH
        #expect(!staleAfter { $0.w(0x9618, 0) })  // CB1.TLBIALL
        #expect(!staleAfter { _ = $0.smmu.write(offset: 0x9630, size: 8, value: 0x1000_0) })  // TLBIIPAS2
        #expect(!staleAfter { _ = $0.smmu.write(offset: 0x9638, size: 8, value: 0x1000_0) })  // TLBIIPAS2L
        #expect(!staleAfter { $0.w(0x9630, 0x1000_0) })  // TLBIIPAS2, 32-bit write of the low half
    }

    @Test func cachedReadOnlyLeafStillFaultsAfterAnUpgradeWithoutTLBI() {
        let f = Fixture()
        f.program()
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_1000, write: false).outcome == .address(0x4200_1000))
        f.ram.store(0x4100_3000 + 8, size: 8, value: Stage2Descriptor.leaf(address: 0x4200_1000, level: 3).rawValue)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_1000, write: true).outcome == .contextFault(contextBank: 1))
        #expect(f.r(0x9058) == 1 << 3)  // PF
        f.w(0x9058, 0xFFFF_FFFF)
        _ = f.smmu.write(offset: 0x9630, size: 8, value: 0x1000_1)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_1000, write: true).outcome == .address(0x4200_1000))
    }

    @Test func cyclesAndStatsFollowTheCostModel() {
        let f = Fixture()
        f.program()
        let c = f.smmu.costs
        // Miss: three descriptor reads (level 1 of two concatenated tables, 2, 3).
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).cycles == 3 * c.walkPerLevel)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0008, write: false).cycles == c.tlbHit)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_2000, write: false).cycles == 3 * c.walkPerLevel + c.fault)
        #expect(f.smmu.translate(streamID: 5, iova: 1 << 40, write: false).cycles == c.fault)  // beyond 40 bits: no read
        let s = f.smmu.stats
        #expect(s.tlbHits == 1 && s.tlbMisses == 3 && s.walks == 3 && s.contextFaults == 2 && s.globalFaults == 0)
    }
}
