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

    /// AND, BIC, ORR, ORN, EOR, EON, ANDS, BICS (shifted register); with ROR they are one form
    /// executed out of line (`logicalShiftedRegister`: aux = opc, imm = rotation, imm3 = the
    /// invert mask N); imm6 >= 32 at 32 bits is UNDEFINED.
    static let logicalShiftedRegister: A64Decoder = { w, d in
        let sf = w >> 31 == 1, amount = (w >> 10) & 63, shift = (w >> 22) & 3
        if !sf && amount >= 32 { return }
        if shift == 3 {
            d.op = .logicalShiftedRegister
            encodedRegisters(w, &d)
            d.aux = UInt8((w >> 29) & 3)
            d.imm = UInt64(amount)
            d.imm2 = widthMask(w)
            d.imm3 = (w >> 21) & 1 == 1 ? ~0 : 0
            return
        }
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

    /// MADD, MSUB (`.madd`); the long and high multiplies are executed out of line
    /// (`.dataProcessing3Source`, aux = `DataProcessing3SourceOp`). op54 != 0, the long forms at
    /// 32 bits, and SMULH/UMULH with o0 = 1 or at 32 bits are UNDEFINED.
    static let dataProcessing3Source: A64Decoder = { w, d in
        let sf = w >> 31 == 1, op31 = (w >> 21) & 7, o0 = (w >> 15) & 1
        guard (w >> 29) & 3 == 0 else { return }
        guard op31 == 0 else {
            let op: DataProcessing3SourceOp
            switch (op31, o0) {
            case (1, 0): op = .smaddl
            case (1, _): op = .smsubl
            case (5, 0): op = .umaddl
            case (5, _): op = .umsubl
            case (2, 0): op = .smulh
            case (6, 0): op = .umulh
            default: return
            }
            guard sf else { return }
            d.op = .dataProcessing3Source
            encodedRegisters(w, &d)
            d.ra = UInt8((w >> 10) & 31)
            d.aux = op.rawValue
            return
        }
        d.op = .madd
        threeRegisters(w, &d)
        d.ra = UInt8((w >> 10) & 31)
        d.aux = UInt8((w >> 15) & 1)
        d.imm2 = widthMask(w)
    }

    /// ADD, ADDS, SUB, SUBS (extended register): Rd and Rn keep 31 (SP, except Rd of the
    /// flag-setting forms: XZR, a sink); aux = `AddSubtractFlags`, ra = the extend option, imm =
    /// the left shift. option != 0 or a shift above 4 is UNDEFINED.
    static let addSubtractExtendedRegister: A64Decoder = { w, d in
        let shift = (w >> 10) & 7
        guard (w >> 22) & 3 == 0, shift <= 4 else { return }
        d.op = .addSubtractExtendedRegister
        let flags = AddSubtractFlags(w)
        encodedRegisters(w, &d)
        d.ra = UInt8((w >> 13) & 7)
        d.aux = flags.rawValue
        d.imm = UInt64(shift)
    }

    /// ADC, ADCS, SBC, SBCS: aux = `AddSubtractFlags`.
    static let addSubtractWithCarry: A64Decoder = { w, d in
        d.op = .addSubtractWithCarry
        encodedRegisters(w, &d)
        d.aux = AddSubtractFlags(w).rawValue
    }

    /// CCMN, CCMP (register or immediate): aux = `AddSubtractFlags` (.immediate: rm is the
    /// 5-bit immediate), imm = the condition as a truth table over NZCV, imm2 = the NZCV value
    /// set when it does not hold. S = 0, o2 = 1 or o3 = 1 is UNDEFINED.
    static let conditionalCompare: A64Decoder = { w, d in
        guard (w >> 29) & 1 == 1, (w >> 10) & 1 == 0, (w >> 4) & 1 == 0 else { return }
        d.op = .conditionalCompare
        var flags = AddSubtractFlags(w)
        if (w >> 11) & 1 == 1 { flags.insert(.immediate) }
        d.rn = UInt8((w >> 5) & 31)
        d.rm = UInt8((w >> 16) & 31)
        d.aux = flags.rawValue
        d.imm = CPU.conditionTable((w >> 12) & 0xF)
        d.imm2 = UInt64(w & 0xF) << 28
    }

    /// RBIT, REV16, REV32, REV, CLZ, CLS: aux = `DataProcessing1SourceOp`, imm2 = the width
    /// mask. opcode2 != 0, S = 1, REV at 32 bits with opc = 3 and the unallocated opcodes are
    /// UNDEFINED.
    static let dataProcessing1Source: A64Decoder = { w, d in
        let sf = w >> 31 == 1
        guard (w >> 16) & 31 == 0, (w >> 29) & 1 == 0 else { return }
        let op: DataProcessing1SourceOp
        switch (w >> 10) & 63 {
        case 0: op = .rbit
        case 1: op = .rev16
        case 2: op = sf ? .rev32 : .rev
        case 3 where sf: op = .rev
        case 4: op = .clz
        case 5: op = .cls
        default: return
        }
        d.op = .dataProcessing1Source
        encodedRegisters(w, &d)
        d.aux = op.rawValue
        d.imm2 = widthMask(w)
    }

    /// UDIV, SDIV, LSLV, LSRV, ASRV, RORV, CRC32*, CRC32C*: aux = `DataProcessing2SourceOp`,
    /// imm2 = the width mask. S = 1, a CRC32 of a doubleword at 32 bits (or of a smaller value
    /// at 64) and the unallocated opcodes are UNDEFINED.
    static let dataProcessing2Source: A64Decoder = { w, d in
        let sf = w >> 31 == 1, opcode = (w >> 10) & 63
        guard (w >> 29) & 1 == 0 else { return }
        let op: DataProcessing2SourceOp
        switch opcode {
        case 2: op = .udiv
        case 3: op = .sdiv
        case 8: op = .lslv
        case 9: op = .lsrv
        case 10: op = .asrv
        case 11: op = .rorv
        case 16...23:
            guard (opcode & 3 == 3) == sf, let crc = DataProcessing2SourceOp(rawValue: DataProcessing2SourceOp.crc32b.rawValue + UInt8(opcode - 16))
            else { return }
            op = crc
        default: return
        }
        d.op = .dataProcessing2Source
        encodedRegisters(w, &d)
        d.aux = op.rawValue
        d.imm2 = widthMask(w)
    }
}
