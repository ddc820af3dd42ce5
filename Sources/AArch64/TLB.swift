/// One translation cached by the CPU's TLB: a VA page of the EL1&0 regime and where it ends up
/// after stage 1 and stage 2, with the permissions both stages grant at EL1 and at EL0.
///
/// The hot path compares `tag` (VA >> 12, every bit, so a tagged or non-canonical address
/// never hits an entry filled for another), the permission bits for the access and the EL, and
/// the ASID unless the translation is global: three compares, the cost of the stage-2-only TLB
/// it replaces plus one.
struct TLBEntry {
    /// VA >> 12, or .max when empty.
    var tag: UInt64 = .max
    /// Physical address of the page.
    var pa: UInt64 = 0
    /// IPA >> 12 (the stage-1 output): a stage-2 invalidation by IPA drops the entries it fed.
    var ipaPage: UInt64 = .max
    /// The ASID of a non-global (nG = 1) translation.
    var asid: UInt16 = 0
    /// EL1 read/write/execute in bits 0–2, EL0 in bits 3–5 (`CPU.permRead` … shifted by
    /// `tlbPermShift`), `device` and `global`.
    var perm: UInt8 = 0
    /// Level of the stage-1 leaf: a TLBI by VA drops every page of a block.
    var level: UInt8 = 3

    /// MAIR_EL1 says Device for this page (unaligned accesses fault).
    static let device: UInt8 = 0x40
    /// nG = 0 (or stage 1 off): the entry matches every ASID.
    static let global: UInt8 = 0x80
    /// Read, write and execute at both ELs.
    static let allAccess: UInt8 = 0x3F
}

extension CPU {
    /// Drops every combined translation of this CPU.
    func invalidateTLB() {
        fetchPage = .max
        for i in 0..<CPU.tlbSize { tlb[i].tag = .max }
    }

    /// Re-reads the registers that select the translation regime (SCTLR_EL1, TCR_EL1, the
    /// TTBRs, MAIR_EL1, HCR_EL2) after one of them was written. Only the ASID may change
    /// without dropping the TLB: its entries are tagged with the ASID they were filled under.
    func updateTranslationRegime() {
        let sctlr = sysregs[SysReg.sctlrEL1] ?? 0
        stage1Enabled = sctlr & 1 != 0
        flatTranslation = !stage1Enabled && el2.hcr & 1 == 0
        // SCTLR_EL1.M = 0 makes every data access Device-nGnRnE: no unaligned access at all.
        strictAlignment = !stage1Enabled || sctlr & 2 != 0
        let tcr = sysregs[SysReg.tcrEL1] ?? 0
        let ttbr = sysregs[tcr & (1 << 22) != 0 ? SysReg.ttbr1EL1 : SysReg.ttbr0EL1] ?? 0
        asid = UInt16(truncatingIfNeeded: ttbr >> 48) & (tcr & (1 << 36) != 0 ? 0xFFFF : 0xFF)
        fetchPage = .max
    }

    /// A write to a register that feeds cached translations (see `writeSysReg`).
    func translationRegisterWritten(_ key: UInt32) {
        switch key {
        case SysReg.ttbr0EL1, SysReg.ttbr1EL1:
            // A new ASID needs nothing dropped; a new table base under the same ASID leaves the
            // old translations cached until a TLBI, as on hardware.
            updateTranslationRegime()
        case SysReg.sctlrEL1, SysReg.tcrEL1, SysReg.mairEL1:
            updateTranslationRegime()
            invalidateTLB()
        default:
            break
        }
    }

    /// TLBI (op0 = 1, op1 = 0, CRn = 8) at EL1: the EL1&0 forms of ARMv8.0 (ARM DDI 0487, C5.5),
    /// CRm = 7 this CPU only, CRm = 3 the Inner Shareable domain. Returns false for the
    /// encodings that do not exist here (the ARMv8.4 outer-shareable and range forms:
    /// ID_AA64ISAR0_EL1.TLB = 0), which are UNDEFINED.
    func tlbInvalidate(crm: UInt32, op2: UInt32, operand: UInt64) -> Bool {
        guard crm == 3 || crm == 7 else { return false }
        // The ASID of the operand: bits 63:48, of which only 55:48 with 8-bit ASIDs (TCR.AS = 0).
        let invalidate: (CPU) -> Void
        switch op2 {
        case 0:  // VMALLE1(IS)
            invalidate = { $0.invalidateTLB() }
        case 1, 5:  // VAE1(IS), VALE1(IS): no walk caches here, so "last level" drops the same
            invalidate = { $0.invalidateTLB(vaOperand: operand, asid: $0.operandASID(operand)) }
        case 2:  // ASIDE1(IS)
            invalidate = { $0.invalidateTLB(asid: $0.operandASID(operand)) }
        case 3, 7:  // VAAE1(IS), VAALE1(IS)
            invalidate = { $0.invalidateTLB(vaOperand: operand, asid: nil) }
        default:
            return false
        }
        // Without building a list of the targets: a kernel issues these on every unmap.
        if crm == 3 { monitor.forEachShareable(invalidate) } else { invalidate(self) }
        return true
    }

    func operandASID(_ operand: UInt64) -> UInt16 {
        let tcr = sysregs[SysReg.tcrEL1] ?? 0
        return UInt16(truncatingIfNeeded: operand >> 48) & (tcr & (1 << 36) != 0 ? 0xFFFF : 0xFF)
    }

    /// Drops the non-global translations of `asid`.
    func invalidateTLB(asid: UInt16) {
        fetchPage = .max
        for i in 0..<CPU.tlbSize where tlb[i].perm & TLBEntry.global == 0 && tlb[i].asid == asid { tlb[i].tag = .max }
    }

    /// Drops the translations of the VA in a TLBI operand (bits 43:0 = VA[55:12]): those of
    /// `asid` and the global ones, or of every ASID when `asid` is nil. An entry filled from a
    /// block matches any VA in that block.
    func invalidateTLB(vaOperand: UInt64, asid: UInt16?) {
        fetchPage = .max
        let vpage = vaOperand & 0xFFF_FFFF_FFFF
        for i in 0..<CPU.tlbSize where tlb[i].tag != .max {
            let e = tlb[i]
            let shift = UInt64(9 &* (3 &- Int(min(e.level, 3))))
            guard (e.tag & 0xFFF_FFFF_FFFF) >> shift == vpage >> shift else { continue }
            if let asid, e.perm & TLBEntry.global == 0 && e.asid != asid { continue }
            tlb[i].tag = .max
        }
    }
}
