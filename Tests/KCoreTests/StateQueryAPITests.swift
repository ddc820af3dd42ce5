import Stage2
import Testing
import TestSupport
@testable import KCore

/// KCore's query API reads the driving level's state without building an abstraction: its
/// answers must be the abstraction's, at both levels, for mapped and unmapped addresses.
@Suite struct StateQueryAPITests {
    /// A core with banks of SMMU0 and SMMU1 allocated and pages mapped at random IOVAs.
    func mappedCore(_ level: KCore.HandlerLevel, seed: UInt64) -> (KCore, [(Int, Int, UInt64)]) {
        let (k, _, _) = makeCore(level)
        _ = hvc(k, 13)
        var rng = SplitMix64(state: seed)
        var mapped: [(Int, Int, UInt64)] = []
        for (smmu, cb) in [(0, 0), (0, 5), (1, 3)] {
            _ = hvc(k, 24, UInt64(cb), 1, UInt64(smmu))  // owned by VM 1
            for _ in 0..<40 {
                let iova = UInt64(rng.below(1 << 20)) << 12 | UInt64(rng.below(1 << 8)) << 32
                let pa = 0x4010_0000 + UInt64(rng.below(2048)) << 12
                let o = hvc(k, 25, iova, pa, 0x40 | 3, UInt64(cb), UInt64(smmu)).0
                if o.panic == nil { mapped.append((smmu, cb, iova)) }
            }
        }
        return (k, mapped)
    }

    /// At the implementation level the entry comes from a walk of the tables in RAM (at the
    /// spec level it is the spec's own map, which is the abstraction by definition).
    @Test func shadowEntriesAreTheAbstractions() {
        let (k, mapped) = mappedCore(.impl, seed: 0x5157)
        let spt = k.drivingSPT
        var checked = 0
        for (smmu, cb) in [(0, 0), (0, 5), (1, 3)] {
            let ttbr = KC.SMMU_TTBR(smmu, cb)
            for (gfn, e) in spt.pt[ttbr] ?? [:] {
                #expect(k.shadowEntry(smmu: smmu, cb: cb, iova: gfn << 12 | 0x123) == e.pte, "SMMU\(smmu) CB\(cb) gfn 0x\(String(gfn, radix: 16))")
                checked += 1
            }
        }
        #expect(checked >= 40, "only \(checked) shadow entries were mapped")
        var rng = SplitMix64(state: 9)
        for (smmu, cb, iova) in mapped {
            for probe in [iova &+ 0x1000, UInt64(rng.below(1 << 28)) << 12] {
                #expect(k.shadowEntry(smmu: smmu, cb: cb, iova: probe) == spt.entry(KC.SMMU_TTBR(smmu, cb), probe >> 12).pte)
            }
        }
        // Beyond the walk's reach, and banks that do not exist.
        #expect(k.shadowEntry(smmu: 0, cb: 0, iova: 1 << 60) == 0)
        #expect(k.shadowEntry(smmu: 1, cb: 4, iova: mapped[0].2) == 0)
        #expect(k.shadowEntry(smmu: 2, cb: 0, iova: 0) == 0)
        #expect(k.shadowEntry(smmu: -1, cb: 0, iova: 0) == 0)
    }

    @Test func banksOwnersRootsAndPages() {
        let (k, _) = mappedCore(.impl, seed: 1)
        #expect(k.bankOwner(smmu: 0, cb: 5) == 1)
        #expect(k.bankOwner(smmu: 0, cb: 1) == KC.INVALID)
        #expect(k.bankOwner(smmu: 1, cb: 4) == nil)  // SMMU1 has 4 banks
        #expect(k.shadowRoot(smmu: 1, cb: 3) == k.carveOut.sptPA(KC.SMMU_TTBR(1, 3)))
        #expect(k.shadowRoot(smmu: 0, cb: 8) == nil)
        #expect(k.el2Memory.lowerBound == k.carveOut.base && k.el2Memory.count == Int(k.carveOut.size))
        #expect(k.vm(16) != nil && k.vm(17) == nil)
        #expect(k.page(pfn: k.carveOut.base >> 12).owner == KC.COREVISOR)
        let owned = k.vmOwnedPages()
        #expect(!owned.isEmpty && owned.allSatisfy { $0.owner == 1 && k.page(pfn: $0.pfn).owner == 1 })
        #expect(owned.map(\.pfn) == owned.map(\.pfn).sorted())
    }
}
