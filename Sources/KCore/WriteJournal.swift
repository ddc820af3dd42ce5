/// The keys written to a table, oldest first, for readers that want only what changed since
/// they last looked (the refinement check compares just those entries; `--check-invariants`
/// checks just those). A reader keeps `ever` and later asks `since(ever)`. Bounded: beyond
/// `limit` the oldest half is dropped, and a reader that had not seen it gets nil (look at
/// everything), so a run with no reader keeps bounded memory.
public struct WriteJournal: Sendable {
    private(set) var keys: [UInt64] = []
    private(set) var dropped = 0
    static let limit = 8192

    init() {}

    /// Keys ever written, the dropped ones included.
    public var ever: Int { dropped + keys.count }

    mutating func append(_ key: UInt64) {
        if keys.count >= WriteJournal.limit {
            keys.removeFirst(WriteJournal.limit / 2)
            dropped += WriteJournal.limit / 2
        }
        keys.append(key)
    }

    /// The keys written after the first `ever` writes; nil when some of them were dropped.
    public func since(_ ever: Int) -> ArraySlice<UInt64>? {
        guard ever >= dropped, ever <= self.ever else { return nil }
        return keys[(ever - dropped)...]
    }
}
