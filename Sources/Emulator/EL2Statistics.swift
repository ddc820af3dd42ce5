import KCore

/// Where the host's EL2 time went, per handler (`map_page_host`, `emulate_mmio`, each HVC, PSCI),
/// for `--stats`: the issue's "how much time the host spent in EL2 and why".
public struct EL2Statistics: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var calls: UInt64 = 0
        public var cycles: UInt64 = 0
    }
    public private(set) var byHandler: [String: Entry] = [:]

    mutating func record(_ handler: String, cycles: UInt64) {
        byHandler[handler, default: Entry()].calls &+= 1
        byHandler[handler, default: Entry()].cycles &+= cycles
    }

    /// One line per handler, most expensive first (ties by name, so the output is stable).
    public var lines: [String] {
        byHandler.sorted { $0.value.cycles != $1.value.cycles ? $0.value.cycles > $1.value.cycles : $0.key < $1.key }.map { name, e in
            let per = e.calls == 0 ? 0 : Double(e.cycles) / Double(e.calls)
            return "EL2 \(name): calls \(e.calls) cycles \(e.cycles) (\(String(format: "%.1f", per)) per call)"
        }
    }
}
