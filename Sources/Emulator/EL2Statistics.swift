import KCore

/// Where the host's EL2 time went, per handler (`map_page_host`, `emulate_mmio`, each HVC, PSCI),
/// for `--stats`: the issue's "how much time the host spent in EL2 and why".
public struct EL2Statistics: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var calls: UInt64 = 0
        public var cycles: UInt64 = 0
    }
    /// What a trap is counted under: the handler, or the HVC it called. Unknown HVC ids share
    /// one key, so a guest cannot grow the table without bound. Named only for output.
    enum Key: Hashable, Sendable {
        case handler(TrapDecision.Handler)
        case hypercall(Hypercall)
        case unknownHypercall
        /// Any HVC after a panic.
        case haltedHypercall
        case psci
        init(_ d: TrapDecision) {
            switch (d.handler, d.target) {
            case (.hvc, .hypercall(let c)): self = .hypercall(c)
            case (.hvc, .halted): self = .haltedHypercall
            case (.hvc, _): self = .unknownHypercall
            default: self = .handler(d.handler)
            }
        }
        var name: String {
            switch self {
            case .handler(let h): h.rawValue
            case .hypercall(let c): "hvc " + c.name
            case .unknownHypercall: "hvc (unknown id)"
            case .haltedHypercall: "hvc halted"
            case .psci: "psci"
            }
        }
    }
    private var entries: [Key: Entry] = [:]
    /// Calls and cycles per handler name.
    public var byHandler: [String: Entry] {
        entries.reduce(into: [:]) { $0[$1.key.name, default: Entry()].calls &+= $1.value.calls; $0[$1.key.name, default: Entry()].cycles &+= $1.value.cycles }
    }

    mutating func record(_ key: Key, cycles: UInt64) {
        entries[key, default: Entry()].calls &+= 1
        entries[key, default: Entry()].cycles &+= cycles
    }

    /// One line per handler, most expensive first (ties by name, so the output is stable).
    public var lines: [String] {
        byHandler.sorted { $0.value.cycles != $1.value.cycles ? $0.value.cycles > $1.value.cycles : $0.key < $1.key }.map { name, e in
            let per = e.calls == 0 ? 0 : Double(e.cycles) / Double(e.calls)
            return "EL2 \(name): calls \(e.calls) cycles \(e.cycles) (\(String(format: "%.1f", per)) per call)"
        }
    }
}
