/// One field where the two levels disagree after a call.
public struct RefinementDifference: Equatable, Sendable, CustomStringConvertible {
    var field: String
    public var spec: String
    public var impl: String
    public var description: String { "\(field): spec \(spec), impl \(impl)" }
}

/// The known divergences between the seed's `X_spec` and the C (`X_spec0`), REFERENCE.md.
public enum KnownDivergence: String, Sendable, CaseIterable {
    /// smmu_assign_page: VERIFIED test inverted.
    case D1
    /// el2_alloc_smmu_pgd: the C takes the VM-info lock and panics for a VERIFIED VM.
    case D2
    /// Only the seed's assign writes flatmem and data_log.
    case D3
    /// TrapHandler's clear panics for state ≥ VERIFIED (not reachable between these two levels,
    /// which both test == VERIFIED).
    case D5
}

/// The report of one refinement check: function, arguments, differences, and which known
/// divergence (if any) explains them.
///
/// A class: every trap's outcome carries an optional report, almost always nil, and as a
/// struct of three strings and an array it was copied and destroyed through the runtime's
/// generic value witnesses on each trap; an optional reference is one pointer.
public final class RefinementReport: Equatable, Sendable, CustomStringConvertible {
    public let function: String
    public let arguments: String
    let differences: [RefinementDifference]
    public let known: KnownDivergence?
    init(function: String, arguments: String, differences: [RefinementDifference], known: KnownDivergence?) {
        self.function = function
        self.arguments = arguments
        self.differences = differences
        self.known = known
    }
    public static func == (a: RefinementReport, b: RefinementReport) -> Bool {
        a.function == b.function && a.arguments == b.arguments && a.differences == b.differences && a.known == b.known
    }
    public var description: String {
        "refinement: \(function)(\(arguments))" + (known.map { " [known \($0.rawValue)]" } ?? "") + ": "
            + differences.map(\.description).joined(separator: "; ")
    }
}

/// The entries a call may have changed, when the checker knows them: only these can differ
/// between two states that were equal before the call, so only these are compared.
struct TouchedEntries: Sendable {
    /// Host NPT entries by level and key (level 3: gfns; 0–2: the `pgdT`/`pudT`/`pmdT` keys).
    var npt: Set<NPTTableIndex.Position>
    /// Ownership records written (`S2PageTable.journal` of both levels).
    public var s2page: Set<UInt64>
}

/// Field-by-field comparison of two spec-level states (the spec level's result and the
/// abstraction of the implementation's).
///
/// `logsFrom`: for each lock, how many events its log had ever received (kept plus dropped)
/// before the call. The checker runs both levels from one state, so the logs share everything
/// before the call; comparing only what the call appended keeps each check O(call) instead of
/// O(run) (a log holds up to 16,384 events). Counting from the run's start, not the kept
/// array, keeps the call's events in view when the call itself made a log drop its oldest
/// half. nil compares whole logs.
///
/// `touched`: the NPT entries and ownership records the call wrote at either level (see
/// `TouchedEntries`); nil compares them all.
func compareStates(_ s: SpecState, _ i: SpecState, logsFrom: [Int: Int]? = nil, touched: TouchedEntries? = nil) -> [RefinementDifference] {
    var d: [RefinementDifference] = []
    // Names are built only for a difference: this runs after every checked call.
    func cmp<T: Equatable>(_ name: @autoclosure () -> String, _ a: T, _ b: T) {
        if a != b { d.append(.init(field: name(), spec: "\(a)", impl: "\(b)")) }
    }
    cmp("halt", s.data.halt, i.data.halt)
    cmp("tstate", s.data.tstate, i.data.tstate)
    // Each map is compared whole first (equal storage compares in O(1)); only a difference pays
    // for the key-by-key walk that names it.
    func keys<K: Hashable & Comparable, V: Equatable>(_ a: [K: V], _ b: [K: V]) -> [K] {
        a == b ? [] : Set(a.keys).union(b.keys).sorted()
    }
    let lockIDs = Set(s.data.locks.usedIDs).union(i.data.locks.usedIDs).sorted()
    for id in lockIDs {
        cmp("lock[\(LockID.name(id))]", s.data.locks.heldBy(id), i.data.locks.heldBy(id))
    }
    for id in lockIDs {
        let wa = s.data.locks.events(id), wb = i.data.locks.events(id)
        let ever = logsFrom?[id] ?? 0
        let fa = min(max(0, ever - s.data.locks.dropped(id)), wa.count)
        let fb = min(max(0, ever - i.data.locks.dropped(id)), wb.count)
        let a = wa.dropFirst(fa), b = wb.dropFirst(fb)
        if a != b {
            let j = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            d.append(.init(field: "log[\(LockID.name(id))] from event \(fa + j)",
                           spec: wa.dropFirst(fa + j).map(\.description).joined(separator: ", "),
                           impl: wb.dropFirst(fb + j).map(\.description).joined(separator: ", ")))
        }
    }
    for slot in 0..<16 { cmp("smmu_vmid[\(slot)]", s.data.smmuVmid[slot], i.data.smmuVmid[slot]) }
    let pfns = touched.map { $0.s2page.sorted() } ?? keys(s.data.s2page.changed, i.data.s2page.changed)
    for pfn in pfns {
        cmp("s2page[0x\(String(pfn, radix: 16))]", s.data.s2page[pfn], i.data.s2page[pfn])
    }
    for v in 0..<17 { cmp("vminfos[\(v)]", s.data.vminfos[v], i.data.vminfos[v]) }
    cmp("next_vmid", s.data.nextVmid, i.data.nextVmid)
    cmp("next_remap_ptr", s.data.nextRemapPtr, i.data.nextRemapPtr)
    cmp("flatmem", s.data.flatmem, i.data.flatmem)
    cmp("data_log", s.data.dataLog, i.data.dataLog)
    cmp("spt_pgd_next", s.spt.pgdNext, i.spt.pgdNext)
    cmp("spt_pmd_next", s.spt.pmdNext, i.spt.pmdNext)
    for ttbr in keys(s.spt.pt, i.spt.pt) {
        let a = s.spt.pt[ttbr] ?? [:], b = i.spt.pt[ttbr] ?? [:]
        for gfn in keys(a, b) where a[gfn] != b[gfn] {
            cmp("spt_pt[0x\(String(ttbr, radix: 16))][0x\(String(gfn, radix: 16))]", a[gfn].map { "(\($0.pfn), 0x\(String($0.pte, radix: 16)))" } ?? "(0, 0)",
                b[gfn].map { "(\($0.pfn), 0x\(String($0.pte, radix: 16)))" } ?? "(0, 0)")
        }
    }
    cmp("spt_pgd_t", s.spt.pgdT, i.spt.pgdT)
    cmp("spt_pmd_t", s.spt.pmdT, i.spt.pmdT)
    let gfns = touched.map { $0.npt.filter { $0.level == 3 }.map(\.prefix).sorted() } ?? keys(s.npt.pt, i.npt.pt)
    for gfn in gfns where s.npt.pt[gfn] != i.npt.pt[gfn] {
        cmp("npt[0x\(String(gfn, radix: 16))]", "\(s.npt.entry(gfn))", "\(i.npt.entry(gfn))")
    }
    cmp("npt pgd/pud/pmd next", [s.npt.pgdNext, s.npt.pudNext, s.npt.pmdNext], [i.npt.pgdNext, i.npt.pudNext, i.npt.pmdNext])
    if let touched {
        for p in touched.npt.filter({ $0.level < 3 }).sorted(by: { ($0.level, $0.prefix) < ($1.level, $1.prefix) }) {
            cmp("npt table flag level \(p.level) [0x\(String(p.prefix, radix: 16))]", s.npt.hasTable(p), i.npt.hasTable(p))
        }
    } else {
        cmp("npt flags", [s.npt.pgdT, s.npt.pudT, s.npt.pmdT], [i.npt.pgdT, i.npt.pudT, i.npt.pmdT])
    }
    return d
}
