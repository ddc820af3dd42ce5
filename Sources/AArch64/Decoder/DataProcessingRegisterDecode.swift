/// Decoders of "Data Processing -- Register" (ARM DDI 0487, C4.1.90).
extension A64Decode {
    /// LSL/LSR/ASR by `amount` at width `sf` as ((x << aux) >> ra, arithmetic) & imm3; the
    /// operation masks its result to its width.
    static func setShift(_ d: inout DecodedInstruction, type: UInt32, amount: UInt32, sf: Bool) {
        let pre: UInt32 = sf ? 0 : 32
        switch type {
        case 0: d.aux = UInt8(amount); d.ra = 0; d.imm3 = ~0
        case 1: d.aux = UInt8(pre); d.ra = UInt8(pre + amount); d.imm3 = (sf ? ~0 : 0xFFFF_FFFF) >> UInt64(amount)
        default: d.aux = UInt8(pre); d.ra = UInt8(pre + amount); d.imm3 = ~0
        }
    }

    /// Rd (XZR a sink), Rn, Rm.
    @inline(__always) static func threeRegisters(_ w: UInt32, _ d: inout DecodedInstruction) {
        d.rd = xzrDestination(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.rm = UInt8((w >> 16) & 31)
    }

    /// AND, BIC, ORR, ORN, EOR, EON, ANDS, BICS (shifted register); ROR is executed from the
    /// word (`logicalShiftedRegister`); imm6 >= 32 at 32 bits is UNDEFINED.
    static let logicalShiftedRegister: A64Decoder = { w, d in
        let sf = w >> 31 == 1, amount = (w >> 10) & 63, shift = (w >> 22) & 3
        if !sf && amount >= 32 { return }
        if shift == 3 { d.op = .logicalShiftedRegister; return }
        setShift(&d, type: shift, amount: amount, sf: sf)
        switch (w >> 29) & 3 {
        case 0: d.op = .andReg
        case 1: d.op = .orrReg
        case 2: d.op = .eorReg
        default: d.op = sf ? .andsReg64 : .andsReg32
        }
        threeRegisters(w, &d)
        d.imm = (w >> 21) & 1 == 1 ? ~0 : 0
        d.imm2 = widthMask(w)
    }

    /// ADD, ADDS, SUB, SUBS (shifted register); shift = ROR, or imm6 >= 32 at 32 bits, is UNDEFINED.
    static let addSubtractShiftedRegister: A64Decoder = { w, d in
        let sf = w >> 31 == 1, amount = (w >> 10) & 63, shift = (w >> 22) & 3
        if shift == 3 || (!sf && amount >= 32) { return }
        switch (w >> 29) & 3 {
        case 0: d.op = .addReg
        case 1: d.op = sf ? .addsReg64 : .addsReg32
        case 2: d.op = .subReg
        default: d.op = sf ? .subsReg64 : .subsReg32
        }
        threeRegisters(w, &d)
        setShift(&d, type: shift, amount: amount, sf: sf)
        d.imm2 = widthMask(w)
    }

    /// CSEL, CSINC, CSINV, CSNEG: the condition as a truth table over NZCV; S = 1 or op2<1> = 1
    /// is UNDEFINED.
    static let conditionalSelect: A64Decoder = { w, d in
        if (w >> 29) & 1 != 0 || (w >> 11) & 1 != 0 { return }
        d.op = .csel
        threeRegisters(w, &d)
        d.aux = UInt8((w >> 30) & 1) << 1 | UInt8((w >> 10) & 1)
        d.imm = widthMask(w)
        d.imm2 = CPU.conditionTable((w >> 12) & 0xF)
    }

    /// MADD, MSUB decoded; the long and high multiplies executed from the word
    /// (`dataProcessing3Source`).
    static let dataProcessing3Source: A64Decoder = { w, d in
        guard (w >> 29) & 3 == 0 && (w >> 21) & 7 == 0 else { d.op = .dataProcessing3Source; return }
        d.op = .madd
        threeRegisters(w, &d)
        d.ra = UInt8((w >> 10) & 31)
        d.aux = UInt8((w >> 15) & 1)
        d.imm2 = widthMask(w)
    }
}
