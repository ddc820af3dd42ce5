import Stage2

/// Faults of the stage-1 walk share the stage-2 encoding (DFSC/IFSC: kind and level).
typealias TranslationFault = Stage2Fault

/// A successful stage-1 translation of the EL1&0 regime.
struct Stage1Translation {
    /// The output address (IPA) of the translated VA, offset included.
    var ipa: UInt64
    /// Permissions at EL1 and EL0, `device` and `global`, as `TLBEntry.perm` holds them.
    var perm: UInt8
    /// Level of the leaf descriptor (1 or 2: block, 3: page).
    var level: Int
    /// The MAIR_EL1 attribute byte selected by AttrIndx.
    var attributes: UInt8
    /// SH[1:0] of the leaf.
    var shareability: UInt8
}

enum Stage1WalkResult {
    case success(Stage1Translation)
    /// A stage-1 fault, taken to EL1 (or reported in PAR_EL1 by AT) by the caller.
    case fault(TranslationFault)
    /// A descriptor read took a stage-2 fault: the exit to EL2 is prepared (`pendingExit`).
    case stage2Exit
}

/// The EL1&0 stage-1 table walk, 4 KiB granule (ARM DDI 0487, D5.2–D5.5; the pseudocode of
/// AArch64.TranslationTableWalk and AArch64.CheckPermission).
///
/// - Input: 64 − TnSZ bits, TnSZ clamped to 16–39 (the architecture's CONSTRAINED
///   UNPREDICTABLE choice QEMU also makes); the start level (0–2) follows from it. VA bit 55
///   with TBIn, else bit 63, selects TTBR0/TTBR1, and every bit from there down to the input
///   size must equal it (else a level-0 translation fault, as for TCR.EPDn = 1).
/// - TG0/TG1 name only the 4 KiB granule here (ID_AA64MMFR0_EL1 says 16 and 64 KiB are not
///   implemented, so any other value is treated as 4 KiB, an allowed choice).
/// - Output size from TCR.IPS, at most PARange (48 bits): a table, block or page address
///   beyond it is an address-size fault at that level, a TTBR beyond it one at level 0.
/// - Each descriptor address is an IPA, translated by stage 2 when HCR_EL2.VM is set: a fault
///   there goes to EL2 with ISS.S1PTW = 1. A descriptor that is not RAM is a synchronous
///   external abort on the walk (FSC 0b0101LL).
/// - No hardware Access-flag or dirty-state update (ID_AA64MMFR1_EL1.HAFDBS = 0): AF = 0 is an
///   Access flag fault, which has priority over permission faults.
/// The loop is bounded by the four levels, whatever the tables hold.
extension CPU {
    ///
    /// `debugStage2`, for a debugger: maps each descriptor's IPA instead of the CPU's stage 2,
    /// and the walk has no side effect at all (no cycles, no TLB fill, no exit).
    func walkStage1(_ va: UInt64, isFetch: Bool, forAT: Bool = false, debugStage2: ((UInt64) -> UInt64?)? = nil) -> Stage1WalkResult {
        let tcr = sysregs[SysReg.tcrEL1] ?? 0
        let tbi = (tcr >> (va >> 55 & 1 == 1 ? 38 : 37)) & 1 == 1
        let top: UInt64 = tbi ? 55 : 63
        let upper = (va >> top) & 1 == 1
        let txsz = Int((tcr >> (upper ? 16 : 0)) & 0x3F)
        let inputBits = 64 - min(max(txsz, 16), 39)
        // Bits top..inputBits must all equal the region's select bit.
        let regionMask = (UInt64.max >> (63 - top)) & ~((1 << UInt64(inputBits)) &- 1)
        let epd = (tcr >> (upper ? 23 : 7)) & 1 == 1
        if va & regionMask != (upper ? regionMask : 0) || epd {
            return .fault(TranslationFault(.translation, level: 0))
        }
        let outputBits = [32, 36, 40, 42, 44, 48, 48, 48][Int((tcr >> 32) & 7)]
        let outOfRange: UInt64 = 0x0000_FFFF_FFFF_FFFF & ~((1 << UInt64(outputBits)) &- 1)
        let startLevel = 4 - (inputBits - 12 + 8) / 9
        let ttbr = sysregs[upper ? SysReg.ttbr1EL1 : SysReg.ttbr0EL1] ?? 0
        // The start-level table may be smaller than a page, and aligned to its size only.
        let baseLow = 3 + inputBits - ((3 - startLevel) * 9 + 12)
        var base = ttbr & 0x0000_FFFF_FFFF_FFFF & ~((1 << UInt64(baseLow)) &- 1)
        if base & outOfRange != 0 { return .fault(TranslationFault(.addressSize, level: 0)) }

        var apTable: UInt64 = 0, uxnTable = false, pxnTable = false
        var level = startLevel
        while level <= 3 {
            let lsb = 12 + 9 * (3 - level)
            let indexBits = level == startLevel ? inputBits - lsb : 9
            let index = (va >> UInt64(lsb)) & ((1 << UInt64(indexBits)) &- 1)
            var descriptorPA = base | index << 3
            if let debugStage2 {
                guard let pa = debugStage2(descriptorPA) else { return .stage2Exit }
                descriptorPA = pa
            } else if el2.hcr & 1 != 0 {
                guard let t = stage2Translate(descriptorPA, perm: CPU.permRead, va: va, syndrome: .none, isFetch: isFetch, walk: forAT ? .addressTranslation : .tableWalk) else {
                    return .stage2Exit
                }
                descriptorPA = t.pa
            }
            if debugStage2 == nil { cycles &+= costs.stage1WalkPerLevel }
            guard let desc = ram.load(descriptorPA, size: 8) else {
                return .fault(TranslationFault(.externalAbortOnWalk, level: level))
            }
            if desc & 1 == 0 { return .fault(TranslationFault(.translation, level: level)) }
            let address = desc & 0x0000_FFFF_FFFF_F000
            if desc & 2 != 0 && level < 3 {  // table descriptor
                if address & outOfRange != 0 { return .fault(TranslationFault(.addressSize, level: level)) }
                apTable |= (desc >> 61) & 3
                uxnTable = uxnTable || (desc >> 60) & 1 == 1
                pxnTable = pxnTable || (desc >> 59) & 1 == 1
                base = address
                level += 1
                continue
            }
            // A block at level 0, or bits[1:0] = 0b01 at level 3: invalid with a 4 KiB granule.
            if level == 0 || (level == 3 && desc & 2 == 0) {
                return .fault(TranslationFault(.translation, level: level))
            }
            let offsetMask: UInt64 = (1 << UInt64(lsb)) &- 1
            let oa = (address & ~offsetMask) | (va & offsetMask)
            if oa & outOfRange != 0 { return .fault(TranslationFault(.addressSize, level: level)) }
            if desc & (1 << 10) == 0 { return .fault(TranslationFault(.accessFlag, level: level)) }
            let attrIndex = (desc >> 2) & 7
            let attributes = UInt8(truncatingIfNeeded: (sysregs[SysReg.mairEL1] ?? 0) >> (8 * attrIndex))
            var perm = stage1Permissions(desc, apTable: apTable, uxnTable: uxnTable, pxnTable: pxnTable)
            if attributes & 0xF0 == 0 { perm |= TLBEntry.device }
            if desc & (1 << 11) == 0 { perm |= TLBEntry.global }
            return .success(Stage1Translation(
                ipa: oa, perm: perm, level: level, attributes: attributes, shareability: UInt8((desc >> 8) & 3)))
        }
        return .fault(TranslationFault(.translation, level: 3))  // not reached: level 3 always returns
    }

    /// AP[2:1], UXN, PXN of a leaf and the hierarchical APTable/UXNTable/PXNTable of the tables
    /// above it, with SCTLR_EL1.WXN (AArch64.CheckPermission, EL1&0 regime): EL1 may always
    /// read; AP[1] gives EL0 access, AP[2] makes both read-only; APTable[0] takes EL0 access
    /// away, APTable[1] write access. A page EL0 may write is never executable at EL1.
    func stage1Permissions(_ desc: UInt64, apTable: UInt64, uxnTable: Bool, pxnTable: Bool) -> UInt8 {
        let el0 = (desc >> 6) & 1 == 1 && apTable & 1 == 0
        let readOnly = (desc >> 7) & 1 == 1 || apTable & 2 != 0
        let wxn = sctlrBit(19) == 1
        let privW = !readOnly, userR = el0, userW = el0 && !readOnly
        let userXN = (desc >> 54) & 1 == 1 || uxnTable || (wxn && userW)
        let privXN = (desc >> 53) & 1 == 1 || pxnTable || (wxn && privW) || userW
        var p: UInt8 = CPU.permRead
        if privW { p |= CPU.permWrite }
        if !privXN { p |= CPU.permExec }
        if userR { p |= CPU.permRead << 3 }
        if userW { p |= CPU.permWrite << 3 }
        if !userXN { p |= CPU.permExec << 3 }
        return p
    }

    /// A stage-1 fault to EL1: an instruction abort (EC 0x20 from EL0, 0x21 from EL1) with the
    /// IFSC, or a data abort (0x24/0x25) with the DFSC and WnR; ISV = 0 (no instruction
    /// syndrome for faults taken to EL1); FAR_EL1 = the faulting VA.
    func takeStage1Fault(_ f: TranslationFault, va: UInt64, write: Bool, isFetch: Bool) {
        if isFetch {
            takeExceptionToEL1(currentEL == 0 ? .instructionAbortLowerEL : .instructionAbortSameEL, iss: f.faultStatusCode, far: va)
        } else {
            takeExceptionToEL1(currentEL == 0 ? .dataAbortLowerEL : .dataAbortSameEL, iss: f.faultStatusCode | (write ? 1 << 6 : 0), far: va)
        }
    }
}
