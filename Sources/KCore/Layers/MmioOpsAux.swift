/// Coq layers MmioOpsAux, MmioCore and MmioCoreAux: the SMMU register access `emulate_mmio`
/// performs, at both levels.
extension MmioOps.Spec {
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
            s.data.dataLog.increment(KC.HOSTVISOR)
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
}

extension MmioOps.Impl {
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
        m.data.dataLog.increment(KC.HOSTVISOR)
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
}
