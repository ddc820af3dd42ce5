import AArch64
import KCore
import SMMUDevice
import Stage2

/// Forwards EL2's SMMU register accesses to whatever device sits at each SMMU's base on the bus.
/// KCore knows SMMUs by index (`smmu_conf`), the bus by address; this joins the two.
final class BusSMMUHardware: SMMUHardware {
    let bus: PhysicalBus
    let bases: [UInt64]
    /// The window last found for each SMMU: windows are only ever added to a bus, so one that
    /// holds an address keeps holding it, and every trapped access skips the bus search.
    private var windows: [MMIORegion?]
    /// Per SMMU, its window when the device there is an `SMMU` (the usual case): read directly
    /// and without reference counting (the bus and `windows` hold the device) instead of
    /// through the device protocol. A trivial value, so reading it retains nothing.
    private struct DirectWindow {
        let base: UInt64
        let size: UInt64
        let device: Unmanaged<SMMU>
    }
    private var direct: [DirectWindow?]
    init(bus: PhysicalBus, bases: [UInt64]) {
        self.bus = bus
        self.bases = bases
        windows = Array(repeating: nil, count: bases.count)
        direct = Array(repeating: nil, count: bases.count)
    }
    private func window(_ smmu: Int, _ pa: UInt64) -> MMIORegion? {
        if let w = windows[smmu], w.contains(pa) { return w }
        let w = bus.region(at: pa)
        if let w {
            windows[smmu] = w
            direct[smmu] = (w.device as? SMMU).map { DirectWindow(base: w.base, size: w.size, device: Unmanaged.passUnretained($0)) }
        }
        return w
    }
    func readRegister(smmu: Int, offset: UInt64, size: Int) -> UInt64 {
        guard bases.indices.contains(smmu) else { return 0 }
        let pa = bases[smmu] &+ offset
        if let d = direct[smmu], pa >= d.base && pa &- d.base < d.size {
            return d.device._withUnsafeGuaranteedRef { $0.read(offset: pa &- d.base, size: size) }
        }
        guard let r = window(smmu, pa) else { return 0 }
        return r.device.read(offset: pa &- r.base, size: size)
    }
    func writeRegister(smmu: Int, offset: UInt64, size: Int, value: UInt64) {
        guard bases.indices.contains(smmu) else { return }
        let pa = bases[smmu] &+ offset
        guard let r = window(smmu, pa) else { return }
        _ = r.device.write(offset: pa &- r.base, size: size, value: value)
    }
}

/// The EL2 trap dispatcher: stage-2 aborts go to KCore's `handle_host_stage2_fault`, HVC/SMC with
/// a PSCI function id to the machine's PSCI, every other id to KCore's hypercall dispatcher.
extension Machine {
    /// Fills the machine's one `trapContext`, KCore's view of the trapped CPU, in place: its
    /// register array is held by nothing else, so it is written, never reallocated. Handlers
    /// take it `inout` where it is (moving it out and back cost two copies of the context).
    func loadHostContext(_ cpu: CPU) {
        trapContext.cpu = cpu.index
        cpu.copyGeneralRegisters(into: &trapContext.x)
        trapContext.elr = cpu.el2.elr
        trapContext.esr = cpu.el2.esr
        trapContext.far = cpu.el2.far
        trapContext.hpfar = cpu.el2.hpfar
        trapContext.cycle = cpu.cycles
    }

    /// Applies a KCore handler's effects (its outcome, and the registers it left in
    /// `trapContext`) to the machine; returns a run result on a hypervisor panic.
    func applyTrapOutcome(_ outcome: TrapOutcome, to cpu: CPU) -> RunResult? {
        cpu.setGeneralRegisters(trapContext.x)
        cpu.el2.elr = trapContext.elr
        cpu.cycles &+= outcome.cycles
        el2Cycles[cpu.index] &+= outcome.cycles
        el2Statistics.record(outcome.decision, cycles: outcome.cycles)
        for ipa in outcome.tlbInvalidations { for c in cpus { c.invalidateStage2TLB(ipa: ipa) } }
        if configuration.checkInvariants { checkKCoreInvariants(cpu, outcome) }
        if let el2Hook, el2Hook(cpu, outcome) == .pause { pauseRequested = true }
        if let p = outcome.panic {
            let pc = "0x" + String(cpu.el2.elr, radix: 16)
            let esr = "0x" + String(cpu.el2.esr, radix: 16)
            return RunResult(exitStatus: 3, reason: "hypervisor panic in \(p) (cpu\(cpu.index), pc \(pc), ESR_EL2 \(esr))")
        }
        // map_page_host changes no SMMU register, shadow table or page owner: what the streams
        // can reach is unchanged since the last analysis, so the (whole-table) analysis is
        // skipped for it, except the first time (the reset state: CLIENTPD = 1).
        if (configuration.checkInvariants || configuration.strictSMMU) && (Machine.mappedHostPage(outcome) == nil || !smmuReachabilityChecked) {
            smmuReachabilityChecked = true
            for f in SMMUReachability(smmus: smmus, ram: ram, kcore: kcore).findings() where !smmuFindings.contains(f) {
                smmuFindings.append(f)
                if configuration.strictSMMU {
                    return RunResult(exitStatus: 3, reason: "strict-smmu: \(f) (cpu\(cpu.index), pc 0x\(String(cpu.el2.elr, radix: 16)))")
                }
                warningSink("warning: \(f)")
            }
        }
        if let r = outcome.refinement {
            if outcome.refinementFailure {
                return RunResult(exitStatus: 3, reason: "refinement check failed (cpu\(cpu.index)): \(r)")
            }
            knownDivergences.append("cpu\(cpu.index): \(r)")
        }
        return nil
    }

    /// A stage-2 abort taken to EL2.
    func handleStage2Abort(_ cpu: CPU) -> RunResult? {
        // The same fault again without progress is EL2 livelocked by the guest (hardware would
        // spin forever; --max-instructions never fires): stop, saying where.
        let f = RepeatedFault(retired: cpu.instructionsRetired, elr: cpu.el2.elr, esr: cpu.el2.esr, far: cpu.el2.far, count: 1)
        if repeatedFaults[cpu.index].sameFault(as: f) {
            repeatedFaults[cpu.index].count += 1
            if repeatedFaults[cpu.index].count >= Machine.livelockBound {
                return RunResult(exitStatus: 5, reason: "cpu\(cpu.index) makes no progress: the same stage-2 fault (pc \(hex(f.elr)), ESR_EL2 \(hex(f.esr)), FAR_EL2 \(hex(f.far))) came back \(Machine.livelockBound) times without an instruction retired")
            }
        } else {
            repeatedFaults[cpu.index] = f
        }
        // An instruction fetch (not a stage-1 walk: S1PTW = 0) that stage 2 refuses with a
        // permission fault, from an address with nothing behind it (no RAM, no device): the
        // host's page is mapped (execute-never, as every non-RAM page), so the fetch itself is
        // what fails. EL2 gives EL1 the synchronous external abort hardware gives a fetch from
        // nowhere, as a data access already gets, instead of replaying the fetch forever.
        let esr = cpu.el2.esr
        if esr >> 26 == 0x20 && esr & (1 << 7) == 0 && esr & 0x3C == 0x0C {
            let ipa = ((cpu.el2.hpfar >> 4) << 12) | (cpu.el2.far & 0xFFF)
            if case .none = bus.target(of: ipa) {
                cpu.injectExternalInstructionAbort()
                return nil
            }
        }
        loadHostContext(cpu)
        let start = cpu.cycles
        let outcome = kcore.handleHostStage2Fault(&trapContext)
        let kind: TraceKind = outcome.decision.handler == .emulate_mmio ? .mmio : .s2
        if traceMask & kind.bit != 0 { traceAbort(cpu, outcome, at: start, kind: kind) }
        if perfetto != nil { recordHandler(cpu, outcome, name: outcome.decision.handler.rawValue, at: start) }
        return applyTrapOutcome(outcome, to: cpu)
    }

    /// Opens the handler's span on the CPU's timeline (it ends when the CPU is back in the guest)
    /// and draws the lock waits the handler reported inside it.
    func recordHandler(_ cpu: CPU, _ o: TrapOutcome, name: String, at start: UInt64) {
        guard let perfetto else { return }
        var args: [(String, PerfettoTrace.Argument)] = [("target", .string(o.decision.targetName)), ("action", .string(o.decision.action.rawValue))]
        if let v = o.decision.value { args.append(("value", .string(hex(v)))) }
        if let p = o.panic { args.append(("panic", .string("\(p)"))) }
        args.append(("el2Cycles", .int(o.cycles)))
        perfetto.enter(cpu: cpu.index, .el2(handler: name, arguments: args), at: start, instructions: cpu.instructionsRetired)
        for w in lockWaits(since: start) {
            perfetto.lockWait(cpu: cpu.index, lock: w.lock, start: start &+ w.offset, cycles: w.cycles)
        }
    }

    /// The lock waits of the handler that just ran (KCore's ticket locks report each
    /// `WAIT_LOCK` with the cycles it waited), as offsets from the handler's start.
    func lockWaits(since start: UInt64) -> [LockWait] {
        defer { handlerLockWaits.removeAll() }
        return handlerLockWaits.map { w in
            var l = w.wait
            l.offset = w.cycle >= start ? w.cycle - start : 0
            return l
        }
    }

    /// Records a stage-2 trap for `--trace` / `--trace-json`.
    func traceAbort(_ cpu: CPU, _ o: TrapOutcome, at cycle: UInt64, kind: TraceKind) {
        let esr = cpu.el2.esr
        let ipa = ((cpu.el2.hpfar >> 4) << 12) | (cpu.el2.far & 0xFFF)
        let fetch = esr >> 26 == 0x20
        let pc = cpu.el2.elr
        emit(TraceEvent(
            kind: kind.rawValue, cycle: cycle, cpu: cpu.index, pc: hex(pc), symbol: image.symbolize(pc),
            insn: fetch ? "(instruction fetch)" : disassembler.disassemble(cpu.exitInstruction, at: pc),
            ipa: hex(ipa), size: !fetch && esr & (1 << 24) != 0 ? 1 << Int((esr >> 22) & 3) : nil,
            dir: fetch ? "X" : (esr & (1 << 6) != 0 ? "W" : "R"),
            target: kind == .mmio ? o.decision.targetName : o.decision.handler.rawValue, action: o.decision.action.rawValue,
            value: o.decision.value.map(hex), panic: o.panic.map { "\($0)" }, el2Cycles: o.cycles))
    }

    func emit(_ e: TraceEvent) {
        traceSink(e.text)
        traceJSONSink?(e.json)
    }

    func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

    /// HVC #imm, or SMC trapped by HCR_EL2.TSC (whose ELR points at the SMC itself).
    func handleHypercall(_ cpu: CPU, smc: Bool) -> RunResult? {
        if smc { cpu.el2.elr &+= 4 }
        let fn = cpu.x(0) & 0xFFFF_FFFF
        if fn >> 24 == 0x84 || fn >> 24 == 0xC4 || fn == 0x8000_0000 {  // PSCI, SMCCC_VERSION
            let name = Machine.psciFunctionName(fn) ?? "PSCI 0x" + String(fn, radix: 16)
            perfetto?.enter(cpu: cpu.index, .el2(handler: name, arguments: [("function", .string(hex(fn)))]), at: cpu.cycles,
                            instructions: cpu.instructionsRetired)
            cpu.cycles &+= kcore.configuration.costModel.trapEntry
            el2Cycles[cpu.index] &+= kcore.configuration.costModel.trapEntry
            el2Statistics.record(.psci, cycles: kcore.configuration.costModel.trapEntry)
            return psci(cpu)
        }
        loadHostContext(cpu)
        return hypercall(cpu, fn: fn)
    }

    /// A hypercall for KCore's dispatcher, with its trace and timeline records.
    private func hypercall(_ cpu: CPU, fn: UInt64) -> RunResult? {
        let start = cpu.cycles
        let outcome = kcore.handleHVC(&trapContext)
        if traceMask & TraceKind.hvc.bit != 0 {
            emit(TraceEvent(
                kind: "hvc", cycle: start, cpu: cpu.index, pc: hex(cpu.el2.elr &- 4), symbol: image.symbolize(cpu.el2.elr &- 4),
                call: Int(fn), args: (1...5).map { hex(cpu.x($0)) }, result: hex(trapContext.x[0]),
                target: outcome.decision.targetName, action: outcome.decision.action.rawValue,
                panic: outcome.panic.map { "\($0)" }, el2Cycles: outcome.cycles))
        }
        if perfetto != nil {
            // HVC spans are named by the called function (el2_alloc_smmu_pgd), not "hvc".
            recordHandler(cpu, outcome, name: outcome.decision.targetName, at: start)
        }
        return applyTrapOutcome(outcome, to: cpu)
    }
}

/// A stage-2 fault as the livelock check compares it.
struct RepeatedFault {
    var retired: UInt64 = .max
    var elr: UInt64 = 0
    var esr: UInt64 = 0
    var far: UInt64 = 0
    var count = 0
    func sameFault(as o: RepeatedFault) -> Bool { retired == o.retired && elr == o.elr && esr == o.esr && far == o.far }
}
