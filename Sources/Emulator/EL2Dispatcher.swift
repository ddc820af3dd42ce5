import AArch64
import KCore
import Stage2

/// Forwards EL2's SMMU register accesses to whatever device sits at each SMMU's base on the bus.
/// KCore knows SMMUs by index (`smmu_conf`), the bus by address; this joins the two.
final class BusSMMUHardware: SMMUHardware {
    let bus: PhysicalBus
    let bases: [UInt64]
    init(bus: PhysicalBus, bases: [UInt64]) {
        self.bus = bus
        self.bases = bases
    }
    func readRegister(smmu: Int, offset: UInt64, size: Int) -> UInt64 {
        guard bases.indices.contains(smmu), let r = bus.region(at: bases[smmu] &+ offset) else { return 0 }
        return r.device.read(offset: bases[smmu] &+ offset &- r.base, size: size)
    }
    func writeRegister(smmu: Int, offset: UInt64, size: Int, value: UInt64) {
        guard bases.indices.contains(smmu), let r = bus.region(at: bases[smmu] &+ offset) else { return }
        _ = r.device.write(offset: bases[smmu] &+ offset &- r.base, size: size, value: value)
    }
}

/// The EL2 trap dispatcher: stage-2 aborts go to KCore's `handle_host_stage2_fault`, HVC/SMC with
/// a PSCI function id to the machine's PSCI, every other id to KCore's hypercall dispatcher.
extension Machine {
    /// Copies the trapped CPU's registers into KCore's view of the host context.
    func hostContext(_ cpu: CPU) -> HostContext {
        HostContext(
            cpu: cpu.index, x: (0..<31).map { cpu.x($0) }, elr: cpu.el2.elr, esr: cpu.el2.esr, far: cpu.el2.far,
            hpfar: cpu.el2.hpfar)
    }

    /// Applies a KCore handler's effects to the machine; returns a run result on a hypervisor panic.
    func apply(_ outcome: TrapOutcome, _ h: HostContext, to cpu: CPU) -> RunResult? {
        for i in 0..<31 where cpu.x(i) != h.x[i] { cpu.setX(i, h.x[i]) }
        cpu.el2.elr = h.elr
        cpu.cycles &+= outcome.cycles
        el2Cycles[cpu.index] &+= outcome.cycles
        for ipa in outcome.tlbInvalidations { for c in cpus { c.invalidateStage2TLB(ipa: ipa) } }
        if let p = outcome.panic {
            let pc = "0x" + String(cpu.el2.elr, radix: 16)
            let esr = "0x" + String(cpu.el2.esr, radix: 16)
            return RunResult(exitStatus: 3, reason: "hypervisor panic in \(p) (cpu\(cpu.index), pc \(pc), ESR_EL2 \(esr))")
        }
        if configuration.checkInvariants || configuration.strictSMMU {
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
        var h = hostContext(cpu)
        let start = cpu.cycles
        let outcome = kcore.handleHostStage2Fault(&h)
        let kind: TraceKind = outcome.decision.handler == "emulate_mmio" ? .mmio : .s2
        if configuration.trace.contains(kind) { traceAbort(cpu, outcome, at: start, kind: kind) }
        return apply(outcome, h, to: cpu)
    }

    /// `[cycle] cpu0 mmio main+0x1c str w1, [x0] IPA 0x9059020 W4 SMMU0.CB1.TTBR0 rewritten 0x10000 el2 230`
    func traceAbort(_ cpu: CPU, _ o: TrapOutcome, at cycle: UInt64, kind: TraceKind) {
        let esr = cpu.el2.esr
        let ipa = ((cpu.el2.hpfar >> 4) << 12) | (cpu.el2.far & 0xFFF)
        let isv = esr & (1 << 24) != 0
        let size = isv ? "\(1 << ((esr >> 22) & 3))" : "?"
        let dir = esr & (1 << 6) != 0 ? "W" : "R"
        let pc = cpu.el2.elr
        var line = "[\(cycle)] cpu\(cpu.index) \(kind.rawValue) \(image.symbolize(pc)) "
        let fetch = esr >> 26 == 0x20
        line += fetch ? "(instruction fetch)" : disassembler.disassemble(cpu.exitInstruction, at: pc)
        line += " IPA 0x\(String(ipa, radix: 16))" + (fetch ? " X" : " \(dir)\(size)")
        line += " \(kind == .mmio ? o.decision.target : o.decision.handler) \(o.decision.action.rawValue)"
        if let v = o.decision.value { line += " 0x" + String(v, radix: 16) }
        if let p = o.panic { line += " (\(p))" }
        line += " el2 \(o.cycles)"
        traceSink(line)
    }

    /// HVC #imm, or SMC trapped by HCR_EL2.TSC (whose ELR points at the SMC itself).
    func handleHypercall(_ cpu: CPU, smc: Bool) -> RunResult? {
        if smc { cpu.el2.elr &+= 4 }
        let fn = cpu.x(0) & 0xFFFF_FFFF
        if fn >> 24 == 0x84 || fn >> 24 == 0xC4 {
            cpu.cycles &+= kcore.configuration.costModel.trapEntry
            return psci(cpu)
        }
        var h = hostContext(cpu)
        let start = cpu.cycles
        let outcome = kcore.handleHVC(&h)
        if configuration.trace.contains(.hvc) {
            let args = (1...5).map { "0x" + String(cpu.x($0), radix: 16) }.joined(separator: ", ")
            var line = "[\(start)] cpu\(cpu.index) hvc \(fn) \(outcome.decision.target)(\(args)) -> 0x\(String(h.x[0], radix: 16))"
            line += " \(outcome.decision.action.rawValue)"
            if let p = outcome.panic { line += " (\(p))" }
            line += " el2 \(outcome.cycles)"
            traceSink(line)
        }
        return apply(outcome, h, to: cpu)
    }
}
