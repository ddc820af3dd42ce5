import Foundation
import AArch64
import KCore

/// Why a debugged machine stopped.
public enum DebugStop: Equatable, Sendable {
    /// The CPU is about to execute the instruction at a breakpoint.
    case breakpoint(cpu: Int, pc: UInt64)
    /// The CPU completed the single step it was asked for.
    case step(cpu: Int)
    /// The CPU's last instruction accessed the data watchpoint (the access completed).
    case watchpoint(cpu: Int, DataWatchpoint)
    /// `Debugger.interrupt()` (gdb's Ctrl-C) or the hold at reset (`--gdb-wait`).
    case interrupted(cpu: Int)
    /// EL2 returned from a handler `Debugger.breakOnEL2` names; `report` says what it decided.
    case el2(cpu: Int, report: String)
    /// The run ended (power-off, limit, panic) with this result.
    case exited(status: Int32, reason: String)

    /// The CPU the stop concerns, if the machine is still alive.
    public var cpu: Int? {
        switch self {
        case .breakpoint(let c, _), .step(let c), .interrupted(let c), .watchpoint(let c, _), .el2(let c, _): c
        case .exited: nil
        }
    }
}

/// Stops a running machine at breakpoints, after single steps and on request, and lets another
/// thread read and change its state while it is stopped.
///
/// The machine runs on its own thread (`start`); a stop parks that thread *before* an instruction
/// executes, so the machine's state at a stop is exactly the state of an undebugged run at the
/// same point, and resuming continues it unchanged: same output, same cycles. The check runs in
/// the CPU's instruction-observer path (`CPU.traceInstructions`), which a machine without a
/// debugger never enters, so the normal run loop pays nothing for it.
public final class Debugger: @unchecked Sendable {
    /// The machine being debugged. Read and change its state only while `stop` is non-nil.
    public let machine: Machine
    private let condition = NSCondition()
    private var stopped: DebugStop?
    private var running = false
    private var haltRequested = false
    private var stepCPU: Int?
    /// The CPU a resume left from, its PC and attempt count then: until it attempts an
    /// instruction or EL2 moves its PC (an emulated MMIO access), its breakpoint does not fire
    /// again and its step is not complete (a stage-2 fault that EL2 resolves by mapping the page
    /// re-executes the same instruction, which was not attempted).
    private var resumedCPU: (index: Int, pc: UInt64, attempted: UInt64)?
    /// Program counters at which every CPU stops (gdb's Z0/Z1).
    private var breakpoints = Set<UInt64>()
    /// EL2 handlers and hypercalls whose return stops the CPU that trapped.
    private var el2Breaks = Set<String>()
    /// Per CPU, its retired-instruction count at its previous instruction.
    private var retiredBefore: [UInt64]
    /// Per CPU, the report of a watched EL2 handler that returned since its last instruction.
    private var el2Returns: [Int: String] = [:]

    /// Attaches to `machine` before it runs. With `holdAtReset`, the first instruction of CPU 0
    /// stops with `.interrupted` (QEMU's -S).
    public init(machine: Machine, holdAtReset: Bool) {
        self.machine = machine
        haltRequested = holdAtReset
        retiredBefore = machine.cpus.map(\.instructionsRetired)
        for cpu in machine.cpus {
            let previous = cpu.instructionObserver
            cpu.traceInstructions = true
            cpu.instructionObserver = { [unowned self, unowned cpu] pc, word in
                previous?(pc, word)
                self.beforeInstruction(cpu: cpu.index, pc: pc)
            }
        }
        // `break-el2` is a user of the machine's EL2 hook (after any hook already set); it never
        // pauses the run itself: the stop comes before the CPU's next instruction.
        let previous = machine.el2Hook
        machine.el2Hook = { [unowned self] cpu, outcome in
            let verdict = previous?(cpu, outcome) ?? .proceed
            self.el2Returned(cpu, outcome)
            return verdict
        }
    }

    /// Runs the machine on a new thread; `onExit` gets the result there when the run ends.
    public func start(onExit: @escaping (RunResult) -> Void = { _ in }) {
        condition.lock()
        running = true
        condition.unlock()
        let thread = Thread { [self] in
            let result = machine.run()
            condition.lock()
            stopped = .exited(status: result.exitStatus, reason: result.reason)
            running = false
            condition.broadcast()
            condition.unlock()
            onExit(result)
        }
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// The current stop, or nil while the machine runs.
    public var stop: DebugStop? {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// Waits up to `timeout` seconds for the machine to stop; nil if it is still running.
    public func waitForStop(timeout: TimeInterval) -> DebugStop? {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while stopped == nil {
            if !condition.wait(until: deadline) { break }
        }
        return stopped
    }

    /// Asks the running machine to stop before its next instruction (any CPU).
    public func interrupt() {
        condition.lock()
        if stopped == nil { haltRequested = true }
        condition.unlock()
    }

    /// Resumes a stopped machine; with `step`, that CPU stops again once it has attempted one
    /// instruction (retired it, or taken an EL1 exception for it) or EL2 has emulated it; an EL2
    /// handler the instruction traps to runs within the step.
    public func resume(step: Int? = nil) {
        condition.lock()
        defer { condition.unlock() }
        guard let s = stopped, let cpu = s.cpu else { return }
        stepCPU = step
        resumedCPU = (cpu, machine.cpus[cpu].pc, machine.cpus[cpu].instructionsAttempted)
        stopped = nil
        condition.broadcast()
    }

    /// Removes every breakpoint and pending stop and lets the machine run to its end.
    public func detach() {
        condition.lock()
        defer { condition.unlock() }
        breakpoints.removeAll()
        el2Breaks.removeAll()
        el2Returns.removeAll()
        for cpu in machine.cpus {
            cpu.dataWatchpoints.removeAll()
            cpu.watchpointHit = nil
        }
        haltRequested = false
        stepCPU = nil
        if stopped?.cpu != nil { stopped = nil }
        condition.broadcast()
    }

    /// Adds a breakpoint (all CPUs); only while stopped.
    public func insertBreakpoint(_ pc: UInt64) {
        condition.lock()
        breakpoints.insert(pc)
        condition.unlock()
    }

    /// Removes a breakpoint; only while stopped.
    public func removeBreakpoint(_ pc: UInt64) {
        condition.lock()
        breakpoints.remove(pc)
        condition.unlock()
    }

    /// Adds a data watchpoint (all CPUs); only while stopped. The machine stops before the next
    /// instruction of a CPU whose data access overlapped it.
    public func insertWatchpoint(_ w: DataWatchpoint) {
        condition.lock()
        for cpu in machine.cpus where !cpu.dataWatchpoints.contains(w) { cpu.dataWatchpoints.append(w) }
        condition.unlock()
    }

    /// Removes a data watchpoint; only while stopped.
    public func removeWatchpoint(_ w: DataWatchpoint) {
        condition.lock()
        for cpu in machine.cpus { cpu.dataWatchpoints.removeAll { $0 == w } }
        condition.unlock()
    }

    /// The names `breakOnEL2` takes: the three trap handlers and every hypercall.
    public static let el2HandlerNames = [TrapDecision.Handler.emulate_mmio, .map_page_host, .hvc].map(\.rawValue) + Hypercall.allCases.map(\.name)

    /// Stops the CPU that trapped when EL2's `handler` (`emulate_mmio`, `map_page_host`, `hvc`,
    /// or a hypercall by name) returns to it, before its next instruction; `enabled: false`
    /// removes it. False for a name EL2 does not have.
    @discardableResult
    public func breakOnEL2(_ handler: String, enabled: Bool = true) -> Bool {
        guard Debugger.el2HandlerNames.contains(handler) else { return false }
        condition.lock()
        if enabled { el2Breaks.insert(handler) } else { el2Breaks.remove(handler) }
        condition.unlock()
        return true
    }

    /// The handlers `breakOnEL2` watches, sorted.
    public var el2BreakHandlers: [String] {
        condition.lock()
        defer { condition.unlock() }
        return el2Breaks.sorted()
    }

    /// Called on the machine thread after EL2 handled a trap of `cpu`.
    private func el2Returned(_ cpu: CPU, _ o: TrapOutcome) {
        condition.lock()
        defer { condition.unlock() }
        let d = o.decision
        guard el2Breaks.contains(d.handler.rawValue) || d.handler == .hvc && el2Breaks.contains(d.targetName) else { return }
        let h = MachineStateView.hex
        var report = "EL2 \(d.handler == .hvc ? "hvc " + d.targetName : d.handler.rawValue) returned to cpu\(cpu.index)"
        report += " (ELR_EL2 \(h(cpu.el2.elr)), ESR_EL2 \(h(cpu.el2.esr)), FAR_EL2 \(h(cpu.el2.far)), HPFAR_EL2 \(h(cpu.el2.hpfar))):"
        report += " \(d.description), EL2 cycles \(o.cycles)"
        if d.handler == .hvc { report += ", x0 \(h(cpu.x(0)))" }
        if let p = o.panic { report += ", panic \(p)" }
        el2Returns[cpu.index] = report + "\n"
    }

    /// The watchpoint CPU `cpu`'s previous instruction hit, if that instruction retired: an
    /// access is checked before its translation, so an instruction that faulted (and will be
    /// executed again once EL2 mapped the page) has not made it.
    private func watchpointHit(_ cpu: Int) -> DataWatchpoint? {
        let c = machine.cpus[cpu]
        defer { retiredBefore[cpu] = c.instructionsRetired }
        guard let w = c.watchpointHit else { return nil }
        c.watchpointHit = nil
        return c.instructionsRetired != retiredBefore[cpu] ? w : nil
    }

    /// Called by a CPU before each instruction while debugged; parks the machine thread at a stop.
    private func beforeInstruction(cpu: Int, pc: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        var reason: DebugStop?
        let leaving = resumedCPU.map {
            $0.index == cpu && $0.pc == pc && $0.attempted == machine.cpus[cpu].instructionsAttempted
        } ?? false
        if let w = watchpointHit(cpu) {
            reason = .watchpoint(cpu: cpu, w)
        } else if let report = el2Returns.removeValue(forKey: cpu) {
            reason = .el2(cpu: cpu, report: report)
        } else if let s = stepCPU, s == cpu, !leaving {
            reason = .step(cpu: cpu)
        } else if breakpoints.contains(pc), !leaving {
            reason = .breakpoint(cpu: cpu, pc: pc)
        } else if haltRequested {
            reason = .interrupted(cpu: cpu)
        }
        guard let reason else { return }
        stepCPU = nil
        resumedCPU = nil
        haltRequested = false
        stopped = reason
        condition.broadcast()
        while stopped != nil { condition.wait() }
    }

    /// The physical address the CPU's view of `address` reaches, without faulting the guest:
    /// the CPU's stage 1 (when its MMU is on; `CPU.debugTranslate`), then for the IPA the host
    /// stage-2 (NPT) leaf when one maps the page, else the identity when the host owns the page
    /// (what `map_page_host` maps on the first access); nil for a page the host cannot reach.
    public func translate(cpu: Int, address: UInt64) -> UInt64? {
        let kcore = machine.kcore
        // One NPT walk per page asked about (not an abstraction of the whole table).
        let stage2 = { (ipa: UInt64) -> UInt64? in
            let pte = kcore.hostNPTEntry(gfn: ipa / 4096)
            if pte & 1 == 1 { return KC.phys_page(pte) | (ipa & 0xFFF) }
            return kcore.page(pfn: ipa / 4096).owner == KC.HOSTVISOR ? ipa : nil
        }
        guard machine.cpus.indices.contains(cpu) else { return stage2(address) }
        return machine.cpus[cpu].debugTranslate(va: address, ipaToPA: stage2)
    }

    /// Reads `count` bytes at `address`: physical when `physical`, else through CPU `cpu`'s view.
    /// Stops at the first byte that is not RAM or not reachable; RAM only (no device side effects).
    public func readMemory(cpu: Int, address: UInt64, count: Int, physical: Bool) -> [UInt8] {
        var out: [UInt8] = []
        var a = address
        for _ in 0..<max(0, min(count, 1 << 16)) {
            guard let pa = physical ? a : translate(cpu: cpu, address: a),
                  let b = machine.ram.load(pa, size: 1) else { break }
            out.append(UInt8(truncatingIfNeeded: b))
            a &+= 1
        }
        return out
    }

    /// Writes `bytes` at `address` like `readMemory` reads; false if any byte is not writable RAM.
    /// Drops decoded code, so a patched instruction executes as written.
    public func writeMemory(cpu: Int, address: UInt64, bytes: [UInt8], physical: Bool) -> Bool {
        var a = address
        for b in bytes {
            guard let pa = physical ? a : translate(cpu: cpu, address: a),
                  machine.ram.store(pa, size: 1, value: UInt64(b)) else { return false }
            a &+= 1
        }
        machine.cpus.first?.invalidateDecodedCode()
        return true
    }
}
