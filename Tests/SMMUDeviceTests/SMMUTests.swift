import Stage2
import Testing
@testable import SMMUDevice

/// RAM with a shadow-style stage-2 table (40-bit input, start level 1, two concatenated level-1
/// tables, as KCore builds and Linux programs TCR = 0x8002_3558) mapping IOVA 0x1000_0000 → PA
/// 0x4200_0000 (read/write) and 0x1000_1000 → 0x4200_1000 (read-only).
final class Fixture {
    let ram = PhysicalMemory(base: 0x4000_0000, size: 64 << 20)!
    let smmu: SMMU
    static let root: UInt64 = 0x4100_0000
    init(banks: Int = 8) {
        smmu = SMMU(name: "SMMU0", contextBanks: banks, memory: ram)
        let l2: UInt64 = 0x4100_2000, l3: UInt64 = 0x4100_3000
        ram.store(Fixture.root, size: 8, value: Stage2Descriptor.table(l2).rawValue)
        ram.store(l2 + 128 * 8, size: 8, value: Stage2Descriptor.table(l3).rawValue)
        ram.store(l3, size: 8, value: Stage2Descriptor.leaf(address: 0x4200_0000, level: 3).rawValue)
        ram.store(l3 + 8, size: 8, value: Stage2Descriptor.leaf(address: 0x4200_1000, level: 3, s2ap: 1).rawValue)
    }

    /// Linux's arm-smmu sequence for a stage-2 domain: stream 5 → S2CR → CB1 (VMID 3).
    func program(sid: UInt64 = 5, mask: UInt64 = 0, cb: UInt64 = 1, vmid: UInt64 = 3) {
        w(0x1000 + 4 * cb, vmid)  // CBAR: TYPE 0 (stage 2), VMID
        w(0x8000 + cb * 0x1000 + 0x30, 0x8002_3558)  // TCR
        _ = smmu.write(offset: 0x8000 + cb * 0x1000 + 0x20, size: 8, value: Fixture.root)  // TTBR0
        w(0x8000 + cb * 0x1000, 0x67)  // SCTLR: CFIE|CFRE|AFE|TRE|M
        w(0xC00, cb)  // S2CR0: translate via cb
        w(0x800, 1 << 31 | mask << 16 | sid)  // SMR0: VALID
        w(0x0, 0x0020_0000)  // sCR0: CLIENTPD = 0, USFCFG = 0
    }

    func w(_ off: UInt64, _ v: UInt64) { _ = smmu.write(offset: off, size: 4, value: v) }
    func r(_ off: UInt64) -> UInt64 { smmu.read(offset: off, size: 4) }
}

/// Programs DMA engine `d` (SRC, DST, LEN, SID) and starts the copy; returns its cycles.
func start(_ d: DMAEngine, src: UInt64, dst: UInt64, len: UInt64, sid: UInt64 = 5) -> UInt64 {
    _ = d.write(offset: 0x00, size: 8, value: src)
    _ = d.write(offset: 0x08, size: 8, value: dst)
    _ = d.write(offset: 0x10, size: 4, value: len)
    _ = d.write(offset: 0x14, size: 4, value: sid)
    return d.write(offset: 0x18, size: 4, value: 1)
}

@Suite struct SMMURegisterTests {
    @Test func resetValuesFollowMMU500() {
        let f = Fixture()
        #expect(f.r(0x0) == 0x0020_0001)
        #expect(f.r(0xC00) == 0x2_0000)  // S2CR0.TYPE = fault
        #expect(f.r(0x1000) == 0x2_0000)  // CBAR0.TYPE = 2
        let idr0 = f.r(0x20)
        #expect(idr0 & (1 << 29) != 0 && idr0 & (1 << 30) == 0 && idr0 & (1 << 27) != 0)
        #expect(idr0 & 0xFF == 16)
        #expect(f.r(0x24) & 0xFF == 8)
        #expect((f.r(0x24) >> 28) & 7 == 2)
        #expect(Fixture(banks: 4).r(0x24) & 0xFF == 4)
    }

    @Test func sixtyFourBitRegistersAcceptEitherHalf() {
        let f = Fixture()
        f.w(0x9020, 0x1234_5000)
        f.w(0x9024, 0xAB)
        #expect(f.smmu.read(offset: 0x9020, size: 8) == 0xAB_1234_5000)
        #expect(f.r(0x9024) == 0xAB)
    }

    @Test func reservedOffsetsReadZeroAndIgnoreWrites() {
        let f = Fixture()
        f.w(0x7F00, 0xFFFF_FFFF)
        #expect(f.r(0x7F00) == 0)
        f.w(0xF000, 0xFFFF)  // CB7 exists; bank 8+ offsets of a 4-bank SMMU do not
        let small = Fixture(banks: 4)
        _ = small.smmu.write(offset: 0xE020, size: 8, value: 0x1234)
        #expect(small.smmu.read(offset: 0xE020, size: 8) == 0)
    }

    @Test func faultStatusIsWriteOneToClear() {
        let f = Fixture()
        f.program()
        _ = f.smmu.translate(streamID: 5, iova: 0x2000_0000, write: false)
        #expect(f.r(0x9058) == 1 << 1)
        f.w(0x9058, 1 << 1)
        #expect(f.r(0x9058) == 0)
    }

    @Test func registerNamesForTraces() {
        #expect(SMMURegisterMap.name(offset: 0x0) == "GR0.sCR0")
        #expect(SMMURegisterMap.name(offset: 0x80C) == "GR0.SMR3")
        #expect(SMMURegisterMap.name(offset: 0x1008) == "GR1.CBAR2")
        #expect(SMMURegisterMap.name(offset: 0xB020) == "CB3.TTBR0")
        #expect(SMMURegisterMap.name(offset: 0xB024) == "CB3.TTBR0[63:32]")
        #expect(SMMURegisterMap.name(offset: 0x7000) == "reserved+0x7000")
    }
}

@Suite struct SMMUTranslationTests {
    @Test func clientsBypassUntilEnabled() {
        let f = Fixture()
        #expect(f.smmu.translate(streamID: 5, iova: 0x1234, write: false).outcome == .address(0x1234))
    }

    @Test func translatesThroughTheContextBankTables() {
        let f = Fixture()
        f.program()
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0010, write: true).outcome == .address(0x4200_0010))
        #expect(f.smmu.stats.walks == 1)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0020, write: false).outcome == .address(0x4200_0020))
        #expect(f.smmu.stats.tlbHits == 1)
    }

    @Test func unmappedIOVAIsAContextFaultWithFARAndLevel() {
        let f = Fixture()
        f.program()
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_2000, write: true).outcome == .contextFault(contextBank: 1))
        #expect(f.r(0x9058) == 1 << 1)  // TF
        #expect(f.smmu.read(offset: 0x9060, size: 8) == 0x1000_2000)
        #expect(f.r(0x9068) == 3 | 1 << 4)  // level 3, WNR
        #expect(f.r(0x1400 + 4) == 5)  // CBFRSYNRA1 = stream ID
        // A second fault while FSR is set only adds MULTI.
        _ = f.smmu.translate(streamID: 5, iova: 0x3000_0000, write: false)
        #expect(f.r(0x9058) == 1 << 1 | 1 << 31)
        #expect(f.smmu.read(offset: 0x9060, size: 8) == 0x1000_2000)
    }

    @Test func writeToAReadOnlyPageIsAPermissionFault() {
        let f = Fixture()
        f.program()
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_1000, write: false).outcome == .address(0x4200_1000))
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_1000, write: true).outcome == .contextFault(contextBank: 1))
        #expect(f.r(0x9058) == 1 << 3)
    }

    @Test func streamMaskMatchesAndConflictsAreGlobalFaults() {
        let f = Fixture()
        f.program(sid: 4, mask: 1)  // matches streams 4 and 5
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).outcome == .address(0x4200_0000))
        #expect(f.smmu.translate(streamID: 6, iova: 0x1000_0000, write: false).outcome == .address(0x1000_0000))  // unmatched: bypass (USFCFG 0)
        f.w(0x0, 0x0020_0400)  // USFCFG = 1
        #expect(f.smmu.translate(streamID: 6, iova: 0x1000_0000, write: false).outcome == .globalFault)
        #expect(f.r(0x48) == 0x2)  // USF
        f.w(0x48, 0x2)
        f.w(0x804, 1 << 31 | 5)  // SMR1 also matches stream 5: conflict
        f.w(0xC04, 1)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).outcome == .globalFault)
        #expect(f.r(0x48) == 0x4)  // SMCF
    }

    @Test func iotlbKeepsStaleEntriesUntilInvalidated() {
        let f = Fixture()
        f.program()
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).outcome == .address(0x4200_0000))
        // Unmap in memory without a TLBI: the stale translation is still used, as on hardware.
        f.ram.store(0x4100_3000, size: 8, value: 0)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).outcome == .address(0x4200_0000))
        _ = f.smmu.write(offset: 0x9630, size: 8, value: 0x1000_0000 >> 12)  // CB1.TLBIIPAS2
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).outcome == .contextFault(contextBank: 1))
    }

    @Test func tlbiVMIDAndTlbiAllDropEntries() {
        let f = Fixture()
        f.program()
        _ = f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false)
        f.w(0x64, 4)  // another VMID: entry stays
        #expect(f.smmu.iotlbSize == 1)
        f.w(0x64, 3)
        #expect(f.smmu.iotlbSize == 0)
        _ = f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false)
        f.w(0x68, 0)  // TLBIALLNSNH
        #expect(f.smmu.iotlbSize == 0)
    }
}

@Suite struct DMAEngineTests {
    func engine(_ f: Fixture) -> DMAEngine { DMAEngine(name: "DMA0", smmu: f.smmu, memory: f.ram) }

    @Test func copiesThroughTheMapping() {
        let f = Fixture()
        f.program()
        for i in 0..<256 { f.ram.store(0x4200_1000 + UInt64(i), size: 1, value: UInt64(i)) }
        let d = engine(f)
        let cycles = start(d, src: 0x1000_1000, dst: 0x1000_0000, len: 256)
        #expect(d.read(offset: 0x1C, size: 4) == 1)
        #expect(cycles > 0)
        #expect(f.ram.read(0x4200_0000, count: 256) == (0..<256).map { UInt8($0) })
    }

    @Test func copyIntoAnUnmappedPageFaults() {
        let f = Fixture()
        f.program()
        let d = engine(f)
        _ = start(d, src: 0x1000_1000, dst: 0x1000_5000, len: 64)
        #expect(d.read(offset: 0x1C, size: 4) == 2)
        #expect(d.read(offset: 0x20, size: 8) == 0x1000_5000)
    }

    @Test func copyAcrossAPageBoundaryStopsAtTheUnmappedPage() {
        let f = Fixture()
        f.program()
        f.ram.store(0x4200_1000, size: 8, value: 0x1122_3344_5566_7788)
        let d = engine(f)
        // dst 0x1000_0F80..0x1000_1080: the second page is read-only → write faults at 0x1000_1000.
        _ = start(d, src: 0x1000_1000, dst: 0x1000_0F80, len: 0x100)
        #expect(d.read(offset: 0x1C, size: 4) == 2)
        #expect(d.read(offset: 0x20, size: 8) == 0x1000_1000)
        #expect(d.bytesCopied == 0x80)
        #expect(f.ram.load(0x4200_0F80, size: 8) == 0x1122_3344_5566_7788)
    }

    @Test func oversizedLengthIsRefused() {
        let f = Fixture()
        f.program()
        let d = engine(f)
        _ = start(d, src: 0x1000_0000, dst: 0x1000_0000, len: (1 << 20) + 1)
        #expect(d.read(offset: 0x1C, size: 4) == 2)
    }
}

@Suite struct DMAEngineBeatTests {
    /// IOVA 0x1000_2000 → 0x4200_2000 read/write as a third page; 0x1000_3000 stays unmapped.
    func fixture() -> Fixture {
        let f = Fixture()
        f.ram.store(0x4100_3000 + 2 * 8, size: 8, value: Stage2Descriptor.leaf(address: 0x4200_2000, level: 3).rawValue)
        f.program()
        return f
    }

    @Test func copyAcrossAPageBoundaryIntoAnUnmappedPage() {
        let f = fixture()
        for i in 0..<0x100 { f.ram.store(0x4200_0000 + UInt64(i), size: 1, value: 0xA5) }
        let d = DMAEngine(name: "DMA0", smmu: f.smmu, memory: f.ram)
        _ = start(d, src: 0x1000_0000, dst: 0x1000_2F80, len: 0x100)
        #expect(d.read(offset: 0x1C, size: 4) == 2)
        #expect(d.read(offset: 0x20, size: 8) == 0x1000_3000)
        #expect(d.bytesCopied == 0x80)
        #expect(f.ram.read(0x4200_2F80, count: 0x80) == Array(repeating: 0xA5, count: 0x80))
        // The context fault is recorded as for any client: TF, FAR, level 3, a write.
        #expect(f.r(0x9058) == 1 << 1)
        #expect(f.smmu.read(offset: 0x9060, size: 8) == 0x1000_3000)
        #expect(f.r(0x9068) == 3 | 1 << 4)
    }

    @Test func beatsSplitAtPageBoundariesAndCostTheirTranslations() {
        let f = fixture()
        for i in 0..<0x100 { f.ram.store(0x4200_0FF0 + UInt64(i), size: 1, value: UInt64(i)) }
        let d = DMAEngine(name: "DMA0", smmu: f.smmu, memory: f.ram)
        let cycles = start(d, src: 0x1000_0FF0, dst: 0x1000_2000, len: 0x100)
        #expect(d.read(offset: 0x1C, size: 4) == 1)
        #expect(f.ram.read(0x4200_2000, count: 0x100) == (0..<0x100).map { UInt8($0) })
        // Beats: 0x10 up to the source page end, then 64, 64, 64, 0x30: five beats, ten translations.
        #expect(f.smmu.stats.translations == 10)
        // Walks: source pages 0x1000_0000 and 0x1000_1000, destination page 0x1000_2000.
        let c = f.smmu.costs
        #expect(cycles == 3 * (3 * c.walkPerLevel) + 7 * c.tlbHit + 5 * d.cyclesPerBeat)
    }

    @Test func zeroLengthCompletesWithoutTransactions() {
        let f = fixture()
        let d = DMAEngine(name: "DMA0", smmu: f.smmu, memory: f.ram)
        #expect(start(d, src: 0x1000_3000, dst: 0x1000_3000, len: 0) == 0)
        #expect(d.read(offset: 0x1C, size: 4) == 1)
        #expect(f.smmu.stats.translations == 0)
    }

    @Test func registerAccessSizes() {
        let f = fixture()
        let d = DMAEngine(name: "DMA0", smmu: f.smmu, memory: f.ram)
        _ = d.write(offset: 0x04, size: 4, value: 0x12)
        _ = d.write(offset: 0x00, size: 4, value: 0x3456_7000)
        #expect(d.read(offset: 0x00, size: 8) == 0x12_3456_7000)
        #expect(d.read(offset: 0x01, size: 1) == 0x70)
        _ = d.write(offset: 0x18, size: 1, value: 1)  // a byte store does not start a copy
        #expect(d.read(offset: 0x1C, size: 4) == 0)
    }
}
