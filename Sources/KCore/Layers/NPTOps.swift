/// Coq layer NPTOps: `clear_pfn_host`, revoking the host's mapping of a page, at both levels.
extension ImplState {
    mutating func clear_pfn_host(_ pfn: UInt64, _ ctx: inout CallContext) {
        acquire(LockID.npt(0), &ctx)
        let level = get_npt_level(pfn &* 4096, &ctx)
        hit(level != 0 ? .clearPFNHostMapped : .clearPFNHostUnmapped, &ctx)
        if level != 0 { set_npt(pfn &* 4096, KC.PAGE_GUEST, &ctx) }
        release(LockID.npt(0), .npt, &ctx)
    }
}

extension MmioOps.Spec {
    /// Coq: NPTOps, clear_pfn_host_spec: revokes the host's mapping of `pfn`. Used by VM
    /// image verification (outside the seed).
    static func clear_pfn_host(_ s: inout SpecState, _ ctx: inout CallContext, pfn: UInt64) -> Bool {
        guard pull(&s, &ctx, LockID.npt(0)) else { return true }
        let e = s.npt.entry(pfn)
        ctx.hit(KC.phys_page(e.pte) != 0 && e.level != 0 ? .clearPFNHostMapped : .clearPFNHostUnmapped)
        if KC.phys_page(e.pte) != 0 && e.level != 0 {
            if local_mmap(&s.npt, &ctx, addr: pfn &* 4096, level: 3, pte: KC.PAGE_GUEST) { return true }
        }
        s.data.tstate = 1
        rel(&s, &ctx, LockID.npt(0), .npt)
        return false
    }
}
