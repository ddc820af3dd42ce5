import AArch64
import KCore
import Platform

/// Machine options (HARDWARE.md defaults).
public struct MachineConfiguration {
    public var ramBase: UInt64 = 0x4000_0000
    public var ramSize: UInt64 = 256 << 20
    public var cpus = 1
    public var maxCycles: UInt64 = .max
    public var maxInstructions: UInt64 = .max
    public var costs = CPUCostModel()
    /// EL2 handler costs (trap entry, primitive steps, table and device accesses, ERET).
    public var el2Costs = KCoreCostModel()
    /// Which level of the seed spec drives EL2 (`--handlers`), and whether both run on every call.
    public var handlers: HandlerLevel = .impl
    public var checkRefinement = false
    /// After every EL2 handler, check KCore's state invariants (`KCoreInvariants`) and compute
    /// what each SMMU stream can reach, warning about violations, EL2 or foreign VM pages
    /// (`--check-invariants`); `--strict-smmu` makes an SMMU finding a panic.
    public var checkInvariants = false
    public var strictSMMU = false
    /// Trace streams to print (`--trace mmio,hvc,s2,dma`).
    public var trace: Set<TraceKind> = []
    /// The SHA-256 each VM's image must hash to for `verify_vm_image` (`--vm-image VMID=…`);
    /// a VM without one fails verification (a hypervisor panic).
    public var vmImages: [VMImageOption] = []
    /// Record the run as a timeline for `--trace-perfetto` (`Machine.perfetto`).
    public var recordPerfetto = false
    /// `/chosen/bootargs` of the generated device tree (`--append`).
    public var bootArguments: String?
    /// A device tree blob to pass to an `Image` instead of the generated one (`--dtb`).
    public var deviceTreeFile: String?
    /// The flash's contents (`--flash`); erased (0xFF) beyond them.
    public var flashFile: String?
    /// An initial RAM disk for an `Image` (`--initrd`).
    public var initrdFile: String?
    public init() {}

    /// The machine these options describe: HARDWARE.md's memory map with this RAM and CPU
    /// count, and the EL2 carve-out KCore will place at the top of RAM.
    public var platform: MachineDescription {
        let carve = CarveOutLayout(ramBase: ramBase, ramSize: ramSize, nptLayout: .coq)
        return MachineDescription(ramBase: ramBase, ramSize: ramSize, cpus: cpus, carveOutSize: carve.size)
    }

    /// The generated device tree (flattened, v17) describing `platform`.
    public var deviceTree: [UInt8] {
        MachineDeviceTree(machine: platform, bootArguments: bootArguments).blob
    }
}

/// What `--trace` can show: trapped SMMU accesses, hypercalls, host stage-2 faults and mappings,
/// DMA transactions through the SMMUs.
public enum TraceKind: String, CaseIterable, Sendable {
    case mmio, hvc, s2, dma
    /// Every instruction with its disassembly and the registers it changed (for small images).
    case insn
    /// Guest misuse of a device (the GIC, the PL011): accesses the architecture leaves
    /// UNPREDICTABLE or that hit read-only registers, ignored by the device and reported here.
    case guest

    /// The streams that are `TraceEvent`s (all but insn, which is text only): what
    /// `--trace-json` records when `--trace` does not narrow it.
    public static let events: Set<TraceKind> = [.mmio, .hvc, .s2, .dma]

    /// This stream's bit in `Machine.traceMask`.
    var bit: UInt8 {
        switch self {
        case .mmio: 1
        case .hvc: 2
        case .s2: 4
        case .dma: 8
        case .insn: 16
        case .guest: 32
        }
    }
    static func mask(_ kinds: Set<TraceKind>) -> UInt8 { kinds.reduce(0) { $0 | $1.bit } }
}

/// Which level of the seed spec drives the EL2 handlers: `impl` (the composition of primitives,
/// what SeKVM's C runs) or `spec` (the atomic specs).
public typealias HandlerLevel = KCore.HandlerLevel
