import KCore

/// One expectation on the machine's state after a run (`expect: state:` in a scenario). Read at
/// the level that drove the handlers: with `--handlers spec` the spec's abstract state, with
/// `impl` the real tables in RAM through KCore's abstraction function (`ImplState.abstractSPT`,
/// `abstractNPT`), so a query checks what the hardware would walk. Only the fields a query
/// names are compared.
public struct StateQuery: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// `s2page[pfn]`: owner (HOSTVISOR 0, a VM, COREVISOR 16, INVALID), share count, gfn.
        case page(pfn: UInt64, owner: UInt32?, count: UInt32?, gfn: UInt64?)
        /// The shadow table of bank `cb` of SMMU `smmu` at `iova`: the page plus the IOVA's
        /// offset (`mapsTo`), or no entry (`unmapped`), or the exact pte.
        case shadow(smmu: Int, cb: Int, iova: UInt64, mapsTo: UInt64?, unmapped: Bool, pte: UInt64?)
        /// Bank `cb` of SMMU `smmu`: its owner in EL2's SMMU config (`smmu_vmid`, INVALID =
        /// none), the VMID field of the device's CBAR, and whether the device's TTBR0 holds the
        /// shadow root EL2 built (`ttbr0: shadow-root`) or a given value.
        case bank(smmu: Int, cb: Int, vmid: UInt32?, cbarVMID: UInt64?, ttbr0: TTBR0?)
        /// The host NPT entry of `ipa`: where it maps (page + offset), or that it does not
        /// (invalid or absent), its S2AP permissions, memory kind, or the exact pte.
        case npt(ipa: UInt64, mapsTo: UInt64?, unmapped: Bool, perms: String?, memory: String?, pte: UInt64?)
        /// Whether the hypervisor halted (the spec's `halt`) and, if so, text of the reason.
        case panicked(Bool, reason: String?)
    }
    public enum TTBR0: Equatable, Sendable {
        case shadowRoot
        case value(UInt64)
    }
    public var kind: Kind
    /// Its line in the scenario file.
    public var line: Int
    public init(kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }
}

/// The state a query reads, through KCore's query API (at the driving level).
final class MachineStateView {
    let machine: Machine
    let reason: String
    let level: KCore.HandlerLevel

    init(machine: Machine, reason: String) {
        self.machine = machine
        self.reason = reason
        level = machine.kcore.configuration.handlers
    }

    static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
    static func owner(_ o: UInt32) -> String {
        o == KC.HOSTVISOR ? "host" : o == KC.COREVISOR ? "el2" : o == KC.INVALID ? "none" : "vm \(o)"
    }
    static func count(_ c: UInt32) -> String { c == KC.INVALID ? "invalid" : String(c) }

    /// nil when the query holds; otherwise what differs, with both values.
    func check(_ q: StateQuery) -> String? {
        let hex = MachineStateView.hex
        switch q.kind {
        case .page(let pfn, let owner, let count, let gfn):
            let p = machine.page(pfn: pfn)
            let what = "pfn \(hex(pfn))"
            if let owner, owner != p.owner {
                return "\(what): owner \(MachineStateView.owner(p.owner)), expected \(MachineStateView.owner(owner))"
            }
            if let count, count != p.count {
                return "\(what): count \(MachineStateView.count(p.count)), expected \(MachineStateView.count(count))"
            }
            if let gfn, gfn != p.gfn { return "\(what): gfn \(hex(p.gfn)), expected \(hex(gfn))" }
        case .shadow(let smmu, let cb, let iova, let mapsTo, let unmapped, let pte):
            let e = machine.shadowEntry(smmu: smmu, cb: cb, iova: iova)
            let what = "SMMU\(smmu) CB\(cb) IOVA \(hex(iova)) (\(level) level)"
            let actual = e == 0 ? "unmapped" : "maps to \(hex(KC.phys_page(e) | (iova & 0xFFF)))"
            if unmapped && e != 0 { return "\(what): \(actual) (pte \(hex(e))), expected unmapped" }
            if let mapsTo, e == 0 || KC.phys_page(e) | (iova & 0xFFF) != mapsTo {
                return "\(what): \(actual), expected maps to \(hex(mapsTo))"
            }
            if let pte, pte != e { return "\(what): pte \(hex(e)), expected \(hex(pte))" }
        case .bank(let smmu, let cb, let vmid, let cbarVMID, let ttbr0):
            let what = "SMMU\(smmu) CB\(cb)"
            if let vmid {
                let v = machine.bankOwner(smmu: smmu, cb: cb) ?? KC.INVALID
                if v != vmid {
                    return "\(what): EL2 config vmid \(v == KC.INVALID ? "none" : String(v)), expected \(vmid == KC.INVALID ? "none" : String(vmid))"
                }
            }
            let device = machine.smmus[smmu]
            let exists = cb < device.contextBankCount
            if let cbarVMID {
                let v = exists ? device.cbar[cb] & 0xFF : 0
                if !exists || v != cbarVMID {
                    return "\(what): CBAR.VMID \(exists ? String(v) : "(no such bank in the device)"), expected \(cbarVMID)"
                }
            }
            if let ttbr0 {
                let want: UInt64
                switch ttbr0 {
                case .shadowRoot: want = machine.shadowRoot(smmu: smmu, cb: cb) ?? 0
                case .value(let v): want = v
                }
                let v = exists ? device.contextBanks[cb].ttbr0 : 0
                if !exists || v != want {
                    let label = ttbr0 == .shadowRoot ? "the shadow root \(hex(want))" : hex(want)
                    return "\(what): TTBR0 \(exists ? hex(v) : "(no such bank in the device)"), expected \(label)"
                }
            }
        case .npt(let ipa, let mapsTo, let unmapped, let perms, let memory, let pte):
            let entry = machine.hostNPTEntry(ipa: ipa)
            let valid = entry & 1 == 1
            let what = "host NPT IPA \(hex(ipa)) (\(level) level)"
            let actual = valid ? "maps to \(hex(KC.phys_page(entry) | (ipa & 0xFFF)))" : (entry == 0 ? "unmapped" : "invalid entry \(hex(entry))")
            if unmapped && valid { return "\(what): \(actual) (pte \(hex(entry))), expected unmapped" }
            if let mapsTo, !valid || KC.phys_page(entry) | (ipa & 0xFFF) != mapsTo {
                return "\(what): \(actual), expected maps to \(hex(mapsTo))"
            }
            if let perms {
                let p = valid ? MachineStateView.perms(entry) : "none"
                if p != perms { return "\(what): perms \(p), expected \(perms)" }
            }
            if let memory {
                let m = !valid ? "none" : (entry >> 2) & 0xF == 0xF ? "normal" : (entry >> 4) & 3 == 0 ? "device" : "normal-other"
                if m != memory { return "\(what): memory \(m), expected \(memory)" }
            }
            if let pte, pte != entry { return "\(what): pte \(hex(entry)), expected \(hex(pte))" }
        case .panicked(let want, let text):
            let halted = machine.hypervisorPanicked
            if halted != want { return "panicked \(halted) (\(reason)), expected \(want)" }
            if let text, !reason.contains(text) { return "panic reason \(reason.debugDescription) lacks \(text.debugDescription)" }
        }
        return nil
    }

    /// S2AP (bits 7:6) as "none", "r", "w" or "rw".
    static func perms(_ pte: UInt64) -> String {
        switch (pte >> 6) & 3 {
        case 0: return "none"
        case 1: return "r"
        case 2: return "w"
        default: return "rw"
        }
    }
}
