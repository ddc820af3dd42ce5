/// Coq layer MmioPTAlloc: the SMMU page-table pools (implementation level).
extension ImplState {
    mutating func alloc_smmu_pgd_page(_ ctx: inout CallContext) -> UInt64 {
        if data.halt { return 0 }
        let next = sptPgdNext
        if next &+ 4096 <= carve.sptPA(KC.SMMU_PMD_START) {
            sptPgdNext = next &+ 4096
            return next
        }
        hit(.sptPgdPoolExhausted, &ctx)
        panic(&ctx, "alloc_smmu_pgd_page", "SMMU pgd pool exhausted")
        return 0
    }
    mutating func alloc_smmu_pmd_page(_ ctx: inout CallContext) -> UInt64 {
        if data.halt { return 0 }
        let next = sptPmdNext
        if next &+ 4096 <= carve.sptPA(KC.SMMU_POOL_END) {
            sptPmdNext = next &+ 4096
            return next
        }
        hit(.sptPmdPoolExhausted, &ctx)
        panic(&ctx, "alloc_smmu_pmd_page", "SMMU pmd pool exhausted")
        return 0
    }
}
