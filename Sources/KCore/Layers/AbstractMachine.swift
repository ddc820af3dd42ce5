/// Coq layer AbstractMachine: the panic flag, coverage probes and the SMMU configuration
/// getters/setters. Each primitive starts with "if halted, do nothing" as the Coq primitives
/// do, so after a panic the rest of a composition runs as no-ops and held locks stay held.
extension ImplState {
    /// Counts branch `b` for `--coverage` unless a panic already made the rest of the
    /// composition a no-op.
    @inline(__always) func hit(_ b: SpecBranch, _ ctx: inout CallContext) {
        if !data.halt { ctx.hit(b) }
    }

    public mutating func panic(_ ctx: inout CallContext, _ f: String, _ why: String) {
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
}

extension MmioOps.Spec {
    public static func panic(_ s: inout SpecState, _ ctx: inout CallContext, _ f: String, _ why: String, tstate: Int = 0) {
        s.data.halt = true
        s.data.tstate = tstate
        if ctx.panic == nil { ctx.panic = PanicReason(function: f, condition: why) }
    }
}
