import KCore

/// One step of a host-action scenario: a hypercall or an access to a physical address (an SMMU
/// register, usually), with the value the scenario expects back, if any. The steps run as a
/// generated guest program (`HostActionProgram`), so they take the real trap paths.
public struct HostAction: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// HVC #0 with x0 = id and x1… = args (missing ones are 0).
        case hvc(id: UInt64, args: [UInt64])
        /// An LDR of `size` bytes (1, 2, 4, 8) from `address` into x1.
        case read(address: UInt64, size: Int)
        /// An STR of `size` bytes of `value` (in x1) to `address`.
        case write(address: UInt64, size: Int, value: UInt64)
    }
    public var kind: Kind
    /// The x0 an HVC must return, or the value a read must give.
    public var expect: UInt64?
    /// How reports name the action: "hvc el2_arm_lpae_iova_to_phys", "write SMMU0.GR0.sCR0".
    public var label: String
    /// The line of the action in its scenario file.
    public var line: Int

    public init(kind: Kind, expect: UInt64? = nil, label: String, line: Int) {
        self.kind = kind
        self.expect = expect
        self.label = label
        self.line = line
    }
}

/// The host → EL2 calls a scenario can name: KCore's hypercalls (`Hypercall`, with their
/// argument names in register order x1, x2, …, so a scenario can write `hvc: el2_arm_lpae_map`
/// and `args: {iova: …}`), and PSCI_VERSION.
public enum HostCall {
    public static let table: [(name: String, id: UInt64, args: [String])] =
        Hypercall.allCases.map { ($0.name, $0.rawValue, $0.arguments.map(\.name)) } + [("psci_version", 0x8400_0000, [])]
    public static func named(_ name: String) -> (name: String, id: UInt64, args: [String])? {
        table.first { $0.name == name }
    }
    public static func named(id: UInt64) -> (name: String, id: UInt64, args: [String])? {
        table.first { $0.id == id }
    }
}
