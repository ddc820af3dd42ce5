extension MmioOps {
    /// The spec level: each function is one atomic step from `SpecState` to `SpecState`, as the
    /// seed's `X_spec` definitions, same branch order. Locks are pulled and released (or kept
    /// on panic) exactly where the spec does. A `None` of the spec that a guest cannot reach is
    /// reported through `ctx.undefined` and leaves the state unchanged.
    public enum Spec {
        static func panic(_ s: inout SpecState, _ ctx: inout CallContext, _ f: String, _ why: String, tstate: Int = 0) {
            s.data.halt = true
            s.data.tstate = tstate
            if ctx.panic == nil { ctx.panic = PanicReason(function: f, condition: why) }
        }

        /// Pulls lock `id`; false (spec undefined) when it is not free.
        static func pull(_ s: inout SpecState, _ ctx: inout CallContext, _ id: Int) -> Bool {
            if s.data.locks.acquire(id, &ctx) { return true }
            ctx.flagUndefined("lock \(LockID.name(id)) not free on entry")
            return false
        }
        static func rel(_ s: inout SpecState, _ ctx: inout CallContext, _ id: Int, _ o: SharedObject) {
            _ = s.data.locks.release(id, &ctx, pushing: o)
        }
        static func free(_ s: SpecState, _ ctx: inout CallContext, _ ids: [Int]) -> Bool {
            for id in ids where s.data.locks.isHeld(id) {
                ctx.flagUndefined("lock \(LockID.name(id)) not free on entry")
                return false
            }
            return true
        }

        // MARK: emulate_mmio

        /// Coq: MmioOps.v, emulate_mmio_spec
        public static func emulate_mmio(_ s: inout SpecState, _ ctx: inout CallContext, addr: UInt64, hsr: UInt32) -> UInt32 {
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

        /// Coq: MmioOpsAux, handle_host_mmio_specx. - Returns: true to halt. On success the
        /// host register (reads) and the PC advance are applied to `ctx.regs`; the device access
        /// that SeKVM's C performs is recorded in `ctx.deviceAccesses` (the abstract state does
        /// not see devices).
        static func handle_host_mmio_specx(
            _ s: inout SpecState, _ ctx: inout CallContext, index: Int, faultIPA: UInt64, len: Int, isWrite: UInt32, rt: Int
        ) -> Bool {
            let off = faultIPA & KC.SMMU_OFFSET_MASK
            ctx.steps += 1
            if isWrite == 0 {
                guard len == 8 || len == 4 else {
                    ctx.hit(.emulateReadBadLen)
                    ctx.panic = PanicReason(function: "emulate_mmio", condition: "\(len)-byte read of SMMU\(index)+0x\(String(off, radix: 16))")
                    return true
                }
                ctx.hit(len == 4 ? .emulateRead32 : .emulateRead64)
                var data = ctx.readDevice(index, off, len)
                s.data.dataLog[KC.HOSTVISOR, default: 0] &+= 1
                if len == 4 { data &= 0xFFFF_FFFF }
                ctx.deviceAccesses.append(DeviceAccess(smmu: index, offset: off, size: len, isWrite: false, value: data))
                ctx.regs.set(rt, data)
                ctx.regs.skipTo = ctx.regs.elr &+ 4
                return false
            }
            let data = ctx.regs.get(rt)
            let check = smmuWriteCheck(offset: off, data: data, index: index, smmuVmid: s.data.smmuVmid, &ctx)
            var value = data
            switch check {
            case .reject(let why):
                ctx.panic = PanicReason(function: "emulate_mmio", condition: why)
                return true
            case .undefinedReject(let why):
                ctx.flagUndefined(why)
                ctx.panic = PanicReason(function: "emulate_mmio", condition: why)
                return true
            case .ttbr0(let cbndx):
                value = ctx.hwTTBR(index, cbndx)
            case .allow:
                break
            }
            guard len == 8 || len == 4 else {
                ctx.hit(.emulateWriteBadLen)
                ctx.panic = PanicReason(function: "emulate_mmio", condition: "\(len)-byte write to SMMU\(index)+0x\(String(off, radix: 16))")
                return true
            }
            ctx.hit(len == 4 ? .emulateWrite32 : .emulateWrite64)
            if len == 4 { value &= 0xFFFF_FFFF }
            ctx.deviceAccesses.append(DeviceAccess(smmu: index, offset: off, size: len, isWrite: true, value: value))
            ctx.regs.skipTo = ctx.regs.elr &+ 4
            return false
        }

        // MARK: el2_free_smmu_pgd

        /// Coq: MmioOps.v, el2_free_smmu_pgd_spec
        public static func el2_free_smmu_pgd(_ s: inout SpecState, _ ctx: inout CallContext, cbndx: Int, index: Int) {
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

        // MARK: el2_alloc_smmu_pgd

        /// Coq: MmioOps.v, el2_alloc_smmu_pgd_spec
        public static func el2_alloc_smmu_pgd(_ s: inout SpecState, _ ctx: inout CallContext, cbndx: Int, vmid: UInt32, index: Int) {
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

        // MARK: smmu_assign_page

        /// Coq: MmioOps.v, smmu_assign_page_spec
        public static func smmu_assign_page(_ s: inout SpecState, _ ctx: inout CallContext, cbndx: Int, index: Int, pfn: UInt64, gfn: UInt64) {
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
                                s.data.dataLog[vmid] = logn &+ 1
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

        // MARK: smmu_map_page

        /// Coq: MmioOps.v, smmu_map_page_spec
        public static func smmu_map_page(_ s: inout SpecState, _ ctx: inout CallContext, cbndx: Int, index: Int, iova: UInt64, pte: UInt64) {
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

        // MARK: el2_arm_lpae_iova_to_phys

        /// Coq: MmioOps.v, el2_arm_lpae_iova_to_phys_spec
        public static func el2_arm_lpae_iova_to_phys(_ s: inout SpecState, _ ctx: inout CallContext, iova: UInt64, cbndx: Int, index: Int) -> UInt64 {
            if s.data.halt { ctx.hit(.iovaToPhysHalted); return 0 }
            guard pull(&s, &ctx, LockID.spt) else { return 0 }
            let pte = s.spt.entry(KC.SMMU_TTBR(index, cbndx), iova / 4096).pte
            ctx.hit(pte == 0 ? .iovaToPhysUnmapped : .iovaToPhysMapped)
            s.data.tstate = 1
            rel(&s, &ctx, LockID.spt, .spt)
            return KC.phys_page(pte) &+ (iova & 4095)
        }

        // MARK: el2_arm_lpae_clear

        /// Coq: MmioOps.v, el2_arm_lpae_clear_spec
        public static func el2_arm_lpae_clear(_ s: inout SpecState, _ ctx: inout CallContext, iova: UInt64, cbndx: Int, index: Int) {
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

        // MARK: helpers of the layers below (atomic forms)

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
}
