import SMMUDevice
import Stage2

extension KCore {
    /// Runs one seed-level call at the configured level(s). `implBody`/`specBody` are the two
    /// levels of the same function; `bank`/`iova` say which shadow entry the call may change;
    /// `args` is formatted only for a refinement report.
    func run<R: Equatable>(
        _ name: String, _ args: @autoclosure () -> String, _ h: inout HostContext, bank: (Int, Int)? = nil, iova: UInt64? = nil,
        known: KnownDivergence? = nil,
        impl implBody: (inout ImplState, inout CallContext) -> R, spec specBody: (inout SpecState, inout CallContext) -> R
    ) -> (R, CallContext, RefinementReport?) {
        if configuration.handlers == .spec {
            var ctx = makeContext(h, timed: true, level: .spec)
            let r = specBody(&spec, &ctx)
            h.bodyCycles &+= ctx.costs.body(ctx)
            // The spec records the device writes SeKVM's C performs; the hardware must see them.
            for a in ctx.deviceAccesses where a.isWrite {
                impl.smmu.writeRegister(smmu: a.smmu, offset: a.offset, size: a.size, value: a.value)
            }
            if let bank { impl.materializeSPT(bank: (bank.0, bank.1), from: spec.spt, iova: iova) }
            impl.materializeNPT(gfns: ctx.hostTLBInvalidations, from: spec.npt)
            apply(ctx.regs, to: &h)
            return (r, ctx, nil)
        }
        var ictx = makeContext(h, timed: true, level: .impl)
        guard configuration.checkRefinement else {
            let r = implBody(&impl, &ictx)
            h.bodyCycles &+= ictx.costs.body(ictx)
            apply(ictx.regs, to: &h)
            return (r, ictx, nil)
        }
        let pre = spec
        let r = implBody(&impl, &ictx)
        h.bodyCycles &+= ictx.costs.body(ictx)
        var reads = ictx.deviceAccesses.filter { !$0.isWrite }.map(\.value)[...]
        var sctx = makeContext(h, level: .spec)
        sctx.readDevice = { _, _, _ in reads.popFirst() ?? 0 }
        sctx.pageContents = ictx.pageContents
        var s = pre
        let sr = specBody(&s, &sctx)
        // The implementation's abstraction: its EL2 data, and its tables re-read from memory
        // where this call wrote them; elsewhere they are what they were before the call, which
        // `pre` holds (`spec` is set to the abstraction after every checked call). Re-reading
        // only written regions keeps a check O(call) for the read-only majority of calls.
        var abs = s
        abs.data = impl.data
        abs.spt = ictx.sptWritten ? impl.abstractSPT() : pre.spt
        abs.npt = ictx.nptWritten ? impl.abstractNPT() : pre.npt
        var diffs = compareStates(s, abs, logsFrom: pre.data.locks.eventsEver)
        if sr != r { diffs.append(.init(field: "return value", spec: "\(sr)", impl: "\(r)")) }
        if sctx.regs != ictx.regs { diffs.append(.init(field: "host registers", spec: "\(sctx.regs)", impl: "\(ictx.regs)")) }
        if sctx.deviceAccesses != ictx.deviceAccesses {
            diffs.append(.init(field: "device accesses", spec: "\(sctx.deviceAccesses)", impl: "\(ictx.deviceAccesses)"))
        }
        spec = abs  // continue from the implementation's state
        apply(ictx.regs, to: &h)
        guard !diffs.isEmpty else { return (r, ictx, nil) }
        let k = known.flatMap { configuration.allowList.contains($0) ? $0 : nil }
        let rep = RefinementReport(function: name, arguments: args(), differences: diffs, known: k)
        refinementReports.append(rep)
        return (r, ictx, rep)
    }

    /// `run` for functions without a result.
    func run(
        _ name: String, _ args: @autoclosure () -> String, _ h: inout HostContext, bank: (Int, Int)? = nil, iova: UInt64? = nil,
        known: KnownDivergence? = nil,
        impl implBody: (inout ImplState, inout CallContext) -> Void, spec specBody: (inout SpecState, inout CallContext) -> Void
    ) -> ((), CallContext, RefinementReport?) {
        let (_, c, r) = run(name, args(), &h, bank: bank, iova: iova, known: known,
            impl: { implBody(&$0, &$1); return 0 }, spec: { specBody(&$0, &$1); return 0 })
        return ((), c, r)
    }

    func apply(_ r: HostRegisters, to h: inout HostContext) {
        for i in 0..<31 { h.x[i] = r.x[i] }
        if let pc = r.skipTo { h.elr = pc }
    }

    func outcome(_ ctx: CallContext, _ d: TrapDecision, _ rep: RefinementReport?) -> TrapOutcome {
        var d = d
        if ctx.panic != nil { d.action = .panic }
        return TrapOutcome(
            panic: ctx.panic, cycles: configuration.costModel.cycles(ctx), lockWaitCycles: ctx.lockWaitCycles,
            tlbInvalidations: ctx.hostTLBInvalidations, decision: d, specUndefined: ctx.undefined, refinement: rep)
    }
}
