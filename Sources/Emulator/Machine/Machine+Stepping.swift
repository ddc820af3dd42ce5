/// Stepping a CPU and running to a breakpoint, built on `run(for:)`: the machine runs one
/// instruction (of whichever CPU the scheduler runs) at a time and looks between them. A run
/// paused this way is the uninterrupted run (`run(for:)`), so a step or a breakpoint changes
/// no cycle and no output; only a run with breakpoints pays for the looking.
extension Machine {
    /// Why `step(cpu:)` or `run(toBreakpoints:)` returned.
    public enum Stop: Equatable, Sendable {
        /// The CPU attempted an instruction (retired it, or took an exception for it), or EL2
        /// emulated the one it trapped on.
        case stepped(cpu: Int)
        /// The CPU's PC is at a breakpoint; the instruction there has not executed.
        case breakpoint(cpu: Int, pc: UInt64)
        /// A hook asked to pause.
        case paused
        /// The run is over.
        case ended(RunResult)
    }

    /// Runs until CPU `cpu` has attempted one instruction or EL2 has emulated it (an EL2
    /// handler it traps to runs within the step); other CPUs run meanwhile as the scheduler
    /// has them. Bounded by the configuration's limits, like every run.
    public func step(cpu index: Int) -> Stop {
        guard cpus.indices.contains(index) else { return .paused }
        let c = cpus[index]
        let (pc, attempted) = (c.pc, c.instructionsAttempted)
        while true {
            if case .ended(let r) = run(for: .instructions(1)) { return .ended(r) }
            if c.instructionsAttempted != attempted || c.pc != pc { return .stepped(cpu: index) }
        }
    }

    /// Runs until a CPU's PC is at one of `breakpoints` (a CPU already there when the call
    /// starts executes that instruction first), a hook pauses, or the run ends.
    public func run(toBreakpoints breakpoints: Set<UInt64>) -> Stop {
        let start = cpus.map { ($0.pc, $0.instructionsAttempted) }
        while true {
            switch run(for: .instructions(1)) {
            case .ended(let r): return .ended(r)
            case .paused: break
            }
            for c in cpus where c.isPoweredOn && breakpoints.contains(c.pc) {
                if start[c.index] == (c.pc, c.instructionsAttempted) { continue }
                return .breakpoint(cpu: c.index, pc: c.pc)
            }
        }
    }
}
