/// One physical page's ownership record (`S2Page` of `sekvm/RData.v`).
public struct S2Page: Equatable, Sendable, CustomStringConvertible {
    /// HOSTVISOR, a VM 1..15, COREVISOR, or INVALID (not managed RAM).
    public var owner: UInt32
    /// Host page: SMMU share count (≤ 16). VM page from the SMMU path: INVALID.
    public var count: UInt32
    /// The guest frame the page is assigned at (host pages: pfn + 10^9).
    public var gfn: UInt64
    public init(owner: UInt32, count: UInt32, gfn: UInt64) {
        self.owner = owner
        self.count = count
        self.gfn = gfn
    }
    public var description: String { "(owner \(owner == KC.INVALID ? "INVALID" : String(owner)), count \(count == KC.INVALID ? "INVALID" : String(count)), gfn \(gfn))" }
}

/// `s2page`: a total map pfn → S2Page whose default is the initial state of REFERENCE.md (RAM
/// pages host-owned, the EL2 carve-out COREVISOR, everything else INVALID). Only changed pages
/// are stored, and an entry equal to its default is never stored, so `==` is pointwise equality.
public struct S2PageTable: Equatable, Sendable {
    let ramFirstPFN: UInt64
    let ramEndPFN: UInt64
    let carveFirstPFN: UInt64
    private(set) var changed: [UInt64: S2Page] = [:]
    /// The pfns whose record was written: readers compare or check just those (not part of
    /// `==`, which is about the records).
    public private(set) var journal = WriteJournal()

    init(ramBase: UInt64, ramSize: UInt64, carveOutBase: UInt64) {
        ramFirstPFN = ramBase >> 12
        ramEndPFN = (ramBase &+ ramSize) >> 12
        carveFirstPFN = carveOutBase >> 12
    }

    func initial(_ pfn: UInt64) -> S2Page {
        if pfn == 0 || pfn < ramFirstPFN || pfn >= ramEndPFN { return S2Page(owner: KC.INVALID, count: 0, gfn: 0) }
        if pfn >= carveFirstPFN { return S2Page(owner: KC.COREVISOR, count: 0, gfn: 0) }
        return S2Page(owner: KC.HOSTVISOR, count: 0, gfn: pfn &+ KC.SMMU_HOST_OFFSET)
    }

    public subscript(pfn: UInt64) -> S2Page {
        get { changed[pfn] ?? initial(pfn) }
        set {
            journal.append(pfn)
            if newValue == initial(pfn) { changed[pfn] = nil } else { changed[pfn] = newValue }
        }
    }

    /// Pointwise equality of the ownership records (the journal is bookkeeping, not state).
    public static func == (a: S2PageTable, b: S2PageTable) -> Bool {
        a.ramFirstPFN == b.ramFirstPFN && a.ramEndPFN == b.ramEndPFN && a.carveFirstPFN == b.carveFirstPFN && a.changed == b.changed
    }
}

/// One image load of a VM (`BootInfo`, per load index).
public struct LoadInfo: Equatable, Sendable {
    public var loadAddress: UInt64
    public var size: UInt64
    /// Host pfns remapped into EL2 for this load, in order.
    public var remappedPFNs: [UInt64] = []
    /// `vm_remap_addr`: where in EL2's remap window this load's pages are mapped.
    var remapAddress: UInt64 = 0
    var pageCount: UInt64 { (size &+ 4095) / 4096 }
}

/// `VMInfo` of `sekvm/RData.v`: the parts the handlers use.
public struct VMInfo: Equatable, Sendable {
    public var state: VMState = .unused
    /// `vm_vcpu_state`: READY vcpus, as a bit set over 0..7.
    public var registeredVCPUs: UInt8 = 0
    public var loads: [LoadInfo] = []
    init() {}
}

/// The lock-protected shared objects other than the page tables, plus the machine-wide flags.
/// These live in EL2 data at both levels (the hardware never sees them).
public struct EL2Data: Equatable, Sendable {
    /// The panic flag; sticky.
    public var halt = false
    /// The transactional-table state (`tstate`): 0 after an acquire, 1 after a release or a leaf
    /// write.
    var tstate = 0
    public var locks = LockTable()
    /// `smmu_vmid`: owner of each config slot `index·8 + cbndx`, or INVALID.
    public var smmuVmid = [UInt32](repeating: KC.INVALID, count: 16)
    public var s2page: S2PageTable
    /// `vminfos[0...16]`.
    public var vminfos = [VMInfo](repeating: VMInfo(), count: 17)
    /// `core_data.next_vmid`.
    var nextVmid: UInt32 = 1
    /// `core_data.next_remap_ptr`: the next free address of EL2's image remap window
    /// (`REMAP_START`..`REMAP_END`, Constants.v), handed out by `set_boot_info` and never
    /// given back.
    var nextRemapPtr: UInt64 = KC.REMAP_START
    /// `flatmem`: abstract page contents (only the seed's assign writes it: divergence D3).
    var flatmem: [UInt64: UInt64] = [:]
    /// `data_log[vmid]`: values consumed from the data oracle.
    var dataLog = DataLog()

    init(s2page: S2PageTable) { self.s2page = s2page }
}
