/// The host → EL2 calls of HARDWARE.md (HVC #0, x0 = id, x1… = arguments): one table that the
/// dispatcher, scenario files and traces all use. Each call has its arguments in register order
/// with the range SeKVM's `host_hvc_dispatcher` accepts (outside it EL2 panics), and the seed
/// functions it runs in order at whichever level drives.
public enum Hypercall: UInt64, CaseIterable, Sendable {
    case enable_s2 = 6
    case set_boot_info = 10
    case remap_vm_image = 11
    case verify_vm_image = 12
    case register_kvm = 13
    case register_vcpu = 14
    case el2_free_smmu_pgd = 23
    case el2_alloc_smmu_pgd = 24
    case el2_arm_lpae_map = 25
    case el2_arm_lpae_iova_to_phys = 26
    case el2_arm_lpae_clear = 27

    /// One argument register: its name and the values the dispatcher accepts.
    public struct Argument: Equatable, Sendable {
        public let name: String
        let valid: Range<UInt64>
    }

    public var name: String {
        switch self {
        case .enable_s2: "enable_s2"
        case .set_boot_info: "set_boot_info"
        case .remap_vm_image: "remap_vm_image"
        case .verify_vm_image: "verify_vm_image"
        case .register_kvm: "register_kvm"
        case .register_vcpu: "register_vcpu"
        case .el2_free_smmu_pgd: "el2_free_smmu_pgd"
        case .el2_alloc_smmu_pgd: "el2_alloc_smmu_pgd"
        case .el2_arm_lpae_map: "el2_arm_lpae_map"
        case .el2_arm_lpae_iova_to_phys: "el2_arm_lpae_iova_to_phys"
        case .el2_arm_lpae_clear: "el2_arm_lpae_clear"
        }
    }

    static func named(_ name: String) -> Hypercall? { allCases.first { $0.name == name } }

    private static let cbndx = Argument(name: "cbndx", valid: 0..<UInt64(KC.SMMU_NUM_CTXT_BANKS))
    private static let index = Argument(name: "index", valid: 0..<UInt64(KC.SMMU_NUM))
    private static let iova = Argument(name: "iova", valid: 0..<KC.KVM_PHYS_SIZE)
    /// A VM's vmid: neither the host (0) nor EL2 (16).
    private static let vm = Argument(name: "vmid", valid: UInt64(KC.HOSTVISOR) + 1..<UInt64(KC.COREVISOR))
    /// The owner a bank is allocated to: the host (0) or a VM, below EL2's id.
    private static let owner = Argument(name: "vmid", valid: 0..<UInt64(KC.EL2_SMMU_CFG_SIZE))
    private static let addr = Argument(name: "addr", valid: 0..<KC.KVM_PHYS_SIZE)
    private static let size = Argument(name: "size", valid: 0..<KC.KVM_PHYS_SIZE)
    private static let pfn = Argument(name: "pfn", valid: 0..<KC.KVM_PFN_SPACE)
    private static let loadIdx = Argument(name: "load_idx", valid: 0..<KC.MAX_LOAD_INFO_NUM)
    private static let vcpu = Argument(name: "vcpu", valid: 0..<KC.VCPU_PER_VM)
    private static let paddr = Argument(name: "paddr", valid: 0..<KC.KVM_PHYS_SIZE)
    private static let prot = Argument(name: "prot", valid: 0..<(1 << 63) - 1)

    /// x1, x2, … as `host_hvc_dispatcher` checks them.
    public var arguments: [Argument] {
        switch self {
        case .enable_s2, .register_kvm: []
        case .set_boot_info: [Self.vm, Self.addr, Self.size]
        case .remap_vm_image: [Self.vm, Self.pfn, Self.loadIdx]
        case .verify_vm_image: [Self.vm]
        case .register_vcpu: [Self.vm, Self.vcpu]
        case .el2_free_smmu_pgd: [Self.cbndx, Self.index]
        case .el2_alloc_smmu_pgd: [Self.cbndx, Self.owner, Self.index]
        case .el2_arm_lpae_map: [Self.iova, Self.paddr, Self.prot, Self.cbndx, Self.index]
        case .el2_arm_lpae_iova_to_phys, .el2_arm_lpae_clear: [Self.iova, Self.cbndx, Self.index]
        }
    }

    /// `host_hvc_dispatcher`'s checks on x1…x5: each argument in its range (`arguments`, case by
    /// case so that a call allocates nothing), plus the two checks that span arguments: a boot
    /// image ends below 2^40, and `prot` holds no address bits.
    func accepts(_ a1: UInt64, _ a2: UInt64, _ a3: UInt64, _ a4: UInt64, _ a5: UInt64) -> Bool {
        switch self {
        case .enable_s2, .register_kvm: true
        case .set_boot_info: Self.vm.valid.contains(a1) && Self.addr.valid.contains(a2) && Self.size.valid.contains(a3) && a2 + a3 < KC.KVM_PHYS_SIZE
        case .remap_vm_image: Self.vm.valid.contains(a1) && Self.pfn.valid.contains(a2) && Self.loadIdx.valid.contains(a3)
        case .verify_vm_image: Self.vm.valid.contains(a1)
        case .register_vcpu: Self.vm.valid.contains(a1) && Self.vcpu.valid.contains(a2)
        case .el2_free_smmu_pgd: Self.cbndx.valid.contains(a1) && Self.index.valid.contains(a2)
        case .el2_alloc_smmu_pgd: Self.cbndx.valid.contains(a1) && Self.owner.valid.contains(a2) && Self.index.valid.contains(a3)
        case .el2_arm_lpae_map:
            Self.iova.valid.contains(a1) && Self.paddr.valid.contains(a2) && Self.prot.valid.contains(a3) && KC.phys_page(a3) == 0
                && Self.cbndx.valid.contains(a4) && Self.index.valid.contains(a5)
        case .el2_arm_lpae_iova_to_phys, .el2_arm_lpae_clear:
            Self.iova.valid.contains(a1) && Self.cbndx.valid.contains(a2) && Self.index.valid.contains(a3)
        }
    }

    /// The seed / boot functions the call runs, in order (the same names at both levels).
    var composes: [String] {
        switch self {
        case .enable_s2: []
        case .el2_arm_lpae_map: ["smmu_assign_page", "smmu_map_page"]
        case .verify_vm_image: ["verify_check", "verify_commit", "clear_pfn_host"]
        default: [name]
        }
    }
}
