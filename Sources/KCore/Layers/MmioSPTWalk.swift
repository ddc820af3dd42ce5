/// Coq layer MmioSPTWalk: the whole SMMU shadow-table walk; the implementation over the tables
/// in RAM, the spec's atomic `local_spt_map` over `AbstractSPT`.
extension ImplState {
    /// `clear_smmu_pt` → `smmu_pt_clear`: zeroes the bank's 1024 root words. (Coq's model loop
    /// rewrites the same word 1024 times, quirk Q19 / D4; we zero the whole root, which is what
    /// the loop is for and what the high-level spec assumes.)
    mutating func clear_smmu_pt(_ cbndx: Int, _ index: Int, _ ctx: inout CallContext) {
        if data.halt { return }
        let root = get_smmu_cfg_hw_ttbr(cbndx, index)
        memory.zero(root, length: 8192)
        ctx.tableAccesses += 1024
        ctx.sptWritten = true
        data.tstate = 1
    }
    mutating func walk_smmu_pt(_ cbndx: Int, _ index: Int, _ iova: UInt64, _ ctx: inout CallContext) -> UInt64 {
        let ttbr = get_smmu_cfg_hw_ttbr(cbndx, index)
        let pgd = walk_smmu_pgd(ttbr, iova, alloc: false, &ctx)
        let pmd = walk_smmu_pmd(pgd, iova, alloc: false, &ctx)
        let pte = walk_smmu_pte(pmd, iova, &ctx)
        return data.halt ? 0 : pte
    }
    mutating func set_smmu_pt(_ cbndx: Int, _ index: Int, _ iova: UInt64, _ pte: UInt64, _ ctx: inout CallContext) {
        let ttbr = get_smmu_cfg_hw_ttbr(cbndx, index)
        let pgd = walk_smmu_pgd(ttbr, iova, alloc: true, &ctx)
        let pmd = walk_smmu_pmd(pgd, iova, alloc: true, &ctx)
        set_smmu_pte(pmd, iova, pte, &ctx)
    }
}

extension MmioOps.Spec {
    /// Coq: MmioSPTWalk, local_spt_map. - Returns: true when a pool is exhausted (nothing
    /// changed).
    static func local_spt_map(_ spt: inout AbstractSPT, _ ctx: inout CallContext, cbndx: Int, index: Int, iova: UInt64, pte: UInt64) -> Bool {
        let ttbr = KC.SMMU_TTBR(index, cbndx)
        let g = KC.stage2_pgd_index(iova)
        let m = KC.pmd_index(iova)
        let pgdCharged = spt.pgdT[ttbr]?.contains(g) ?? false
        let pmdCharged = spt.pmdT[ttbr]?.contains(g << 9 | m) ?? false
        let pgdNext = pgdCharged ? spt.pgdNext : spt.pgdNext &+ 4096
        let pmdNext = pmdCharged ? spt.pmdNext : spt.pmdNext &+ 4096
        ctx.tableAccesses += 3
        guard pgdNext <= KC.SMMU_PMD_START && pmdNext <= KC.SMMU_POOL_END else {
            ctx.hit(pgdNext > KC.SMMU_PMD_START ? .sptPgdPoolExhausted : .sptPmdPoolExhausted)
            return true
        }
        if !pgdCharged { ctx.hit(.sptNewLevel2) }
        if !pmdCharged { ctx.hit(.sptNewLevel3) }
        ctx.hit(.sptStored)
        spt.setEntry(ttbr, iova / 4096, .init(pfn: KC.phys_page(pte) / 4096, pte: pte))
        spt.pgdT[ttbr, default: []].insert(g)
        spt.pmdT[ttbr, default: []].insert(g << 9 | m)
        spt.pgdNext = pgdNext
        spt.pmdNext = pmdNext
        return false
    }
}
