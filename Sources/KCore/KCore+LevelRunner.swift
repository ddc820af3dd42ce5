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
            var ctx = makeDrivingContext(&h, level: .spec)
            let r = specBody(&spec, &ctx)
            h.bodyCycles &+= ctx.costs.body(ctx)
            // The spec records the device writes SeKVM's C performs; the hardware must see them.
            for a in ctx.deviceAccesses where a.isWrite {
                impl.smmu.writeRegister(smmu: a.smmu, offset: a.offset, size: a.size, value: a.value)
            }
            if let bank {
                impl.materializeSPT(bank: (bank.0, bank.1), from: spec.spt, iova: iova)
                sptGeneration &+= 1
            }
            impl.materializeNPT(gfns: ctx.hostTLBInvalidations, from: spec.npt)
            apply(ctx, to: &h)
            return (r, ctx, nil)
        }
        guard configuration.checkRefinement else {
            var ictx = makeDrivingContext(&h, level: .impl)
            let r = implBody(&impl, &ictx)
            h.bodyCycles &+= ictx.costs.body(ictx)
            if implNPT != nil && ictx.nptWritten { _ = updateImplNPT(writes: ictx.nptWrites) }
            if ictx.sptWritten { sptGeneration &+= 1 }
            apply(ictx, to: &h)
            return (r, ictx, nil)
        }
        let ictx = makeContext(h, timed: true, level: .impl)
        return runCheckingRefinement(name, args(), &h, bank: bank, iova: iova, known: known, ictx, impl: implBody, spec: specBody)
    }

    /// `run` with the refinement check: both levels, and the comparison of what they wrote. Kept
    /// out of `run`, whose common case (one level) is on every trap's path.
    @inline(never)
    private func runCheckingRefinement<R: Equatable>(
        _ name: String, _ args: @autoclosure () -> String, _ h: inout HostContext, bank: (Int, Int)?, iova: UInt64?,
        known: KnownDivergence?, _ ictx: CallContext,
        impl implBody: (inout ImplState, inout CallContext) -> R, spec specBody: (inout SpecState, inout CallContext) -> R
    ) -> (R, CallContext, RefinementReport?) {
        var ictx = ictx
        // Both levels run from one state: the spec level on `spec` itself, moved into `s` so
        // that it owns its tables and logs and writes them in place, the implementation on
        // `impl`. Its abstraction is its EL2 data, its shadow tables re-read where this call
        // wrote them (else `preSPT`), and `implNPT`, updated from the words it stored. Only
        // what either level wrote is compared: a call costs what it did, not what the tables
        // map or how long the run has been.
        var s = spec
        spec = SpecState.vacant(layout: s.npt.layout)
        let logsFrom = s.data.locks.eventsEver
        let pagesFrom = (s.data.s2page.journal.ever, impl.data.s2page.journal.ever)
        let preSPT = s.spt
        let r = implBody(&impl, &ictx)
        h.bodyCycles &+= ictx.costs.body(ictx)
        var reads = ictx.deviceAccesses.filter { !$0.isWrite }.map(\.value)[...]
        var sctx = makeContext(h, level: .spec)
        sctx.readDevice = { _, _, _ in reads.popFirst() ?? 0 }
        sctx.pageContents = ictx.pageContents
        let sr = specBody(&s, &sctx)
        let implTouched = updateImplNPT(writes: ictx.nptWrites)
        if ictx.sptWritten { sptGeneration &+= 1 }
        var diffs: [RefinementDifference]
        do {
            let abs = SpecState(data: impl.data, spt: ictx.sptWritten ? impl.abstractSPT() : preSPT, npt: implNPT!.npt)
            let journals = s.data.s2page.journal.since(pagesFrom.0).flatMap { a in
                impl.data.s2page.journal.since(pagesFrom.1).map { Set(a).union($0) }
            }
            let touched = implTouched.flatMap { it in
                journals.map { TouchedEntries(npt: it.union(KCore.specNPTTouched(sctx.hostTLBInvalidations)), s2page: $0) }
            }
            diffs = compareStates(s, abs, logsFrom: logsFrom, touched: touched)
            if sr != r { diffs.append(.init(field: "return value", spec: "\(sr)", impl: "\(r)")) }
            if sctx.regs != ictx.regs { diffs.append(.init(field: "host registers", spec: "\(sctx.regs)", impl: "\(ictx.regs)")) }
            if sctx.deviceAccesses != ictx.deviceAccesses {
                diffs.append(.init(field: "device accesses", spec: "\(sctx.deviceAccesses)", impl: "\(ictx.deviceAccesses)"))
            }
            // Continue from the implementation's state. When the levels agree that is `s`,
            // which keeps its own storage; otherwise the abstraction itself (shared storage,
            // copied once by the next write).
            spec = diffs.isEmpty ? s : abs
        }
        apply(ictx, to: &h)
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

    /// A timed context for the level that drives the call, holding the host's register array
    /// itself: moved in from `h` here and back by `apply`, instead of copied both ways on
    /// every call. Until `apply`, `h.x` holds the context's spare array.
    func makeDrivingContext(_ h: inout HostContext, level: HandlerLevel) -> CallContext {
        let ctx = makeContext(h, timed: true, level: level, copyingRegisters: false)
        swap(&ctx.regs.x, &h.x)
        return ctx
    }

    /// The host registers as the call left them: the context's register array and the host's
    /// trade places (the context's spare is overwritten when it is next used).
    func apply(_ ctx: CallContext, to h: inout HostContext) {
        swap(&ctx.regs.x, &h.x)
        if let pc = ctx.regs.skipTo { h.elr = pc }
    }

    func outcome(_ ctx: CallContext, _ d: TrapDecision, _ rep: RefinementReport?) -> TrapOutcome {
        var d = d
        if ctx.panic != nil { d.action = .panic }
        // No invalidations (every trapped SMMU access): the empty array, not the context's
        // emptied one, which the outcome would retain and release.
        return TrapOutcome(
            panic: ctx.panic, cycles: configuration.costModel.cycles(ctx), lockWaitCycles: ctx.lockWaitCycles,
            tlbInvalidations: ctx.hostTLBInvalidations.isEmpty ? [] : ctx.hostTLBInvalidations, decision: d,
            specUndefined: ctx.undefined, refinement: rep)
    }
}
