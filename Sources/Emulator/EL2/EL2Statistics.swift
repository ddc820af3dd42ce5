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
        static let handlers: [TrapDecision.Handler] = [.emulate_mmio, .map_page_host, .hvc]
        static let hypercalls = Hypercall.allCases
        /// `hypercalls`' index of each hypercall, by id.
        static let hypercallSlot: [Int] = {
            var slots = [Int](repeating: 0, count: Int(hypercalls.map(\.rawValue).max() ?? 0) + 1)
            for (i, c) in hypercalls.enumerated() { slots[Int(c.rawValue)] = i }
            return slots
        }()
        static let all: [Key] = handlers.map(Key.handler) + hypercalls.map(Key.hypercall) + [.unknownHypercall, .haltedHypercall, .psci]
        /// Index in `all` (a switch, not a search: this is asked on every trap).
        var slot: Int {
            switch self {
            case .handler(.emulate_mmio): return 0
            case .handler(.map_page_host): return 1
            case .handler(.hvc): return 2
            case .hypercall(let c): return 3 + Key.hypercallSlot[Int(c.rawValue)]
            case .unknownHypercall: return Key.all.count - 3
            case .haltedHypercall: return Key.all.count - 2
            case .psci: return Key.all.count - 1
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
    /// Per key, at `Key.slot` (an array, not a dictionary: this is counted on every trap).
    private var entries = [Entry](repeating: Entry(), count: Key.all.count)
    /// Calls and cycles per handler name.
    public var byHandler: [String: Entry] {
        zip(Key.all, entries).filter { $0.1.calls > 0 }.reduce(into: [:]) {
            $0[$1.0.name, default: Entry()].calls &+= $1.1.calls
            $0[$1.0.name, default: Entry()].cycles &+= $1.1.cycles
        }
    }

    mutating func record(_ key: Key, cycles: UInt64) {
        let slot = key.slot
        entries[slot].calls &+= 1
        entries[slot].cycles &+= cycles
    }

    /// `record(Key(d), …)` for a handler's decision, its slot found without building the key.
    @inline(__always)
    mutating func record(_ d: TrapDecision, cycles: UInt64) {
        let slot: Int
        switch (d.handler, d.target) {
        case (.emulate_mmio, _): slot = 0
        case (.map_page_host, _): slot = 1
        case (.hvc, .hypercall(let c)): slot = 3 + Key.hypercallSlot[Int(c.rawValue)]
        case (.hvc, .halted): slot = Key.all.count - 2
        case (.hvc, _): slot = Key.all.count - 3
        }
        entries[slot].calls &+= 1
        entries[slot].cycles &+= cycles
    }

    /// One line per handler, most expensive first (ties by name, so the output is stable).
    public var lines: [String] {
        byHandler.sorted { $0.value.cycles != $1.value.cycles ? $0.value.cycles > $1.value.cycles : $0.key < $1.key }.map { name, e in
            let per = e.calls == 0 ? 0 : Double(e.cycles) / Double(e.calls)
            return "EL2 \(name): calls \(e.calls) cycles \(e.cycles) (\(String(format: "%.1f", per)) per call)"
        }
    }
}
