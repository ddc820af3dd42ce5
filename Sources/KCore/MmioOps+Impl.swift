extension MmioOps {
    /// The implementation level: each function as the seed's `X_spec0`, a composition of the
    /// primitives in `Primitives.swift` (SeKVM's C), on the real machine.
    public enum Impl {
        /// Coq: MmioOps.v, emulate_mmio_spec0
        public static func emulate_mmio(_ m: inout ImplState, _ ctx: inout CallContext, addr: UInt64, hsr: UInt32) -> UInt32 {
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

        /// Coq: MmioOpsAux, handle_host_mmio_spec0 (with MmioCore/MmioCoreAux/MmioRaw below).
        static func handle_host_mmio(_ m: inout ImplState, _ ctx: inout CallContext, addr: UInt64, index: Int, hsr: UInt32) {
            if m.data.halt { return }
            let faultIPA = addr | (ctx.regs.far & 4095)  // host_get_fault_ipa
            let len = KC.host_dabt_get_as(hsr)
            ctx.steps += 1
            if KC.host_dabt_is_write(hsr) == 0 {
                handle_smmu_read(&m, &ctx, hsr: hsr, faultIPA: faultIPA, len: len, index: index)
            } else {
                handle_smmu_write(&m, &ctx, hsr: hsr, faultIPA: faultIPA, len: len, index: index)
            }
            if !m.data.halt { ctx.regs.skipTo = ctx.regs.elr &+ 4 }  // host_skip_instr
        }

        /// Coq: MmioCore/MmioCoreAux, __handle_smmu_read: readq/readl into the host register.
        static func handle_smmu_read(_ m: inout ImplState, _ ctx: inout CallContext, hsr: UInt32, faultIPA: UInt64, len: Int, index: Int) {
            let rt = KC.host_dabt_get_rd(hsr)
            let off = faultIPA & KC.SMMU_OFFSET_MASK
            ctx.steps += 1
            guard len == 8 || len == 4 else {
                m.hit(.emulateReadBadLen, &ctx)
                m.panic(&ctx, "emulate_mmio", "\(len)-byte read of SMMU\(index)+0x\(String(off, radix: 16))")
                return
            }
            m.hit(len == 4 ? .emulateRead32 : .emulateRead64, &ctx)
            var v = m.smmu.readRegister(smmu: index, offset: off, size: len)
            if len == 4 { v &= 0xFFFF_FFFF }
            m.data.dataLog[KC.HOSTVISOR, default: 0] &+= 1
            ctx.deviceAccesses.append(DeviceAccess(smmu: index, offset: off, size: len, isWrite: false, value: v))
            ctx.regs.set(rt, v)  // set_shadow_ctxt
        }

        /// Coq: MmioCore, handle_smmu_write_spec0 with handle_smmu_global_access /
        /// handle_smmu_cb_access / __handle_smmu_write.
        static func handle_smmu_write(_ m: inout ImplState, _ ctx: inout CallContext, hsr: UInt32, faultIPA: UInt64, len: Int, index: Int) {
            let off = faultIPA & KC.SMMU_OFFSET_MASK
            let data = ctx.regs.get(KC.host_dabt_get_rd(hsr))  // host_get_mmio_data
            ctx.steps += 1
            var value = data
            switch smmuWriteCheck(offset: off, data: data, index: index, smmuVmid: m.data.smmuVmid, &ctx) {
            case .reject(let why):
                m.panic(&ctx, "emulate_mmio", why)
                return
            case .undefinedReject(let why):
                ctx.flagUndefined(why)
                m.panic(&ctx, "emulate_mmio", why)
                return
            case .ttbr0(let cbndx):
                value = m.get_smmu_cfg_hw_ttbr(cbndx, index)
            case .allow:
                break
            }
            guard len == 8 || len == 4 else {
                m.hit(.emulateWriteBadLen, &ctx)
                m.panic(&ctx, "emulate_mmio", "\(len)-byte write to SMMU\(index)+0x\(String(off, radix: 16))")
                return
            }
            // 32-bit writes forward the host's low half (REFERENCE.md; the Clight sends 0, Q7).
            m.hit(len == 4 ? .emulateWrite32 : .emulateWrite64, &ctx)
            if len == 4 { value &= 0xFFFF_FFFF }
            m.smmu.writeRegister(smmu: index, offset: off, size: len, value: value)
            ctx.deviceAccesses.append(DeviceAccess(smmu: index, offset: off, size: len, isWrite: true, value: value))
        }

        /// Coq: MmioOps.v, el2_free_smmu_pgd_spec0
        public static func el2_free_smmu_pgd(_ m: inout ImplState, _ ctx: inout CallContext, cbndx: Int, index: Int) {
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

        /// Coq: MmioOps.v, el2_alloc_smmu_pgd_spec0
        public static func el2_alloc_smmu_pgd(_ m: inout ImplState, _ ctx: inout CallContext, cbndx: Int, vmid: UInt32, index: Int) {
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

        /// Coq: MmioOps.v, smmu_assign_page_spec0
        public static func smmu_assign_page(_ m: inout ImplState, _ ctx: inout CallContext, cbndx: Int, index: Int, pfn: UInt64, gfn: UInt64) {
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

        /// Coq: MmioOps.v, smmu_map_page_spec0
        public static func smmu_map_page(_ m: inout ImplState, _ ctx: inout CallContext, cbndx: Int, index: Int, iova: UInt64, pte: UInt64) {
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

        /// Coq: MmioOps.v, el2_arm_lpae_iova_to_phys_spec0
        public static func el2_arm_lpae_iova_to_phys(_ m: inout ImplState, _ ctx: inout CallContext, iova: UInt64, cbndx: Int, index: Int) -> UInt64 {
            if m.data.halt { ctx.hit(.iovaToPhysHalted); return 0 }
            let pte = m.walk_spt(cbndx, index, iova, &ctx)
            m.hit(pte == 0 ? .iovaToPhysUnmapped : .iovaToPhysMapped, &ctx)
            let res = KC.phys_page(pte) &+ (iova & 4095)
            return m.data.halt ? 0 : res
        }

        /// Coq: MmioOps.v, el2_arm_lpae_clear_spec0
        public static func el2_arm_lpae_clear(_ m: inout ImplState, _ ctx: inout CallContext, iova: UInt64, cbndx: Int, index: Int) {
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
}
