/// Coq layers PTAlloc, PTWalk and NPTWalk: the host NPT (4 levels); the implementation over
/// the tables in RAM, the spec's atomic `local_mmap` over `AbstractNPT`.
extension ImplState {
    /// Takes the next page of NPT pool `level` (0 pgd, 1 pud, 2 pmd); 0 and a panic when full.
    private mutating func allocNPT(level: Int, _ ctx: inout CallContext) -> UInt64 {
        if data.halt { return 0 }
        let l = carve.nptLayout
        let (n, end, what): (UInt64, UInt64, String) =
            level == 0 ? (nptPgdNext, l.pudStart, "pgd") : level == 1 ? (nptPudNext, l.pmdStart, "pud") : (nptPmdNext, l.poolEnd, "pmd")
        guard n &+ 4096 <= carve.nptPA(end) else {
            hit(.nptPoolExhausted, &ctx)
            panic(&ctx, "map_page_host", "host NPT \(what) pool exhausted")
            return 0
        }
        switch level {
        case 0: nptPgdNext = n &+ 4096
        case 1: nptPudNext = n &+ 4096
        default: nptPmdNext = n &+ 4096
        }
        return n
    }
    /// One allocating (or not) step of the NPT walk.
    private mutating func walkNPT(_ table: UInt64, _ idx: Int, alloc: Bool, level: Int, _ ctx: inout CallContext) -> UInt64 {
        if data.halt || table == 0 { return 0 }
        let p = KC.phys_page(table) | UInt64(idx * 8)
        var e = load(p, &ctx)
        if e == 0 && alloc {
            let page = allocNPT(level: level, &ctx)
            if data.halt { return 0 }
            e = page | 3
            store(p, e, &ctx)
        }
        return e
    }
    /// `get_npt_level(0, addr)`: 3 when a page maps `addr`, 2 for a block, 0 otherwise.
    mutating func get_npt_level(_ addr: UInt64, _ ctx: inout CallContext) -> Int {
        let pgd = walkNPT(vttbr, KC.pgd_index(addr), alloc: false, level: 0, &ctx)
        let pud = walkNPT(pgd, KC.pud_index(addr), alloc: false, level: 1, &ctx)
        if data.halt || pud == 0 { return 0 }
        let pmd = load(KC.phys_page(pud) | UInt64(KC.pmd_index(addr) * 8), &ctx)
        if pmd & 3 == 3 {
            let pte = load(KC.phys_page(pmd) | UInt64(KC.pte_index(addr) * 8), &ctx)
            return KC.phys_page(pte) == 0 ? 0 : 3
        }
        return KC.phys_page(pmd) == 0 ? 0 : 2
    }
    /// `set_npt(0, addr, 3, pte)`: allocating walk, then the leaf store under the tstate rule.
    mutating func set_npt(_ addr: UInt64, _ pte: UInt64, _ ctx: inout CallContext) {
        if data.halt { return }
        guard data.tstate == 0 else {
            ctx.flagUndefined("second leaf write in one critical section (tstate)")
            return
        }
        let pgd = walkNPT(vttbr, KC.pgd_index(addr), alloc: true, level: 0, &ctx)
        let pud = walkNPT(pgd, KC.pud_index(addr), alloc: true, level: 1, &ctx)
        let pmd = walkNPT(pud, KC.pmd_index(addr), alloc: true, level: 2, &ctx)
        if data.halt { return }
        if pmd & 3 != 3 {
            hit(.nptBlock, &ctx)
            panic(&ctx, "set_npt", "IPA 0x\(String(addr, radix: 16)) inside a 2 MiB block")
            return
        }
        hit(.nptMapped, &ctx)
        store(KC.phys_page(pmd) | UInt64(KC.pte_index(addr) * 8), pte, &ctx)
        data.tstate = 1
        ctx.hostTLBInvalidations.append(addr & ~0xFFF)
    }
}

extension MmioOps.Spec {
    /// Coq: NPTWalk, local_mmap, level 3 (the only level these handlers use), host NPT.
    /// - Returns: true to halt (the gfn sits in a 2 MiB block, or a pool is exhausted).
    static func local_mmap(_ npt: inout AbstractNPT, _ ctx: inout CallContext, addr: UInt64, level: Int, pte: UInt64) -> Bool {
        let gfn = addr / 4096
        if npt.entry(gfn).level == 2 { ctx.hit(.nptBlock); return true }
        let lay = npt.layout
        let g = KC.pgd_index(addr), u = KC.pud_index(addr), m = KC.pmd_index(addr)
        let pgdNext = npt.pgdT.contains(g) ? npt.pgdNext : npt.pgdNext &+ 4096
        let pudNext = npt.pudT.contains(g << 9 | u) ? npt.pudNext : npt.pudNext &+ 4096
        let pmdNext = npt.pmdT.contains(g << 18 | u << 9 | m) ? npt.pmdNext : npt.pmdNext &+ 4096
        ctx.tableAccesses += 4
        guard pgdNext <= lay.pudStart && pudNext <= lay.pmdStart && pmdNext <= lay.poolEnd else {
            ctx.hit(.nptPoolExhausted)
            return true
        }
        ctx.hit(.nptMapped)
        npt.pt[gfn] = .init(pfn: KC.phys_page(pte) / 4096, level: 3, pte: pte)
        npt.pgdT.insert(g)
        npt.pudT.insert(g << 9 | u)
        npt.pmdT.insert(g << 18 | u << 9 | m)
        npt.pgdNext = pgdNext
        npt.pudNext = pudNext
        npt.pmdNext = pmdNext
        ctx.hostTLBInvalidations.append(gfn << 12)
        return false
    }
}
