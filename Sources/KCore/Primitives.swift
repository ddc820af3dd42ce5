/// The implementation level's primitives: the C-shaped (`spec0`) definitions of the layers under
/// the seed — Locks, AbstractMachine getters/setters, PageManager, VMPower, MmioPTAlloc,
/// MmioPTWalk, MmioSPTWalk, MmioSPTOps, PTAlloc/PTWalk, NPTWalk, NPTOps — over `ImplState`.
/// Each one starts with "if halted, do nothing" as the Coq primitives do, so after a panic the
/// rest of a composition runs as no-ops and the locks held at the panic stay held.
extension ImplState {
    // MARK: Locks (sekvm/Locks)

    mutating func acquire(_ id: Int, _ ctx: inout CallContext) {
        if data.halt { return }
        if !data.locks.acquire(id, &ctx) { ctx.flagUndefined("lock \(LockID.name(id)) not free") }
        data.tstate = 0
    }
    mutating func release(_ id: Int, _ o: SharedObject, _ ctx: inout CallContext) {
        if data.halt { return }
        if !data.locks.release(id, &ctx, pushing: o) { ctx.flagUndefined("release of \(LockID.name(id)) not held") }
        data.tstate = 1
    }

    // MARK: AbstractMachine

    /// Counts branch `b` for `--coverage` unless a panic already made the rest of the
    /// composition a no-op.
    @inline(__always) func hit(_ b: SpecBranch, _ ctx: inout CallContext) {
        if !data.halt { ctx.hit(b) }
    }

    mutating func panic(_ ctx: inout CallContext, _ f: String, _ why: String) {
        if data.halt { return }
        data.halt = true
        if ctx.panic == nil { ctx.panic = PanicReason(function: f, condition: why) }
    }
    func get_smmu_cfg_vmid(_ cbndx: Int, _ index: Int) -> UInt32 {
        data.halt ? 0 : data.smmuVmid[KC.smmu_id(index, cbndx)]  // 0 when halted (Q27)
    }
    mutating func set_smmu_cfg_vmid(_ cbndx: Int, _ index: Int, _ v: UInt32) {
        if !data.halt { data.smmuVmid[KC.smmu_id(index, cbndx)] = v }
    }
    /// The real address of a bank's shadow root.
    func get_smmu_cfg_hw_ttbr(_ cbndx: Int, _ index: Int) -> UInt64 {
        data.halt ? 0 : carve.sptPA(KC.SMMU_TTBR(index, cbndx))
    }

    // MARK: PageManager (setters are no-ops on pages whose owner is INVALID)

    func get_pfn_owner(_ pfn: UInt64) -> UInt32 { data.halt ? 0 : data.s2page[pfn].owner }
    func get_pfn_count(_ pfn: UInt64) -> UInt32 { data.halt ? 0 : data.s2page[pfn].count }
    func get_pfn_map(_ pfn: UInt64) -> UInt64 { data.halt ? 0 : data.s2page[pfn].gfn }
    mutating func set_pfn_owner(_ pfn: UInt64, _ v: UInt32) {
        if !data.halt && data.s2page[pfn].owner != KC.INVALID { data.s2page[pfn].owner = v }
    }
    mutating func set_pfn_count(_ pfn: UInt64, _ v: UInt32) {
        if !data.halt && data.s2page[pfn].owner != KC.INVALID { data.s2page[pfn].count = v }
    }
    mutating func set_pfn_map(_ pfn: UInt64, _ v: UInt64) {
        if !data.halt && data.s2page[pfn].owner != KC.INVALID { data.s2page[pfn].gfn = v }
    }

    // MARK: VMPower

    /// 0 when the VM is POWEROFF, 1 otherwise (quirk Q2).
    mutating func get_vm_poweron(_ vmid: UInt32, _ ctx: inout CallContext) -> Int {
        acquire(LockID.info(vmid), &ctx)
        let st = data.vminfos[Int(vmid)].state
        release(LockID.info(vmid), .vminfo, &ctx)
        return data.halt ? 0 : (st == .poweroff ? 0 : 1)
    }
    func get_vm_state(_ vmid: UInt32) -> VMState { data.halt ? .unused : data.vminfos[Int(vmid)].state }

    // MARK: MmioPTAlloc

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

    // MARK: MmioPTWalk (3 levels, 40-bit IOVA, 2 concatenated top pages)

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

    // MARK: MmioSPTWalk

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

    // MARK: MmioSPTOps

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

    // MARK: PTAlloc / PTWalk / NPTWalk (host NPT, 4 levels)

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

    // MARK: NPTOps / MemManager (host NPT)

    mutating func clear_pfn_host(_ pfn: UInt64, _ ctx: inout CallContext) {
        acquire(LockID.npt(0), &ctx)
        let level = get_npt_level(pfn &* 4096, &ctx)
        hit(level != 0 ? .clearPFNHostMapped : .clearPFNHostUnmapped, &ctx)
        if level != 0 { set_npt(pfn &* 4096, KC.PAGE_GUEST, &ctx) }
        release(LockID.npt(0), .npt, &ctx)
    }

    /// `map_page_host(addr)` (MemManager, C): maps a faulting host page on demand.
    mutating func map_page_host(_ addr: UInt64, _ ctx: inout CallContext) {
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

    // MARK: MemManager (SMMU)

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

    // MARK: BootOps

    mutating func alloc_smmu(_ vmid: UInt32, _ cbndx: Int, _ index: Int, _ ctx: inout CallContext) {
        acquire(LockID.info(vmid), &ctx)
        if KC.HOSTVISOR < vmid && vmid < KC.COREVISOR && get_vm_state(vmid) == .verified {
            hit(.allocVMVerified, &ctx)
            panic(&ctx, "el2_alloc_smmu_pgd", "vmid \(vmid) is VERIFIED")
        }
        init_spt(cbndx, index, &ctx)
        release(LockID.info(vmid), .vminfo, &ctx)
    }
    mutating func assign_smmu(_ vmid: UInt32, _ pfn: UInt64, _ gfn: UInt64, _ ctx: inout CallContext) {
        acquire(LockID.info(vmid), &ctx)
        if KC.HOSTVISOR < vmid && vmid < KC.COREVISOR {
            if get_vm_state(vmid) == .verified {
                hit(.assignVMVerified, &ctx)
                panic(&ctx, "smmu_assign_page", "vmid \(vmid) is VERIFIED")
            } else {
                hit(.assignVMNotVerified, &ctx)
                assign_pfn_to_smmu(vmid, gfn, pfn, &ctx)
            }
        } else {
            hit(.assignHostBank, &ctx)
        }
        release(LockID.info(vmid), .vminfo, &ctx)
    }
    mutating func map_smmu(_ vmid: UInt32, _ cbndx: Int, _ index: Int, _ iova: UInt64, _ pte: UInt64, _ ctx: inout CallContext) {
        acquire(LockID.info(vmid), &ctx)
        if KC.HOSTVISOR < vmid && vmid < KC.COREVISOR && get_vm_state(vmid) == .verified {
            hit(.mapVMVerified, &ctx)
            panic(&ctx, "smmu_map_page", "vmid \(vmid) is VERIFIED: its SMMU tables are frozen")
        }
        update_smmu_page(vmid, cbndx, index, iova, pte, &ctx)
        release(LockID.info(vmid), .vminfo, &ctx)
    }
    mutating func clear_smmu(_ vmid: UInt32, _ cbndx: Int, _ index: Int, _ iova: UInt64, _ ctx: inout CallContext) {
        acquire(LockID.info(vmid), &ctx)
        if KC.HOSTVISOR < vmid && vmid < KC.COREVISOR && get_vm_state(vmid) == .verified {
            hit(.clearVMVerified, &ctx)
            panic(&ctx, "el2_arm_lpae_clear", "vmid \(vmid) is VERIFIED: its SMMU tables are frozen")
        }
        unmap_smmu_page(cbndx, index, iova, &ctx)
        release(LockID.info(vmid), .vminfo, &ctx)
    }
}
