/// One KCore state invariant that does not hold: which property, and exactly where (page,
/// table, slot). `description` is the line `--check-invariants` prints.
public struct InvariantViolation: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The properties of REFERENCE.md "Properties worth checking after every call" and
    /// detail/smmu-tables.md §5 (`sekvm/Security`, `sekvm/wDRF`), by the name used here.
    public enum Kind: String, Sendable {
        /// A VM's page is mapped in the host NPT (host_iso, strict form: only a real share
        /// count 1…16 would allow it; INVALID, the SMMU-assign marker, does not).
        case vmPageInHostNPT
        /// An EL2 (COREVISOR) page is mapped in the host NPT.
        case el2PageInHostNPT
        /// The host NPT maps an IPA to a different physical page (host_flatmap).
        case hostNPTNotIdentity
        /// A bank's shadow table maps a page that belongs to another VM (smmu_iso).
        case foreignPageInSPT
        /// A bank's shadow table maps an EL2 page, or a page that is not RAM.
        case el2PageInSPT
        /// A bank's shadow table maps its VM's page at an IOVA other than the page's gfn.
        case pageAtWrongIOVA
        /// A bank maps a host page whose share count does not account for it (smmu_count).
        case uncountedHostPage
        /// A share count outside 0…16 (INVALID allowed only for a VM's page).
        case shareCountOutOfBounds
        /// A page owner that is none of INVALID, HOSTVISOR, 1…15, COREVISOR.
        case ownerOutOfRange
        /// A host page whose gfn is not pfn + SMMU_HOST_OFFSET (host_s2_map).
        case hostPageGFN
        /// Physical page 0 has an owner (page_0_invalid).
        case page0Owned
        /// A config slot whose vmid is neither INVALID nor 0…15 (smmu_vm).
        case slotVMID
        /// A lock is still held after a call that did not panic.
        case lockHeldAfterCall
        /// The machine had panicked, and the call still changed its state.
        case changedAfterPanic
    }
    public var kind: Kind
    /// Which page / table / slot / field, and the values found.
    public var detail: String
    init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }
    public var description: String { "invariant \(kind.rawValue): \(detail)" }
}

/// The KCore state invariants, checked on the spec-level view of a state (`SpecState`; the
/// implementation level is checked through its abstraction, `ImplState.abstraction()`, so both
/// levels are held to the same properties). Pure functions: no state of their own.
public enum KCoreInvariants {
    static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
    static func countName(_ c: UInt32) -> String { c == KC.INVALID ? "INVALID" : String(c) }

    /// Every single-state invariant of `s`.
    public static func check(_ s: SpecState) -> [InvariantViolation] {
        let d = s.data
        var out = checkSlots(d)
        if d.s2page[0].owner != KC.INVALID { out.append(.init(.page0Owned, "s2page[0] is \(d.s2page[0])")) }
        for (pfn, p) in d.s2page.changed.sorted(by: { $0.key < $1.key }) { out += checkPage(pfn, p) }
        for (gfn, e) in s.npt.pt.sorted(by: { $0.key < $1.key }) {
            out += checkHostNPTEntry(gfn: gfn, pfn: KC.phys_page(e.pte) / 4096, d)
        }
        return out + checkSPT(s.spt, d) + checkLocks(d)
    }

    /// The invariants a call can have broken, given what it changed: the ownership records of
    /// `changedPages`, the host NPT entries at `changedGFNs` and at those pages (the host NPT
    /// is an identity map, so a page's entry is at its own gfn; an entry anywhere else is
    /// reported when it is written), and the slots, shadow tables and locks, which are small,
    /// whole. `npt(gfn)` is the pte at a gfn (0: none). Same findings as `check` for a state
    /// whose unchanged parts were checked before.
    /// `spt` nil: the shadow tables, page owners and slots are as at the last check, so the
    /// shadow-table findings are too (not repeated).
    public static func check(data d: EL2Data, spt: AbstractSPT?, changedPages: some Sequence<UInt64>,
                             changedGFNs: some Sequence<UInt64>, npt: (UInt64) -> UInt64) -> [InvariantViolation] {
        var out = checkSlots(d)
        let pages = Set(changedPages)
        if pages.contains(0) && d.s2page[0].owner != KC.INVALID { out.append(.init(.page0Owned, "s2page[0] is \(d.s2page[0])")) }
        for pfn in pages.sorted() where d.s2page.changed[pfn] != nil { out += checkPage(pfn, d.s2page[pfn]) }
        for gfn in pages.union(changedGFNs).sorted() {
            out += checkHostNPTEntry(gfn: gfn, pfn: KC.phys_page(npt(gfn)) / 4096, d)
        }
        return out + (spt.map { checkSPT($0, d) } ?? []) + checkLocks(d)
    }

    /// Config slots (smmu_vm).
    static func checkSlots(_ d: EL2Data) -> [InvariantViolation] {
        var out: [InvariantViolation] = []
        for (slot, v) in d.smmuVmid.enumerated() where v != KC.INVALID && v >= KC.COREVISOR {
            out.append(.init(.slotVMID, "slot \(slot) (SMMU\(slot / 8) CB\(slot % 8)) has vmid \(v)"))
        }
        return out
    }

    /// One ownership record: owner range, count bounds, host gfn.
    static func checkPage(_ pfn: UInt64, _ p: S2Page) -> [InvariantViolation] {
        var out: [InvariantViolation] = []
        let page = "page \(hex(pfn << 12)) (pfn \(hex(pfn)))"
        switch p.owner {
        case KC.HOSTVISOR:
            if p.count > KC.EL2_SMMU_CFG_SIZE {
                out.append(.init(.shareCountOutOfBounds, "\(page) of the host has share count \(countName(p.count)) (bound \(KC.EL2_SMMU_CFG_SIZE))"))
            }
            if p.gfn != pfn &+ KC.SMMU_HOST_OFFSET {
                out.append(.init(.hostPageGFN, "\(page) of the host has gfn \(hex(p.gfn)), not pfn + 10^9"))
            }
        case 1..<KC.COREVISOR:
            if p.count > KC.EL2_SMMU_CFG_SIZE && p.count != KC.INVALID {
                out.append(.init(.shareCountOutOfBounds, "\(page) of VM \(p.owner) has share count \(p.count)"))
            }
        case KC.COREVISOR, KC.INVALID:
            break
        default:
            out.append(.init(.ownerOutOfRange, "\(page) has owner \(p.owner)"))
        }
        return out
    }

    static func ownerName(_ o: UInt32) -> String {
        o == KC.INVALID ? "no owner (not RAM)" : o == KC.HOSTVISOR ? "the host" : o == KC.COREVISOR ? "EL2 (COREVISOR)" : "VM \(o)"
    }

    /// Shadow tables: each live bank maps only its VM's pages at their gfn, or counted host pages.
    static func checkSPT(_ spt: AbstractSPT, _ d: EL2Data) -> [InvariantViolation] {
        var out: [InvariantViolation] = []
        var hostBankRefs: [UInt64: Int] = [:]
        for (ttbr, entries) in spt.pt.sorted(by: { $0.key < $1.key }) {
            guard ttbr >= KC.SMMU_POOL_START else { continue }
            let slot = Int(clamping: (ttbr - KC.SMMU_POOL_START) / 8192)
            guard slot < d.smmuVmid.count else { continue }
            let v = d.smmuVmid[slot]
            if v == KC.INVALID { continue }  // freed bank: KCore never walks it again (the device may: SMMUReachability)
            let bank = "SMMU\(slot / 8) CB\(slot % 8) (\(ownerName(v)))"
            for (gfn, e) in entries.sorted(by: { $0.key < $1.key }) {
                let pfn = KC.phys_page(e.pte) / 4096
                if pfn == 0 { continue }
                let p = d.s2page[pfn]
                let at = "page \(hex(pfn << 12)) at IOVA \(hex(gfn << 12))"
                if p.owner == KC.COREVISOR || p.owner == KC.INVALID {
                    out.append(.init(.el2PageInSPT, "\(bank) maps \(ownerName(p.owner))'s \(at)"))
                } else if p.owner == v {
                    if p.gfn != gfn && p.owner != KC.HOSTVISOR {
                        out.append(.init(.pageAtWrongIOVA, "\(bank) maps its \(at), whose gfn is \(hex(p.gfn))"))
                    }
                    if p.owner == KC.HOSTVISOR { hostBankRefs[pfn, default: 0] += 1 }
                } else if p.owner == KC.HOSTVISOR {
                    if p.count == 0 { out.append(.init(.uncountedHostPage, "\(bank) maps the host's \(at) with share count 0")) }
                } else {
                    out.append(.init(.foreignPageInSPT, "\(bank) maps \(ownerName(p.owner))'s \(at)"))
                }
            }
        }
        for (pfn, n) in hostBankRefs.sorted(by: { $0.key < $1.key }) where d.s2page[pfn].owner == KC.HOSTVISOR {
            let c = d.s2page[pfn].count
            if UInt64(c) < UInt64(min(n, Int(KC.EL2_SMMU_CFG_SIZE))) {
                out.append(.init(.uncountedHostPage, "host page \(hex(pfn << 12)) is mapped by \(n) host banks but its share count is \(c)"))
            }
        }
        return out
    }

    /// Locks: a call that did not panic released everything it took.
    static func checkLocks(_ d: EL2Data) -> [InvariantViolation] {
        guard !d.halt else { return [] }
        return d.locks.holder.sorted(by: { $0.key < $1.key }).map { id, cpu in
            .init(.lockHeldAfterCall, "lock \(LockID.name(id)) held by cpu\(cpu) and the machine has not panicked")
        }
    }

    /// The host-NPT invariants of one entry (IPA page `gfn` mapped to page `pfn`): identity, and
    /// only host pages, shared VM pages and devices. This is all `map_page_host` can break, so
    /// the machine checks just the entry it added after such a call (`Machine`'s invariant check).
    public static func checkHostNPTEntry(gfn: UInt64, pfn: UInt64, _ d: EL2Data) -> [InvariantViolation] {
        if pfn == 0 { return [] }  // empty or revoked (PAGE_GUEST)
        var out: [InvariantViolation] = []
        if pfn != gfn {
            out.append(.init(.hostNPTNotIdentity, "host NPT maps IPA \(hex(gfn << 12)) to page \(hex(pfn << 12))"))
        }
        let p = d.s2page[pfn]
        if p.owner == KC.COREVISOR {
            out.append(.init(.el2PageInHostNPT, "host NPT maps EL2 page \(hex(pfn << 12)) at IPA \(hex(gfn << 12))"))
        } else if p.owner >= 1 && p.owner < KC.COREVISOR && !(p.count >= 1 && p.count <= KC.EL2_SMMU_CFG_SIZE) {
            out.append(.init(.vmPageInHostNPT, "host NPT maps VM \(p.owner)'s page \(hex(pfn << 12)) at IPA \(hex(gfn << 12)) (count \(countName(p.count)))"))
        }
        return out
    }

    /// `check(after)` plus the two-state property: once halted, a call changes nothing.
    public static func check(before: SpecState, after: SpecState) -> [InvariantViolation] {
        var out = check(after)
        if before.data.halt {
            for diff in compareStates(before, after) {
                out.append(.init(.changedAfterPanic, "\(diff.field) changed after the panic: was \(diff.spec), now \(diff.impl)"))
            }
        }
        return out
    }
}

extension KCore {
    /// The state of the driving level in the spec's terms: the spec state itself with
    /// `--handlers spec`, else the abstraction of the real tables (what the invariants see).
    /// The host NPT's abstraction is kept from call to call (`implNPT`) once asked for, so
    /// this costs the shadow tables, not every host page mapped.
    public var abstractState: SpecState {
        if configuration.handlers == .spec { return spec }
        if implNPT == nil { _ = updateImplNPT(writes: []) }
        return SpecState(data: impl.data, spt: impl.abstractSPT(), npt: implNPT!.npt)
    }
}
