import AArch64

/// How a run ended; `exitStatus` follows HARDWARE.md's command-line contract.
public struct RunResult: Equatable, Sendable {
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

    /// Runs until power-off, a limit, or a state no CPU can leave (continuing where `run(for:)`
    /// paused, if it did).
    public func run() -> RunResult {
        while true {
            // A hook's request to pause only ends `run(for:)` calls.
            if case .ended(let r) = run(until: nil) { return r }
        }
    }

    /// Runs for a budget of instructions (attempted, all CPUs together) or cycles (every CPU's
    /// clock past the mark), then pauses; a later `run(for:)` or `run()` continues exactly where
    /// it stopped. Runs cut into pieces give the same state, output and cycles as one run: a
    /// CPU stopped inside its slice of time finishes that slice first when the run continues.
    public func run(for budget: RunBudget) -> RunProgress {
        switch budget {
        case .instructions(let n): run(until: .instructions(Machine.saturatingAdd(totalAttempted, n)))
        case .cycles(let n): run(until: .cycles(Machine.saturatingAdd(now, max(1, n))))
        }
    }

    /// The machine's time: the clock of the CPU that runs next (the earliest one not waiting),
    /// or, when every CPU waits, the next timer deadline (where the machine will be next).
    var now: UInt64 {
        let waiting = schedule?.waiting ?? WaitingCPUs(count: cpus.count)
        if let c = nextCPU(waiting: waiting) { return c.cycles }
        return nextTimerSleeper(waiting)?.timerDeadline ?? (cpus.map(\.cycles).max() ?? 0)
    }

    /// `a + b`, or `UInt64.max` past it: a budget of `.max` means "to the end".
    static func saturatingAdd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// Instructions attempted by all CPUs (retired, or faulted into an exception).
    var totalAttempted: UInt64 { cpus.reduce(0) { $0 &+ $1.instructionsAttempted } }

    func run(until mark: RunBudget?) -> RunProgress {
        if let r = finalResult { return .ended(r) }
        guard let r = runCPUs(until: mark) else { return .paused }
        finalResult = r
        lockLog?.finish()
        runningCPU = nil
        if let perfetto {
            let last = cpus.max { ($0.cycles, $1.index) < ($1.cycles, $0.index) } ?? cpus[0]
            perfetto.finish(cycles: cpus.map(\.cycles), instructions: cpus.map(\.instructionsRetired))
            perfetto.instant(cpu: last.index, name: "end of run", at: last.cycles,
                             arguments: [("exitStatus", .int(UInt64(max(0, r.exitStatus)))), ("reason", .string(r.reason))])
        }
        return .ended(r)
    }

    /// The scheduler. A CPU that exits to EL2 stops there until it is the CPU with the lowest
    /// cycle count: EL2 handlers therefore run in the order their CPUs trapped (ties: lowest
    /// index), which is what makes ticket locks serve CPUs in arrival order (KCore's
    /// TicketLocks). Meanwhile no other CPU runs past the cycle of a pending trap.
    /// - Returns: how the run ended, or nil when it reached `mark` (its state is kept in
    ///   `schedule` for the next call).
    func runCPUs(until mark: RunBudget?) -> RunResult? {
        // Per CPU, indexed by `CPU.index`: fixed arrays, as every exit to EL2 passes through
        // here (a set and a dictionary cost a third of a trapped SMMU read's round trip).
        var state = schedule ?? Schedule(cpus: cpus.count)
        defer { schedule = state }
        var instructionMark = configuration.maxInstructions
        var cycleMark = UInt64.max
        switch mark {
        case .instructions(let n)?: instructionMark = min(instructionMark, n)
        case .cycles(let n)?: cycleMark = n
        case nil: break
        }
        while true {
            // A hook asked to pause (after an EL2 trap, or a DMA copy inside an instruction).
            if pauseRequested {
                pauseRequested = false
                return nil
            }
            // A slice a pause cut short goes on first, to the limit it was given.
            let slice: (cpu: CPU, limit: UInt64, resumed: Bool)
            if let cut = state.cutShort {
                state.cutShort = nil
                slice = (cpus[cut.cpu], cut.limit, true)
            } else {
                guard let cpu = nextCPU(waiting: state.waiting) else {
                    let nonePending = !state.pending.contains { $0 != nil }
                    if nonePending, let sleeper = nextTimerSleeper(state.waiting) {
                        if sleeper.timerDeadline >= configuration.maxCycles {
                            return RunResult(exitStatus: 4, reason: "cycle limit \(configuration.maxCycles) reached")
                        }
                        if sleeper.timerDeadline >= cycleMark { return nil }
                        advance(to: sleeper, &state.waiting)
                        continue
                    }
                    if nonePending && waitForSerialInput(&state.waiting) { continue }
                    return RunResult(exitStatus: 5, reason: "every CPU is off or waiting for an interrupt that cannot come")
                }
                if let exit = state.pending[cpu.index] {
                    state.pending[cpu.index] = nil
                    lockLog?.flush(before: cpu.cycles)
                    if runningCPU !== cpu { runningCPU = cpu }
                    switch exit {
                    case .stage2Abort:
                        if let end = handleStage2Abort(cpu) { return end }
                        cpu.returnFromEL2(ramWritten: false)
                    default:
                        if let end = handleHypercall(cpu, smc: cpu.el2.esr >> 26 == 0x17) { return end }
                        cpu.returnFromEL2(ramWritten: false)
                        if !cpu.isPoweredOn { perfetto?.enter(cpu: cpu.index, nil, at: cpu.cycles, instructions: cpu.instructionsRetired) }
                        wake(&state.waiting, at: cpu.cycles)
                    }
                    continue
                }
                if cpu.cycles >= configuration.maxCycles {
                    return RunResult(exitStatus: 4, reason: "cycle limit \(configuration.maxCycles) reached")
                }
                if cpu.cycles >= cycleMark { return nil }
                var limit = min(configuration.maxCycles, cpu.cycles &+ Machine.quantum)
                // No CPU runs past the cycle of another's pending trap.
                for (i, p) in state.pending.enumerated() where p != nil { limit = min(limit, max(cpus[i].cycles, cpu.cycles &+ 1)) }
                slice = (cpu, limit, false)
            }
            let cpu = slice.cpu
            // The limit counts attempted instructions (retired, or faulted into an exception), so
            // a guest that only takes exceptions still reaches it.
            let done = totalAttempted
            if done >= instructionMark {
                if done >= configuration.maxInstructions {
                    return RunResult(exitStatus: 4, reason: "instruction limit \(configuration.maxInstructions) reached")
                }
                if slice.resumed { state.cutShort = (cpu.index, slice.limit) }
                return nil
            }
            // Assigned only when it changes: the same CPU again (every trap of a one-CPU guest)
            // would retain and release it for nothing.
            if runningCPU !== cpu { runningCPU = cpu }
            if !slice.resumed {
                perfetto?.enter(cpu: cpu.index, .guest, at: cpu.cycles, instructions: cpu.instructionsRetired)
                if serialInput != nil { deliverSerialInput() }
                // Timers that are off drive nothing (an MSR that enables one drives it at once).
                if cpu.timersEnabled { driveTimerInterrupts(cpu) }
            }
            let exit = cpu.run(cycleLimit: min(slice.limit, max(cycleMark, cpu.cycles &+ 1)), instructionLimit: instructionMark - done)
            // Cut short by the pause mark (not by the slice's own limit): the slice goes on when
            // the run continues, as if it had never stopped.
            if Machine.cutShort(exit, byInstructions: instructionMark < configuration.maxInstructions,
                                byCycles: cpu.cycles < slice.limit && (cpu.cycles >= cycleMark || pauseRequested)) {
                pauseRequested = false
                state.cutShort = (cpu.index, slice.limit)
                return nil
            }
            if cpu.timersEnabled { driveTimerInterrupts(cpu) }
            if !state.waiting.isEmpty {
                fireDueTimers(&state.waiting, now: cpu.cycles)
                wakeInterrupted(&state.waiting, at: cpu.cycles)
            }
            switch exit {
            case .cycleLimit, .instructionLimit:
                continue
            case .waitForEvent:
                // WFE: give the other CPUs the next slot by moving this CPU's clock past theirs.
                perfetto?.enter(cpu: cpu.index, .waitForEvent, at: cpu.cycles, instructions: cpu.instructionsRetired)
                let next = cpus.filter { $0.isPoweredOn && $0 !== cpu }.map(\.cycles).min() ?? cpu.cycles
                cpu.cycles = max(cpu.cycles, next) &+ 1
                wake(&state.waiting, at: cpu.cycles)
            case .waitForInterrupt:
                if cpu.interruptLines != 0 { continue }  // an interrupt is already asserted: WFI completes
                perfetto?.enter(cpu: cpu.index, nil, at: cpu.cycles, instructions: cpu.instructionsRetired)
                state.waiting.insert(cpu.index)
            case .exceptionLivelock:
                return RunResult(exitStatus: 5, reason: "cpu\(cpu.index) makes no progress: \(CPU.exceptionLivelockBound) EL1 exceptions in a row at the first instruction of the vector, none retired (ELR_EL1 \(hex(cpu.readSystemRegister("ELR_EL1") ?? 0)), ESR_EL1 \(hex(cpu.readSystemRegister("ESR_EL1") ?? 0)), VBAR_EL1 \(hex(cpu.readSystemRegister("VBAR_EL1") ?? 0)))")
            case .hypervisorCall, .secureMonitorCall, .stage2Abort:
                state.pending[cpu.index] = exit  // handled when this CPU's cycle count is the lowest
            }
        }
    }

    /// Whether a CPU's run ended at a pause mark rather than at its slice's own limit: at the
    /// instruction mark, or at the cycle mark before the slice's end. (A pattern, not `==`: the
    /// enum's derived equality is a call on every trap.)
    @inline(__always)
    static func cutShort(_ exit: CPUExit, byInstructions: Bool, byCycles: Bool) -> Bool {
        switch exit {
        case .instructionLimit: byInstructions
        case .cycleLimit: byCycles
        default: false
        }
    }

    /// The powered-on CPU, not waiting, with the lowest cycle count (ties: the lowest index).
    @inline(__always)
    func nextCPU(waiting: WaitingCPUs) -> CPU? {
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

/// What the scheduler keeps between the calls of a run cut into pieces (`Machine.run(for:)`).
struct Schedule {
    var waiting: WaitingCPUs
    /// Per CPU, an exit to EL2 not yet handled (it is handled when the CPU is the earliest).
    var pending: [CPUExit?]
    /// A CPU whose slice a pause cut short, and the cycle limit of that slice.
    var cutShort: (cpu: Int, limit: UInt64)?
    init(cpus: Int) {
        waiting = WaitingCPUs(count: cpus)
        pending = Array(repeating: nil, count: cpus)
    }
}

/// How far `Machine.run(for:)` runs before it pauses.
public enum RunBudget: Equatable, Sendable {
    /// This many more instructions attempted, all CPUs together.
    case instructions(UInt64)
    /// Until every running CPU's clock has advanced this many cycles past the earliest one's now.
    case cycles(UInt64)
}

/// Where `Machine.run(for:)` left the machine.
public enum RunProgress {
    /// The budget ran out, or a hook asked to stop: the machine can run on.
    case paused
    /// The run is over (power-off, a limit, a panic…): what `run()` returns.
    case ended(RunResult)
}

/// A hook's answer: let the run go on, or pause it (`Machine.run(for:)` returns `.paused`).
public enum HookVerdict: Equatable, Sendable {
    case proceed
    case pause
}

/// A DMA copy as `Machine.dmaHook` sees it when it ends.
public struct DMACopy: Equatable, Sendable {
    /// The engine's index (DMA0, DMA1…) and the stream ID it issued the copy with.
    public var engine: Int
    public var streamID: UInt32
    public var source: UInt64
    public var destination: UInt64
    public var length: UInt64
    /// Bytes copied before it ended; equal to `length` when it completed.
    public var copied: UInt64
    /// True when the copy faulted (STATUS = 2), at `faultIOVA`.
    public var faulted: Bool
    public var faultIOVA: UInt64
}
