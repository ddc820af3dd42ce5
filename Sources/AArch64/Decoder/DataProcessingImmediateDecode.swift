/// Decoders of "Data Processing -- Immediate" (ARM DDI 0487, C4.1.86): every encoding of the
/// group decodes to an executed form or to UNDEFINED.
extension A64Decode {
    /// ADR, ADRP.
    static let pcRelative: A64Decoder = { w, d in
        let immlo = UInt64((w >> 29) & 3), immhi = UInt64((w >> 5) & 0x7FFFF)
        let imm = UInt64(bitPattern: Int64(Int32(bitPattern: UInt32((immhi << 2 | immlo) << 11)) >> 11))
        d.rd = xzrDestination(w & 31)
        if w >> 31 == 1 { d.op = .adrp; d.imm = imm << 12 } else { d.op = .adr; d.imm = imm }
    }

    /// ADD, ADDS, SUB, SUBS (immediate). SP operands need the banked SP: own forms for ADD/SUB,
    /// and one form for the flag-setting ones with SP as the source (CMP SP, #imm), so that the
    /// common forms index `regs` directly.
    static let addSubtractImmediate: A64Decoder = { w, d in
        let rd = w & 31, rn = (w >> 5) & 31
        d.imm = UInt64((w >> 10) & 0xFFF) << ((w >> 22) & 1 == 1 ? 12 : 0)
        d.imm2 = widthMask(w)
        d.rn = UInt8(rn)  // 31 = SP
        let sf = w >> 31 == 1, sp = rd == 31 || rn == 31
        switch (w >> 29) & 3 {
        case 0: d.op = sp ? .addImmSP : .addImm; d.rd = UInt8(rd)  // 31 = SP
        case 2: d.op = sp ? .subImmSP : .subImm; d.rd = UInt8(rd)
        case 1 where rn == 31, 3 where rn == 31:
            d.op = .addsSubsImmSP
            d.rd = xzrDestination(rd)
            d.aux = UInt8((w >> 30) & 1) | (sf ? 2 : 0)
        case 1: d.op = sf ? .addsImm64 : .addsImm32; d.rd = xzrDestination(rd)
        default: d.op = sf ? .subsImm64 : .subsImm32; d.rd = xzrDestination(rd)
        }
    }

    /// AND, ORR, EOR, ANDS (immediate); N = 1 at 32 bits and reserved masks are UNDEFINED.
    static let logicalImmediate: A64Decoder = { w, d in
        let sf = w >> 31 == 1, n = (w >> 22) & 1
        if !sf && n == 1 { return }
        guard let (mask, _) = CPU.decodeBitMasks(n: n, imms: (w >> 10) & 63, immr: (w >> 16) & 63, immediate: true, sf: sf)
        else { return }
        d.imm = mask
        d.imm2 = widthMask(w)
        d.rn = UInt8((w >> 5) & 31)
        d.rd = UInt8(w & 31)  // 31 = SP, except ANDS
        switch (w >> 29) & 3 {
        case 0: d.op = .andImm
        case 1: d.op = .orrImm
        case 2: d.op = .eorImm
        default: d.op = sf ? .andsImm64 : .andsImm32; d.rd = xzrDestination(w & 31)
        }
    }

    /// MOVN, MOVZ (the value precomputed), MOVK; hw > 1 at 32 bits and opc = 01 are UNDEFINED.
    static let moveWide: A64Decoder = { w, d in
        let sf = w >> 31 == 1, hw = (w >> 21) & 3
        if !sf && hw > 1 { return }
        let pos = UInt64(hw * 16), imm16 = UInt64((w >> 5) & 0xFFFF), width = widthMask(w)
        d.rd = xzrDestination(w & 31)
        switch (w >> 29) & 3 {
        case 0: d.op = .movImm; d.imm = ~(imm16 << pos) & width
        case 2: d.op = .movImm; d.imm = imm16 << pos
        case 3: d.op = .movk; d.rn = UInt8(w & 31); d.imm = imm16 << pos; d.imm2 = ~(0xFFFF << pos) & width
        default: return
        }
    }

    /// SBFM and UBFM (ASR, LSL, LSR, SBFX, UBFX, SXT*, UXT*, ...) as one shift pair; BFM (BFI,
    /// BFXIL) as a rotation and a mask.
    static let bitfield: A64Decoder = { w, d in
        let sf = w >> 31 == 1, opc = (w >> 29) & 3
        let n = (w >> 22) & 1, immr = (w >> 16) & 63, imms = (w >> 10) & 63
        if opc == 3 || (sf && n != 1) || (!sf && (n != 0 || immr >= 32 || imms >= 32)) { return }
        d.rd = xzrDestination(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.imm2 = widthMask(w)
        if opc == 1 {
            // Rd = (Rd AND NOT (wmask AND tmask)) OR (ROR(Rn, immr) AND wmask AND tmask).
            guard let (wmask, tmask) = CPU.decodeBitMasks(n: n, imms: imms, immr: immr, immediate: false, sf: sf)
            else { return }
            d.op = .bfm
            d.rm = UInt8(w & 31)  // Rd as a source: slot 31 reads zero
            d.ra = UInt8(immr)
            d.aux = sf ? 1 : 0
            d.imm = wmask & tmask
            return
        }
        // The field Rn<imms:0> (imms < immr: placed at bit width - immr) or Rn<imms:immr>
        // (imms >= immr: moved down to bit 0), extended above: one left shift puts bit imms
        // at bit 63, one right shift (arithmetic for SBFM) puts it in place and extends.
        let bits: UInt32 = sf ? 64 : 32
        d.op = opc == 0 ? .sbfm : .ubfm
        d.rm = UInt8(63 - imms)
        d.ra = UInt8(imms < immr ? 63 - imms - (bits - immr) : 63 - imms + immr)
    }

    /// EXTR (ROR immediate when Rn = Rm).
    static let extract: A64Decoder = { w, d in
        let sf = w >> 31 == 1, n = (w >> 22) & 1, o0 = (w >> 21) & 1, op21 = (w >> 29) & 3
        let lsb = (w >> 10) & 63
        if op21 != 0 || o0 != 0 || (sf ? n != 1 : (n != 0 || lsb >= 32)) { return }
        d.op = .extr
        d.rd = xzrDestination(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.rm = UInt8((w >> 16) & 31)
        d.aux = UInt8(lsb)
        d.ra = sf ? 1 : 0
    }
}
