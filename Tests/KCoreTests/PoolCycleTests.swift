import Stage2
import Testing
@testable import KCore

/// Allocate, map, translate, clear, free, many times: what must come back to where it started
/// does, and the EL2 page-table pools grow only as the spec says.
///
/// The spec never returns a shadow table page to its pool: `el2_alloc_smmu_pgd` clears only the
/// bank's root (`clear_smmu_pt`), and the level-2/3 pages hanging off the old root are
/// forgotten (REFERENCE.md, "The SMMU page-table calls"). So a full alloc/free cycle cannot bring
/// pool usage back to the start: it costs exactly one level-2 and one level-3 page per 1 GiB /
/// 2 MiB region it maps, and the 257th such cycle exhausts the pool. Within one allocation,
/// mapping and clearing again and again costs nothing after the first time.
///
/// Runs at the implementation level with the refinement check: at the spec level
/// `el2_arm_lpae_map` never maps on a VM's bank (its assign wants VERIFIED, its map refuses
/// VERIFIED: divergence D1), so the cycle only exists at the implementation level.
@Suite struct PoolCycleTests {
    /// VM 1, powered off (the state in which the C both assigns and frees), no bank yet.
    func poweredOffVM() -> KCore {
        let (k, _, _) = makeCore(.impl, check: true)
        _ = hvc(k, 13)
        k.powerOffVM(1)
        return k
    }

    /// SPT pool pages in use (level-2 and level-3 pools), and host NPT pool pages in use.
    func usage(_ k: KCore) -> (spt: UInt64, npt: UInt64) {
        let i = k.impl, l = k.carveOut.nptLayout
        let pgd: UInt64 = i.sptPgdNext - k.carveOut.sptPA(KC.SMMU_PGD_START)
        let pmd: UInt64 = i.sptPmdNext - k.carveOut.sptPA(KC.SMMU_PMD_START)
        let n0: UInt64 = i.nptPgdNext - k.carveOut.nptPA(l.pgdStart)
        let n1: UInt64 = i.nptPudNext - k.carveOut.nptPA(l.pudStart)
        let n2: UInt64 = i.nptPmdNext - k.carveOut.nptPA(l.pmdStart)
        return ((pgd + pmd) / 4096, (n0 + n1 + n2) / 4096)
    }

    /// Four host pages mapped in one 2 MiB region of bank 2.
    static let pages: [(iova: UInt64, pa: UInt64)] = (UInt64(0)..<4).map { i -> (iova: UInt64, pa: UInt64) in
        (iova: 0x1000_0000 + i * 0x1000, pa: 0x4040_0000 + i * 0x1000)
    }

    /// One cycle; every call must succeed and translate as mapped.
    func cycle(_ k: KCore, cpu: Int) {
        #expect(hvc(k, 24, 2, 1, 0, cpu: cpu).0.panic == nil)
        for p in Self.pages {
            #expect(hvc(k, 25, p.iova, p.pa, 3, 2, 0, cpu: cpu).0.panic == nil)
            #expect(hvc(k, 26, p.iova | 0x40, 2, 0, cpu: cpu).1.x[0] == p.pa | 0x40)
        }
        for p in Self.pages {
            #expect(hvc(k, 27, p.iova, 2, 0, cpu: cpu).0.panic == nil)
            #expect(hvc(k, 26, p.iova | 0x40, 2, 0, cpu: cpu).1.x[0] == 0x40)
        }
        #expect(hvc(k, 23, 2, 0, cpu: cpu).0.panic == nil)
    }

    @Test func fullCyclesRestoreEverythingButTheTablePagesTheSpecNeverReturns() {
        let k = poweredOffVM()
        let start = usage(k)
        cycle(k, cpu: 0)
        let owned = k.data.s2page
        let afterOne = usage(k)
        #expect(afterOne.spt - start.spt == 2)  // one level-2 and one level-3 page
        for n in 2...100 {
            cycle(k, cpu: n % 8)
            #expect(!k.halted)
            // Back where it was: the bank is free, no lock is held, page ownership is what the
            // first cycle made it (the VM keeps what it was given), the host NPT pool did not move,
            // and the bank's shadow table maps nothing.
            #expect(k.data.smmuVmid[KC.smmu_id(0, 2)] == KC.INVALID)
            #expect(k.data.locks.holder.isEmpty)
            #expect(k.data.s2page == owned)
            #expect(usage(k).npt == start.npt)
            #expect(k.impl.abstractSPT().pt[KC.SMMU_TTBR(0, 2)] == nil)
            // The only growth: two table pages per cycle, as the spec prescribes.
            #expect(usage(k).spt == start.spt + 2 * UInt64(n))
        }
        #expect(k.refinementReports.allSatisfy { $0.known != nil })
        // Every lock's log is a well-formed history that ends free.
        for (id, log) in k.data.locks.log where id != LockID.flatmem { #expect(LockTable.validate(log) == (true, nil)) }
    }

    @Test func mapAndClearWithinOneAllocationLeakNothing() {
        let k = poweredOffVM()
        #expect(hvc(k, 24, 2, 1, 0).0.panic == nil)
        for p in Self.pages {  // the first round assigns the pages and allocates the tables
            #expect(hvc(k, 25, p.iova, p.pa, 3, 2, 0).0.panic == nil)
            #expect(hvc(k, 27, p.iova, 2, 0).0.panic == nil)
        }
        let settled = (usage(k), k.data.s2page)
        for i in 0..<500 {
            let q = Self.pages[i % 4]
            #expect(hvc(k, 25, q.iova, q.pa, 3, 2, 0, cpu: i % 8).0.panic == nil)
            #expect(hvc(k, 27, q.iova, 2, 0, cpu: (i + 3) % 8).0.panic == nil)
        }
        #expect(usage(k) == settled.0)
        #expect(k.data.s2page == settled.1)
        #expect(k.impl.abstractSPT().pt[KC.SMMU_TTBR(0, 2)] == nil)
        #expect(k.data.locks.holder.isEmpty)
    }

    /// The pools are 256 pages per level: with two pages per cycle the 256th cycle's map takes
    /// the last level-2 page and the 257th panics, with the locks the spec leaves held.
    @Test func theTwoHundredFiftySeventhCycleExhaustsThePool() {
        let k = poweredOffVM()
        let p = Self.pages[0]
        var panicked: Int?
        for n in 1...260 {
            _ = hvc(k, 24, 2, 1, 0)
            if let why = hvc(k, 25, p.iova, p.pa, 3, 2, 0).0.panic {
                #expect(why.condition.contains("pool exhausted"))
                panicked = n
                break
            }
            _ = hvc(k, 27, p.iova, 2, 0)
            _ = hvc(k, 23, 2, 0)
        }
        #expect(panicked == 257)
        #expect(Set(k.data.locks.holder.keys) == [LockID.smmu, LockID.info(1), LockID.s2page, LockID.spt])
    }
}
