/// Constants of SeKVM's KCore, by their names in `sekvm/Constants.v` and `sekvm/MmioRaw/Spec.v`
/// (values from REFERENCE.md). Where the project chose a different value (PTE_AF_OR_SH_IS,
/// the host NPT leaf attributes) the doc comment says why; Documentation/SpecMapping.md lists
/// every such place.
public enum KC {
    /// "None" for 32-bit ids and results.
    public static let INVALID: UInt32 = 0xFFFF_FFFF
    static let INVALID64: UInt64 = .max
    /// Owner id of the host; VMs are 1..15; EL2 itself is COREVISOR.
    public static let HOSTVISOR: UInt32 = 0
    public static let COREVISOR: UInt32 = 16

    static let SMMU_NUM = 2
    public static let SMMU_NUM_CTXT_BANKS = 8
    /// Number of config slots (2 × 8); also the cap for a host page's share count.
    static let EL2_SMMU_CFG_SIZE: UInt32 = 16

    static let PAGE_SIZE: UInt64 = 4096
    static let PHYS_MASK: UInt64 = (1 << 48) - 1
    static let PAGE_MASK: UInt64 = 0x0FFF_FFFF_FFFF_F000
    /// Host RAM pages carry `s2_gfn = pfn + SMMU_HOST_OFFSET`.
    static let SMMU_HOST_OFFSET: UInt64 = 1_000_000_000

    // SMMU register space (MmioRaw, Constants).
    static let SMMU_GLOBAL_BASE: UInt64 = 0x8000
    static let ARM_SMMU_PGSHIFT: UInt64 = 12
    static let SMMU_OFFSET_MASK: UInt64 = 0xFFFF
    static let ARM_SMMU_GR0_sCR0: UInt64 = 0x0
    static let ARM_SMMU_GR0_sCR2: UInt64 = 0x8
    static let sCR0_SMCFCFG_SHIFT: UInt64 = 21
    static let ARM_SMMU_GR1_BASE: UInt64 = 0x1000
    static let ARM_SMMU_GR1_END: UInt64 = 0x1800
    static let CBAR_TYPE_SHIFT: UInt64 = 16
    static let CBAR_VMID_MASK: UInt64 = 0xFF
    static let ARM_SMMU_CB_TTBR0: UInt64 = 0x20
    static let ARM_SMMU_CB_CONTEXTIDR: UInt64 = 0x34
    static let ARM_SMMU_PGSHIFT_MASK: UInt64 = 0xFFF

    /// SMMU shadow page-table pool, model addresses (MmioPTAlloc).
    static let SMMU_POOL_START: UInt64 = 0x10000
    static let SMMU_PGD_START: UInt64 = 0x110000
    static let SMMU_PMD_START: UInt64 = 0x210000
    static let SMMU_POOL_END: UInt64 = 0x310000

    /// Coq gives 0x10000 (bit 16, inside the address field); HARDWARE.md's contract uses the
    /// architectural AF | SH=inner-shareable.
    static let PTE_AF_OR_SH_IS: UInt64 = 0x700

    /// Host NPT leaf for a device page: Coq's PAGE_S2_DEVICE | S2_RDWR, already a valid
    /// VMSAv8-64 stage-2 page descriptor (Device-nGnRE, RW, AF, XN).
    static let PAGE_S2_DEVICE_RDWR: UInt64 = 0x0040_0000_0000_0747 | 0xC0
    /// Host NPT leaf for a normal page. Coq's PAGE_S2_KERNEL is 0xFFF (bit 11 is RES0 in a
    /// stage-2 descriptor); we write the architectural Normal WB, RW, inner-shareable, AF page.
    static let PAGE_S2_KERNEL: UInt64 = 0x7FF
    /// Marks a revoked host NPT entry: bit 57, `phys_page(PAGE_GUEST) == 0`, invalid descriptor.
    static let PAGE_GUEST: UInt64 = 0x0200_0000_0000_0000

    /// Upper bound of SMMU IOVAs and host paddrs in the HVCs (KVM_PHYS_SIZE = 2^40).
    static let KVM_PHYS_SIZE: UInt64 = 1 << 40
    static let KVM_PFN_SPACE: UInt64 = 1 << 28
    static let MAX_LOAD_INFO_NUM: UInt64 = 5
    /// EL2's window for remapped VM images (Constants.v): `set_boot_info` reserves each load's
    /// pages in it and panics when a load no longer fits below `REMAP_END`.
    static let REMAP_START: UInt64 = 0x200_0000
    static let REMAP_SIZE: UInt64 = 0x200_0000
    static let REMAP_END: UInt64 = REMAP_START + REMAP_SIZE
    static let VCPU_PER_VM: UInt64 = 8

    /// Number of `TSHARED` events a critical section may hold (`local_lock_bound`).
    static let local_lock_bound = 10

    @inline(__always) public static func phys_page(_ x: UInt64) -> UInt64 { x & PHYS_MASK & PAGE_MASK }
    /// Config slot of (SMMU index, context bank): note the argument order, index first.
    @inline(__always) public static func smmu_id(_ index: Int, _ cbndx: Int) -> Int { index * 8 + cbndx }
    /// Model address of a bank's 8 KiB shadow root.
    @inline(__always) public static func SMMU_TTBR(_ index: Int, _ cbndx: Int) -> UInt64 {
        SMMU_POOL_START + UInt64(index * 8 + cbndx) * 8192
    }
    @inline(__always) static func stage2_pgd_index(_ a: UInt64) -> Int { Int((a >> 30) & 1023) }
    @inline(__always) static func pgd_index(_ a: UInt64) -> Int { Int((a >> 39) & 511) }
    @inline(__always) static func pud_index(_ a: UInt64) -> Int { Int((a >> 30) & 511) }
    @inline(__always) static func pmd_index(_ a: UInt64) -> Int { Int((a >> 21) & 511) }
    @inline(__always) static func pte_index(_ a: UInt64) -> Int { Int((a >> 12) & 511) }

    // ESR_EL2 data-abort decoding (host_dabt_*): only SAS, SRT and WnR are read (quirk Q9).
    @inline(__always) static func host_dabt_get_as(_ hsr: UInt32) -> Int { 1 << Int((hsr >> 22) & 3) }
    /// 0 or 64, not a Bool (quirk Q5).
    @inline(__always) static func host_dabt_is_write(_ hsr: UInt32) -> UInt32 { hsr & 64 }
    @inline(__always) static func host_dabt_get_rd(_ hsr: UInt32) -> Int { Int((hsr >> 16) & 31) }
}

/// Life-cycle states of a VM (`vm_state`).
public enum VMState: Int, Equatable, Sendable, CustomStringConvertible {
    case unused = 0, mapped = 1, ready = 2, verified = 3, poweroff = 4, active = 5
    public var description: String {
        switch self {
        case .unused: "UNUSED"
        case .mapped: "MAPPED"
        case .ready: "READY"
        case .verified: "VERIFIED"
        case .poweroff: "POWEROFF"
        case .active: "ACTIVE"
        }
    }
}

/// Lock ids in the high-level `*_ID` numbering (quirk Q25: used everywhere here).
public enum LockID {
    static let flatmem = 0
    static let core = 1
    public static let s2page = 2
    static let spt = 3
    static let smmu = 4
    static func npt(_ vmid: UInt32) -> Int { 5 + Int(vmid) }
    public static func info(_ vmid: UInt32) -> Int { 22 + Int(vmid) }
    /// Lock ids 0 ..< count name the locks of VMs 0–16 (FLATMEM … INFO(16)).
    public static let count = 39
    public static func name(_ id: Int) -> String {
        switch id {
        case 0: "FLATMEM"
        case 1: "CORE"
        case 2: "S2PAGE"
        case 3: "SPT"
        case 4: "SMMU"
        case 5...21: "NPT(\(id - 5))"
        default: "INFO(\(id - 22))"
        }
    }
}
