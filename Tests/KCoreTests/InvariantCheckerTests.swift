import Testing
@testable import KCore

/// The invariant checker itself: each property, broken on purpose in an otherwise valid state,
/// is reported once, naming the page, the table and the values.
@Suite struct InvariantCheckerTests {
    /// A valid state: VM 1 owns page 0x40300000 at gfn 0x10000 and bank 1 of SMMU0, which maps
    /// it; the host NPT maps host page 0x40100000.
    func valid() -> SpecState {
        var s = vmCore(.spec).spec
        s.data.vminfos[1].state = .verified
        s.data.smmuVmid[1] = 1
        s.data.s2page[0x40300] = S2Page(owner: 1, count: 0, gfn: 0x10000)
        s.spt.setEntry(KC.SMMU_TTBR(0, 1), 0x10000, .init(pfn: 0x40300, pte: 0x4030_0000 | 0x703))
        s.npt.pt[0x40100] = .init(pfn: 0x40100, level: 3, pte: 0x4010_0000 | KC.PAGE_S2_KERNEL)
        s.npt.pt[0x40300] = .init(pfn: 0, level: 3, pte: KC.PAGE_GUEST)
        return s
    }

    @Test func aValidStateHasNoViolation() {
        #expect(KCoreInvariants.check(valid()).isEmpty)
    }

    @Test func eachBrokenPropertyIsNamedPrecisely() {
        func one(_ change: (inout SpecState) -> Void) -> [String] {
            var s = valid()
            change(&s)
            return KCoreInvariants.check(s).map(\.description)
        }
        #expect(one { $0.npt.pt[0x40300] = .init(pfn: 0x40300, level: 3, pte: 0x4030_07FF) }
            == ["invariant vmPageInHostNPT: host NPT maps VM 1's page 0x40300000 at IPA 0x40300000 (count 0)"])
        let el2 = valid().data.s2page.carveFirstPFN
        #expect(one { $0.npt.pt[el2] = .init(pfn: el2, level: 3, pte: el2 << 12 | 0x7FF) }
            == ["invariant el2PageInHostNPT: host NPT maps EL2 page 0x\(String(el2 << 12, radix: 16)) at IPA 0x\(String(el2 << 12, radix: 16))"])
        #expect(one { $0.npt.pt[0x40101] = .init(pfn: 0x40100, level: 3, pte: 0x4010_07FF) }
            == ["invariant hostNPTNotIdentity: host NPT maps IPA 0x40101000 to page 0x40100000"])
        #expect(one { $0.data.smmuVmid[2] = 2; $0.spt.setEntry(KC.SMMU_TTBR(0, 2), 0x10000, .init(pfn: 0x40300, pte: 0x4030_0703)) }
            == ["invariant foreignPageInSPT: SMMU0 CB2 (VM 2) maps VM 1's page 0x40300000 at IOVA 0x10000000"])
        #expect(one { $0.spt.setEntry(KC.SMMU_TTBR(0, 1), 0x10001, .init(pfn: 0x40300, pte: 0x4030_0703)) }
            == ["invariant pageAtWrongIOVA: SMMU0 CB1 (VM 1) maps its page 0x40300000 at IOVA 0x10001000, whose gfn is 0x10000"])
        #expect(one { $0.spt.setEntry(KC.SMMU_TTBR(0, 1), 0x20000, .init(pfn: 0x40100, pte: 0x4010_0703)) }
            == ["invariant uncountedHostPage: SMMU0 CB1 (VM 1) maps the host's page 0x40100000 at IOVA 0x20000000 with share count 0"])
        #expect(one { $0.spt.setEntry(KC.SMMU_TTBR(0, 1), 0x20000, .init(pfn: el2, pte: el2 << 12 | 0x703)) }
            == ["invariant el2PageInSPT: SMMU0 CB1 (VM 1) maps EL2 (COREVISOR)'s page 0x\(String(el2 << 12, radix: 16)) at IOVA 0x20000000"])
        #expect(one { $0.data.s2page[0x40100].count = 17 }
            == ["invariant shareCountOutOfBounds: page 0x40100000 (pfn 0x40100) of the host has share count 17 (bound 16)"])
        #expect(one { $0.data.s2page[0x40300].count = 40 }
            == ["invariant shareCountOutOfBounds: page 0x40300000 (pfn 0x40300) of VM 1 has share count 40"])
        #expect(one { $0.data.s2page[0x40102].owner = 99 } == ["invariant ownerOutOfRange: page 0x40102000 (pfn 0x40102) has owner 99"])
        #expect(one { $0.data.s2page[0x40102].gfn = 5 }
            == ["invariant hostPageGFN: page 0x40102000 (pfn 0x40102) of the host has gfn 0x5, not pfn + 10^9"])
        #expect(one { $0.data.smmuVmid[9] = 20 } == ["invariant slotVMID: slot 9 (SMMU1 CB1) has vmid 20"])
        #expect(one { _ = $0.data.locks.acquire(LockID.spt, cpu: 2) }
            == ["invariant lockHeldAfterCall: lock SPT held by cpu2 and the machine has not panicked"])
    }

    /// A host bank's mappings of a host page must be covered by its share count (smmu_count).
    @Test func hostBankMappingsMustBeCounted() {
        var s = valid()
        s.data.smmuVmid[4] = 0
        s.spt.setEntry(KC.SMMU_TTBR(0, 4), 0x40100 + KC.SMMU_HOST_OFFSET, .init(pfn: 0x40100, pte: 0x4010_0703))
        #expect(KCoreInvariants.check(s).map(\.description)
            == ["invariant uncountedHostPage: host page 0x40100000 is mapped by 1 host banks but its share count is 0"])
        s.data.s2page[0x40100].count = 1
        #expect(KCoreInvariants.check(s).isEmpty)
    }

    /// Locks held after a panic are the spec's (the panic keeps them); any change after it is not.
    @Test func aPanickedStateMayHoldLocksButMustNotChange() {
        var before = valid()
        before.data.halt = true
        _ = before.data.locks.acquire(LockID.smmu, cpu: 0)
        #expect(KCoreInvariants.check(before: before, after: before).isEmpty)
        var after = before
        after.data.smmuVmid[3] = 1
        #expect(KCoreInvariants.check(before: before, after: after).map(\.description)
            == ["invariant changedAfterPanic: smmu_vmid[3] changed after the panic: was 4294967295, now 1"])
    }
}
