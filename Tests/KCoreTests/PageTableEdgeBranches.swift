import Stage2
import Testing
@testable import KCore

/// Branches of the page-table calls not pinned elsewhere (REFERENCE.md, "The SMMU page-table
/// calls"), each at both levels where the levels agree.
@Suite struct PageTableEdgeBranches {
    /// VM 1 owning bank 0 of SMMU0.
    func vmBank(_ level: KCore.HandlerLevel) -> KCore {
        let (k, _, _) = makeCore(level)
        _ = hvc(k, 13)
        _ = hvc(k, 24, 0, 1, 0)
        return k
    }

    /// smmu_assign_page: a page the VM already owns (at that gfn) is fine, and mapping it again
    /// leaves ownership as it was.
    @Test func reassigningAPageTheVMOwnsIsAllowed() {
        let k = vmBank(.impl)
        let pa: UInt64 = 0x4020_0000, iova: UInt64 = 0x1000_0000
        #expect(hvc(k, 25, iova, pa, 3, 0, 0).0.panic == nil)
        #expect(hvc(k, 25, iova, pa, 3, 0, 0).0.panic == nil)
        #expect(k.data.s2page[pa >> 12] == S2Page(owner: 1, count: KC.INVALID, gfn: iova >> 12))
    }

    /// smmu_assign_page on a page the slot's VM already owns tests the owner only: a call naming
    /// another gfn is accepted and the recorded gfn stays (MmioOps.v smmu_assign_page_spec;
    /// MemManager assign_pfn_to_smmu_spec0 at the implementation level). REFERENCE.md's "a page
    /// the VM already owns is fine" does not say that the gfn is not compared.
    @Test func assigningAnOwnedPageUnderAnotherGFNKeepsItsGFN() {
        let k = vmBank(.impl)
        let pa: UInt64 = 0x4020_0000, iova: UInt64 = 0x1000_0000
        #expect(hvc(k, 25, iova, pa, 3, 0, 0).0.panic == nil)
        let owned = S2Page(owner: 1, count: KC.INVALID, gfn: iova >> 12)
        #expect(k.data.s2page[pa >> 12] == owned)
        var s = k.impl.abstraction(), sc = directContext()
        s.data.vminfos[1].state = .verified  // the seed assigns only for a VERIFIED VM (D1)
        MmioOps.Spec.smmu_assign_page(&s, &sc, cbndx: 0, index: 0, pfn: pa >> 12, gfn: 0x777)
        #expect(sc.panic == nil)
        #expect(s.data.s2page[pa >> 12] == owned)
        var m = k.impl, ic = directContext()
        MmioOps.Impl.smmu_assign_page(&m, &ic, cbndx: 0, index: 0, pfn: pa >> 12, gfn: 0x777)
        #expect(ic.panic == nil)
        #expect(m.data.s2page[pa >> 12] == owned)
    }

    /// smmu_map_page: the target page must be owned by the slot's VM at gfn = iova/4096; the same
    /// page at another IOVA panics.
    @Test func mappingAnOwnedPageAtAnotherGFNPanics() {
        let k = vmBank(.impl)
        let pa: UInt64 = 0x4020_0000
        #expect(hvc(k, 25, 0x1000_0000, pa, 3, 0, 0).0.panic == nil)
        let o = hvc(k, 25, 0x2000_0000, pa, 3, 0, 0).0
        #expect(o.panic != nil)
        #expect(k.halted)
    }

    /// el2_arm_lpae_clear of an IOVA never mapped: the empty pte names pfn 0, which is not a
    /// host page with a share count, so nothing changes and nothing panics (Q21).
    @Test(arguments: [KCore.HandlerLevel.impl, .spec])
    func clearingAnUnmappedIOVAChangesNothing(level: KCore.HandlerLevel) {
        let k = vmBank(level)
        let before = k.data.s2page[0]
        let o = hvc(k, 27, 0x3000_0000, 0, 0).0
        #expect(o.panic == nil)
        #expect(k.data.s2page[0] == before)
        #expect(hvc(k, 26, 0x3000_0123, 0, 0).1.x[0] == 0x123)
    }

    /// The SPT pools hold 256 level-2 and 256 level-3 table pages. Mapping pages under distinct
    /// level-1 entries takes one of each per map; the 257th panics (pool exhaustion), and no
    /// earlier map does.
    @Test func exhaustingTheShadowTablePoolPanics() {
        let k = vmBank(.impl)
        var firstPanic: Int?
        for i in 0..<300 {
            let pa = 0x4010_0000 + UInt64(i) * 0x1000
            let o = hvc(k, 25, UInt64(i) << 30, pa, 3, 0, 0).0
            if o.panic != nil { firstPanic = i; break }
        }
        #expect(firstPanic == 256)
        #expect(k.halted)
    }

    /// After a panic the machine changes nothing: every later call is ignored.
    @Test func aPanickedMachineChangesNothingAfterwards() {
        let k = vmBank(.impl)
        _ = hvc(k, 23, 9, 0)  // cbndx out of range: panic
        #expect(k.halted)
        let snapshot = k.data
        _ = hvc(k, 13)
        _ = hvc(k, 24, 1, 1, 0)
        _ = hvc(k, 25, 0x1000, 0x4020_0000, 3, 0, 0)
        #expect(k.data == snapshot)
    }
}
