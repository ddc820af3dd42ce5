import Stage2
import Testing
import TestSupport
@testable import KCore

/// The refinement check and `abstractState` keep the implementation's host-NPT abstraction
/// current from the words each call stores instead of re-reading the whole NPT. The full
/// abstraction function (`ImplState.abstractNPT`) is the reference: after any sequence of
/// table writes, in any order, the incremental one must equal it.
@Suite struct IncrementalAbstractionTests {
    /// Stores `value` at `pa` as the implementation does (recorded in `writes`).
    func store(_ m: ImplState, _ pa: UInt64, _ value: UInt64, _ writes: inout [UInt64]) {
        _ = m.memory.store(pa, size: 8, value: value)
        writes.append(pa)
    }

    func incrementalEqualsFull(_ m: ImplState, _ a: inout AbstractNPT, _ ix: inout NPTTableIndex, _ writes: [UInt64]) -> Bool {
        var touched = Set<NPTTableIndex.Position>()
        m.updateAbstractNPT(&a, &ix, writes: writes, touched: &touched)
        return a == m.abstractNPT()
    }

    @Test func tableWritesInAnyOrderLinkingUnlinkingAndSharing() {
        let (k, _, _) = makeCore()
        let m = k.impl
        let l = k.carveOut.nptLayout
        let t1 = k.carveOut.nptPA(l.pgdStart), t2 = k.carveOut.nptPA(l.pudStart)
        let t3 = k.carveOut.nptPA(l.pmdStart), t3b = t3 + 4096
        var (a, ix) = m.abstractNPTIndexed()
        var w: [UInt64] = []

        // A leaf written into a level-3 table before the tables above it link it.
        store(m, t3 + 5 * 8, 0x4000_5000 | 0x7FF, &w)
        store(m, t2 + 1 * 8, t3 | 3, &w)
        store(m, t1 + 0 * 8, t2 | 3, &w)
        store(m, m.vttbr + 0 * 8, t1 | 3, &w)
        #expect(incrementalEqualsFull(m, &a, &ix, w))
        #expect(a.pt[1 << 9 | 5]?.pte == 0x4000_5000 | 0x7FF)

        // A leaf in a table already linked; then a second level-3 table.
        w = []
        store(m, t3 + 6 * 8, 0x4000_6000 | 0x7FF, &w)
        store(m, t3b + 0, 0x4000_7000 | 0x7FF, &w)
        store(m, t2 + 2 * 8, t3b | 3, &w)
        #expect(incrementalEqualsFull(m, &a, &ix, w))

        // One table linked from two entries (a corrupt tree): both ranges see its leaves, and
        // a write to it changes both.
        w = []
        store(m, t2 + 3 * 8, t3 | 3, &w)
        #expect(incrementalEqualsFull(m, &a, &ix, w))
        w = []
        store(m, t3 + 7 * 8, 0x4000_8000 | 0x7FF, &w)
        #expect(incrementalEqualsFull(m, &a, &ix, w))
        #expect(a.pt[3 << 9 | 7] != nil && a.pt[1 << 9 | 7] != nil)

        // Unlinking a level-2 entry drops its subtree; a block entry (not a table) keeps the
        // flag but links nothing; clearing a leaf removes it.
        w = []
        store(m, t2 + 1 * 8, 0, &w)
        store(m, t2 + 2 * 8, 0x4020_0000 | 1, &w)
        store(m, t3 + 6 * 8, 0, &w)
        #expect(incrementalEqualsFull(m, &a, &ix, w))
        #expect(a.pt[1 << 9 | 5] == nil && a.pt[2 << 9] == nil)

        // Unlinking at the root drops everything below.
        w = []
        store(m, m.vttbr, 0, &w)
        #expect(incrementalEqualsFull(m, &a, &ix, w))
        #expect(a.pt.isEmpty && a.pmdT.isEmpty && a.pudT.isEmpty)
    }

    /// Random words written into a small random tree (tables, leaves, zeros, pointers outside
    /// the pool), compared with the full abstraction after every batch.
    @Test func randomTableWritesMatchTheFullAbstraction() {
        let (k, _, _) = makeCore()
        let m = k.impl
        let l = k.carveOut.nptLayout
        let tables = [m.vttbr] + (0..<3).map { k.carveOut.nptPA(l.pgdStart) + $0 * 4096 }
            + (0..<3).map { k.carveOut.nptPA(l.pudStart) + $0 * 4096 } + (0..<4).map { k.carveOut.nptPA(l.pmdStart) + $0 * 4096 }
        var rng = SplitMix64(state: 0x1_0C2E)
        var (a, ix) = m.abstractNPTIndexed()
        for batch in 0..<400 {
            var w: [UInt64] = []
            for _ in 0..<(1 + rng.below(6)) {
                let pa = rng.pick(tables) + UInt64(rng.below(8)) * 8
                let v: UInt64
                switch rng.below(4) {
                case 0: v = 0
                case 1: v = rng.pick(tables) | 3
                case 2: v = 0x4000_0000 + UInt64(rng.below(256)) << 12 | 0x7FF
                default: v = 0x1000 | 3  // a "table" outside the pool
                }
                store(m, pa, v, &w)
            }
            #expect(incrementalEqualsFull(m, &a, &ix, w), "batch \(batch)")
        }
    }

    /// Storage address of a dictionary (its one reference), to see whether a call copied it.
    func storage<K, V>(_ d: [K: V]) -> UInt { unsafeBitCast(d, to: UInt.self) }

    /// With --check-refinement, mapping host pages updates the spec level's NPT in place: over
    /// 6,000 map_page_host calls its storage moves only when the dictionary grows (O(log n)),
    /// where a check that copied or re-read the NPT would move it on every call.
    @Test func aCheckedRunOfHostFaultsCopiesNoNPT() {
        let (k, _, _) = makeCore(.impl, check: true)
        var moves = 0
        _ = mmio(k, ipa: 0x4000_0000 + 0x10_0000, len: 8, write: false)
        var last = storage(k.spec.npt.pt)
        for i in 1..<6000 {
            let (o, _) = mmio(k, ipa: 0x4010_0000 + UInt64(i) << 12, len: 8, write: false)
            #expect(o.refinement == nil && o.panic == nil)
            let s = storage(k.spec.npt.pt)
            if s != last { moves += 1 }
            last = s
        }
        #expect(moves <= 24, "the spec level's NPT moved \(moves) times in 6000 calls")
        #expect(k.spec.npt == k.impl.abstractNPT())
        #expect(k.implNPT?.npt == k.impl.abstractNPT())
    }

    /// A reader sees what was written since it looked, or nil once that was dropped; the
    /// journal stays bounded when nobody reads it.
    @Test func theWriteJournalIsBounded() {
        var t = S2PageTable(ramBase: 0x4000_0000, ramSize: 64 << 20, carveOutBase: 0x4300_0000)
        t[0x40001].count = 1
        let mark = t.journal.ever
        t[0x40002].count = 1
        #expect(t.journal.since(mark).map(Array.init) == [0x40002])
        for i in 0..<(2 * WriteJournal.limit) { t[0x40000 + UInt64(i % 100)].count = 1 }
        #expect(t.journal.keys.count <= WriteJournal.limit)
        #expect(t.journal.since(mark) == nil)
        #expect(t.journal.since(t.journal.ever)?.isEmpty == true)
    }

    /// `--check-invariants` checks after each call only what the call changed (the ownership
    /// records in the journal, the NPT entries it invalidated) plus the small tables whole.
    /// Over random runs in which pages also change owner behind the handlers' back, the
    /// violations found that way are, cumulatively, those the full check finds after every
    /// call.
    @Test func theIncrementalInvariantCheckFindsWhatTheFullCheckFinds() {
        var found = 0
        for seed in UInt64(1)...12 {
            var run = RefinementRun(seed: seed)
            run.setUp()
            let k = run.k
            var full = Set(KCoreInvariants.check(k.abstractState)), inc = full
            var seen = k.data.s2page.journal.ever
            for _ in 0..<250 where !k.halted {
                if run.rng.chance(8) {
                    // A host page given to a VM, or a share count out of bounds, unnoticed by EL2.
                    let pfn = 0x4000_0000 / 4096 + UInt64(run.rng.below(4096))
                    if run.rng.chance(50) { k.impl.data.s2page[pfn].owner = 1 } else { k.impl.data.s2page[pfn].count = 99 }
                }
                let mark = run.invalidated.count
                run.step()
                guard let pages = k.data.s2page.journal.since(seen) else { Issue.record("journal fell behind"); break }
                inc.formUnion(KCoreInvariants.check(data: k.data, spt: k.drivingSPT, changedPages: pages,
                                                    changedGFNs: run.invalidated[mark...].map { $0 >> 12 }, npt: k.hostNPTEntry))
                seen = k.data.s2page.journal.ever
                full.formUnion(KCoreInvariants.check(k.abstractState))
            }
            #expect(inc == full, "seed \(seed): only full \(full.subtracting(inc)), only incremental \(inc.subtracting(full))")
            found += full.count
        }
        #expect(found > 20, "the runs broke too few invariants to show anything")
    }
}
