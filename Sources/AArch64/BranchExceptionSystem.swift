/// A64 "Branches, Exception Generating and System instructions" (ARM DDI 0487, C4.1.87) executed
/// out of line: exception generation, the system rows, ERET (the caller charges `branch`). Their
/// decoders (BranchExceptionSystemDecode.swift) decide what is UNDEFINED in the word; what depends
/// on the exception level or a system register is decided here.
extension CPU {
    /// ERET (BR, BLR and RET have their decoded forms).
    func exceptionReturn() -> Bool {
        guard currentEL == 1 else { return undefined() }
        let spsr = sysregs[SysReg.spsrEL1] ?? 0
        let target = sysregs[SysReg.elrEL1] ?? 0
        // An SPSR naming EL2/EL3 or AArch32 is an illegal return: stay at EL1 (PSTATE.IL in the
        // architecture; this model keeps EL1 and goes on at ELR).
        restorePSTATE(spsr & 0x10 != 0 || (spsr >> 2) & 3 > 1 ? (spsr & ~0x1F) | 0x5 : spsr)
        monitor.clear(cpu: index)
        pc = target
        cycles &+= costs.exceptionReturn
        return true
    }

    /// SVC, HVC, SMC, BRK.
    func exceptionGeneration(_ d: DecodedInstruction) -> Bool {
        let imm16 = UInt32(truncatingIfNeeded: d.imm)
        switch ExceptionGenerationOp(rawValue: d.aux) ?? .brk {
        case .svc:  // preferred return is the next instruction
            takeExceptionToEL1(.svc64, iss: imm16, returnAddress: pc &+ 4)
            return false
        case .hvc:  // to EL2 (the machine), ELR_EL2 = next instruction
            guard currentEL == 1 else { return undefined() }
            trapToEL2(.hvc64, iss: imm16, returnAddress: pc &+ 4)
            pc &+= 4
            instructionsRetired &+= 1
            pendingExit = .hypervisorCall(imm: UInt16(truncatingIfNeeded: imm16))
            return false
        case .smc:  // trapped to EL2 when HCR_EL2.TSC, else UNDEFINED (no EL3 here)
            guard currentEL == 1, el2.hcr & (1 << 19) != 0 else { return undefined() }
            trapToEL2(.smc64, iss: imm16, returnAddress: pc)
            instructionsRetired &+= 1
            pendingExit = .secureMonitorCall(imm: UInt16(truncatingIfNeeded: imm16))
            return false
        case .brk:  // preferred return is the BRK itself
            takeExceptionToEL1(.brk64, iss: imm16)
            return false
        }
    }

    /// WFE, WFI, CLREX, barriers, MSR (immediate), MRS/MSR (register), SYS (cache/TLB
    /// maintenance, AT).
    func system(_ d: DecodedInstruction) -> Bool {
        let key = UInt32(truncatingIfNeeded: d.imm), rt = UInt32(d.rd)
        cycles &+= costs.system
        let op = SystemOp(rawValue: d.aux) ?? .barrier
        switch op {
        case .wfe, .wfi:  // at EL0 trapped to EL1 unless SCTLR_EL1.nTWE (WFE) or nTWI (WFI)
            let wfe = op == .wfe
            if currentEL == 0 && sctlrBit(wfe ? 18 : 16) == 0 { return waitTrap(wfe: wfe) }
            pc &+= 4
            instructionsRetired &+= 1
            pendingExit = wfe ? .waitForEvent : .waitForInterrupt
            return false
        case .clrex: monitor.clear(cpu: index)
        case .barrier: cycles &+= costs.barrier  // DSB, DMB, ISB
        case .msrSPSel, .msrDAIFSet, .msrDAIFClr:
            // From EL0 only DAIFSet/DAIFClr, and only with SCTLR_EL1.UMA; SPSel is EL1-only.
            if currentEL == 0 && op == .msrSPSel { return undefined() }
            if currentEL == 0 && sctlrBit(9) == 0 { return systemAccessTrap(key, rt: rt, read: false) }
            switch op {
            case .msrSPSel: spsel = d.imm2 & 1
            case .msrDAIFSet: daif |= d.imm2 << 6
            default: daif &= ~(d.imm2 << 6)
            }
        case .sys:  // DC/IC/AT/TLBI. Caches are not modelled.
            let op1 = (key >> 11) & 7, crn = (key >> 7) & 0xF, crm = (key >> 3) & 0xF, op2 = key & 7
            let zva = op1 == 3 && crn == 7 && crm == 4 && op2 == 1
            if currentEL == 0 {
                // EL0 may use DC ZVA (SCTLR_EL1.DZE) and DC CVAC/CVAU/CVAP/CVADP/CIVAC, IC IVAU
                // (SCTLR_EL1.UCI); disabled they trap (EC 0x18), everything else is UNDEFINED.
                let byVA = op1 == 3 && crn == 7 && op2 == 1 && [5, 10, 11, 12, 13, 14].contains(crm)
                guard zva || byVA else { return undefined() }
                if sctlrBit(zva ? 14 : 26) == 0 { return systemAccessTrap(key, rt: rt, read: false) }
            }
            if crn == 8 || (crn == 7 && crm == 8) { return translationMaintenance(op1: op1, crn: crn, crm: crm, op2: op2, rt: rt) }
            if zva && !dataCacheZero(xr(rt)) { return false }
        case .mrs, .msr:
            let read = op == .mrs
            // EL0 may touch only NZCV, DAIF (with UMA), TPIDR_EL0/TPIDRRO_EL0 (read), counters.
            if currentEL == 0 && (key >> 11) & 7 != 3 { return undefined() }
            // MSR to the read-only MDCCSR_EL0 is UNDEFINED before any trap (writeSysReg refuses it).
            if currentEL == 0 && !el0MayAccess(key) && !(!read && key == SysReg.mdccsrEL0) {
                return systemAccessTrap(key, rt: rt, read: read)
            }
            if (key == SysReg.fpcr || key == SysReg.fpsr) && fpAccessTrapped() {
                takeExceptionToEL1(.fpAccess, iss: 0)
                return false
            }
            if read {
                guard let v = readSysReg(key) else { return undefined() }
                setXR(rt, v)
            } else {
                if key == SysReg.tpidrroEL0 && currentEL == 0 { return undefined() }
                guard writeSysReg(key, xr(rt)) else { return undefined() }
            }
        }
        pc &+= 4
        return true
    }

    /// SCTLR_EL1.DZE: EL0 may use DC ZVA (else it traps; DCZID_EL0.DZP reads 1 there).
    var dcZVAAllowedAtEL0: Bool { (sysregs[SysReg.sctlrEL1] ?? 0) & (1 << 14) != 0 }

    /// DC ZVA: zeroes the aligned 64-byte block holding `va` (DCZID_EL0.BS = 4), one write
    /// permission check for the block (it never crosses a page), ISV = 0 on a stage-2 abort.
    func dataCacheZero(_ va: UInt64) -> Bool {
        let block = va & ~63
        guard let pa = translateData(block, size: 64, write: true, aligned: true, syndrome: .none) else { return false }
        for i in 0..<8 {
            guard writePhysical(pa &+ UInt64(i * 8), size: 8, value: 0, va: block &+ UInt64(i * 8)) else { return false }
        }
        cycles &+= costs.store &* 8
        return true
    }

    @inline(__always) func sctlrBit(_ n: UInt64) -> UInt64 { ((sysregs[SysReg.sctlrEL1] ?? 0) >> n) & 1 }

    /// The EL0 accesses SCTLR_EL1 and CNTKCTL_EL1 control: DAIF (UMA), CTR_EL0 (UCT), the
    /// counters and CNTFRQ (EL0PCTEN/EL0VCTEN), the timers (EL0PTEN/EL0VTEN); MDSCR_EL1.TDCC
    /// the DCC status register MDCCSR_EL0.
    func el0MayAccess(_ key: UInt32) -> Bool {
        let kctl = sysregs[SysReg.cntkctlEL1] ?? 0
        switch key {
        case SysReg.daif: return sctlrBit(9) == 1
        case SysReg.ctrEL0: return sctlrBit(15) == 1
        case SysReg.cntfrqEL0: return kctl & 3 != 0
        case SysReg.cntpctEL0: return kctl & 1 != 0
        case SysReg.cntvctEL0: return kctl & 2 != 0
        case SysReg.cntpCtlEL0, SysReg.cntpCvalEL0, SysReg.cntpTvalEL0: return kctl & (1 << 9) != 0
        case SysReg.cntvCtlEL0, SysReg.cntvCvalEL0, SysReg.cntvTvalEL0: return kctl & (1 << 8) != 0
        case SysReg.mdccsrEL0: return (sysregs[SysReg.mdscrEL1] ?? 0) & (1 << 12) == 0  // MDSCR_EL1.TDCC
        default: return true
        }
    }

    /// A trapped MSR/MRS/MSR-immediate/SYS (EC 0x18): ISS = Op0, Op2, Op1, CRn, Rt, CRm,
    /// direction; `key` is op0:op1:CRn:CRm:op2.
    func systemAccessTrap(_ key: UInt32, rt: UInt32, read: Bool) -> Bool {
        let op0 = (key >> 14) & 3, op1 = (key >> 11) & 7, crn = (key >> 7) & 0xF, crm = (key >> 3) & 0xF, op2 = key & 7
        takeExceptionToEL1(.msrTrap, iss: op0 << 20 | op2 << 17 | op1 << 14 | crn << 10 | rt << 5 | crm << 1 | (read ? 1 : 0))
        return false
    }

    /// WFI/WFE trapped from EL0 (EC 0x01): CV = 1, COND = 0xE, TI = 0 (WFI) or 1 (WFE); ELR is
    /// the instruction itself.
    func waitTrap(wfe: Bool) -> Bool {
        takeExceptionToEL1(.wfxTrap, iss: 1 << 24 | 0xE << 20 | (wfe ? 1 : 0))
        return false
    }
}

/// The instructions of "Exception generation" this model executes, decoded into `aux`.
enum ExceptionGenerationOp: UInt8 { case svc, hvc, smc, brk }

/// The `.system` forms, decoded into `aux` (see `A64Decode.system(_:_:_:)` for their fields).
enum SystemOp: UInt8 {
    case wfe, wfi  // hints that leave the run loop
    case clrex, barrier  // CLREX; DSB, DMB, ISB
    case msrSPSel, msrDAIFSet, msrDAIFClr  // MSR (immediate)
    case sys  // DC, IC, AT, TLBI
    case mrs, msr  // MRS, MSR (register)
}
