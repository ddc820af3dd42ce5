/// `data_log`: per VM id, how many values the handlers consumed from the data oracle.
///
/// The Coq map is total (absent ids read 0); ids 0…16 (the host and the VMs) sit in an array,
/// because `emulate_mmio` counts one value for the host on every trapped access and a hashed
/// lookup cost a fiftieth of a trap round trip. Any other id goes to a dictionary. A counter only
/// ever grows from 0, so "absent" and 0 are the same value, as in the Coq map.
struct DataLog: Equatable, Sendable, CustomStringConvertible {
    private var counts = [UInt64](repeating: 0, count: 17)
    private var others: [UInt32: UInt64] = [:]

    /// The count of `vmid`, nil when it never consumed a value (the dictionary's reading).
    subscript(vmid: UInt32) -> UInt64? {
        let n = self[vmid, default: 0]
        return n == 0 ? nil : n
    }

    subscript(vmid: UInt32, default zero: UInt64) -> UInt64 {
        get { vmid < counts.count ? counts[Int(vmid)] : others[vmid, default: zero] }
        set {
            if vmid < counts.count { counts[Int(vmid)] = newValue } else { others[vmid] = newValue == 0 ? nil : newValue }
        }
    }

    /// Counts one more value consumed by `vmid`: one array access for the host and the VMs
    /// (the subscript's read and write are two).
    @inline(__always)
    mutating func increment(_ vmid: UInt32) {
        if vmid < counts.count { counts[Int(vmid)] &+= 1 } else { others[vmid, default: 0] &+= 1 }
    }

    static func == (a: DataLog, b: DataLog) -> Bool { a.counts == b.counts && a.others == b.others }

    /// `[vmid: count, …]` for the ids that consumed a value, in order (refinement reports).
    var description: String {
        var entries: [(UInt32, UInt64)] = counts.indices.compactMap { counts[$0] == 0 ? nil : (UInt32($0), counts[$0]) }
        entries += others.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return "[" + entries.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "]"
    }
}
