/// Coq layer MmioSPTOps: the shadow-table walk under the SPT lock (implementation level).
extension ImplState {
    mutating func init_spt(_ cbndx: Int, _ index: Int, _ ctx: inout CallContext) {
        acquire(LockID.spt, &ctx)
        clear_smmu_pt(cbndx, index, &ctx)
        release(LockID.spt, .spt, &ctx)
    }
    mutating func walk_spt(_ cbndx: Int, _ index: Int, _ iova: UInt64, _ ctx: inout CallContext) -> UInt64 {
        acquire(LockID.spt, &ctx)
        let pte = walk_smmu_pt(cbndx, index, iova, &ctx)
        release(LockID.spt, .spt, &ctx)
        return data.halt ? 0 : pte
    }
    mutating func map_spt(_ cbndx: Int, _ index: Int, _ iova: UInt64, _ pte: UInt64, _ ctx: inout CallContext) {
        acquire(LockID.spt, &ctx)
        set_smmu_pt(cbndx, index, iova, pte, &ctx)
        release(LockID.spt, .spt, &ctx)
    }
    mutating func unmap_spt(_ cbndx: Int, _ index: Int, _ iova: UInt64, _ ctx: inout CallContext) -> UInt64 {
        acquire(LockID.spt, &ctx)
        let res = walk_smmu_pt(cbndx, index, iova, &ctx)
        hit(res == 0 ? .clearUnmapped : .clearMapped, &ctx)
        if res == 0 {
            release(LockID.spt, .spt, &ctx)
            return 0
        }
        set_smmu_pt(cbndx, index, iova, 0, &ctx)
        release(LockID.spt, .spt, &ctx)
        return data.halt ? 0 : res
    }
}
