/// Coq layer MmioPTWalk: one step of the SMMU table walk (3 levels, 40-bit IOVA, 2
/// concatenated top pages), implementation level.
extension ImplState {
    mutating func walk_smmu_pgd(_ ttbr: UInt64, _ a: UInt64, alloc: Bool, _ ctx: inout CallContext) -> UInt64 {
        if data.halt { return 0 }
        let p = KC.phys_page(ttbr) | UInt64(KC.stage2_pgd_index(a) * 8)
        var e = load(p, &ctx)
        if e == 0 && alloc {
            let next = alloc_smmu_pgd_page(&ctx)
            if data.halt { return 0 }
            hit(.sptNewLevel2, &ctx)
            e = next | 3
            store(p, e, &ctx)
        }
        return e
    }
    mutating func walk_smmu_pmd(_ pgd: UInt64, _ a: UInt64, alloc: Bool, _ ctx: inout CallContext) -> UInt64 {
        if data.halt || pgd == 0 { return 0 }
        let p = KC.phys_page(pgd) | UInt64(KC.pmd_index(a) * 8)
        var e = load(p, &ctx)
        if e == 0 && alloc {
            let next = alloc_smmu_pmd_page(&ctx)
            if data.halt { return 0 }
            hit(.sptNewLevel3, &ctx)
            e = next | 3
            store(p, e, &ctx)
        }
        return e
    }
    mutating func walk_smmu_pte(_ pmd: UInt64, _ a: UInt64, _ ctx: inout CallContext) -> UInt64 {
        if data.halt || pmd == 0 { return 0 }
        return load(KC.phys_page(pmd) | UInt64(KC.pte_index(a) * 8), &ctx)
    }
    /// Leaf store: the transactional rule (one leaf write per critical section, `tstate`).
    mutating func set_smmu_pte(_ pmd: UInt64, _ a: UInt64, _ pte: UInt64, _ ctx: inout CallContext) {
        if data.halt { return }
        guard data.tstate == 0 else {
            ctx.flagUndefined("second leaf write in one critical section (tstate)")
            return
        }
        hit(.sptStored, &ctx)
        store(KC.phys_page(pmd) | UInt64(KC.pte_index(a) * 8), pte, &ctx)
        data.tstate = 1
    }
}
