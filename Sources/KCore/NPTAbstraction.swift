/// Where each table page of the host NPT sits in the tree: what the incremental abstraction
/// needs to turn a written word back into the IPA range it governs.
///
/// Level 0 is the root (`vttbr`), 1–2 the intermediate tables, 3 the leaf tables. An entry of
/// a level-L table is named by its key `prefix << 9 | index`, the same keys `AbstractNPT`
/// uses: `pgdT` holds level-0 keys, `pudT` level-1, `pmdT` level-2 and `pt` level-3 (gfns).
struct NPTTableIndex: Sendable {
    /// A table (level, prefix), or an entry (level, key) when used as a key.
    struct Position: Hashable, Sendable {
        public var level: Int
        var prefix: UInt64
    }
    /// Table page → where it is linked (more than one place only in a corrupt tree, which the
    /// full abstraction would also read once per link).
    var tables: [UInt64: [Position]] = [:]
    /// (level, key) of a table entry → the child table page it links.
    var children: [Position: UInt64] = [:]
    init() {}
}

extension ImplState {
    /// The abstraction function for the host NPT (4 levels from the root page), and the index
    /// `updateAbstractNPT` keeps it current with.
    func abstractNPTIndexed() -> (AbstractNPT, NPTTableIndex) {
        var a = AbstractNPT(layout: carve.nptLayout)
        var ix = NPTTableIndex()
        setPoolPointers(&a)
        ix.tables[vttbr] = [.init(level: 0, prefix: 0)]
        var touched = Set<NPTTableIndex.Position>()
        readNPTTable(vttbr, level: 0, prefix: 0, &a, &ix, &touched)
        return (a, ix)
    }

    /// Brings `a` (the abstraction before a call) up to the tables in memory after it, given
    /// the physical addresses of the words the call stored (`CallContext.nptWrites`). Only the
    /// entries written, and the subtrees they link or unlink, are read again: a call costs what
    /// it wrote, not what the NPT maps. Writes are handled root first, so a table linked by
    /// the call is read whole once it is in the tree, whatever order the call wrote in.
    func updateAbstractNPT(_ a: inout AbstractNPT, _ ix: inout NPTTableIndex, writes: [UInt64],
                                  touched: inout Set<NPTTableIndex.Position>) {
        setPoolPointers(&a)
        guard !writes.isEmpty else { return }
        let words = Set(writes.map { $0 & ~7 }).sorted()
        for level in 0...3 {
            for w in words {
                for pos in ix.tables[w & ~0xFFF] ?? [] where pos.level == level {
                    let key = pos.prefix << 9 | (w & 0xFFF) >> 3
                    removeNPTEntry(level: level, key: key, &a, &ix, &touched)
                    addNPTEntry(level: level, key: key, memory.load(w, size: 8) ?? 0, &a, &ix, &touched)
                }
            }
        }
    }

    /// The level-3 entry for `gfn` as the abstraction sees it (tables linked through the pool
    /// only), 0 when there is none.
    func nptLeaf(gfn: UInt64) -> UInt64 {
        var t = vttbr
        for shift in [27, 18, 9] as [UInt64] {
            let e = memory.load(t | (gfn >> shift & 511) << 3, size: 8) ?? 0
            guard let c = nptChild(e) else { return 0 }
            t = c
        }
        return memory.load(t | (gfn & 511) << 3, size: 8) ?? 0
    }

    private func setPoolPointers(_ a: inout AbstractNPT) {
        a.pgdNext = carve.nptModel(nptPgdNext)
        a.pudNext = carve.nptModel(nptPudNext)
        a.pmdNext = carve.nptModel(nptPmdNext)
    }

    /// The table page an entry links: a table descriptor inside the NPT pool, else nil.
    private func nptChild(_ e: UInt64) -> UInt64? {
        let l = carve.nptLayout
        let t = KC.phys_page(e)
        return e & 3 == 3 && t >= carve.nptPA(l.pgdStart) && t < carve.nptPA(l.poolEnd) ? t : nil
    }

    private func readNPTTable(_ t: UInt64, level: Int, prefix: UInt64, _ a: inout AbstractNPT, _ ix: inout NPTTableIndex,
                              _ touched: inout Set<NPTTableIndex.Position>) {
        forEachEntry(t, count: 512) { i, e in
            addNPTEntry(level: level, key: prefix << 9 | UInt64(i), e, &a, &ix, &touched)
        }
    }

    /// Records entry `e` (non-zero) of a level-`level` table at `key`, and the subtree it links.
    private func addNPTEntry(level: Int, key: UInt64, _ e: UInt64, _ a: inout AbstractNPT, _ ix: inout NPTTableIndex,
                             _ touched: inout Set<NPTTableIndex.Position>) {
        guard e != 0 else { return }
        touched.insert(.init(level: level, prefix: key))
        switch level {
        case 3:
            a.pt[key] = .init(pfn: KC.phys_page(e) / 4096, level: 3, pte: e)
            return
        case 2: a.pmdT.insert(Int(truncatingIfNeeded: key))
        case 1: a.pudT.insert(Int(truncatingIfNeeded: key))
        default: a.pgdT.insert(Int(truncatingIfNeeded: key))
        }
        guard let t = nptChild(e) else { return }
        let here = NPTTableIndex.Position(level: level, prefix: key)
        ix.children[here] = t
        ix.tables[t, default: []].append(.init(level: level + 1, prefix: key))
        readNPTTable(t, level: level + 1, prefix: key, &a, &ix, &touched)
    }

    /// Forgets the entry at `key` of a level-`level` table and the subtree it linked, from the
    /// abstraction alone (memory already holds the new value).
    private func removeNPTEntry(level: Int, key: UInt64, _ a: inout AbstractNPT, _ ix: inout NPTTableIndex,
                                _ touched: inout Set<NPTTableIndex.Position>) {
        touched.insert(.init(level: level, prefix: key))
        switch level {
        case 3:
            a.pt[key] = nil
            return
        case 2: a.pmdT.remove(Int(truncatingIfNeeded: key))
        case 1: a.pudT.remove(Int(truncatingIfNeeded: key))
        default: a.pgdT.remove(Int(truncatingIfNeeded: key))
        }
        let here = NPTTableIndex.Position(level: level, prefix: key)
        guard let t = ix.children.removeValue(forKey: here) else { return }
        let child = NPTTableIndex.Position(level: level + 1, prefix: key)
        ix.tables[t]?.removeAll { $0 == child }
        if ix.tables[t]?.isEmpty == true { ix.tables[t] = nil }
        for i in UInt64(0)..<512 {
            let k = key << 9 | i
            let present: Bool
            switch level + 1 {
            case 3: present = a.pt[k] != nil
            case 2: present = a.pmdT.contains(Int(truncatingIfNeeded: k))
            default: present = a.pudT.contains(Int(truncatingIfNeeded: k))
            }
            if present { removeNPTEntry(level: level + 1, key: k, &a, &ix, &touched) }
        }
    }
}

/// An NPT abstraction and the index that keeps it current (`KCore.implNPT`).
struct IncrementalNPTAbstraction {
    var npt: AbstractNPT
    var index: NPTTableIndex
}

extension KCore {
    /// Brings `implNPT` up to the implementation's tables after a call that stored `writes`,
    /// building it whole the first time. - Returns: the entries that changed, by level and
    /// key; nil when the abstraction was built whole (compare everything).
    func updateImplNPT(writes: [UInt64]) -> Set<NPTTableIndex.Position>? {
        guard var cached = implNPT else {
            let (a, ix) = impl.abstractNPTIndexed()
            implNPT = IncrementalNPTAbstraction(npt: a, index: ix)
            return nil
        }
        implNPT = nil  // owned by `cached` alone while it is updated in place
        var touched = Set<NPTTableIndex.Position>()
        impl.updateAbstractNPT(&cached.npt, &cached.index, writes: writes, touched: &touched)
        implNPT = cached
        return touched
    }

    /// The NPT entries `local_mmap` wrote at the spec level (it reports each gfn it maps as a
    /// TLB invalidation), with the table entries above them.
    static func specNPTTouched(_ invalidations: [UInt64]) -> Set<NPTTableIndex.Position> {
        var out = Set<NPTTableIndex.Position>()
        for ipa in invalidations {
            let gfn = ipa >> 12
            out.insert(.init(level: 3, prefix: gfn))
            out.insert(.init(level: 2, prefix: gfn >> 9))
            out.insert(.init(level: 1, prefix: gfn >> 18))
            out.insert(.init(level: 0, prefix: gfn >> 27))
        }
        return out
    }
}

extension AbstractNPT {
    /// Whether the level-0…2 entry at `p` (level, key) is set (`pgdT`/`pudT`/`pmdT`).
    func hasTable(_ p: NPTTableIndex.Position) -> Bool {
        let k = Int(truncatingIfNeeded: p.prefix)
        switch p.level {
        case 0: return pgdT.contains(k)
        case 1: return pudT.contains(k)
        default: return pmdT.contains(k)
        }
    }
}
