/// `SPT` of `sekvm/RData.v`, abstract part: every bank's shadow table as a map, the pool
/// allocation flags, and the two bump pointers (model addresses).
public struct AbstractSPT: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        var pfn: UInt64
        public var pte: UInt64
        init(pfn: UInt64, pte: UInt64) {
            self.pfn = pfn
            self.pte = pte
        }
    }
    /// `spt_pt`: ttbr → gfn → (pfn, pte). Entries equal to (0, 0) are not stored.
    var pt: [UInt64: [UInt64: Entry]] = [:]
    /// `spt_pgd_t`: ttbr → top-level indices whose pgd-pool page is charged.
    var pgdT: [UInt64: Set<Int>] = [:]
    /// `spt_pmd_t`: ttbr → (top index << 9 | pmd index) whose pmd-pool page is charged.
    var pmdT: [UInt64: Set<Int>] = [:]
    var pgdNext = KC.SMMU_PGD_START
    var pmdNext = KC.SMMU_PMD_START
    init() {}

    public func entry(_ ttbr: UInt64, _ gfn: UInt64) -> Entry {
        pt[ttbr]?[gfn] ?? Entry(pfn: 0, pte: 0)
    }
    mutating func setEntry(_ ttbr: UInt64, _ gfn: UInt64, _ e: Entry) {
        if e == Entry(pfn: 0, pte: 0) {
            pt[ttbr]?[gfn] = nil
            if pt[ttbr]?.isEmpty == true { pt[ttbr] = nil }
        } else {
            pt[ttbr, default: [:]][gfn] = e
        }
    }
    /// Resets one bank (`clear_smmu_pt` / `init_spt`): entries and flags, not the pointers.
    mutating func clearBank(_ ttbr: UInt64) {
        pt[ttbr] = nil
        pgdT[ttbr] = nil
        pmdT[ttbr] = nil
    }
}

/// `NPT` of `sekvm/RData.v`, abstract part, for the host (vmid 0): gfn → (pfn, level, pte),
/// allocation flags per level and the three pool pointers (model addresses).
public struct AbstractNPT: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        var pfn: UInt64
        public var level: Int
        public var pte: UInt64
        init(pfn: UInt64, level: Int, pte: UInt64) {
            self.pfn = pfn
            self.level = level
            self.pte = pte
        }
    }
    /// Entries with pte == 0 are not stored.
    var pt: [UInt64: Entry] = [:]
    var pgdT: Set<Int> = []
    var pudT: Set<Int> = []
    var pmdT: Set<Int> = []
    var pgdNext: UInt64
    var pudNext: UInt64
    var pmdNext: UInt64
    /// The pool bounds `local_mmap` checks against.
    let layout: NPTPoolLayout
    init(layout: NPTPoolLayout) {
        self.layout = layout
        pgdNext = layout.pgdStart
        pudNext = layout.pudStart
        pmdNext = layout.pmdStart
    }
    public func entry(_ gfn: UInt64) -> Entry { pt[gfn] ?? Entry(pfn: 0, level: 0, pte: 0) }
}

/// The host NPT pool in model addresses: Coq's `pool_start(0)` = 0x10000 holds the root; then
/// the pgd pool (level-1 tables), the pud pool (level-2 tables) and the pmd pool (level-3
/// tables). Coq sizes them 256 / 2048 / 5887 pages (32 MiB); the default here sizes them for
/// the machine (REFERENCE: the pool lives in the carve-out), keeping Coq's order and rules.
public struct NPTPoolLayout: Equatable, Sendable {
    var pgdPages: UInt64
    var pudPages: UInt64
    var pmdPages: UInt64
    init(pgdPages: UInt64, pudPages: UInt64, pmdPages: UInt64) {
        self.pgdPages = pgdPages
        self.pudPages = pudPages
        self.pmdPages = pmdPages
    }
    /// Coq's layout (Constants.v: PGD_OFFSET, PUD_OFFSET, PMD_OFFSET, PT_POOL_PER_VM): one
    /// root page, then 256 level-1, 2048 level-2 and 5887 level-3 table pages, 32 MiB in all.
    /// The host NPT uses it, so the host maps whatever Coq's map_page_host maps and runs out
    /// where Coq runs out (5887 distinct 2 MiB regions). Sparse RAM: pages never used cost
    /// no host memory.
    public static let coq = NPTPoolLayout(pgdPages: 256, pudPages: 2048, pmdPages: 5887)
    var poolStart: UInt64 { 0x10000 }
    var pgdStart: UInt64 { poolStart + 0x1000 }
    var pudStart: UInt64 { pgdStart + pgdPages * 4096 }
    var pmdStart: UInt64 { pudStart + pudPages * 4096 }
    var poolEnd: UInt64 { pmdStart + pmdPages * 4096 }
    var bytes: UInt64 { poolEnd - poolStart }
}

/// The spec level's whole state: EL2 data plus the abstract tables.
public struct SpecState: Equatable, Sendable {
    public var data: EL2Data
    var spt: AbstractSPT
    var npt: AbstractNPT
    init(data: EL2Data, spt: AbstractSPT, npt: AbstractNPT) {
        self.data = data
        self.spt = spt
        self.npt = npt
    }
    /// An empty state that shares no storage: what a state variable holds while its value is
    /// moved out to be updated in place.
    static func vacant(layout: NPTPoolLayout) -> SpecState {
        SpecState(data: EL2Data(s2page: S2PageTable(ramBase: 0, ramSize: 0, carveOutBase: 0)), spt: AbstractSPT(), npt: AbstractNPT(layout: layout))
    }
}
