import AArch64

/// How a run ended; `exitStatus` follows HARDWARE.md's command-line contract.
public struct RunResult {
    public var exitStatus: Int32
    public var reason: String
    public init(exitStatus: Int32, reason: String) {
        self.exitStatus = exitStatus
        self.reason = reason
    }
}

/// The scheduler: which CPU runs next, for how long, and what its exits lead to.
extension Machine {
    var totalInstructions: UInt64 { cpus.reduce(0) { $0 &+ $1.instructionsRetired } }

    /// Runs until power-off, a limit, or a state no CPU can leave.
    public func run() -> RunResult {
        let result = runCPUs()
        lockLog?.finish()
        runningCPU = nil
        if let perfetto {
            let last = cpus.max { ($0.cycles, $1.index) < ($1.cycles, $0.index) } ?? cpus[0]
            perfetto.finish(cycles: cpus.map(\.cycles), instructions: cpus.map(\.instructionsRetired))
            perfetto.instant(cpu: last.index, name: "end of run", at: last.cycles,
                             arguments: [("exitStatus", .int(UInt64(max(0, result.exitStatus)))), ("reason", .string(result.reason))])
        }
        return result
    }

    /// The scheduler. A CPU that exits to EL2 stops there until it is the CPU with the lowest
    /// cycle count: EL2 handlers therefore run in the order their CPUs trapped (ties: lowest
    /// index), which is what makes ticket locks serve CPUs in arrival order (KCore's
    /// TicketLocks). Meanwhile no other CPU runs past the cycle of a pending trap.
    func runCPUs() -> RunResult {
        // Per CPU, indexed by `CPU.index`: fixed arrays, as every exit to EL2 passes through
        // here (a set and a dictionary cost a third of a trapped SMMU read's round trip).
        var waiting = WaitingCPUs(count: cpus.count)
        var pending = [CPUExit?](repeating: nil, count: cpus.count)
        while true {
            guard let cpu = nextCPU(waiting: waiting) else {
                let nonePending = !pending.contains { $0 != nil }
                if nonePending, let sleeper = nextTimerSleeper(waiting) {
                    if sleeper.timerDeadline >= configuration.maxCycles {
                        return RunResult(exitStatus: 4, reason: "cycle limit \(configuration.maxCycles) reached")
                    }
                    advance(to: sleeper, &waiting)
                    continue
                }
                if nonePending && waitForSerialInput(&waiting) { continue }
                return RunResult(exitStatus: 5, reason: "every CPU is off or waiting for an interrupt that cannot come")
            }
            if let exit = pending[cpu.index] {
                pending[cpu.index] = nil
                lockLog?.flush(before: cpu.cycles)
                runningCPU = cpu
                switch exit {
                case .stage2Abort:
                    if let end = handleStage2Abort(cpu) { return end }
                    cpu.returnFromEL2(ramWritten: false)
                default:
                    if let end = handleHypercall(cpu, smc: cpu.el2.esr >> 26 == 0x17) { return end }
                    cpu.returnFromEL2(ramWritten: false)
                    if !cpu.isPoweredOn { perfetto?.enter(cpu: cpu.index, nil, at: cpu.cycles, instructions: cpu.instructionsRetired) }
                    wake(&waiting, at: cpu.cycles)
                }
                continue
            }
            if cpu.cycles >= configuration.maxCycles {
                return RunResult(exitStatus: 4, reason: "cycle limit \(configuration.maxCycles) reached")
            }
            // The limit counts attempted instructions (retired, or faulted into an exception), so
            // a guest that only takes exceptions still reaches it.
            var done: UInt64 = 0
            for c in cpus { done &+= c.instructionsAttempted }
            if done >= configuration.maxInstructions {
                return RunResult(exitStatus: 4, reason: "instruction limit \(configuration.maxInstructions) reached")
            }
            var limit = min(configuration.maxCycles, cpu.cycles &+ Machine.quantum)
            // No CPU runs past the cycle of another's pending trap.
            for (i, p) in pending.enumerated() where p != nil { limit = min(limit, max(cpus[i].cycles, cpu.cycles &+ 1)) }
            runningCPU = cpu
            perfetto?.enter(cpu: cpu.index, .guest, at: cpu.cycles, instructions: cpu.instructionsRetired)
            deliverSerialInput()
            // Timers that are off drive nothing (an MSR that enables one drives it at once).
            if cpu.timersEnabled { driveTimerInterrupts(cpu) }
            let exit = cpu.run(cycleLimit: limit, instructionLimit: configuration.maxInstructions - done)
            if cpu.timersEnabled { driveTimerInterrupts(cpu) }
            if !waiting.isEmpty {
                fireDueTimers(&waiting, now: cpu.cycles)
                wakeInterrupted(&waiting, at: cpu.cycles)
            }
            switch exit {
            case .cycleLimit, .instructionLimit:
                continue
            case .waitForEvent:
                // WFE: give the other CPUs the next slot by moving this CPU's clock past theirs.
                perfetto?.enter(cpu: cpu.index, .waitForEvent, at: cpu.cycles, instructions: cpu.instructionsRetired)
                let next = cpus.filter { $0.isPoweredOn && $0 !== cpu }.map(\.cycles).min() ?? cpu.cycles
                cpu.cycles = max(cpu.cycles, next) &+ 1
                wake(&waiting, at: cpu.cycles)
            case .waitForInterrupt:
                if cpu.interruptLines != 0 { continue }  // an interrupt is already asserted: WFI completes
                perfetto?.enter(cpu: cpu.index, nil, at: cpu.cycles, instructions: cpu.instructionsRetired)
                waiting.insert(cpu.index)
            case .exceptionLivelock:
                return RunResult(exitStatus: 5, reason: "cpu\(cpu.index) makes no progress: \(CPU.exceptionLivelockBound) EL1 exceptions in a row at the first instruction of the vector, none retired (ELR_EL1 \(hex(cpu.readSystemRegister("ELR_EL1") ?? 0)), ESR_EL1 \(hex(cpu.readSystemRegister("ESR_EL1") ?? 0)), VBAR_EL1 \(hex(cpu.readSystemRegister("VBAR_EL1") ?? 0)))")
            case .hypervisorCall, .secureMonitorCall, .stage2Abort:
                pending[cpu.index] = exit  // handled when this CPU's cycle count is the lowest
            }
        }
    }

    /// The powered-on CPU, not waiting, with the lowest cycle count (ties: the lowest index).
    private func nextCPU(waiting: WaitingCPUs) -> CPU? {
        var best: CPU?
        for c in cpus where c.isPoweredOn && !waiting.contains(c.index) {
            if let b = best, (b.cycles, b.index) <= (c.cycles, c.index) { continue }
            best = c
        }
        return best
    }

    /// CPUs in WFI wake up (a hypercall or an event may have given them work) at the cycle of
    /// the waking event: they idled until then, so their next trap cannot come before traps
    /// already handled (EL2 stays in cycle order).
    func wake(_ waiting: inout WaitingCPUs, at cycle: UInt64) {
        for i in waiting { cpus[i].cycles = max(cpus[i].cycles, cycle) }
        waiting.removeAll()
    }
}

/// The CPUs waiting for an interrupt (WFI), by index: a fixed array of flags, since the
/// scheduler asks on every exit, with the few set operations the scheduler needs.
struct WaitingCPUs: Sequence {
    private var flags: [Bool]
    /// How many flags are set: `isEmpty` is asked after every run of a CPU.
    private var count = 0
    init(count: Int) { flags = Array(repeating: false, count: count) }
    func contains(_ i: Int) -> Bool { i >= 0 && i < flags.count && flags[i] }
    mutating func insert(_ i: Int) { if i >= 0 && i < flags.count && !flags[i] { flags[i] = true; count += 1 } }
    mutating func remove(_ i: Int) { if i >= 0 && i < flags.count && flags[i] { flags[i] = false; count -= 1 } }
    mutating func removeAll() {
        for i in flags.indices where flags[i] { flags[i] = false }
        count = 0
    }
    var isEmpty: Bool { count == 0 }
    /// The waiting CPUs' indices, in order, without building an array: the scheduler walks
    /// them after every run of a CPU and every hypercall.
    func makeIterator() -> Iterator { Iterator(flags: flags) }
    struct Iterator: IteratorProtocol {
        let flags: [Bool]
        var position = 0
        mutating func next() -> Int? {
            while position < flags.count {
                defer { position += 1 }
                if flags[position] { return position }
            }
            return nil
        }
    }
}
