/// A64 "Data Processing -- Register" (ARM DDI 0487, C4.1.90) executed from the word: the classes
/// of the encoding table without a decoded form (logical with ROR, add/subtract extended and with
/// carry, conditional compare, 1-, 2- and 3-source operations other than MADD/MSUB).
extension CPU {
    /// Logical (shifted register) with ROR (the other shifts have decoded forms).
    func logicalShiftedRegister(_ w: UInt32) -> Bool {
        let rd = w & 31, rn = (w >> 5) & 31, rm = (w >> 16) & 31
        let sf = w >> 31 != 0
        cycles &+= costs.alu
        let shift = (w >> 22) & 3, n = (w >> 21) & 1, imm6 = UInt64((w >> 10) & 63)
        var b = shiftReg(xr(rm), type: shift, amount: imm6, sf: sf)
        if n == 1 { b = ~b }
        let a = xr(rn)
        var r: UInt64
        switch (w >> 29) & 3 {
        case 0: r = a & b
        case 1: r = a | b
        case 2: r = a ^ b
        default:
            r = a & b
            nzcv = logicalFlags(r, sf: sf)
        }
        setXR(rd, r, sf: sf)
        pc &+= 4
        return true
    }

    /// ADD, ADDS, SUB, SUBS (extended register).
    func addSubtractExtendedRegister(_ w: UInt32) -> Bool {
        let rd = w & 31, rn = (w >> 5) & 31, rm = (w >> 16) & 31
        let sf = w >> 31 != 0
        cycles &+= costs.alu
        let opt = (w >> 22) & 3, imm3 = (w >> 10) & 7
        if opt != 0 || imm3 > 4 { return undefined() }
        let b = extendReg(xr(rm), option: (w >> 13) & 7, shift: imm3)
        addSub(w, a: xsp(rn), b: b, rd: rd, sf: sf, rdIsSP: (w >> 29) & 1 == 0)
        pc &+= 4
        return true
    }

    /// ADC, ADCS, SBC, SBCS.
    func addSubtractWithCarry(_ w: UInt32) -> Bool {
        let rd = w & 31, rn = (w >> 5) & 31, rm = (w >> 16) & 31
        let sf = w >> 31 != 0
        cycles &+= costs.alu
        let carry = nzcv >> 29 & 1 == 1
        let b = (w >> 30) & 1 == 1 ? ~xr(rm) : xr(rm)
        let (r, f) = addWithCarry(xr(rn), b, carry: carry, sf: sf)
        if (w >> 29) & 1 == 1 { nzcv = f }
        setXR(rd, r, sf: sf)
        pc &+= 4
        return true
    }

    /// CCMN, CCMP (register or immediate).
    func conditionalCompare(_ w: UInt32) -> Bool {
        let rn = (w >> 5) & 31, rm = (w >> 16) & 31
        let sf = w >> 31 != 0
        cycles &+= costs.alu
        if (w >> 29) & 1 == 0 || (w >> 10) & 1 != 0 || (w >> 4) & 1 != 0 { return undefined() }
        let b = (w >> 11) & 1 == 1 ? UInt64(rm) : xr(rm)
        if conditionHolds((w >> 12) & 0xF) {
            let sub = (w >> 30) & 1 == 1
            nzcv = addWithCarry(xr(rn), sub ? ~b : b, carry: sub, sf: sf).1
        } else {
            nzcv = UInt64(w & 0xF) << 28
        }
        pc &+= 4
        return true
    }

    @inline(__always)
    func addSub(_ w: UInt32, a: UInt64, b: UInt64, rd: UInt32, sf: Bool, rdIsSP: Bool) {
        let sub = (w >> 30) & 1 == 1, s = (w >> 29) & 1 == 1
        let (r, f) = sub ? addWithCarry(a, ~b, carry: true, sf: sf) : addWithCarry(a, b, carry: false, sf: sf)
        if s { nzcv = f }
        if rdIsSP { setXSP(rd, r, sf: sf) } else { setXR(rd, r, sf: sf) }
    }

    /// UDIV/SDIV, LSLV/LSRV/ASRV/RORV, CRC32*/CRC32C*.
    func dataProcessing2Source(_ w: UInt32) -> Bool {
        let rd = w & 31, rn = (w >> 5) & 31, rm = (w >> 16) & 31
        let sf = w >> 31 != 0
        cycles &+= costs.alu
        if (w >> 29) & 1 != 0 { return undefined() }
        let opcode = (w >> 10) & 63
        let a = xr(rn), b = xr(rm)
        switch opcode {
        case 2:  // UDIV: division by zero gives zero
            cycles &+= costs.divide
            if sf { setXR(rd, b == 0 ? 0 : a / b) } else {
                let a32 = UInt32(truncatingIfNeeded: a), b32 = UInt32(truncatingIfNeeded: b)
                setXR(rd, b32 == 0 ? 0 : UInt64(a32 / b32))
            }
        case 3:  // SDIV: INT_MIN / -1 gives INT_MIN
            cycles &+= costs.divide
            if sf {
                let x = Int64(bitPattern: a), y = Int64(bitPattern: b)
                setXR(rd, y == 0 ? 0 : UInt64(bitPattern: x.dividedReportingOverflow(by: y).partialValue))
            } else {
                let x = Int32(truncatingIfNeeded: a), y = Int32(truncatingIfNeeded: b)
                let q = y == 0 ? 0 : x.dividedReportingOverflow(by: y).partialValue
                setXR(rd, UInt64(UInt32(bitPattern: q)))
            }
        case 8...11:
            let amount = b & (sf ? 63 : 31)
            setXR(rd, shiftReg(a, type: opcode - 8, amount: amount, sf: sf), sf: sf)
        case 16...23:
            let size = Int(opcode & 3), castagnoli = opcode & 4 != 0
            if (size == 3) != sf { return undefined() }
            setXR(rd, UInt64(CRC32.update(UInt32(truncatingIfNeeded: a), value: b, bytes: 1 << size, castagnoli: castagnoli)))
        default:
            return undefined()
        }
        pc &+= 4
        return true
    }

    /// RBIT, REV16, REV32, REV, CLZ, CLS.
    func dataProcessing1Source(_ w: UInt32) -> Bool {
        let rd = w & 31, rn = (w >> 5) & 31
        let sf = w >> 31 != 0
        cycles &+= costs.alu
        if (w >> 16) & 31 != 0 || (w >> 29) & 1 != 0 { return undefined() }
        let a = xr(rn)
        let r: UInt64
        switch (w >> 10) & 63 {
        case 0: r = sf ? a.bitReversed : UInt64(UInt32(truncatingIfNeeded: a).bitReversed)
        case 1:  // REV16
            r = ((a & 0x00FF_00FF_00FF_00FF) << 8) | ((a >> 8) & 0x00FF_00FF_00FF_00FF)
        case 2:
            if sf {  // REV32
                let s = ((a & 0x00FF_00FF_00FF_00FF) << 8) | ((a >> 8) & 0x00FF_00FF_00FF_00FF)
                r = ((s & 0x0000_FFFF_0000_FFFF) << 16) | ((s >> 16) & 0x0000_FFFF_0000_FFFF)
            } else {
                r = UInt64(UInt32(truncatingIfNeeded: a).byteSwapped)
            }
        case 3:
            if !sf { return undefined() }
            r = a.byteSwapped
        case 4: r = UInt64(sf ? a.leadingZeroBitCount : UInt32(truncatingIfNeeded: a).leadingZeroBitCount)
        case 5:
            if sf {
                r = UInt64((a ^ (a << 1) | 1).leadingZeroBitCount)
            } else {
                let v = UInt32(truncatingIfNeeded: a)
                r = UInt64((v ^ (v << 1) | 1).leadingZeroBitCount)
            }
        default: return undefined()
        }
        setXR(rd, r, sf: sf)
        pc &+= 4
        return true
    }

    /// SMADDL/SMSUBL/UMADDL/UMSUBL, SMULH/UMULH (MADD/MSUB have a decoded form, `.madd`).
    func dataProcessing3Source(_ w: UInt32) -> Bool {
        let rd = w & 31, rn = (w >> 5) & 31, rm = (w >> 16) & 31
        let sf = w >> 31 != 0
        cycles &+= costs.alu
        let op54 = (w >> 29) & 3, op31 = (w >> 21) & 7, o0 = (w >> 15) & 1
        let ra = (w >> 10) & 31
        if op54 != 0 { return undefined() }
        cycles &+= costs.multiply
        let a = xr(rn), b = xr(rm), acc = xr(ra)
        switch op31 {
        case 0:
            let p = a &* b
            setXR(rd, o0 == 0 ? acc &+ p : acc &- p, sf: sf)
        case 1, 5:  // SMADDL/SMSUBL, UMADDL/UMSUBL (64-bit only)
            if !sf { return undefined() }
            let p: UInt64 = op31 == 1
                ? UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: a)) &* Int64(Int32(truncatingIfNeeded: b)))
                : (a & 0xFFFF_FFFF) &* (b & 0xFFFF_FFFF)
            setXR(rd, o0 == 0 ? acc &+ p : acc &- p)
        case 2, 6:  // SMULH / UMULH
            if !sf || o0 != 0 { return undefined() }
            if op31 == 2 {
                setXR(rd, UInt64(bitPattern: Int64(bitPattern: a).multipliedFullWidth(by: Int64(bitPattern: b)).high))
            } else {
                setXR(rd, a.multipliedFullWidth(by: b).high)
            }
        default:
            return undefined()
        }
        pc &+= 4
        return true
    }
}

extension FixedWidthInteger {
    /// Bit reversal (RBIT).
    var bitReversed: Self {
        var v = self, r: Self = 0
        for _ in 0..<Self.bitWidth {
            r = (r << 1) | (v & 1)
            v >>= 1
        }
        return r
    }
}

/// CRC32 (polynomial 0x04C11DB7) and CRC32C (0x1EDC6F41), bit-reflected as the A64 instructions define.
enum CRC32 {
    static func update(_ crc: UInt32, value: UInt64, bytes: Int, castagnoli: Bool) -> UInt32 {
        let poly: UInt32 = castagnoli ? 0x82F6_3B78 : 0xEDB8_8320
        var c = crc
        for i in 0..<bytes {
            c ^= UInt32((value >> UInt64(8 * i)) & 0xFF)
            for _ in 0..<8 { c = (c >> 1) ^ (c & 1 == 1 ? poly : 0) }
        }
        return c
    }
}
