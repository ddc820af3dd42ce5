/// A64 "Branches, Exception Generating and System instructions" (ARM DDI 0487, C4.1.87).
extension CPU {
    func execBranchExceptionSystem(_ w: UInt32) -> Bool {
        cycles &+= costs.branch
        if w >> 26 & 0x1F == 0b00101 {  // B, BL
            let off = UInt64(bitPattern: Int64(Int32(bitPattern: w << 6) >> 4))
            if w >> 31 == 1 { regs[30] = pc &+ 4 }
            pc &+= off
            return true
        }
        if w >> 25 & 0x3F == 0b011010 {  // CBZ, CBNZ
            let sf = w >> 31 == 1
            var v = xr(w & 31)
            if !sf { v &= 0xFFFF_FFFF }
            let taken = (v == 0) != ((w >> 24) & 1 == 1)
            pc = taken ? pc &+ UInt64(bitPattern: Int64(Int32(bitPattern: (w >> 5 & 0x7FFFF) << 13) >> 11)) : pc &+ 4
            return true
        }
        if w >> 25 & 0x3F == 0b011011 {  // TBZ, TBNZ
            let bit = UInt64((w >> 31) << 5 | (w >> 19) & 31)
            let set = (xr(w & 31) >> bit) & 1 == 1
            let taken = set == ((w >> 24) & 1 == 1)
            pc = taken ? pc &+ UInt64(bitPattern: Int64(Int32(bitPattern: (w >> 5 & 0x3FFF) << 18) >> 16)) : pc &+ 4
            return true
        }
        if w >> 24 == 0b0101_0100 {  // B.cond
            if w & 0x10 != 0 { return undefined() }
            let taken = conditionHolds(w & 0xF)
            pc = taken ? pc &+ UInt64(bitPattern: Int64(Int32(bitPattern: (w >> 5 & 0x7FFFF) << 13) >> 11)) : pc &+ 4
            return true
        }
        if w >> 24 == 0b1101_0100 { return exceptionGeneration(w) }
        if w >> 22 == 0b11_0101_0100 { return system(w) }
        if w >> 25 == 0b110_1011 { return branchRegister(w) }
        return undefined()
    }

    /// BR, BLR, RET, ERET (the pointer-authentication forms are not implemented: UNDEFINED).
    func branchRegister(_ w: UInt32) -> Bool {
        let opc = (w >> 21) & 0xF, op2 = (w >> 16) & 31, op3 = (w >> 10) & 63, op4 = w & 31
        let rn = (w >> 5) & 31
        guard op2 == 31, op3 == 0 else { return undefined() }
        switch opc {
        case 0, 2:  // BR, RET
            guard op4 == 0 else { return undefined() }
            pc = xr(rn)
        case 1:  // BLR
            guard op4 == 0 else { return undefined() }
            let target = xr(rn)
            regs[30] = pc &+ 4
            pc = target
        case 4:  // ERET
            guard rn == 31, op4 == 0, currentEL == 1 else { return undefined() }
            let spsr = sysregs[SysReg.spsrEL1] ?? 0
            let target = sysregs[SysReg.elrEL1] ?? 0
            // An SPSR naming EL2/EL3 or AArch32 is an illegal return: stay at EL1 (PSTATE.IL in
            // the architecture; this model keeps EL1 and goes on at ELR).
            restorePSTATE(spsr & 0x10 != 0 || (spsr >> 2) & 3 > 1 ? (spsr & ~0x1F) | 0x5 : spsr)
            monitor.clear(cpu: index)
            pc = target
            cycles &+= costs.exceptionReturn
        default:
            return undefined()
        }
        return true
    }

    /// SVC, HVC, SMC, BRK, HLT, DCPS*.
    func exceptionGeneration(_ w: UInt32) -> Bool {
        let opc = (w >> 21) & 7, ll = w & 3, op2 = (w >> 2) & 7
        let imm16 = (w >> 5) & 0xFFFF
        guard op2 == 0 else { return undefined() }
        switch (opc, ll) {
        case (0, 1):  // SVC: preferred return is the next instruction
            takeExceptionToEL1(.svc64, iss: imm16, returnAddress: pc &+ 4)
            return false
        case (0, 2):  // HVC: to EL2 (the machine), ELR_EL2 = next instruction
            guard currentEL == 1 else { return undefined() }
            trapToEL2(.hvc64, iss: imm16, returnAddress: pc &+ 4)
            pc &+= 4
            instructionsRetired &+= 1
            pendingExit = .hypervisorCall(imm: UInt16(imm16))
            return false
        case (0, 3):  // SMC: trapped to EL2 when HCR_EL2.TSC, else UNDEFINED (no EL3 here)
            guard currentEL == 1, el2.hcr & (1 << 19) != 0 else { return undefined() }
            trapToEL2(.smc64, iss: imm16, returnAddress: pc)
            instructionsRetired &+= 1
            pendingExit = .secureMonitorCall(imm: UInt16(imm16))
            return false
        case (1, 0):  // BRK: preferred return is the BRK itself
            takeExceptionToEL1(.brk64, iss: imm16)
            return false
        default:
            return undefined()
        }
    }

    /// Hints, barriers, CLREX, MSR (immediate), MRS/MSR (register), SYS (cache/TLB maintenance).
    func system(_ w: UInt32) -> Bool {
        let l = (w >> 21) & 1, op0 = (w >> 19) & 3, op1 = (w >> 16) & 7
        let crn = (w >> 12) & 0xF, crm = (w >> 8) & 0xF, op2 = (w >> 5) & 7, rt = w & 31
        cycles &+= costs.system
        if op0 == 0 && l == 0 {
            if crn == 2 && rt == 31 && op1 == 3 {  // hints
                switch crm << 3 | op2 {
                case 2:  // WFE
                    pc &+= 4
                    instructionsRetired &+= 1
                    pendingExit = .waitForEvent
                    return false
                case 3:  // WFI
                    pc &+= 4
                    instructionsRetired &+= 1
                    pendingExit = .waitForInterrupt
                    return false
                default: break  // NOP, YIELD, SEV, SEVL and unallocated hints execute as NOP
                }
            } else if crn == 3 && op1 == 3 && rt == 31 {  // barriers, CLREX
                switch op2 {
                case 2: monitor.clear(cpu: index)  // CLREX
                case 4, 5, 6: cycles &+= costs.barrier  // DSB, DMB, ISB
                default: return undefined()
                }
            } else if crn == 4 && rt == 31 {  // MSR (immediate)
                // From EL0 only DAIFSet/DAIFClr, and only with SCTLR_EL1.UMA; SPSel is EL1-only.
                if currentEL == 0 && (op1 != 3 || (sysregs[SysReg.sctlrEL1] ?? 0) & (1 << 9) == 0) {
                    return undefined()
                }
                switch (op1, op2) {
                case (0, 5): spsel = UInt64(crm & 1)  // SPSel
                case (3, 6): daif |= UInt64(crm) << 6  // DAIFSet
                case (3, 7): daif &= ~(UInt64(crm) << 6)  // DAIFClr
                default: break  // other PSTATE fields (PAN, UAO, ...) not modelled: ignored
                }
            } else {
                return undefined()
            }
            pc &+= 4
            return true
        }
        if op0 == 1 {  // SYS/SYSL: DC/IC/AT/TLBI. Caches and stage-1 TLBs are not modelled.
            if l == 1 || currentEL == 0 { return undefined() }
            pc &+= 4
            return true
        }
        if op0 >= 2 {
            let key = (w >> 5) & 0xFFFF
            // EL0 may touch only NZCV, DAIF (with UMA), TPIDR_EL0/TPIDRRO_EL0 (read), counters.
            if currentEL == 0 && op1 != 3 { return undefined() }
            if l == 1 {
                guard let v = readSysReg(key) else { return undefined() }
                setXR(rt, v)
            } else {
                if key == SysReg.tpidrroEL0 && currentEL == 0 { return undefined() }
                guard writeSysReg(key, xr(rt)) else { return undefined() }
            }
            pc &+= 4
            return true
        }
        return undefined()
    }
}
