/// The spec's lock model (`sekvm/Locks/Spec.v`, `sekvm/CalLock.v`): ticket locks per lock id and a
/// per-lock event log in the spec's form.
///
/// The machine runs each EL2 handler to completion, so the oracle of the Coq model ("what the
/// other CPUs did since this CPU last looked") is the global log itself: every CPU appends to the
/// same per-lock list, and a pull reads the one shared copy. A lock is therefore always free when
/// a handler asks for it; waiting is a matter of time, modelled in cycles by `TicketLocks` (the
/// `WAIT_LOCK` event records that a ticket was taken, `TimedLockEvent` when and for how long).
/// Snapshot events carry the kind of object pushed, not a copy of it (the state comparison
/// covers the contents).
public enum SharedObject: String, Equatable, Sendable {
    case smmu = "OSMMU", spt = "OSPT", npt = "ONPT", s2page = "OS2_PAGE", vminfo = "OVMINFO",
        flatmem = "OFLATMEM", coreData = "OCORE_DATA"
}

public enum LockEventKind: Equatable, Sendable {
    /// `TTICKET (WAIT_LOCK n)`: the ticket was obtained.
    case waitLock(Int)
    /// `TSHARED (OPULL id)`: the shared object was pulled.
    case pull(Int)
    /// `TSHARED (O<obj> …)`: the object was pushed back.
    case push(SharedObject)
    /// `TTICKET REL_LOCK`.
    case release
}

/// `TEVENT cpu unit`.
public struct LockEvent: Equatable, Sendable, CustomStringConvertible {
    public var cpu: Int
    public var kind: LockEventKind
    init(cpu: Int, kind: LockEventKind) {
        self.cpu = cpu
        self.kind = kind
    }
    public var description: String {
        switch kind {
        case .waitLock(let n): "TEVENT \(cpu) (TTICKET (WAIT_LOCK \(n)))"
        case .pull(let id): "TEVENT \(cpu) (TSHARED (OPULL \(id)))"
        case .push(let o): "TEVENT \(cpu) (TSHARED (\(o.rawValue) _))"
        case .release: "TEVENT \(cpu) (TTICKET REL_LOCK)"
        }
    }
}

/// One event of the run's lock log (`--lock-log`): the spec's event, the lock it belongs to and
/// the cycle it happened at on its CPU. A `WAIT_LOCK` is stamped when the CPU takes its ticket
/// and carries the ticket and the cycles it then waited; the `OPULL` that follows is stamped
/// when the CPU holds the lock.
public struct TimedLockEvent: Equatable, Sendable, CustomStringConvertible {
    public var cycle: UInt64
    public var lock: Int
    public var event: LockEvent
    /// For `WAIT_LOCK`: the ticket taken (per lock, from 0).
    var ticket: UInt64?
    /// For `WAIT_LOCK`: cycles until the lock was granted (0 when it was free).
    public var waited: UInt64
    init(cycle: UInt64, lock: Int, event: LockEvent, ticket: UInt64? = nil, waited: UInt64 = 0) {
        self.cycle = cycle
        self.lock = lock
        self.event = event
        self.ticket = ticket
        self.waited = waited
    }
    /// `[cycle] cpuN LOCK <spec event>`, plus ` ticket T wait W` on a `WAIT_LOCK`.
    public var description: String {
        "[\(cycle)] cpu\(event.cpu) \(LockID.name(lock)) \(event)" + (ticket.map { " ticket \($0) wait \(waited)" } ?? "")
    }
}

/// Lock ownership and logs, for all lock ids. Logs are kept oldest first (the reverse of the
/// Coq list, which is equivalent) and bounded: beyond `maxEventsPerLock` the oldest half is
/// dropped and counted, so a long run keeps bounded memory.
///
/// Stored per lock in an array indexed by lock id (`LockID.count` of them; any other id in a
/// dictionary): every handler takes and releases locks, and hashing the id for each of the
/// four lookups an acquire or release makes was a tenth of a trap's cost.
public struct LockTable: Equatable, Sendable {
    struct Slot: Sendable {
        var holder: Int?
        /// The log is `storage[start...]`: dropping the oldest half only moves `start`, and
        /// the dropped prefix is compacted away once it is twice the limit (moving a quarter
        /// of an event per append instead of one).
        private var storage: [LockEvent] = []
        private var start = 0
        var dropped = 0
        public var acquisitions = 0

        /// The kept events, oldest first (the storage itself until something was dropped).
        var log: [LockEvent] { start == 0 ? storage : Array(storage[start...]) }
        /// The kept events without a copy.
        var events: ArraySlice<LockEvent> { storage[start...] }
        var isEmpty: Bool { storage.count == start }
        var count: Int { storage.count &- start }

        /// Appends `e`; beyond `limit` events the oldest half is dropped and counted. Inlined:
        /// every acquire and release appends two events, on every trap.
        @inline(__always)
        mutating func append(_ e: LockEvent, limit: Int) {
            storage.append(e)
            if storage.count &- start > limit { dropOldestHalf(limit: limit) }
        }
        @inline(never)
        private mutating func dropOldestHalf(limit: Int) {
            let drop = limit / 2
            start += drop
            dropped += drop
            if start >= 2 * limit {
                storage.removeFirst(start)
                start = 0
            }
        }
        @inline(__always)
        mutating func acquire(_ id: Int, cpu: Int, limit: Int) {
            append(LockEvent(cpu: cpu, kind: .waitLock(KC.local_lock_bound)), limit: limit)
            append(LockEvent(cpu: cpu, kind: .pull(id)), limit: limit)
            holder = cpu
            acquisitions += 1
        }
        @inline(__always)
        mutating func release(cpu: Int, pushing obj: SharedObject, limit: Int) {
            append(LockEvent(cpu: cpu, kind: .push(obj)), limit: limit)
            append(LockEvent(cpu: cpu, kind: .release), limit: limit)
            holder = nil
        }
    }
    private var slots = [Slot](repeating: Slot(), count: LockID.count)
    private var others: [Int: Slot] = [:]
    var maxEventsPerLock = 1 << 14

    init() {}

    private func slot(_ id: Int) -> Slot? { id >= 0 && id < slots.count ? slots[id] : others[id] }
    private mutating func with<R>(_ id: Int, _ body: (inout Slot) -> R) -> R {
        if id >= 0 && id < slots.count { return body(&slots[id]) }
        return body(&others[id, default: Slot()])
    }
    /// Every lock id with a slot in use, in order.
    private var ids: [(Int, Slot)] {
        slots.enumerated().map { ($0.offset, $0.element) } + others.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// CPU holding each lock (`LockOwn true` for that CPU); absent = `LockFalse`.
    var holder: [Int: Int] {
        var d: [Int: Int] = [:]
        for id in slots.indices { if let h = slots[id].holder { d[id] = h } }
        for (id, s) in others { if let h = s.holder { d[id] = h } }
        return d
    }
    /// Each lock's log (locks that never logged an event are absent).
    var log: [Int: [LockEvent]] {
        ids.reduce(into: [:]) { d, e in if !e.1.isEmpty { d[e.0] = e.1.log } }
    }
    /// Events dropped from each lock's log (absent: none).
    var droppedEvents: [Int: Int] {
        ids.reduce(into: [:]) { d, e in if e.1.dropped > 0 { d[e.0] = e.1.dropped } }
    }
    /// Ticket acquisitions per lock (for statistics).
    public var acquisitions: [Int: Int] {
        ids.reduce(into: [:]) { d, e in if e.1.acquisitions > 0 { d[e.0] = e.1.acquisitions } }
    }

    /// Per lock: every event its log received, the dropped ones included.
    var eventsEver: [Int: Int] {
        var d: [Int: Int] = [:]
        for id in slots.indices where !slots[id].isEmpty { d[id] = slots[id].count + slots[id].dropped }
        for (id, s) in others where !s.isEmpty { d[id] = s.count + s.dropped }
        return d
    }

    func isHeld(_ id: Int) -> Bool { slot(id)?.holder != nil }

    private mutating func append(_ id: Int, _ e: LockEvent) {
        let limit = maxEventsPerLock
        with(id) { s in s.append(e, limit: limit) }
    }

    /// Acquire (`wait` + `pull`). - Returns: false when the lock is already held (the spec is
    /// undefined there: `LockFalse` is required).
    @inline(__always)
    mutating func acquire(_ id: Int, cpu: Int) -> Bool {
        let limit = maxEventsPerLock
        // Every handler takes a lock: the slot of a known id is changed in place, in one access.
        if id >= 0 && id < slots.count {
            guard slots[id].holder == nil else { return false }
            slots[id].acquire(id, cpu: cpu, limit: limit)
            return true
        }
        guard !isHeld(id) else { return false }
        with(id) { $0.acquire(id, cpu: cpu, limit: limit) }
        return true
    }

    /// Release (`push` + `REL_LOCK`). - Returns: false when this CPU does not hold the lock.
    @inline(__always)
    mutating func release(_ id: Int, cpu: Int, pushing obj: SharedObject) -> Bool {
        let limit = maxEventsPerLock
        if id >= 0 && id < slots.count {
            guard slots[id].holder == cpu else { return false }
            slots[id].release(cpu: cpu, pushing: obj, limit: limit)
            return true
        }
        guard slot(id)?.holder == cpu else { return false }
        with(id) { $0.release(cpu: cpu, pushing: obj, limit: limit) }
        return true
    }

    /// Flatmem has a log but no lock: the spec only appends the snapshot.
    mutating func pushFlatmem(cpu: Int) {
        append(LockID.flatmem, LockEvent(cpu: cpu, kind: .push(.flatmem)))
    }

    /// The log of lock `id` (empty if it never logged), without building `log` or copying it.
    func events(_ id: Int) -> ArraySlice<LockEvent> { slot(id)?.events ?? [] }
    /// The CPU holding lock `id`, or nil.
    func heldBy(_ id: Int) -> Int? { slot(id)?.holder }
    /// Events dropped from lock `id`'s log.
    func dropped(_ id: Int) -> Int { slot(id)?.dropped ?? 0 }
    /// The ids of locks that are held or have logged, in order.
    var usedIDs: [Int] {
        slots.indices.filter { slots[$0].holder != nil || !slots[$0].isEmpty } + others.keys.sorted()
    }

    /// Equality of what the spec's state holds: holders, logs and what was dropped from them
    /// (an unused slot equals an absent one).
    public static func == (a: LockTable, b: LockTable) -> Bool {
        a.holder == b.holder && a.log == b.log && a.droppedEvents == b.droppedEvents && a.maxEventsPerLock == b.maxEventsPerLock
    }

    /// `H_CalLock`: replays a log oldest-first; returns the holder at the end (nil = free), or
    /// nil-with-invalid when the log breaks the ticket discipline.
    static func validate(_ events: [LockEvent]) -> (valid: Bool, holder: Int?) {
        var holder: Int? = nil
        var budget = 0
        for e in events {
            switch e.kind {
            case .waitLock(let n):
                guard holder == nil else { return (false, holder) }
                holder = e.cpu
                budget = n
            case .pull, .push:
                if e.kind == .push(.flatmem) && holder == nil { continue }
                guard holder == e.cpu, budget > 0 else { return (false, holder) }
                budget -= 1
            case .release:
                guard holder == e.cpu else { return (false, holder) }
                holder = nil
            }
        }
        return (true, holder)
    }
}
