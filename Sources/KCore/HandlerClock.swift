/// Where a handler is in time, so that its lock operations happen at the right cycle: the cycle
/// its body started at, and the machine's ticket locks. A call's current cycle is `start` plus
/// what the cost model charges for the work done so far (`KCoreCostModel.body`), waits included.
struct HandlerClock {
    /// The cycle this call's body starts at: the trap's cycle, plus trap entry, plus the earlier
    /// calls of the same trap (a stage-2 fault runs `emulate_mmio` then `map_page_host`;
    /// HVC 20 runs `smmu_assign_page` then `smmu_map_page`).
    var start: UInt64
    public let locks: TicketLocks
    /// `locks` for the lock operations, which take and release a ticket on every trap: read
    /// through `Unmanaged` they cost no reference counting (the strong `locks` above keeps
    /// the object alive for as long as the clock is set).
    let unretainedLocks: Unmanaged<TicketLocks>
    init(start: UInt64, locks: TicketLocks) {
        self.start = start
        self.locks = locks
        unretainedLocks = Unmanaged.passUnretained(locks)
    }
}

extension CallContext {
    /// The cycle this call has reached (0-based when untimed).
    var now: UInt64 {
        @inline(__always) get { (clock?.start ?? 0) &+ costs.body(self) }
    }

    /// Called once `LockTable` has given this CPU lock `id`: charges the acquire, and when the
    /// call is timed takes a ticket, waits, and logs `WAIT_LOCK` and `OPULL`.
    func lockTaken(_ id: Int) {
        guard let locks = clock?.unretainedLocks else {
            lockAcquires += 1
            return
        }
        let arrival = now
        let (ticket, granted) = locks._withUnsafeGuaranteedRef { $0.acquire(id, cpu: cpu, at: arrival, handoff: costs.lockHandoff) }
        let waited = granted &- arrival
        lockWaitCycles &+= waited
        lockAcquires += 1
        guard let sink = locks._withUnsafeGuaranteedRef({ $0.sink }) else { return }
        sink(TimedLockEvent(
            cycle: arrival, lock: id, event: LockEvent(cpu: cpu, kind: .waitLock(KC.local_lock_bound)),
            ticket: ticket, waited: waited))
        sink(TimedLockEvent(cycle: now, lock: id, event: LockEvent(cpu: cpu, kind: .pull(id))))
    }

    /// Called once `LockTable` has taken lock `id` back: logs the push of `o`, charges the
    /// release, logs `REL_LOCK` and tells the lock when it became free.
    func lockReleased(_ id: Int, _ o: SharedObject) {
        guard let locks = clock?.unretainedLocks else {
            lockReleases += 1
            return
        }
        locks._withUnsafeGuaranteedRef { $0.sink }?(TimedLockEvent(cycle: now, lock: id, event: LockEvent(cpu: cpu, kind: .push(o))))
        lockReleases += 1
        let at = now
        locks._withUnsafeGuaranteedRef { $0.release(id, at: at) }
        locks._withUnsafeGuaranteedRef { $0.sink }?(TimedLockEvent(cycle: at, lock: id, event: LockEvent(cpu: cpu, kind: .release)))
    }
}

/// The lock operations of both handler levels: the spec's ownership and log (`LockTable`), plus
/// the call's cost and timing (`CallContext`).
extension LockTable {
    /// `acquire_lock`: false (nothing happens) when the lock is already held.
    @inline(__always)
    mutating func acquire(_ id: Int, _ ctx: inout CallContext) -> Bool {
        guard acquire(id, cpu: ctx.cpu) else { return false }
        ctx.lockTaken(id)
        return true
    }

    /// `release_lock` pushing `o`: false (nothing happens) when this CPU does not hold the lock.
    @inline(__always)
    mutating func release(_ id: Int, _ ctx: inout CallContext, pushing o: SharedObject) -> Bool {
        guard release(id, cpu: ctx.cpu, pushing: o) else { return false }
        ctx.lockReleased(id, o)
        return true
    }

    /// The flatmem snapshot (no lock, no cost of its own).
    mutating func pushFlatmem(_ ctx: inout CallContext) {
        pushFlatmem(cpu: ctx.cpu)
        ctx.clock?.locks.sink?(TimedLockEvent(cycle: ctx.now, lock: LockID.flatmem, event: LockEvent(cpu: ctx.cpu, kind: .push(.flatmem))))
    }
}
