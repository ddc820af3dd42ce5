/// MRS/MSR encodings (op0:op1:CRn:CRm:op2 = instruction bits 20:5) of the registers this CPU knows.
enum SysReg {
    @inline(__always) static func key(_ op0: UInt32, _ op1: UInt32, _ crn: UInt32, _ crm: UInt32, _ op2: UInt32) -> UInt32 {
        op0 << 14 | op1 << 11 | crn << 7 | crm << 3 | op2
    }
    static let midrEL1 = key(3, 0, 0, 0, 0), mpidrEL1 = key(3, 0, 0, 0, 5), revidrEL1 = key(3, 0, 0, 0, 6)
    static let idAA64PFR0 = key(3, 0, 0, 4, 0), idAA64PFR1 = key(3, 0, 0, 4, 1)
    static let idAA64DFR0 = key(3, 0, 0, 5, 0), idAA64DFR1 = key(3, 0, 0, 5, 1)
    static let idAA64ISAR0 = key(3, 0, 0, 6, 0), idAA64ISAR1 = key(3, 0, 0, 6, 1)
    static let idAA64MMFR0 = key(3, 0, 0, 7, 0), idAA64MMFR1 = key(3, 0, 0, 7, 1), idAA64MMFR2 = key(3, 0, 0, 7, 2)
    static let sctlrEL1 = key(3, 0, 1, 0, 0), actlrEL1 = key(3, 0, 1, 0, 1), cpacrEL1 = key(3, 0, 1, 0, 2)
    static let ttbr0EL1 = key(3, 0, 2, 0, 0), ttbr1EL1 = key(3, 0, 2, 0, 1), tcrEL1 = key(3, 0, 2, 0, 2)
    static let spsrEL1 = key(3, 0, 4, 0, 0), elrEL1 = key(3, 0, 4, 0, 1), spEL0 = key(3, 0, 4, 1, 0)
    static let spSel = key(3, 0, 4, 2, 0), currentEL = key(3, 0, 4, 2, 2)
    static let nzcv = key(3, 3, 4, 2, 0), daif = key(3, 3, 4, 2, 1)
    static let afsr0EL1 = key(3, 0, 5, 1, 0), afsr1EL1 = key(3, 0, 5, 1, 1), esrEL1 = key(3, 0, 5, 2, 0)
    static let farEL1 = key(3, 0, 6, 0, 0), parEL1 = key(3, 0, 7, 4, 0)
    static let mairEL1 = key(3, 0, 10, 2, 0), amairEL1 = key(3, 0, 10, 3, 0)
    static let vbarEL1 = key(3, 0, 12, 0, 0), contextidrEL1 = key(3, 0, 13, 0, 1), tpidrEL1 = key(3, 0, 13, 0, 4)
    static let cntkctlEL1 = key(3, 0, 14, 1, 0)
    static let ctrEL0 = key(3, 3, 0, 0, 1), dczidEL0 = key(3, 3, 0, 0, 7)
    static let tpidrEL0 = key(3, 3, 13, 0, 2), tpidrroEL0 = key(3, 3, 13, 0, 3)
    static let cntfrqEL0 = key(3, 3, 14, 0, 0), cntpctEL0 = key(3, 3, 14, 0, 1), cntvctEL0 = key(3, 3, 14, 0, 2)
    static let cntpCtlEL0 = key(3, 3, 14, 2, 1), cntpCvalEL0 = key(3, 3, 14, 2, 2)
    static let cntvCtlEL0 = key(3, 3, 14, 3, 1), cntvCvalEL0 = key(3, 3, 14, 3, 2)
    static let mdscrEL1 = key(2, 0, 0, 2, 2), oslarEL1 = key(2, 0, 1, 0, 4), osdlrEL1 = key(2, 0, 1, 3, 4)
    static let oslsrEL1 = key(2, 0, 1, 1, 4)
    static let ccsidrEL1 = key(3, 1, 0, 0, 0), clidrEL1 = key(3, 1, 0, 0, 1), aidrEL1 = key(3, 1, 0, 0, 7)
    static let csselrEL1 = key(3, 2, 0, 0, 0), isrEL1 = key(3, 0, 12, 1, 0)
    static let cntpTvalEL0 = key(3, 3, 14, 2, 0), cntvTvalEL0 = key(3, 3, 14, 3, 0)

    // Self-hosted debug (ARMv8.0 Debug, ID_AA64DFR0_EL1.DebugVer = 0b0110). Storage only:
    // breakpoints, watchpoints, the DCC and MDSCR_EL1.MDE/KDE/SS never generate debug events.
    static let breakpointCount: UInt32 = 6, watchpointCount: UInt32 = 4, contextBreakpointCount: UInt32 = 2
    static let claimTagMask: UInt64 = 0xFF  // eight claim tags
    @inline(__always) static func dbgbvr(_ n: UInt32) -> UInt32 { key(2, 0, 0, n, 4) }
    @inline(__always) static func dbgbcr(_ n: UInt32) -> UInt32 { key(2, 0, 0, n, 5) }
    @inline(__always) static func dbgwvr(_ n: UInt32) -> UInt32 { key(2, 0, 0, n, 6) }
    @inline(__always) static func dbgwcr(_ n: UInt32) -> UInt32 { key(2, 0, 0, n, 7) }
    static let osdtrrxEL1 = key(2, 0, 0, 0, 2), mdccintEL1 = key(2, 0, 0, 2, 0), osdtrtxEL1 = key(2, 0, 0, 3, 2)
    static let oseccrEL1 = key(2, 0, 0, 6, 2), mdrarEL1 = key(2, 0, 1, 0, 0), dbgprcrEL1 = key(2, 0, 1, 4, 4)
    static let dbgclaimsetEL1 = key(2, 0, 7, 8, 6), dbgclaimclrEL1 = key(2, 0, 7, 9, 6)
    static let dbgauthstatusEL1 = key(2, 0, 7, 14, 6), mdccsrEL0 = key(2, 3, 0, 1, 0)

    /// ID_AA64DFR0_EL1: DebugVer 0b0110 (ARMv8.0 debug), TraceVer 0 (no trace unit), PMUVer 0
    /// (no Performance Monitors: the PMU registers are UNDEFINED), BRPs 5 (6 breakpoints),
    /// WRPs 3 (4 watchpoints), CTX_CMPs 1 (2 context-aware: breakpoints 4 and 5), PMSVer 0,
    /// DoubleLock 0 (OS Double Lock implemented, as in ARMv8.0: OSDLR_EL1), the rest 0.
    static let idAA64DFR0Value: UInt64 = 0x1 << 28 | 0x3 << 20 | 0x5 << 12 | 0x6

    /// The read/write debug registers and the bits of each that are not RES0 (DDI 0487):
    /// DBGBVR/DBGWVR: bits 1:0 RES0 in every format (VA[48:2] and the RESS sign bits 63:49, or
    /// a context ID in 31:0, are stored as written). DBGBCR: E 0, PMC 2:1, BAS 8:5, HMC 13,
    /// SSC 15:14, LBN 19:16, BT 23:20. DBGWCR: E 0, PAC 2:1, LSC 4:3, BAS 12:5, HMC 13,
    /// SSC 15:14, LBN 19:16, WT 20, MASK 28:24. MDCCINT_EL1: TX 29, RX 30. OSDTRRX/OSDTRTX_EL1:
    /// the 32-bit DTR. OSECCR_EL1: EDECCR's ARMv8.0 fields (SE 3:0, NSE 7:4).
    /// DBGPRCR_EL1: CORENPDRQ 0.
    static let debugStorage: [UInt32: UInt64] = {
        var d: [UInt32: UInt64] = [
            mdccintEL1: 0x6000_0000, osdtrrxEL1: 0xFFFF_FFFF, osdtrtxEL1: 0xFFFF_FFFF, oseccrEL1: 0xFF, dbgprcrEL1: 0x1,
        ]
        for n in 0..<breakpointCount { d[dbgbvr(n)] = ~UInt64(3); d[dbgbcr(n)] = 0x00FF_E1E7 }
        for n in 0..<watchpointCount { d[dbgwvr(n)] = ~UInt64(3); d[dbgwcr(n)] = 0x1F1F_FFFF }
        return d
    }()

    /// Plain read/write registers: stored, no side effects in this model.
    static let storage: Set<UInt32> = [
        sctlrEL1, actlrEL1, cpacrEL1, ttbr0EL1, ttbr1EL1, tcrEL1, spsrEL1, elrEL1, afsr0EL1, afsr1EL1, esrEL1,
        farEL1, parEL1, mairEL1, amairEL1, vbarEL1, contextidrEL1, tpidrEL1, cntkctlEL1, tpidrEL0, tpidrroEL0,
        cntpCvalEL0, cntvCvalEL0, mdscrEL1, oslarEL1, osdlrEL1, csselrEL1,
    ]

    /// Names for `CPU.readSystemRegister`.
    static let names: [String: UInt32] = [
        "SCTLR_EL1": sctlrEL1, "TTBR0_EL1": ttbr0EL1, "TTBR1_EL1": ttbr1EL1, "CPACR_EL1": cpacrEL1, "VBAR_EL1": vbarEL1, "ESR_EL1": esrEL1, "ELR_EL1": elrEL1,
        "SPSR_EL1": spsrEL1, "FAR_EL1": farEL1, "TPIDR_EL1": tpidrEL1, "TPIDR_EL0": tpidrEL0, "MPIDR_EL1": mpidrEL1,
        "MIDR_EL1": midrEL1, "CurrentEL": currentEL, "DAIF": daif, "NZCV": nzcv, "SPSel": spSel, "SP_EL0": spEL0,
        "CNTFRQ_EL0": cntfrqEL0, "CNTVCT_EL0": cntvctEL0, "TCR_EL1": tcrEL1, "MAIR_EL1": mairEL1,
    ]
}

extension CPU {
    /// The generic counter runs at CNTFRQ_EL0 = 62.5 MHz (as on QEMU's virt machine); it is derived
    /// from this CPU's cycle counter at an assumed 1 GHz core clock: CNTVCT = cycles / 16.
    static let counterFrequency: UInt64 = 62_500_000
    static let cyclesPerCounterTick: UInt64 = 16

    /// MRS: nil means the register is not implemented (UNDEFINED).
    func readSysReg(_ key: UInt32) -> UInt64? {
        switch key {
        case SysReg.midrEL1: return 0x410F_D034  // Cortex-A53 r0p4 style ID
        case SysReg.mpidrEL1: return 0x8000_0000 | UInt64(index)
        case SysReg.revidrEL1: return 0
        // EL0/EL1 AArch64 only; FP (19:16) and AdvSIMD (23:20) = 0: implemented, without
        // half-precision arithmetic (FEAT_FP16). ISAR0/ISAR1 advertise no cryptography, dot
        // product, FHM, RDM, FCMA, JSCVT or FRINTTS: those encodings are UNDEFINED.
        case SysReg.idAA64PFR0: return 0x0000_0000_0000_0011
        case SysReg.idAA64ISAR0: return 0x0000_0000_0021_0000  // CRC32 (bits 19:16 = 1), atomics LSE (23:20 = 2)
        case SysReg.idAA64DFR0: return SysReg.idAA64DFR0Value
        // ID_AA64DFR1_EL1: no ARMv8.0 field; all zero.
        case SysReg.idAA64PFR1, SysReg.idAA64DFR1, SysReg.idAA64ISAR1, SysReg.idAA64MMFR1,
            SysReg.idAA64MMFR2:
            return 0
        // PARange 0b0101 (48 bits), ASIDBits 0b0010 (16), BigEnd/SNSMem/BigEndEL0 0, TGran16 0b0000
        // (16 KiB not implemented), TGran64 0b1111 (not implemented), TGran4 0b0000 (implemented).
        // ID_AA64MMFR1_EL1 = 0: no hardware Access flag or dirty state update (HAFDBS), 8-bit
        // VMIDs, no VHE, HPDS, LOR, PAN; ID_AA64MMFR2_EL1 = 0: no UAO, CnP, TTCNP, 52-bit VAs.
        case SysReg.idAA64MMFR0: return 0x0000_0000_0F00_0025
        case SysReg.currentEL: return UInt64(currentEL) << 2
        case SysReg.fpcr: return UInt64(simd.fpcr)
        case SysReg.fpsr: return UInt64(simd.fpsr)
        case SysReg.nzcv: return nzcv
        case SysReg.daif: return daif
        case SysReg.spSel: return spsel
        case SysReg.spEL0: return spEL0
        case SysReg.ctrEL0: return 0x8444_C004
        // BS = 4 (64-byte blocks); DZP = 1 only where DC ZVA would trap (EL0 without SCTLR_EL1.DZE).
        case SysReg.dczidEL0: return 0x4 | (currentEL == 0 && !dcZVAAllowedAtEL0 ? 0x10 : 0)
        case SysReg.cntfrqEL0: return CPU.counterFrequency
        case SysReg.cntvctEL0, SysReg.cntpctEL0: return cycles / CPU.cyclesPerCounterTick
        // No caches described (CLIDR_EL1 0: nothing to maintain to PoU/PoC), so the selected
        // cache's CCSIDR_EL1 is 0; no IMPLEMENTATION DEFINED AIDR bits; no interrupt pending.
        case SysReg.clidrEL1, SysReg.ccsidrEL1, SysReg.aidrEL1: return 0
        // ISR_EL1: I (bit 7) and F (bit 6) while the GIC asserts IRQ or FIQ, masked or not.
        case SysReg.isrEL1: return UInt64(interruptLines & 3) << 6
        case SysReg.cntpCtlEL0: return timerControl(SysReg.cntpCtlEL0, SysReg.cntpCvalEL0)
        case SysReg.cntvCtlEL0: return timerControl(SysReg.cntvCtlEL0, SysReg.cntvCvalEL0)
        // TVAL = CVAL - count, as a signed 32-bit value.
        case SysReg.cntpTvalEL0, SysReg.cntvTvalEL0:
            let cval = sysregs[key == SysReg.cntpTvalEL0 ? SysReg.cntpCvalEL0 : SysReg.cntvCvalEL0] ?? 0
            return UInt64(UInt32(truncatingIfNeeded: cval &- cycles / CPU.cyclesPerCounterTick))
        // OSLM = 0b10 (OS lock implemented), OSLK = the last OSLAR_EL1.OSLK written.
        case SysReg.oslsrEL1: return 0x8 | ((sysregs[SysReg.oslarEL1] ?? 0) & 1) << 1
        // MDRAR_EL1: ROMADDRV 0b00, no memory-mapped debug ROM table (no external debug).
        case SysReg.mdrarEL1: return 0
        // DBGCLAIMSET_EL1 reads as one for each implemented claim tag (RAO); DBGCLAIMCLR_EL1
        // reads the current tags.
        case SysReg.dbgclaimsetEL1: return SysReg.claimTagMask
        case SysReg.dbgclaimclrEL1: return sysregs[SysReg.dbgclaimclrEL1] ?? 0
        // DBGAUTHSTATUS_EL1: Secure state not implemented (SID = SNID = 0b00, no EL3); Non-secure
        // invasive and non-invasive debug implemented and enabled (NSID = NSNID = 0b11).
        case SysReg.dbgauthstatusEL1: return 0x0F
        // MDCCSR_EL0: TXfull = RXfull = 0 (no external debugger drains or fills the DCC).
        case SysReg.mdccsrEL0: return 0
        default:
            if SysReg.storage.contains(key) || SysReg.debugStorage[key] != nil { return sysregs[key] ?? 0 }
            // The rest of the ID register space (op0 3, op1 0, CRn 0, CRm 1–7: the AArch32 ID
            // registers of a CPU without AArch32, and reserved encodings) reads as zero.
            if key >> 7 == 0x180 && (1...7).contains((key >> 3) & 0xF) { return 0 }
            return nil
        }
    }

    /// MSR: false means the register is not writable here (UNDEFINED).
    func writeSysReg(_ key: UInt32, _ value: UInt64) -> Bool {
        switch key {
        case SysReg.nzcv: nzcv = value & 0xF000_0000
        case SysReg.fpcr: simd.setFPCR(value)
        case SysReg.fpsr: simd.setFPSR(value)
        case SysReg.daif: daif = value & 0x3C0
        case SysReg.spSel:
            spsel = value & 1
        case SysReg.spEL0:
            if currentEL == 0 || spsel == 0 { return false }  // SP_EL0 access while it is the SP: UNDEFINED
            spEL0 = value
        case SysReg.cntpTvalEL0, SysReg.cntvTvalEL0:  // CVAL = count + SignExtend(TVAL[31:0])
            let count = cycles / CPU.cyclesPerCounterTick
            sysregs[key == SysReg.cntpTvalEL0 ? SysReg.cntpCvalEL0 : SysReg.cntvCvalEL0] =
                count &+ UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: value)))
            timerWritten()
        case SysReg.cntpCtlEL0, SysReg.cntvCtlEL0:  // ENABLE and IMASK; ISTATUS is read-only
            sysregs[key] = value & (TimerControl.enable | TimerControl.imask)
            timerWritten()
        case SysReg.cntpCvalEL0, SysReg.cntvCvalEL0:
            sysregs[key] = value
            timerWritten()
        // Claim tags: writing ones sets (SET) or clears (CLR) those tags; zeros and bits 63:8 do nothing.
        case SysReg.dbgclaimsetEL1: sysregs[SysReg.dbgclaimclrEL1, default: 0] |= value & SysReg.claimTagMask
        case SysReg.dbgclaimclrEL1: sysregs[SysReg.dbgclaimclrEL1, default: 0] &= ~(value & SysReg.claimTagMask)
        default:
            if let writable = SysReg.debugStorage[key] {
                sysregs[key] = value & writable
                return true
            }
            guard SysReg.storage.contains(key) else { return false }
            sysregs[key] = value
            translationRegisterWritten(key)
        }
        return true
    }

    /// Writes a system register by its ARM name, as an MSR at EL1 would (a write to SCTLR_EL1,
    /// TCR_EL1, a TTBR or MAIR_EL1 re-reads the translation regime): for tests, fuzzers and
    /// library users setting a CPU up before it runs. False: no such register, or not writable.
    public func writeSystemRegister(_ name: String, _ value: UInt64) -> Bool {
        guard let key = SysReg.names[name] else { return false }
        return writeSysReg(key, value)
    }

    /// Reads a system register by its ARM name ("SCTLR_EL1", "ESR_EL1", ...), for tests and traces.
    public func readSystemRegister(_ name: String) -> UInt64? {
        switch name {
        case "ESR_EL2": return el2.esr
        case "FAR_EL2": return el2.far
        case "HPFAR_EL2": return el2.hpfar
        case "ELR_EL2": return el2.elr
        case "SPSR_EL2": return el2.spsr
        default:
            guard let key = SysReg.names[name] else { return nil }
            return readSysReg(key)
        }
    }
}
