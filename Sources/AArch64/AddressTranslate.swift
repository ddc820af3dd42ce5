import Stage2

/// AT S1E1R/S1E1W/S1E0R/S1E0W and the TLBI dispatch: the address-translation and TLB
/// maintenance forms of SYS (op0 = 1) at EL1.
extension CPU {
    /// SYS with CRn = 8 (TLBI) or CRn = 7, CRm = 8 (AT) at EL1. Only the EL1&0 forms exist at
    /// EL1 (op1 = 0); the EL2/EL3 ones and unallocated encodings are UNDEFINED.
    func translationMaintenance(op1: UInt32, crn: UInt32, crm: UInt32, op2: UInt32, rt: UInt32) -> Bool {
        guard op1 == 0 else { return undefined() }
        if crn == 8 {
            guard tlbInvalidate(crm: crm, op2: op2, operand: xr(rt)) else { return undefined() }
        } else {
            guard op2 < 4 else { return undefined() }
            guard addressTranslate(xr(rt), write: op2 & 1 == 1, el0: op2 >= 2) else { return false }
        }
        pc &+= 4
        return true
    }

    /// AT S1E{0,1}{R,W}: the stage-1 translation of `va` as a read or write at EL0 or EL1,
    /// reported in PAR_EL1 (ARM DDI 0487, C5.5 and PAR_EL1): F = 0 with the output address (the
    /// IPA: stage 1 only), ATTR (the MAIR_EL1 byte), SH and NS, or F = 1 with FST (the fault
    /// status code of the stage-1 fault). Bit 11 reads as one (RES1). A stage-2 fault on the
    /// walk is not reported in PAR_EL1: it is taken to EL2 (ISS.S1PTW = 1, CM = 1, WnR = 1).
    /// With SCTLR_EL1.M = 0 the output is the VA, Device-nGnRnE (ATTR 0x00), Outer Shareable.
    /// - Returns: false when the EL2 exit is pending.
    func addressTranslate(_ va: UInt64, write: Bool, el0: Bool) -> Bool {
        let perm = write ? CPU.permWrite : CPU.permRead
        let par: UInt64
        if !stage1Enabled {
            if va >> CPU.physicalAddressBits != 0 {
                par = CPU.parFault(TranslationFault(.addressSize, level: 0))
            } else {
                par = va & 0x0000_FFFF_FFFF_F000 | 1 << 11 | 1 << 9 | 2 << 7
            }
        } else {
            switch walkStage1(va, isFetch: false, forAT: true) {
            case .stage2Exit:
                return false
            case .fault(let f):
                par = CPU.parFault(f)
            case .success(let t):
                let need = perm << (el0 ? 3 : 0)
                if t.perm & need != need {
                    par = CPU.parFault(TranslationFault(.permission, level: t.level))
                } else {
                    // Device and Normal Non-cacheable memory are Outer Shareable whatever SH says.
                    let a = t.attributes
                    let nonCacheable = a & 0xF0 == 0 || a == 0x44
                    let sh: UInt64 = nonCacheable ? 2 : UInt64(t.shareability)
                    par = UInt64(a) << 56 | t.ipa & 0x0000_FFFF_FFFF_F000 | 1 << 11 | 1 << 9 | sh << 7
                }
            }
        }
        sysregs[SysReg.parEL1] = par
        return true
    }

    /// PAR_EL1 for a stage-1 fault: F = 1, FST, S = 0, PTW = 0, bit 11 RES1.
    static func parFault(_ f: TranslationFault) -> UInt64 {
        UInt64(f.faultStatusCode) << 1 | 1 << 11 | 1
    }
}

extension CPU {
    /// The physical address this CPU's EL1&0 view of `va` reaches at its current EL, for a
    /// debugger: stage 1 (when SCTLR_EL1.M = 1) then stage 2 (when HCR_EL2.VM = 1), walked
    /// from memory with no side effect (no fault, no TLB fill, no cycles). Nil where the access
    /// would fault. Permissions are not checked: a debugger may read what the guest may not.
    public func debugTranslate(va: UInt64) -> UInt64? {
        debugTranslate(va: va) { ipa in
            guard self.el2.hcr & 1 != 0 else { return ipa }
            guard let regime = Stage2Regime.fromVTCR(self.el2.vtcr, root: self.el2.vttbr & 0x0000_FFFF_FFFF_FFFE),
                case .success(let t) = Stage2Walker.walk(ipa, regime: regime, memory: self.ram).result
            else { return nil }
            return t.physicalAddress
        }
    }

    /// `debugTranslate(va:)` with the caller's stage 2 (`ipaToPA`), for descriptor reads and the
    /// output alike: the debugger's view of a host page map_page_host has not mapped yet.
    public func debugTranslate(va: UInt64, ipaToPA: (UInt64) -> UInt64?) -> UInt64? {
        guard stage1Enabled else { return ipaToPA(va) }
        return withoutActuallyEscaping(ipaToPA) { f in
            guard case .success(let t) = walkStage1(va, isFetch: false, debugStage2: f) else { return nil }
            return f(t.ipa)
        }
    }
}
