import Foundation
import KCore

/// What only this emulator knows, as text: gdb's `monitor` commands (also usable from Swift).
extension Debugger {
    /// Runs one monitor command and returns its output (ends with a newline). Read the state
    /// only while the machine is stopped.
    public func monitor(_ line: String) -> String {
        let words = line.split(separator: " ").map(String.init)
        guard let command = words.first else { return Debugger.monitorHelp }
        let args = words.dropFirst().map { Debugger.number($0) }
        switch (command, args.count) {
        case ("owner", 1):
            guard let pfn = args[0] else { break }
            return ownerText(pfn: pfn)
        case ("npt", 1):
            guard let ipa = args[0] else { break }
            return nptText(ipa: ipa)
        case ("smmu", 1), ("smmu", 3), ("smmu", 5):
            guard let n = args[0], n < machine.smmus.count else { break }
            if args.count == 1 { return smmuText(Int(n)) }
            guard words[2] == "cb", let cb = args[2], cb < machine.smmus[Int(n)].contextBankCount else { break }
            var iova: UInt64?
            if args.count == 5 {
                guard words[4] == "iova", let v = args[4] else { break }
                iova = v
            }
            return bankText(Int(n), Int(cb), iova: iova)
        case ("vm", 1):
            guard let vmid = args[0], vmid > 0, vmid < UInt64(machine.kcore.data.vminfos.count) else { break }
            return vmText(Int(vmid))
        case ("stats", 0):
            return machine.statistics() + "\n"
        case ("trace", 0):
            return traceText()
        case ("trace", 2):
            guard let kind = TraceKind(rawValue: words[1]), Debugger.runtimeTraceKinds.contains(kind),
                  words[2] == "on" || words[2] == "off" else { break }
            if words[2] == "on" { machine.configuration.trace.insert(kind) } else { machine.configuration.trace.remove(kind) }
            return traceText()
        case ("break-el2", 0):
            let names = el2BreakHandlers
            return "EL2 breaks: \(names.isEmpty ? "none" : names.joined(separator: ", "))\n"
        case ("break-el2", 1), ("break-el2", 2):
            let enabled = words.count == 2
            guard enabled || words[2] == "off" else { break }
            guard breakOnEL2(words[1], enabled: enabled) else {
                return "no EL2 handler \(words[1]); one of: \(Debugger.el2HandlerNames.joined(separator: " "))\n"
            }
            return enabled ? "stopping when EL2's \(words[1]) returns\n" : "no longer stopping at \(words[1])\n"
        default:
            break
        }
        return "unknown or malformed monitor command: \(line)\n" + Debugger.monitorHelp
    }

    static let monitorHelp = """
        monitor commands:
          npt IPA                 the host stage-2 (NPT) entry for IPA
          owner PFN               s2page owner, share count and gfn of a physical page
          smmu N [cb K [iova A]]  SMMU N's global state, or a context bank's registers, EL2's VMID
                                  and shadow-table root, and the shadow mapping of IOVA A
          vm VMID                 a VM's state, registered vCPUs and image loads
          stats                   what --stats prints at the end of a run
          trace [mmio|hvc|s2 on|off]  start or stop a --trace stream (lines go to the emulator's stderr)
          break-el2 [NAME [off]]  stop when EL2's NAME returns (emulate_mmio, map_page_host, hvc or a
                                  hypercall such as el2_alloc_smmu_pgd) and print what it decided

        """

    /// The trace streams checked at each trap, which a monitor command can switch while stopped.
    static let runtimeTraceKinds: [TraceKind] = [.mmio, .hvc, .s2]

    func traceText() -> String {
        let on = Debugger.runtimeTraceKinds.filter { machine.configuration.trace.contains($0) }.map(\.rawValue)
        return "trace: \(on.isEmpty ? "off" : on.joined(separator: ","))\n"
    }

    /// Decimal or 0x-prefixed hex.
    static func number(_ s: String) -> UInt64? {
        s.lowercased().hasPrefix("0x") ? UInt64(s.dropFirst(2), radix: 16) : UInt64(s)
    }

    func ownerText(pfn: UInt64) -> String {
        let p = machine.page(pfn: pfn)
        return "pfn \(hex(pfn)): owner \(MachineStateView.owner(p.owner)), count \(MachineStateView.count(p.count)), gfn \(hex(p.gfn))\n"
    }

    func nptText(ipa: UInt64) -> String {
        let kcore = machine.kcore
        let npt = kcore.drivingNPT
        let e = npt.entry(ipa / 4096)
        let what = "host NPT IPA \(hex(ipa))"
        guard e.pte & 1 == 1 else { return e.pte == 0 ? "\(what): unmapped\n" : "\(what): invalid entry \(hex(e.pte))\n" }
        let memory = (e.pte >> 2) & 0xF == 0xF ? "normal" : (e.pte >> 4) & 3 == 0 ? "device" : "normal-other"
        return "\(what): maps to \(hex(KC.phys_page(e.pte) | (ipa & 0xFFF))), level \(e.level), pte \(hex(e.pte)), perms \(MachineStateView.perms(e.pte)), memory \(memory)\n"
    }

    func smmuText(_ n: Int) -> String {
        let s = machine.smmus[n]
        var text = "\(s.name): sCR0 \(hex(s.scr0)), context banks \(s.contextBankCount)\n"
        for cb in 0..<s.contextBankCount {
            let vmid = machine.bankOwner(smmu: n, cb: cb) ?? KC.INVALID
            text += "  cb\(cb): SCTLR \(hex(s.contextBanks[cb].sctlr)) CBAR \(hex(s.cbar[cb])) TTBR0 \(hex(s.contextBanks[cb].ttbr0)) EL2 vmid \(vmid == KC.INVALID ? "none" : String(vmid))\n"
        }
        return text
    }

    func bankText(_ n: Int, _ cb: Int, iova: UInt64?) -> String {
        let s = machine.smmus[n], b = s.contextBanks[cb]
        let vmid = machine.bankOwner(smmu: n, cb: cb) ?? KC.INVALID
        let root = machine.shadowRoot(smmu: n, cb: cb) ?? 0
        var text = "\(s.name) cb\(cb): SCTLR \(hex(b.sctlr)) TCR \(hex(b.tcr)) TTBR0 \(hex(b.ttbr0)) TTBR1 \(hex(b.ttbr1)) CONTEXTIDR \(hex(b.contextidr)) MAIR0 \(hex(b.mair0)) FSR \(hex(b.fsr)) FAR \(hex(b.far))\n"
        text += "  CBAR \(hex(s.cbar[cb])) (VMID \(s.cbar[cb] & 0xFF)), EL2 vmid \(vmid == KC.INVALID ? "none" : String(vmid)), shadow root \(hex(root))\(b.ttbr0 == root ? " (TTBR0 points at it)" : "")\n"
        if let iova {
            let pte = machine.shadowEntry(smmu: n, cb: cb, iova: iova)
            text += "  IOVA \(hex(iova)): " + (pte == 0 ? "unmapped\n" : "maps to \(hex(KC.phys_page(pte) | (iova & 0xFFF))), pte \(hex(pte))\n")
        }
        return text
    }

    func vmText(_ vmid: Int) -> String {
        let v = machine.kcore.data.vminfos[vmid]
        var text = "vm \(vmid): state \(v.state), registered vCPUs \(v.registeredVCPUs), loads \(v.loads.count)\n"
        for (i, l) in v.loads.enumerated() {
            text += "  load \(i): address \(hex(l.loadAddress)) size \(hex(l.size)) remapped pages \(l.remappedPFNs.count)\n"
        }
        return text
    }

    private func hex(_ v: UInt64) -> String { MachineStateView.hex(v) }
}
