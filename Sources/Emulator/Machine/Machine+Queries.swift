import KCore
import SMMUDevice

/// EL2's state as a scenario, the gdb stub's `monitor` commands and a Swift test ask about it,
/// at the level that drives the handlers (`MachineConfiguration.handlers`). Nothing here
/// changes the state; read it while the machine is stopped.
extension Machine {
    /// The `s2page` entry of physical page `pfn`: its owner (`KC.HOSTVISOR`, a VM, `KC.COREVISOR`,
    /// `KC.INVALID`), share count and gfn.
    public func page(pfn: UInt64) -> S2Page { kcore.page(pfn: pfn) }

    /// The host stage-2 (NPT) pte that maps `ipa`'s page; 0 when there is none.
    public func hostNPTEntry(ipa: UInt64) -> UInt64 { kcore.hostNPTEntry(gfn: ipa / 4096) }

    /// The physical address the host NPT maps `ipa` to; nil when no valid entry maps it.
    public func hostNPTTranslation(ipa: UInt64) -> UInt64? {
        let pte = hostNPTEntry(ipa: ipa)
        return pte & 1 == 1 ? KC.phys_page(pte) | (ipa & 0xFFF) : nil
    }

    /// The VM EL2's SMMU configuration gives bank `cb` of SMMU `smmu` (`KC.INVALID`: none);
    /// nil when there is no such bank.
    public func bankOwner(smmu: Int, cb: Int) -> UInt32? { kcore.bankOwner(smmu: smmu, cb: cb) }

    /// The root of the shadow table EL2 keeps for a bank (what it writes to the device's TTBR0);
    /// nil when there is no such bank.
    public func shadowRoot(smmu: Int, cb: Int) -> UInt64? { kcore.shadowRoot(smmu: smmu, cb: cb) }

    /// The shadow-table pte of a bank for `iova`; 0 when there is none.
    public func shadowEntry(smmu: Int, cb: Int, iova: UInt64) -> UInt64 { kcore.shadowEntry(smmu: smmu, cb: cb, iova: iova) }

    /// The physical address a bank's shadow table maps `iova` to; nil when unmapped.
    public func shadowTranslation(smmu: Int, cb: Int, iova: UInt64) -> UInt64? {
        let pte = shadowEntry(smmu: smmu, cb: cb, iova: iova)
        return pte == 0 ? nil : KC.phys_page(pte) | (iova & 0xFFF)
    }

    /// The device registers of bank `cb` of SMMU `smmu` (what the hardware holds, not EL2's
    /// view), with its CBAR; nil when there is no such bank.
    public func bankRegisters(smmu: Int, cb: Int) -> (bank: ContextBank, cbar: UInt64)? {
        guard smmus.indices.contains(smmu), cb >= 0, cb < smmus[smmu].contextBankCount else { return nil }
        return (smmus[smmu].contextBanks[cb], smmus[smmu].cbar[cb])
    }

    /// Whether EL2 has panicked (every later hypercall is refused).
    public var hypervisorPanicked: Bool { kcore.halted }
}
