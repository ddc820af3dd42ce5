/// A64 "Data Processing -- Register" (ARM DDI 0487, C4.1.90) executed out of line: the classes
/// that are too rare for a form of their own in the run loop (logical with ROR, add/subtract
/// extended and with carry, conditional compare, the 1- and 2-source operations and the long and
/// high multiplies). Their decoders (`A64Decode`, DataProcessingRegisterDecode.swift) decide
/// what is UNDEFINED and fill in the record; these executors read only the record. Register
/// numbers are kept as encoded (31 is XZR or SP as each operand says).
extension CPU {
    /// Logical (shifted register) with ROR: AND, BIC, ORR, ORN, EOR, EON, ANDS, BICS.
    func logicalShiftedRegister(_ d: DecodedInstruction) -> Bool {
        let sf = d.imm2 == ~0
        cycles &+= costs.alu
        let b = shiftReg(xr(UInt32(d.rm)), type: 3, amount: d.imm, sf: sf) ^ d.imm3
        let a = xr(UInt32(d.rn))
        var r: UInt64
        switch d.aux {
        case 0: r = a & b
        case 1: r = a | b
        case 2: r = a ^ b
        default:
            r = a & b
            nzcv = logicalFlags(r, sf: sf)
        }
        setXR(UInt32(d.rd), r, sf: sf)
        pc &+= 4
        return true
    }

    /// ADD, ADDS, SUB, SUBS (extended register).
    func addSubtractExtendedRegister(_ d: DecodedInstruction) -> Bool {
        let flags = AddSubtractFlags(rawValue: d.aux)
        cycles &+= costs.alu
        let b = extendReg(xr(UInt32(d.rm)), option: UInt32(d.ra), shift: UInt32(d.imm))
        addSub(flags, a: xsp(UInt32(d.rn)), b: b, rd: UInt32(d.rd), rdIsSP: !flags.contains(.setFlags))
        pc &+= 4
        return true
    }

    /// ADC, ADCS, SBC, SBCS.
    func addSubtractWithCarry(_ d: DecodedInstruction) -> Bool {
        let flags = AddSubtractFlags(rawValue: d.aux), sf = flags.contains(.sixtyFour)
        cycles &+= costs.alu
        let carry = nzcv >> 29 & 1 == 1
        let m = xr(UInt32(d.rm))
        let (r, f) = addWithCarry(xr(UInt32(d.rn)), flags.contains(.subtract) ? ~m : m, carry: carry, sf: sf)
        if flags.contains(.setFlags) { nzcv = f }
        setXR(UInt32(d.rd), r, sf: sf)
        pc &+= 4
        return true
    }

    /// CCMN, CCMP (register or immediate).
    func conditionalCompare(_ d: DecodedInstruction) -> Bool {
        let flags = AddSubtractFlags(rawValue: d.aux)
        cycles &+= costs.alu
        if (d.imm >> (nzcv >> 28)) & 1 == 1 {
            let b = flags.contains(.immediate) ? UInt64(d.rm) : xr(UInt32(d.rm))
            let sub = flags.contains(.subtract)
            nzcv = addWithCarry(xr(UInt32(d.rn)), sub ? ~b : b, carry: sub, sf: flags.contains(.sixtyFour)).1
        } else {
            nzcv = d.imm2
        }
        pc &+= 4
        return true
    }

    @inline(__always)
    func addSub(_ flags: AddSubtractFlags, a: UInt64, b: UInt64, rd: UInt32, rdIsSP: Bool) {
        let sf = flags.contains(.sixtyFour)
        let (r, f) = flags.contains(.subtract) ? addWithCarry(a, ~b, carry: true, sf: sf) : addWithCarry(a, b, carry: false, sf: sf)
        if flags.contains(.setFlags) { nzcv = f }
        if rdIsSP { setXSP(rd, r, sf: sf) } else { setXR(rd, r, sf: sf) }
    }

    /// UDIV/SDIV, LSLV/LSRV/ASRV/RORV, CRC32*/CRC32C*.
    func dataProcessing2Source(_ d: DecodedInstruction) -> Bool {
        let rd = UInt32(d.rd), sf = d.imm2 == ~0
        cycles &+= costs.alu
        let a = xr(UInt32(d.rn)), b = xr(UInt32(d.rm))
        let op = DataProcessing2SourceOp(rawValue: d.aux) ?? .udiv
        switch op {
        case .udiv:  // division by zero gives zero
            cycles &+= costs.divide
            if sf { setXR(rd, b == 0 ? 0 : a / b) } else {
                let a32 = UInt32(truncatingIfNeeded: a), b32 = UInt32(truncatingIfNeeded: b)
                setXR(rd, b32 == 0 ? 0 : UInt64(a32 / b32))
            }
        case .sdiv:  // INT_MIN / -1 gives INT_MIN
            cycles &+= costs.divide
            if sf {
                let x = Int64(bitPattern: a), y = Int64(bitPattern: b)
                setXR(rd, y == 0 ? 0 : UInt64(bitPattern: x.dividedReportingOverflow(by: y).partialValue))
            } else {
                let x = Int32(truncatingIfNeeded: a), y = Int32(truncatingIfNeeded: b)
                let q = y == 0 ? 0 : x.dividedReportingOverflow(by: y).partialValue
                setXR(rd, UInt64(UInt32(bitPattern: q)))
            }
        case .lslv, .lsrv, .asrv, .rorv:
            let amount = b & (sf ? 63 : 31)
            setXR(rd, shiftReg(a, type: UInt32(op.rawValue &- DataProcessing2SourceOp.lslv.rawValue), amount: amount, sf: sf), sf: sf)
        default:
            let crc = op.rawValue &- DataProcessing2SourceOp.crc32b.rawValue
            setXR(rd, UInt64(CRC32.update(UInt32(truncatingIfNeeded: a), value: b, bytes: 1 << Int(crc & 3), castagnoli: crc & 4 != 0)))
        }
        pc &+= 4
        return true
    }

    /// RBIT, REV16, REV32, REV, CLZ, CLS.
    func dataProcessing1Source(_ d: DecodedInstruction) -> Bool {
        let sf = d.imm2 == ~0
        cycles &+= costs.alu
        let a = xr(UInt32(d.rn))
        let r: UInt64
        switch DataProcessing1SourceOp(rawValue: d.aux) ?? .rbit {
        case .rbit: r = sf ? a.bitReversed : UInt64(UInt32(truncatingIfNeeded: a).bitReversed)
        case .rev16: r = ((a & 0x00FF_00FF_00FF_00FF) << 8) | ((a >> 8) & 0x00FF_00FF_00FF_00FF)
        case .rev32:
            let s = ((a & 0x00FF_00FF_00FF_00FF) << 8) | ((a >> 8) & 0x00FF_00FF_00FF_00FF)
            r = ((s & 0x0000_FFFF_0000_FFFF) << 16) | ((s >> 16) & 0x0000_FFFF_0000_FFFF)
        case .rev: r = sf ? a.byteSwapped : UInt64(UInt32(truncatingIfNeeded: a).byteSwapped)
        case .clz: r = UInt64(sf ? a.leadingZeroBitCount : UInt32(truncatingIfNeeded: a).leadingZeroBitCount)
        case .cls:
            if sf {
                r = UInt64((a ^ (a << 1) | 1).leadingZeroBitCount)
            } else {
                let v = UInt32(truncatingIfNeeded: a)
                r = UInt64((v ^ (v << 1) | 1).leadingZeroBitCount)
            }
        }
        setXR(UInt32(d.rd), r, sf: sf)
        pc &+= 4
        return true
    }

    /// SMADDL/SMSUBL/UMADDL/UMSUBL, SMULH/UMULH (all 64-bit; MADD/MSUB are `.madd`).
    func dataProcessing3Source(_ d: DecodedInstruction) -> Bool {
        let rd = UInt32(d.rd)
        cycles &+= costs.alu &+ costs.multiply
        let a = xr(UInt32(d.rn)), b = xr(UInt32(d.rm)), acc = xr(UInt32(d.ra))
        let signedProduct = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: a)) &* Int64(Int32(truncatingIfNeeded: b)))
        let unsignedProduct = (a & 0xFFFF_FFFF) &* (b & 0xFFFF_FFFF)
        switch DataProcessing3SourceOp(rawValue: d.aux) ?? .smaddl {
        case .smaddl: setXR(rd, acc &+ signedProduct)
        case .smsubl: setXR(rd, acc &- signedProduct)
        case .umaddl: setXR(rd, acc &+ unsignedProduct)
        case .umsubl: setXR(rd, acc &- unsignedProduct)
        case .smulh: setXR(rd, UInt64(bitPattern: Int64(bitPattern: a).multipliedFullWidth(by: Int64(bitPattern: b)).high))
        case .umulh: setXR(rd, a.multipliedFullWidth(by: b).high)
        }
        pc &+= 4
        return true
    }
}

/// The op, S and sf bits of the add/subtract classes (bits 30, 29, 31), decoded into `aux`;
/// `immediate` marks CCMN/CCMP with an immediate operand.
struct AddSubtractFlags: OptionSet {
    let rawValue: UInt8
    static let subtract = AddSubtractFlags(rawValue: 1)
    static let setFlags = AddSubtractFlags(rawValue: 2)
    static let sixtyFour = AddSubtractFlags(rawValue: 4)
    static let immediate = AddSubtractFlags(rawValue: 8)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(_ w: UInt32) {
        var f: AddSubtractFlags = []
        if (w >> 30) & 1 == 1 { f.insert(.subtract) }
        if (w >> 29) & 1 == 1 { f.insert(.setFlags) }
        if w >> 31 == 1 { f.insert(.sixtyFour) }
        self = f
    }
}

/// The operations of "Data-processing (1 source)", decoded into `aux` (REV at 32 bits is `.rev`).
enum DataProcessing1SourceOp: UInt8 { case rbit, rev16, rev32, rev, clz, cls }

/// The operations of "Data-processing (2 source)", decoded into `aux`. The shifts are in the
/// order of their shift type, the CRC32s in the order of their opcode (C = bit 2, size = 1:0).
enum DataProcessing2SourceOp: UInt8 {
    case udiv, sdiv, lslv, lsrv, asrv, rorv
    case crc32b, crc32h, crc32w, crc32x, crc32cb, crc32ch, crc32cw, crc32cx
}

/// The long and high multiplies of "Data-processing (3 source)", decoded into `aux`.
enum DataProcessing3SourceOp: UInt8 { case smaddl, smsubl, umaddl, umsubl, smulh, umulh }

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
