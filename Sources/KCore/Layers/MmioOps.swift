/// The seven functions of the seed (`MmioOps.v`) at two levels, side by side in the Coq order:
/// `MmioOps.Spec` (the atomic `X_spec`) over `SpecState`, and `MmioOps.Impl` (the composed
/// `X_spec0`, SeKVM's C) over the real machine.
enum MmioOps {
    /// The spec level: each function is one atomic step from `SpecState` to `SpecState`, as the
    /// seed's `X_spec` definitions, same branch order. Locks are pulled and released (or kept
    /// on panic) exactly where the spec does. A `None` of the spec that a guest cannot reach is
    /// reported through `ctx.undefined` and leaves the state unchanged.
    enum Spec {}
    /// The implementation level: each function as the seed's `X_spec0`, a composition of the
    /// primitives of the layers below (SeKVM's C), on the real machine.
    enum Impl {}
}

extension MmioOps.Spec {
    /// Coq: MmioOps.v, emulate_mmio_spec
    static func emulate_mmio(_ s: inout SpecState, _ ctx: inout CallContext, addr: UInt64, hsr: UInt32) -> UInt32 {
        let faultIPA = addr | (ctx.regs.far & 4095)
        let len = KC.host_dabt_get_as(hsr)
        let isWrite = KC.host_dabt_is_write(hsr)
        let rt = KC.host_dabt_get_rd(hsr)
        if s.data.halt { ctx.hit(.emulateHalted); return 0 }
        guard pull(&s, &ctx, LockID.smmu) else { return 0 }
        let res = isSMMURange(ctx.conf, addr)
        ctx.steps += 1
        if res == KC.INVALID {
            ctx.hit(.emulateNotSMMU)
            s.data.tstate = 1
            rel(&s, &ctx, LockID.smmu, .smmu)
            return KC.INVALID
        }
        let index = Int(res)
        if handle_host_mmio_specx(&s, &ctx, index: index, faultIPA: faultIPA, len: len, isWrite: isWrite, rt: rt) {
            panic(&s, &ctx, "emulate_mmio", ctx.panic?.condition ?? "rejected access")
            return 0  // SMMU lock kept
        }
        s.data.tstate = 1
        rel(&s, &ctx, LockID.smmu, .smmu)
        return res
    }
}

extension MmioOps.Impl {
    /// Coq: MmioOps.v, emulate_mmio_spec0
    static func emulate_mmio(_ m: inout ImplState, _ ctx: inout CallContext, addr: UInt64, hsr: UInt32) -> UInt32 {
        if m.data.halt { ctx.hit(.emulateHalted) }
        m.acquire(LockID.smmu, &ctx)
        let res = m.data.halt ? KC.INVALID : isSMMURange(ctx.conf, addr)
        ctx.steps += 1
        if res == KC.INVALID {
            m.hit(.emulateNotSMMU, &ctx)
            m.release(LockID.smmu, .smmu, &ctx)
            return m.data.halt ? 0 : res
        }
        handle_host_mmio(&m, &ctx, addr: addr, index: Int(res), hsr: hsr)
        m.release(LockID.smmu, .smmu, &ctx)
        return m.data.halt ? 0 : res
    }
}

extension MmioOps.Spec {
    /// Coq: MmioOps.v, el2_free_smmu_pgd_spec
    static func el2_free_smmu_pgd(_ s: inout SpecState, _ ctx: inout CallContext, cbndx: Int, index: Int) {
        if s.data.halt { ctx.hit(.freeHalted); return }
        guard pull(&s, &ctx, LockID.smmu) else { return }
        let vmid = s.data.smmuVmid[KC.smmu_id(index, cbndx)]
        if vmid == KC.INVALID {
            ctx.hit(.freeUnowned)
            s.data.tstate = 1
            rel(&s, &ctx, LockID.smmu, .smmu)
            return
        }
        let id = LockID.info(vmid)
        guard pull(&s, &ctx, id) else { return }
        rel(&s, &ctx, id, .vminfo)  // released on both paths
        if s.data.vminfos[Int(vmid)].state == .poweroff {
            ctx.hit(.freePoweroff)
            s.data.smmuVmid[KC.smmu_id(index, cbndx)] = KC.INVALID
            s.data.tstate = 1
            rel(&s, &ctx, LockID.smmu, .smmu)
        } else {
            ctx.hit(.freeNotPoweroff)
            panic(&s, &ctx, "el2_free_smmu_pgd", "bank \(cbndx) of SMMU\(index) owned by vmid \(vmid), which is not POWEROFF", tstate: 1)
        }
    }
}

extension MmioOps.Impl {
    /// Coq: MmioOps.v, el2_free_smmu_pgd_spec0
    static func el2_free_smmu_pgd(_ m: inout ImplState, _ ctx: inout CallContext, cbndx: Int, index: Int) {
        if m.data.halt { ctx.hit(.freeHalted) }
        m.acquire(LockID.smmu, &ctx)
        let vmid = m.get_smmu_cfg_vmid(cbndx, index)
        if vmid == KC.INVALID {
            m.hit(.freeUnowned, &ctx)
            m.release(LockID.smmu, .smmu, &ctx)
            return
        }
        let power = m.get_vm_poweron(vmid, &ctx)
        if power == 0 {
            m.hit(.freePoweroff, &ctx)
            m.set_smmu_cfg_vmid(cbndx, index, KC.INVALID)
        } else {
            m.hit(.freeNotPoweroff, &ctx)
            m.panic(&ctx, "el2_free_smmu_pgd", "bank \(cbndx) of SMMU\(index) owned by vmid \(vmid), which is not POWEROFF")
        }
        m.release(LockID.smmu, .smmu, &ctx)
    }
}

extension MmioOps.Spec {
    /// Coq: MmioOps.v, el2_alloc_smmu_pgd_spec
    static func el2_alloc_smmu_pgd(_ s: inout SpecState, _ ctx: inout CallContext, cbndx: Int, vmid: UInt32, index: Int) {
        if s.data.halt { ctx.hit(.allocHalted); return }
        let num = ctx.conf.banks(index)
        guard pull(&s, &ctx, LockID.smmu) else { return }
        if cbndx < num {
            let slot = KC.smmu_id(index, cbndx)
            if s.data.smmuVmid[slot] == KC.INVALID {
                guard free(s, &ctx, [LockID.spt]) else { return }
                ctx.hit(.allocClaim)
                s.data.smmuVmid[slot] = vmid
                _ = pull(&s, &ctx, LockID.spt)
                s.spt.clearBank(KC.SMMU_TTBR(index, cbndx))
                s.data.tstate = 1
                rel(&s, &ctx, LockID.smmu, .smmu)
                rel(&s, &ctx, LockID.spt, .spt)
            } else {
                ctx.hit(.allocTaken)
                s.data.tstate = 1
                rel(&s, &ctx, LockID.smmu, .smmu)
            }
        } else {
            ctx.hit(.allocCbndxBeyond)
            panic(&s, &ctx, "el2_alloc_smmu_pgd", "cbndx \(cbndx) beyond SMMU\(index)'s \(num) context banks")
        }
    }
}

extension MmioOps.Impl {
    /// Coq: MmioOps.v, el2_alloc_smmu_pgd_spec0
    static func el2_alloc_smmu_pgd(_ m: inout ImplState, _ ctx: inout CallContext, cbndx: Int, vmid: UInt32, index: Int) {
        if m.data.halt { ctx.hit(.allocHalted) }
        m.acquire(LockID.smmu, &ctx)
        let num = m.data.halt ? 0 : ctx.conf.banks(index)
        if cbndx < num {
            let target = m.get_smmu_cfg_vmid(cbndx, index)
            m.hit(target == KC.INVALID ? .allocClaim : .allocTaken, &ctx)
            if target == KC.INVALID {
                m.set_smmu_cfg_vmid(cbndx, index, vmid)
                m.alloc_smmu(vmid, cbndx, index, &ctx)
            }
            m.release(LockID.smmu, .smmu, &ctx)
        } else {
            m.hit(.allocCbndxBeyond, &ctx)
            m.panic(&ctx, "el2_alloc_smmu_pgd", "cbndx \(cbndx) beyond SMMU\(index)'s \(num) context banks")
            m.release(LockID.smmu, .smmu, &ctx)
        }
    }
}

extension MmioOps.Spec {
    /// Coq: MmioOps.v, smmu_assign_page_spec
    static func smmu_assign_page(_ s: inout SpecState, _ ctx: inout CallContext, cbndx: Int, index: Int, pfn: UInt64, gfn: UInt64) {
        let f = "smmu_assign_page"
        if s.data.halt { ctx.hit(.assignHalted); return }
        guard pull(&s, &ctx, LockID.smmu) else { return }
        let vmid = s.data.smmuVmid[KC.smmu_id(index, cbndx)]
        if vmid == KC.INVALID {
            ctx.hit(.assignUnowned)
            s.data.tstate = 1
            rel(&s, &ctx, LockID.smmu, .smmu)
            return
        }
        let id = LockID.info(vmid)
        guard free(s, &ctx, [id, LockID.s2page, LockID.npt(0)]) else { return }
        _ = pull(&s, &ctx, id)
        let state = s.data.vminfos[Int(vmid)].state
        if KC.HOSTVISOR < vmid && vmid < KC.COREVISOR {
            if state == .verified {
                ctx.hit(.assignVMVerified)
                _ = pull(&s, &ctx, LockID.s2page)
                let page = s.data.s2page[pfn]
                if page.owner == KC.HOSTVISOR {
                    if page.count == 0 {
                        ctx.hit(.assignHostPage)
                        _ = pull(&s, &ctx, LockID.npt(0))
                        let logn = s.data.dataLog[vmid, default: 0]
                        let e = s.npt.entry(pfn)
                        let eff = KC.phys_page(e.pte) == 0 ? 0 : e.level
                        var halt = false
                        ctx.hit(eff != 0 ? .clearPFNHostMapped : .clearPFNHostUnmapped)
                        if eff != 0 {
                            halt = local_mmap(&s.npt, &ctx, addr: pfn &* 4096, level: 3, pte: KC.PAGE_GUEST)
                        }
                        if halt {
                            ctx.hit(.assignRevokeFailed)
                            panic(&s, &ctx, f, "host NPT revocation of pfn 0x\(String(pfn, radix: 16)) failed (2 MiB block or pool exhausted)")
                        } else {
                            s.data.s2page[pfn] = S2Page(owner: vmid, count: KC.INVALID, gfn: gfn)
                            s.data.flatmem[pfn] = ctx.pageContents(pfn)
                            s.data.dataLog[vmid, default: 0] = logn &+ 1
                            s.data.tstate = 1
                            rel(&s, &ctx, LockID.smmu, .smmu)
                            rel(&s, &ctx, id, .vminfo)
                            rel(&s, &ctx, LockID.s2page, .s2page)
                            rel(&s, &ctx, LockID.npt(0), .npt)
                            s.data.locks.pushFlatmem(&ctx)
                        }
                    } else {
                        ctx.hit(.assignHostPageShared)
                        panic(&s, &ctx, f, "host page 0x\(String(pfn, radix: 16)) still shared (count \(page.count))")
                    }
                } else if page.owner == vmid {
                    ctx.hit(.assignOwnPage)
                    s.data.tstate = 1
                    rel(&s, &ctx, LockID.smmu, .smmu)
                    rel(&s, &ctx, id, .vminfo)
                    rel(&s, &ctx, LockID.s2page, .s2page)
                } else {
                    ctx.hit(.assignForeignPage)
                    panic(&s, &ctx, f, "pfn 0x\(String(pfn, radix: 16)) owned by \(page.owner), not the host or vmid \(vmid)")
                }
            } else {
                ctx.hit(.assignVMNotVerified)
                panic(&s, &ctx, f, "vmid \(vmid) is \(state), not VERIFIED")
            }
        } else {
            ctx.hit(.assignHostBank)
            s.data.tstate = 1
            rel(&s, &ctx, LockID.smmu, .smmu)
            rel(&s, &ctx, id, .vminfo)
        }
    }
}

extension MmioOps.Impl {
    /// Coq: MmioOps.v, smmu_assign_page_spec0
    static func smmu_assign_page(_ m: inout ImplState, _ ctx: inout CallContext, cbndx: Int, index: Int, pfn: UInt64, gfn: UInt64) {
        if m.data.halt { ctx.hit(.assignHalted) }
        m.acquire(LockID.smmu, &ctx)
        let vmid = m.get_smmu_cfg_vmid(cbndx, index)
        if vmid == KC.INVALID {
            m.hit(.assignUnowned, &ctx)
            m.release(LockID.smmu, .smmu, &ctx)
            return
        }
        m.assign_smmu(vmid, pfn, gfn, &ctx)
        m.release(LockID.smmu, .smmu, &ctx)
    }
}

extension MmioOps.Spec {
    /// Coq: MmioOps.v, smmu_map_page_spec
    static func smmu_map_page(_ s: inout SpecState, _ ctx: inout CallContext, cbndx: Int, index: Int, iova: UInt64, pte: UInt64) {
        let f = "smmu_map_page"
        if s.data.halt { ctx.hit(.mapHalted); return }
        guard pull(&s, &ctx, LockID.smmu) else { return }
        let vmid = s.data.smmuVmid[KC.smmu_id(index, cbndx)]
        if vmid == KC.INVALID {
            ctx.hit(.mapUnowned)
            s.data.tstate = 1
            rel(&s, &ctx, LockID.smmu, .smmu)
            return
        }
        let id = LockID.info(vmid)
        guard free(s, &ctx, [id, LockID.s2page, LockID.spt]) else { return }
        _ = pull(&s, &ctx, id)
        let state = s.data.vminfos[Int(vmid)].state
        if KC.HOSTVISOR < vmid && vmid < KC.COREVISOR && state == .verified {
            ctx.hit(.mapVMVerified)
            panic(&s, &ctx, f, "vmid \(vmid) is VERIFIED: its SMMU tables are frozen")
            return
        }
        _ = pull(&s, &ctx, LockID.s2page)
        let pfn = KC.phys_page(pte) / 4096
        let gfn = iova / 4096
        let page = s.data.s2page[pfn]
        if vmid == page.owner && gfn == page.gfn {
            ctx.hit(.mapPageMatch)
            _ = pull(&s, &ctx, LockID.spt)
            if local_spt_map(&s.spt, &ctx, cbndx: cbndx, index: index, iova: iova, pte: pte) {
                ctx.hit(.mapPoolExhausted)
                panic(&s, &ctx, f, "SMMU page-table pool exhausted")
                return
            }
            if page.owner == KC.HOSTVISOR && page.count < KC.EL2_SMMU_CFG_SIZE {
                ctx.hit(.mapHostCountUp)
                s.data.s2page[pfn].count = page.count + 1
            }
            s.data.tstate = 1
            rel(&s, &ctx, LockID.smmu, .smmu)
            rel(&s, &ctx, id, .vminfo)
            rel(&s, &ctx, LockID.s2page, .s2page)
            rel(&s, &ctx, LockID.spt, .spt)
        } else {
            ctx.hit(.mapPageMismatch)
            panic(&s, &ctx, f, "pfn 0x\(String(pfn, radix: 16)) is \(page), not vmid \(vmid)'s page at gfn 0x\(String(gfn, radix: 16))")
        }
    }
}

extension MmioOps.Impl {
    /// Coq: MmioOps.v, smmu_map_page_spec0
    static func smmu_map_page(_ m: inout ImplState, _ ctx: inout CallContext, cbndx: Int, index: Int, iova: UInt64, pte: UInt64) {
        if m.data.halt { ctx.hit(.mapHalted) }
        m.acquire(LockID.smmu, &ctx)
        let vmid = m.get_smmu_cfg_vmid(cbndx, index)
        if vmid == KC.INVALID {
            m.hit(.mapUnowned, &ctx)
            m.release(LockID.smmu, .smmu, &ctx)
            return
        }
        m.map_smmu(vmid, cbndx, index, iova, pte, &ctx)
        m.release(LockID.smmu, .smmu, &ctx)
    }
}

extension MmioOps.Spec {
    /// Coq: MmioOps.v, el2_arm_lpae_iova_to_phys_spec
    static func el2_arm_lpae_iova_to_phys(_ s: inout SpecState, _ ctx: inout CallContext, iova: UInt64, cbndx: Int, index: Int) -> UInt64 {
        if s.data.halt { ctx.hit(.iovaToPhysHalted); return 0 }
        guard pull(&s, &ctx, LockID.spt) else { return 0 }
        let pte = s.spt.entry(KC.SMMU_TTBR(index, cbndx), iova / 4096).pte
        ctx.hit(pte == 0 ? .iovaToPhysUnmapped : .iovaToPhysMapped)
        s.data.tstate = 1
        rel(&s, &ctx, LockID.spt, .spt)
        return KC.phys_page(pte) &+ (iova & 4095)
    }
}

extension MmioOps.Impl {
    /// Coq: MmioOps.v, el2_arm_lpae_iova_to_phys_spec0
    static func el2_arm_lpae_iova_to_phys(_ m: inout ImplState, _ ctx: inout CallContext, iova: UInt64, cbndx: Int, index: Int) -> UInt64 {
        if m.data.halt { ctx.hit(.iovaToPhysHalted); return 0 }
        let pte = m.walk_spt(cbndx, index, iova, &ctx)
        m.hit(pte == 0 ? .iovaToPhysUnmapped : .iovaToPhysMapped, &ctx)
        let res = KC.phys_page(pte) &+ (iova & 4095)
        return m.data.halt ? 0 : res
    }
}

extension MmioOps.Spec {
    /// Coq: MmioOps.v, el2_arm_lpae_clear_spec
    static func el2_arm_lpae_clear(_ s: inout SpecState, _ ctx: inout CallContext, iova: UInt64, cbndx: Int, index: Int) {
        let f = "el2_arm_lpae_clear"
        if s.data.halt { ctx.hit(.clearHalted); return }
        guard pull(&s, &ctx, LockID.smmu) else { return }
        let vmid = s.data.smmuVmid[KC.smmu_id(index, cbndx)]
        if vmid == KC.INVALID {
            ctx.hit(.clearUnowned)
            s.data.tstate = 1
            rel(&s, &ctx, LockID.smmu, .smmu)
            return
        }
        let id = LockID.info(vmid)
        guard free(s, &ctx, [id, LockID.s2page, LockID.spt]) else { return }
        _ = pull(&s, &ctx, id)
        let state = s.data.vminfos[Int(vmid)].state
        if KC.HOSTVISOR < vmid && vmid < KC.COREVISOR && state == .verified {
            ctx.hit(.clearVMVerified)
            panic(&s, &ctx, f, "vmid \(vmid) is VERIFIED: its SMMU tables are frozen")
            return
        }
        _ = pull(&s, &ctx, LockID.s2page)
        _ = pull(&s, &ctx, LockID.spt)
        let pte = s.spt.entry(KC.SMMU_TTBR(index, cbndx), iova / 4096).pte
        ctx.hit(pte == 0 ? .clearUnmapped : .clearMapped)
        if pte != 0 && local_spt_map(&s.spt, &ctx, cbndx: cbndx, index: index, iova: iova, pte: 0) {
            ctx.hit(.clearPoolExhausted)
            panic(&s, &ctx, f, "SMMU page-table pool exhausted")
            return
        }
        let pfn = KC.phys_page(pte) / 4096  // pte == 0 looks at page 0 (quirk Q21)
        let page = s.data.s2page[pfn]
        if page.owner == KC.HOSTVISOR && page.count > 0 {
            ctx.hit(.clearHostCountDown)
            s.data.s2page[pfn].count = page.count - 1
        }
        s.data.tstate = 1
        rel(&s, &ctx, LockID.smmu, .smmu)
        rel(&s, &ctx, id, .vminfo)
        rel(&s, &ctx, LockID.s2page, .s2page)
        rel(&s, &ctx, LockID.spt, .spt)
    }
}

extension MmioOps.Impl {
    /// Coq: MmioOps.v, el2_arm_lpae_clear_spec0
    static func el2_arm_lpae_clear(_ m: inout ImplState, _ ctx: inout CallContext, iova: UInt64, cbndx: Int, index: Int) {
        if m.data.halt { ctx.hit(.clearHalted) }
        m.acquire(LockID.smmu, &ctx)
        let vmid = m.get_smmu_cfg_vmid(cbndx, index)
        if vmid == KC.INVALID {
            m.hit(.clearUnowned, &ctx)
            m.release(LockID.smmu, .smmu, &ctx)
            return
        }
        m.clear_smmu(vmid, cbndx, index, iova, &ctx)
        m.release(LockID.smmu, .smmu, &ctx)
    }
}
