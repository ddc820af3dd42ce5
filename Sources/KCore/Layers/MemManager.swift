/// Coq layer MemManager: `map_page_host` at both levels, and the SMMU page ownership steps of
/// the implementation.
extension ImplState {
    /// `map_page_host(addr)` (MemManager, C): maps a faulting host page on demand.
    public mutating func map_page_host(_ addr: UInt64, _ ctx: inout CallContext) {
        if addr >= KC.KVM_PHYS_SIZE { ctx.flagUndefined("host IPA 0x\(String(addr, radix: 16)) ≥ 2^40 (rely is_paddr)") }
        let pfn = addr / 4096
        acquire(LockID.s2page, &ctx)
        let owner = get_pfn_owner(pfn)
        let count = get_pfn_count(pfn)
        if owner == KC.INVALID || owner == KC.HOSTVISOR || count > 0 {
            hit(owner == KC.INVALID ? .mapHostDevice : owner == KC.HOSTVISOR ? .mapHostHost : .mapHostShared, &ctx)
            let pte = owner == KC.INVALID ? (pfn &* 4096) | KC.PAGE_S2_DEVICE_RDWR : (pfn &* 4096) | KC.PAGE_S2_KERNEL
            acquire(LockID.npt(0), &ctx)
            set_npt(addr, pte, &ctx)
            release(LockID.npt(0), .npt, &ctx)
        } else {
            hit(.mapHostDenied, &ctx)
            panic(&ctx, "map_page_host", "host access to pfn 0x\(String(pfn, radix: 16)) owned by \(owner == KC.COREVISOR ? "EL2 (COREVISOR)" : "vmid \(owner)")")
        }
        release(LockID.s2page, .s2page, &ctx)
    }
}

extension MmioOps.Spec {
    /// Coq: MemManager, map_page_host_spec. Maps a faulting host page: no owner (not RAM) →
    /// device mapping; owned by the host or shared (count > 0) → normal mapping; else panic.
    public static func map_page_host(_ s: inout SpecState, _ ctx: inout CallContext, addr: UInt64) {
        let f = "map_page_host"
        if addr >= KC.KVM_PHYS_SIZE { ctx.flagUndefined("host IPA 0x\(String(addr, radix: 16)) ≥ 2^40 (rely is_paddr)") }
        let pfn = addr / 4096
        if s.data.halt { return }
        guard free(s, &ctx, [LockID.s2page, LockID.npt(0)]) else { return }
        _ = pull(&s, &ctx, LockID.s2page)
        let page = s.data.s2page[pfn]
        if page.owner == KC.INVALID || page.owner == KC.HOSTVISOR || page.count > 0 {
            ctx.hit(page.owner == KC.INVALID ? .mapHostDevice : page.owner == KC.HOSTVISOR ? .mapHostHost : .mapHostShared)
            _ = pull(&s, &ctx, LockID.npt(0))
            let pte = page.owner == KC.INVALID ? (pfn &* 4096) | KC.PAGE_S2_DEVICE_RDWR : (pfn &* 4096) | KC.PAGE_S2_KERNEL
            if local_mmap(&s.npt, &ctx, addr: addr, level: 3, pte: pte) {
                panic(&s, &ctx, f, "host NPT pool exhausted or 2 MiB block at IPA 0x\(String(addr, radix: 16))")
                return
            }
            s.data.tstate = 1
            rel(&s, &ctx, LockID.s2page, .s2page)
            rel(&s, &ctx, LockID.npt(0), .npt)
        } else {
            ctx.hit(.mapHostDenied)
            panic(&s, &ctx, f, "host access to pfn 0x\(String(pfn, radix: 16)) owned by \(page.owner == KC.COREVISOR ? "EL2 (COREVISOR)" : "vmid \(page.owner)")")
        }
    }
}

extension ImplState {
    mutating func assign_pfn_to_smmu(_ vmid: UInt32, _ gfn: UInt64, _ pfn: UInt64, _ ctx: inout CallContext) {
        acquire(LockID.s2page, &ctx)
        let owner = get_pfn_owner(pfn)
        let count = get_pfn_count(pfn)
        if owner == KC.HOSTVISOR {
            hit(count == 0 ? .assignHostPage : .assignHostPageShared, &ctx)
            if count == 0 {
                clear_pfn_host(pfn, &ctx)
                set_pfn_owner(pfn, vmid)
                set_pfn_map(pfn, gfn)
                set_pfn_count(pfn, KC.INVALID)
            } else {
                panic(&ctx, "smmu_assign_page", "host page 0x\(String(pfn, radix: 16)) still shared (count \(count))")
            }
        } else if owner != vmid {
            hit(.assignForeignPage, &ctx)
            panic(&ctx, "smmu_assign_page", "pfn 0x\(String(pfn, radix: 16)) owned by \(owner), not the host or vmid \(vmid)")
        } else {
            hit(.assignOwnPage, &ctx)
        }
        release(LockID.s2page, .s2page, &ctx)
    }
    mutating func update_smmu_page(_ vmid: UInt32, _ cbndx: Int, _ index: Int, _ iova: UInt64, _ pte: UInt64, _ ctx: inout CallContext) {
        acquire(LockID.s2page, &ctx)
        let pfn = KC.phys_page(pte) / 4096
        let gfn = iova / 4096
        let owner = get_pfn_owner(pfn)
        let map = get_pfn_map(pfn)
        if vmid == owner && gfn == map {
            hit(.mapPageMatch, &ctx)
            let before = data.halt
            map_spt(cbndx, index, iova, pte, &ctx)
            if !before && data.halt { ctx.hit(.mapPoolExhausted) }
            if owner == KC.HOSTVISOR {
                let c = get_pfn_count(pfn)
                if c < KC.EL2_SMMU_CFG_SIZE { hit(.mapHostCountUp, &ctx); set_pfn_count(pfn, c + 1) }
            }
        } else {
            hit(.mapPageMismatch, &ctx)
            panic(&ctx, "smmu_map_page", "pfn 0x\(String(pfn, radix: 16)) is \(data.s2page[pfn]), not vmid \(vmid)'s page at gfn 0x\(String(gfn, radix: 16))")
        }
        release(LockID.s2page, .s2page, &ctx)
    }
    mutating func unmap_smmu_page(_ cbndx: Int, _ index: Int, _ iova: UInt64, _ ctx: inout CallContext) {
        acquire(LockID.s2page, &ctx)
        let before = data.halt  // clear_smmu's VERIFIED panic comes before: not a pool
        let pte = unmap_spt(cbndx, index, iova, &ctx)
        if !before && data.halt { ctx.hit(.clearPoolExhausted) }
        let pfn = KC.phys_page(pte) / 4096
        if get_pfn_owner(pfn) == KC.HOSTVISOR {
            let c = get_pfn_count(pfn)
            if c > 0 { hit(.clearHostCountDown, &ctx); set_pfn_count(pfn, c - 1) }
        }
        release(LockID.s2page, .s2page, &ctx)
    }
}
