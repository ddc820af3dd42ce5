import KCore

/// `--lock-log`: the run's lock events, one line each, in cycle order.
///
/// Handlers run one at a time and their events arrive in handler order, which is not cycle
/// order: a handler that entered EL2 later may take a lock before an earlier handler's last
/// release. But EL2 is entered in cycle order, so once a CPU enters EL2 at cycle c no event
/// before c can still come: the machine calls `flush(before: c)` there, and the buffer only
/// holds the events of handlers still overlapping in time. Ties keep arrival order, so the
/// output is deterministic.
final class CycleOrderedLog {
    private var buffer: [(event: TimedLockEvent, seq: Int)] = []
    private var seq = 0
    private let sink: (String) -> Void

    init(_ sink: @escaping (String) -> Void) { self.sink = sink }

    func add(_ e: TimedLockEvent) {
        buffer.append((e, seq))
        seq += 1
    }

    /// Prints, in order, every buffered event before `cycle`.
    func flush(before cycle: UInt64) {
        guard buffer.contains(where: { $0.event.cycle < cycle }) else { return }
        buffer.sort { ($0.event.cycle, $0.seq) < ($1.event.cycle, $1.seq) }
        let n = buffer.firstIndex { $0.event.cycle >= cycle } ?? buffer.count
        for e in buffer[..<n] { sink(e.event.description) }
        buffer.removeFirst(n)
    }

    /// Prints what is left (the run ended).
    func finish() { flush(before: .max) }
}
