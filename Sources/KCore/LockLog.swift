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
    public init(cpu: Int, kind: LockEventKind) {
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
    public var ticket: UInt64?
    /// For `WAIT_LOCK`: cycles until the lock was granted (0 when it was free).
    public var waited: UInt64
    public init(cycle: UInt64, lock: Int, event: LockEvent, ticket: UInt64? = nil, waited: UInt64 = 0) {
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
public struct LockTable: Equatable, Sendable {
    /// CPU holding each lock (`LockOwn true` for that CPU); absent = `LockFalse`.
    public private(set) var holder: [Int: Int] = [:]
    public private(set) var log: [Int: [LockEvent]] = [:]
    public private(set) var droppedEvents: [Int: Int] = [:]
    public var maxEventsPerLock = 1 << 14
    /// Ticket acquisitions per lock (for statistics).
    public private(set) var acquisitions: [Int: Int] = [:]

    public init() {}

    /// Per lock: every event its log received, the dropped ones included.
    public var eventsEver: [Int: Int] {
        log.reduce(into: [:]) { $0[$1.key] = $1.value.count + droppedEvents[$1.key, default: 0] }
    }

    public func isHeld(_ id: Int) -> Bool { holder[id] != nil }

    private mutating func append(_ id: Int, _ e: LockEvent) {
        log[id, default: []].append(e)
        if log[id]!.count > maxEventsPerLock {
            let drop = maxEventsPerLock / 2
            log[id]!.removeFirst(drop)
            droppedEvents[id, default: 0] += drop
        }
    }

    /// Acquire (`wait` + `pull`). - Returns: false when the lock is already held (the spec is
    /// undefined there: `LockFalse` is required).
    public mutating func acquire(_ id: Int, cpu: Int) -> Bool {
        guard holder[id] == nil else { return false }
        append(id, LockEvent(cpu: cpu, kind: .waitLock(KC.local_lock_bound)))
        append(id, LockEvent(cpu: cpu, kind: .pull(id)))
        holder[id] = cpu
        acquisitions[id, default: 0] += 1
        return true
    }

    /// Release (`push` + `REL_LOCK`). - Returns: false when this CPU does not hold the lock.
    public mutating func release(_ id: Int, cpu: Int, pushing obj: SharedObject) -> Bool {
        guard holder[id] == cpu else { return false }
        append(id, LockEvent(cpu: cpu, kind: .push(obj)))
        append(id, LockEvent(cpu: cpu, kind: .release))
        holder[id] = nil
        return true
    }

    /// Flatmem has a log but no lock: the spec only appends the snapshot.
    public mutating func pushFlatmem(cpu: Int) {
        append(LockID.flatmem, LockEvent(cpu: cpu, kind: .push(.flatmem)))
    }

    /// `H_CalLock`: replays a log oldest-first; returns the holder at the end (nil = free), or
    /// nil-with-invalid when the log breaks the ticket discipline.
    public static func validate(_ events: [LockEvent]) -> (valid: Bool, holder: Int?) {
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
