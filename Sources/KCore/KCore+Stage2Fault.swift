import SMMUDevice
import Stage2

extension KCore {
    /// SeKVM's `handle_host_stage2_fault`: the fault IPA from HPFAR_EL2[39:4] (the architecture;
    /// Coq masks HPFAR with 0xFFFF, Q31), `emulate_mmio`, and `map_page_host` when it returns
    /// INVALID. An emulated access writes the host register and advances ELR by 4.
    public func handleHostStage2Fault(_ h: inout HostContext) -> TrapOutcome {
        h.bodyCycles = 0
        let page = ((h.hpfar >> 4) & ((1 << 36) - 1)) << 12
        let hsr = UInt32(truncatingIfNeeded: h.esr)
        let ipa = page | (h.far & 0xFFF)
        let (res, ctx, rep) = run(
            "emulate_mmio", "0x\(String(page, radix: 16)), 0x\(String(hsr, radix: 16))", &h,
            impl: { MmioOps.Impl.emulate_mmio(&$0, &$1, addr: page, hsr: hsr) },
            spec: { MmioOps.Spec.emulate_mmio(&$0, &$1, addr: page, hsr: hsr) })
        if res != KC.INVALID || ctx.panic != nil {
            let acc = ctx.deviceAccesses.last
            // The host's value: Xt, or zero for Rt = 31 (the trap frame's XZR slot), so that a
            // `str wzr` is "emulated", not "rewritten".
            let rd = KC.host_dabt_get_rd(hsr)
            let hostValue = rd < 31 && rd < h.x.count ? h.x[rd] : 0
            let rewritten = acc.map { $0.isWrite && $0.value != (hostValue & ($0.size == 4 ? 0xFFFF_FFFF : .max)) } ?? false
            // An access EL2 completed returned `is_smmu_range` of the page; a panic or a halted
            // EL2 returns 0, so the window is looked up again.
            let smmu = ctx.panic == nil && !halted ? res : isSMMURange(configuration.smmuConf, page)
            return outcome(ctx, TrapDecision(
                handler: .emulate_mmio, target: .smmuRegister(smmu: smmu, offset: ipa & 0xFFFF), action: rewritten ? .rewritten : .emulated, value: acc?.value), rep)
        }
        var o = outcome(ctx, TrapDecision(handler: .emulate_mmio, target: .ipa(ipa), action: .ignored), rep)
        let (_, mctx, mrep) = run(
            "map_page_host", "0x\(String(page, radix: 16))", &h,
            impl: { $0.map_page_host(page, &$1) }, spec: { MmioOps.Spec.map_page_host(&$0, &$1, addr: page) })
        let m = outcome(mctx, TrapDecision(handler: .map_page_host, target: .ipa(page), action: .mapped, value: page), mrep ?? rep)
        o.panic = m.panic
        o.cycles &+= m.cycles &- configuration.costModel.trapEntry &- configuration.costModel.eret
        o.lockWaitCycles &+= m.lockWaitCycles
        o.tlbInvalidations = m.tlbInvalidations
        o.decision = m.decision
        o.specUndefined = o.specUndefined ?? m.specUndefined
        o.refinement = m.refinement
        return o
    }
}
