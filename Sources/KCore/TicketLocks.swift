/// Contention on one lock over a run: what `--stats` prints per lock.
public struct LockContention: Equatable, Sendable {
    /// Tickets served.
    public var acquisitions: UInt64 = 0
    /// Tickets whose CPU arrived while another CPU held the lock.
    public var contended: UInt64 = 0
    /// Cycles CPUs spent waiting for this lock (handoff included).
    public var waitCycles: UInt64 = 0
    init() {}
}

/// The machine's ticket locks in time: SeKVM's locks are ticket locks (`sekvm/Locks`: a CPU
/// takes the next ticket and spins until `now_serving` reaches it), and this is where waiting
/// for one costs cycles.
///
/// EL2 handlers run to completion, one at a time, in the order their CPUs entered EL2 (the
/// machine enters EL2 in cycle order). So when a CPU takes a ticket, every earlier ticket has
/// already been released, and all a lock needs to remember is *when* its last holder released
/// it. A CPU arriving before that cycle waits until it, plus the handoff (the lock's cache line
/// moving to the waiter). Tickets are therefore served in arrival order (EL2-entry order; a
/// handler never overtakes one that entered EL2 before it, even at an inner lock), and the
/// model is deterministic: it depends only on cycle counts.
///
/// A reference type because one set of locks serves every call of the run, while each call's
/// `CallContext` is a value: the context holds a reference to the machine's locks, and only the
/// context of the level that drives the machine holds one (the shadow run of a refinement check
/// must not take tickets twice).
public final class TicketLocks {
    /// One lock's timing: the cycle its last holder released it, and its contention (the
    /// tickets handed out are `acquisitions`). One array element per lock id, changed in place:
    /// a ticket is taken on every trap.
    struct Timing {
        var releasedAt: UInt64 = 0
        var contention = LockContention()
    }
    /// Per lock id: an array for `LockID.count` ids, then a dictionary.
    private var timing = [Timing](repeating: Timing(), count: LockID.count)
    private var otherTiming: [Int: Timing] = [:]
    /// Contention per lock that has been taken.
    public var contention: [Int: LockContention] {
        var d = otherTiming.mapValues(\.contention).filter { $0.value.acquisitions > 0 }
        for (id, t) in timing.enumerated() where t.contention.acquisitions > 0 { d[id] = t.contention }
        return d
    }
    /// Cycles each CPU spent waiting for locks.
    public private(set) var waitByCPU: [Int: UInt64] = [:]
    /// Receives every lock event with its cycle, in the order the handlers run (`--lock-log`).
    public var sink: ((TimedLockEvent) -> Void)?

    init() {}

    /// CPU `cpu` takes a ticket for lock `id` at cycle `arrival`. - Returns: the ticket and the
    /// cycle at which the CPU holds the lock (`arrival` when free, else the release + `handoff`).
    @inline(__always)
    func acquire(_ id: Int, cpu: Int, at arrival: UInt64, handoff: UInt64) -> (ticket: UInt64, granted: UInt64) {
        if id >= 0 && id < timing.count { return TicketLocks.take(&timing[id], cpu: cpu, at: arrival, handoff: handoff, &waitByCPU) }
        return TicketLocks.take(&otherTiming[id, default: Timing()], cpu: cpu, at: arrival, handoff: handoff, &waitByCPU)
    }

    @inline(__always)
    private static func take(_ t: inout Timing, cpu: Int, at arrival: UInt64, handoff: UInt64, _ waitByCPU: inout [Int: UInt64]) -> (ticket: UInt64, granted: UInt64) {
        let ticket = t.contention.acquisitions
        t.contention.acquisitions &+= 1
        var granted = arrival
        if arrival < t.releasedAt {
            granted = t.releasedAt &+ handoff
            t.contention.contended &+= 1
            t.contention.waitCycles &+= granted &- arrival
            waitByCPU[cpu, default: 0] &+= granted &- arrival
        }
        return (ticket, granted)
    }

    /// The holder of lock `id` releases it at cycle `at`.
    @inline(__always)
    func release(_ id: Int, at: UInt64) {
        if id >= 0 && id < timing.count {
            timing[id].releasedAt = max(timing[id].releasedAt, at)
        } else {
            otherTiming[id, default: Timing()].releasedAt = max(otherTiming[id]?.releasedAt ?? 0, at)
        }
    }

    /// The cycle at which lock `id` was last released (0: never taken).
    func lastRelease(_ id: Int) -> UInt64 {
        id >= 0 && id < timing.count ? timing[id].releasedAt : otherTiming[id]?.releasedAt ?? 0
    }

    /// Total cycles all CPUs waited.
    var totalWaitCycles: UInt64 { waitByCPU.values.reduce(0, &+) }
}
