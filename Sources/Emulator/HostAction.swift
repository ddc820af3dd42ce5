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

/// The host → EL2 calls of HARDWARE.md by name, with their argument names in register order
/// (x1, x2, …), so a scenario can write `hvc: el2_arm_lpae_map` and `args: {iova: …}`.
public enum HostCall {
    public static let table: [(name: String, id: UInt64, args: [String])] = [
        ("enable_s2", 6, []),
        ("set_boot_info", 10, ["vmid", "addr", "size"]),
        ("remap_vm_image", 11, ["vmid", "pfn", "load_idx"]),
        ("verify_vm_image", 12, ["vmid"]),
        ("register_kvm", 13, []),
        ("register_vcpu", 14, ["vmid", "vcpu"]),
        ("el2_free_smmu_pgd", 23, ["cbndx", "index"]),
        ("el2_alloc_smmu_pgd", 24, ["cbndx", "vmid", "index"]),
        ("el2_arm_lpae_map", 25, ["iova", "paddr", "prot", "cbndx", "index"]),
        ("el2_arm_lpae_iova_to_phys", 26, ["iova", "cbndx", "index"]),
        ("el2_arm_lpae_clear", 27, ["iova", "cbndx", "index"]),
        ("psci_version", 0x8400_0000, []),
    ]
    public static func named(_ name: String) -> (name: String, id: UInt64, args: [String])? {
        table.first { $0.name == name }
    }
    public static func named(id: UInt64) -> (name: String, id: UInt64, args: [String])? {
        table.first { $0.id == id }
    }
}
