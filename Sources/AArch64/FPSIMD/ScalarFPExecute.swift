/// Data processing -- scalar floating-point (ARM ARM C4.1.96): the executors for single and
/// double precision, plus FCVT to and from half precision. Half-precision arithmetic
/// (FEAT_FP16) is not implemented: those encodings are UNDEFINED, decided with every other
/// reserved encoding by the classes' operand decoders (below), so the executors read only the
/// decoded record.
extension CPU {
    /// Runs `body` with the FPCR, accumulates the flags it raised into FPSR.
    @inline(__always) func withFPEnvironment<T>(_ body: (inout FPEnvironment) -> T) -> T {
        var env = FPEnvironment(fpcr: simd.fpcr)
        let result = body(&env)
        simd.fpsr |= env.flags
        return result
    }

    @inline(__always) func retireFP() -> Bool {
        pc &+= 4
        return true
    }

    /// FMADD, FMSUB, FNMADD, FNMSUB: FPMulAdd with the addend and Rn negated as decoded.
    func fpDataProcessing3(_ d: DecodedInstruction) -> Bool {
        let fmt = FPFormat.ofWidth(d.imm)
        let a = simd.scalar(UInt32(d.ra), width: fmt.n) ^ d.imm2, n = simd.scalar(UInt32(d.rn), width: fmt.n) ^ d.imm3
        let m = simd.scalar(UInt32(d.rm), width: fmt.n)
        simd.setScalar(UInt32(d.rd), withFPEnvironment { SoftFP.mulAdd(a, n, m, fmt, &$0) }, width: fmt.n)
        return retireFP()
    }

    /// FMUL, FDIV, FADD, FSUB, FMAX, FMIN, FMAXNM, FMINNM, FNMUL.
    func fpDataProcessing2(_ d: DecodedInstruction) -> Bool {
        let fmt = FPFormat.ofWidth(d.imm)
        let n = simd.scalar(UInt32(d.rn), width: fmt.n), m = simd.scalar(UInt32(d.rm), width: fmt.n)
        let result: UInt64 = withFPEnvironment { env in
            switch FPDataProcessing2(rawValue: UInt8(truncatingIfNeeded: d.imm2)) {
            case .fmul?: return SoftFP.mul(n, m, fmt, &env)
            case .fdiv?: return SoftFP.div(n, m, fmt, &env)
            case .fadd?: return SoftFP.add(n, m, fmt, &env)
            case .fsub?: return SoftFP.add(n, m, subtract: true, fmt, &env)
            case .fmax?: return SoftFP.minMax(n, m, max: true, fmt, &env)
            case .fmin?: return SoftFP.minMax(n, m, max: false, fmt, &env)
            case .fmaxnm?: return SoftFP.minMaxNum(n, m, max: true, fmt, &env)
            case .fminnm?: return SoftFP.minMaxNum(n, m, max: false, fmt, &env)
            case .fnmul?, nil: return SoftFP.mul(n, m, fmt, &env) ^ fmt.signBit  // FPNeg flips a NaN's sign too
            }
        }
        simd.setScalar(UInt32(d.rd), result, width: fmt.n)
        return retireFP()
    }

    /// FMOV (register), FABS, FNEG, FSQRT, FCVT (between precisions), FRINT[NPMZAXI].
    func fpDataProcessing1(_ d: DecodedInstruction) -> Bool {
        let fmt = FPFormat.ofWidth(d.imm)
        let op = simd.scalar(UInt32(d.rn), width: fmt.n)
        var width = fmt.n
        let result: UInt64
        switch FPDataProcessing1(rawValue: UInt8(truncatingIfNeeded: d.imm2)) {
        case .fmov?, nil: result = op
        case .fabs?: result = op & ~fmt.signBit
        case .fneg?: result = op ^ fmt.signBit
        case .fsqrt?: result = withFPEnvironment { SoftFP.sqrt(op, fmt, &$0) }
        case .fcvt?:
            let dst = FPFormat.ofWidth(d.imm3)
            width = dst.n
            result = withFPEnvironment { SoftFP.convert(op, from: fmt, to: dst, $0.rounding, &$0) }
        case .frint?:
            let rounding = FPRounding(rawValue: UInt8(truncatingIfNeeded: d.imm3)) ?? .tieEven
            result = withFPEnvironment { SoftFP.roundInt(op, fmt, rounding, exact: false, &$0) }
        case .frintx?: result = withFPEnvironment { SoftFP.roundInt(op, fmt, $0.rounding, exact: true, &$0) }
        case .frinti?: result = withFPEnvironment { SoftFP.roundInt(op, fmt, $0.rounding, exact: false, &$0) }
        }
        simd.setScalar(UInt32(d.rd), result, width: width)
        return retireFP()
    }

    /// FCMP, FCMPE: NZCV from FPCompare of Rn with Rm or zero.
    func fpCompare(_ d: DecodedInstruction) -> Bool {
        let form = FPCompareForm(d.imm), fmt = form.format
        let n = simd.scalar(UInt32(d.rn), width: fmt.n)
        let m = form.withZero ? 0 : simd.scalar(UInt32(d.rm), width: fmt.n)
        nzcv = withFPEnvironment { SoftFP.compare(n, m, signalNaNs: form.signalNaNs, fmt, &$0) }
        return retireFP()
    }

    /// FCCMP, FCCMPE: FPCompare when the condition (truth table `imm2`) holds, else the
    /// immediate NZCV (`imm3`).
    func fpConditionalCompare(_ d: DecodedInstruction) -> Bool {
        if holds(d.imm2) {
            let form = FPCompareForm(d.imm), fmt = form.format
            let n = simd.scalar(UInt32(d.rn), width: fmt.n), m = simd.scalar(UInt32(d.rm), width: fmt.n)
            nzcv = withFPEnvironment { SoftFP.compare(n, m, signalNaNs: form.signalNaNs, fmt, &$0) }
        } else {
            nzcv = d.imm3
        }
        return retireFP()
    }

    /// FCSEL: Rn if the condition (truth table `imm2`) holds, else Rm (no floating-point exception).
    func fpConditionalSelect(_ d: DecodedInstruction) -> Bool {
        let width = Int(truncatingIfNeeded: d.imm)
        let source = holds(d.imm2) ? d.rn : d.rm
        simd.setScalar(UInt32(d.rd), simd.scalar(UInt32(source), width: width), width: width)
        return retireFP()
    }

    /// FMOV (scalar, immediate): the value was expanded at decode.
    func fpMoveImmediate(_ d: DecodedInstruction) -> Bool {
        simd.setScalar(UInt32(d.rd), d.imm2, width: Int(truncatingIfNeeded: d.imm))
        return retireFP()
    }

    /// VFPExpandImm (ARM ARM): sign, NOT(b6):Replicate(b6, E-3):b5:b4 exponent, b3:b0 fraction top.
    static func vfpExpandImm(_ imm8: UInt64, _ fmt: FPFormat) -> UInt64 {
        let b6 = (imm8 >> 6) & 1
        let exp = (b6 ^ 1) << UInt64(fmt.e - 1) | (b6 == 1 ? (1 << UInt64(fmt.e - 3)) - 1 : 0) << 2 | (imm8 >> 4) & 3
        return (imm8 >> 7) << UInt64(fmt.n - 1) | exp << UInt64(fmt.f) | (imm8 & 0xF) << UInt64(fmt.f - 4)
    }

    /// FCVT[NPMZA][SU], [SU]CVTF and FMOV (general) between W/X registers and S/D/V.D[1].
    func fpIntegerConversion(_ d: DecodedInstruction) -> Bool { fpConversion(d) }

    /// FCVTZ[SU] and [SU]CVTF (fixed point).
    func fpFixedConversion(_ d: DecodedInstruction) -> Bool { fpConversion(d) }

    /// Both conversion classes: the decoded `FPConversion` (`imm`) says what to do.
    private func fpConversion(_ d: DecodedInstruction) -> Bool {
        let form = FPConversion(d.imm)
        let rd = UInt32(d.rd), rn = UInt32(d.rn), bits = form.integerBits
        switch form.operation {
        case .fmovToGeneral: setXR(rd, simd.scalar(rn, width: bits))
        case .fmovFromGeneral: simd.setScalar(rd, xr(rn), width: bits)
        case .fmovToGeneralUpper: setXR(rd, simd.v[Int(rn) * 2 + 1])
        case .fmovFromGeneralUpper: simd.v[Int(rd) * 2 + 1] = xr(rn)  // the bottom half is kept
        case .toFixed:
            let fmt = form.format, op = simd.scalar(rn, width: fmt.n)
            setXR(rd, withFPEnvironment {
                SoftFP.toFixed(op, fmt, fbits: form.fbits, unsigned: form.unsigned, bits: bits, form.rounding, &$0)
            })
        case .fromFixed:
            let fmt = form.format, op = xr(rn)
            simd.setScalar(rd, withFPEnvironment {
                SoftFP.fromFixed(op, bits: bits, fbits: form.fbits, unsigned: form.unsigned, fmt, $0.rounding, &$0)
            }, width: fmt.n)
        }
        return retireFP()
    }
}

extension FPFormat {
    /// The format of a decoded width (16, 32 or 64 bits).
    @inline(__always) static func ofWidth(_ n: UInt64) -> FPFormat {
        n == 64 ? .double : n == 32 ? .single : .half
    }
}

/// The operations of floating-point data-processing (2 source), numbered as opcode (bits 15:12).
enum FPDataProcessing2: UInt8 {
    case fmul, fdiv, fadd, fsub, fmax, fmin, fmaxnm, fminnm, fnmul
}

/// The operations of floating-point data-processing (1 source). FRINT[NPMZA] round as
/// decoded, FRINTX and FRINTI as FPCR says (FRINTX signalling Inexact).
enum FPDataProcessing1: UInt8 {
    case fmov, fabs, fneg, fsqrt, fcvt, frint, frintx, frinti
}

/// FCMP, FCMPE, FCCMP, FCCMPE (a record's `imm`): the format's width, whether quiet NaNs
/// signal Invalid Operation (the E forms), and whether Rn is compared with zero.
struct FPCompareForm {
    let raw: UInt64

    init(_ raw: UInt64) { self.raw = raw }

    init(width: Int, signalNaNs: Bool, withZero: Bool) {
        raw = UInt64(width) | (signalNaNs ? 1 << 8 : 0) | (withZero ? 1 << 9 : 0)
    }

    var format: FPFormat { .ofWidth(raw & 0xFF) }
    var signalNaNs: Bool { raw >> 8 & 1 == 1 }
    var withZero: Bool { raw >> 9 & 1 == 1 }
}

/// A conversion between floating point and integer or fixed point, or an FMOV (general) (a
/// record's `imm`): the operation, the floating-point format, the general register's width,
/// signedness, the rounding of a conversion to integer, and the fraction bits (0 for integers).
struct FPConversion {
    enum Operation: UInt8 {
        /// FCVT*[SU] (integer and fixed point), rounding as decoded.
        case toFixed
        /// [SU]CVTF (integer and fixed point), rounding as FPCR says.
        case fromFixed
        /// FMOV (general): Wd/Xd from Sn/Dn, Sd/Dd from Wn/Xn.
        case fmovToGeneral, fmovFromGeneral
        /// FMOV (general): Xd from Vn.D[1], Vd.D[1] from Xn.
        case fmovToGeneralUpper, fmovFromGeneralUpper
    }

    let raw: UInt64

    init(_ raw: UInt64) { self.raw = raw }

    init(_ operation: Operation, width: Int = 32, integerBits: Int, unsigned: Bool = false,
         rounding: FPRounding = .tieEven, fbits: Int = 0) {
        raw = UInt64(operation.rawValue) | UInt64(width) << 8 | UInt64(integerBits) << 16 | (unsigned ? 1 << 24 : 0)
            | UInt64(rounding.rawValue) << 32 | UInt64(fbits) << 40
    }

    var operation: Operation { Operation(rawValue: UInt8(truncatingIfNeeded: raw)) ?? .fmovToGeneral }
    var format: FPFormat { .ofWidth(raw >> 8 & 0xFF) }
    /// 32 or 64.
    var integerBits: Int { Int(raw >> 16 & 0xFF) }
    var unsigned: Bool { raw >> 24 & 1 == 1 }
    var rounding: FPRounding { FPRounding(rawValue: UInt8(truncatingIfNeeded: raw >> 32)) ?? .tieEven }
    /// 0…64.
    var fbits: Int { Int(raw >> 40 & 0xFF) }
}

/// The operand decoders of the scalar floating-point classes: Fd (or Rd) in `rd`, Fn (or Rn)
/// in `rn`, Fm in `rm`, Fa in `ra`; the format's width in bits in `imm` (or within the class's
/// form there), the rest as each decoder says. Every reserved encoding of the classes is
/// decided here, including the half-precision arithmetic of FEAT_FP16, not implemented.
extension A64Decode {
    /// The width of the format ftype (bits 23:22) names for arithmetic: 32 single, 64
    /// double; nil for half (FEAT_FP16) and 10.
    @inline(__always) static func fpArithmeticWidth(_ w: UInt32) -> Int? {
        switch (w >> 22) & 3 {
        case 0: return 32
        case 1: return 64
        default: return nil
        }
    }

    /// The width of an FCVT operand's type: 32, 64, nil (10), 16.
    @inline(__always) private static func fcvtWidth(_ type: UInt32) -> Int? {
        switch type {
        case 0: return 32
        case 1: return 64
        case 3: return 16
        default: return nil
        }
    }

    /// FMADD, FMSUB, FNMADD, FNMSUB: imm2 is the sign flip of the addend (o1), imm3 that of
    /// Rn (o0 != o1).
    static func fpDataProcessing3(_ w: UInt32, _ d: inout DecodedInstruction) {
        guard let width = fpArithmeticWidth(w) else { return markReserved(&d) }
        let fmt = FPFormat.ofWidth(UInt64(width))
        let o1 = (w >> 21) & 1, o0 = (w >> 15) & 1
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.ra = UInt8((w >> 10) & 31)
        d.rm = UInt8((w >> 16) & 31)
        d.imm = UInt64(width)
        d.imm2 = o1 == 1 ? fmt.signBit : 0
        d.imm3 = o0 != o1 ? fmt.signBit : 0
    }

    /// imm2: the `FPDataProcessing2` operation; opcodes above 1000 are reserved.
    static func fpDataProcessing2(_ w: UInt32, _ d: inout DecodedInstruction) {
        guard let width = fpArithmeticWidth(w), let op = FPDataProcessing2(rawValue: UInt8((w >> 12) & 0xF)) else {
            return markReserved(&d)
        }
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.rm = UInt8((w >> 16) & 31)
        d.imm = UInt64(width)
        d.imm2 = UInt64(op.rawValue)
    }

    /// imm2: the `FPDataProcessing1` operation; imm3: FCVT's destination width, or
    /// FRINT[NPMZA]'s `FPRounding`. imm is the source width (half allowed for FCVT only).
    static func fpDataProcessing1(_ w: UInt32, _ d: inout DecodedInstruction) {
        let opcode = (w >> 15) & 0x3F
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        if opcode & 0b111100 == 0b000100 {  // FCVT: opc (bits 16:15) is the destination type
            guard let src = fcvtWidth((w >> 22) & 3), let dst = fcvtWidth(opcode & 3), src != dst else { return markReserved(&d) }
            d.imm = UInt64(src)
            d.imm2 = UInt64(FPDataProcessing1.fcvt.rawValue)
            d.imm3 = UInt64(dst)
            return
        }
        guard let width = fpArithmeticWidth(w) else { return markReserved(&d) }
        let op: FPDataProcessing1
        switch opcode {
        case 0b000000: op = .fmov
        case 0b000001: op = .fabs
        case 0b000010: op = .fneg
        case 0b000011: op = .fsqrt
        case 0b001110: op = .frintx
        case 0b001111: op = .frinti
        case 0b001000...0b001100:  // FRINTN, FRINTP, FRINTM, FRINTZ, FRINTA
            op = .frint
            d.imm3 = UInt64(opcode & 7)  // FPRounding: tieEven, posInf, negInf, zero, tieAway
        default: return markReserved(&d)
        }
        d.imm = UInt64(width)
        d.imm2 = UInt64(op.rawValue)
    }

    /// imm: the `FPCompareForm` (E: bit 4, with zero: bit 3); op (bits 15:14) and opcode2<2:0>
    /// other than zero are reserved.
    static func fpCompare(_ w: UInt32, _ d: inout DecodedInstruction) {
        guard let width = fpArithmeticWidth(w), (w >> 14) & 3 == 0, w & 7 == 0 else { return markReserved(&d) }
        d.rn = UInt8((w >> 5) & 31)
        d.rm = UInt8((w >> 16) & 31)
        d.imm = FPCompareForm(width: width, signalNaNs: (w >> 4) & 1 == 1, withZero: (w >> 3) & 1 == 1).raw
    }

    /// imm: the `FPCompareForm` (E: bit 4); imm2: the condition's truth table; imm3: the
    /// immediate NZCV in bits 31:28.
    static func fpConditionalCompare(_ w: UInt32, _ d: inout DecodedInstruction) {
        guard let width = fpArithmeticWidth(w) else { return markReserved(&d) }
        d.rn = UInt8((w >> 5) & 31)
        d.rm = UInt8((w >> 16) & 31)
        d.imm = FPCompareForm(width: width, signalNaNs: (w >> 4) & 1 == 1, withZero: false).raw
        d.imm2 = CPU.conditionTable((w >> 12) & 0xF)
        d.imm3 = UInt64(w & 0xF) << 28
    }

    /// imm: the width; imm2: the condition's truth table.
    static func fpConditionalSelect(_ w: UInt32, _ d: inout DecodedInstruction) {
        guard let width = fpArithmeticWidth(w) else { return markReserved(&d) }
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.rm = UInt8((w >> 16) & 31)
        d.imm = UInt64(width)
        d.imm2 = CPU.conditionTable((w >> 12) & 0xF)
    }

    /// imm: the width; imm2: VFPExpandImm(imm8). imm5 (bits 9:5) other than zero is reserved.
    static func fpImmediate(_ w: UInt32, _ d: inout DecodedInstruction) {
        guard let width = fpArithmeticWidth(w), (w >> 5) & 31 == 0 else { return markReserved(&d) }
        d.rd = UInt8(w & 31)
        d.imm = UInt64(width)
        d.imm2 = CPU.vfpExpandImm(UInt64((w >> 13) & 0xFF), .ofWidth(UInt64(width)))
    }

    /// imm: the `FPConversion`. FMOV (general) exists for sf:ftype:rmode 0:00:00, 1:01:00
    /// and 1:10:01 only; FCVTA[SU] and [SU]CVTF for rmode 00 only.
    static func fpIntegerConversion(_ w: UInt32, _ d: inout DecodedInstruction) {
        let sf = w >> 31 == 1, bits = sf ? 64 : 32
        let ftype = (w >> 22) & 3, rmode = (w >> 19) & 3, opcode = (w >> 16) & 7
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        if opcode >= 6 {
            let toGeneral = opcode == 6
            switch (sf, ftype, rmode) {
            case (false, 0, 0), (true, 1, 0):
                d.imm = FPConversion(toGeneral ? .fmovToGeneral : .fmovFromGeneral, integerBits: bits).raw
            case (true, 2, 1):
                d.imm = FPConversion(toGeneral ? .fmovToGeneralUpper : .fmovFromGeneralUpper, integerBits: bits).raw
            default: markReserved(&d)
            }
            return
        }
        guard let width = fpArithmeticWidth(w) else { return markReserved(&d) }
        let unsigned = opcode & 1 == 1
        switch opcode >> 1 {
        case 0:  // FCVT[NPMZ][SU]: rmode is the FPRounding
            d.imm = FPConversion(.toFixed, width: width, integerBits: bits, unsigned: unsigned,
                                 rounding: FPRounding(rawValue: UInt8(rmode)) ?? .tieEven).raw
        case 2:  // FCVTA[SU]
            guard rmode == 0 else { return markReserved(&d) }
            d.imm = FPConversion(.toFixed, width: width, integerBits: bits, unsigned: unsigned, rounding: .tieAway).raw
        default:  // [SU]CVTF
            guard rmode == 0 else { return markReserved(&d) }
            d.imm = FPConversion(.fromFixed, width: width, integerBits: bits, unsigned: unsigned).raw
        }
    }

    /// imm: the `FPConversion`, fbits = 64 - scale (bits 15:10); a 32-bit form with scale < 32
    /// and rmode:opcode other than FCVTZ[SU] and [SU]CVTF are reserved.
    static func fpFixedConversion(_ w: UInt32, _ d: inout DecodedInstruction) {
        let sf = w >> 31 == 1, scale = Int((w >> 10) & 0x3F), rmodeOpcode = (w >> 16) & 0x1F
        guard let width = fpArithmeticWidth(w), sf || scale >= 32 else { return markReserved(&d) }
        let unsigned = rmodeOpcode & 1 == 1, bits = sf ? 64 : 32
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        switch rmodeOpcode {
        case 0b11000, 0b11001:
            d.imm = FPConversion(.toFixed, width: width, integerBits: bits, unsigned: unsigned, rounding: .zero, fbits: 64 - scale).raw
        case 0b00010, 0b00011:
            d.imm = FPConversion(.fromFixed, width: width, integerBits: bits, unsigned: unsigned, fbits: 64 - scale).raw
        default: markReserved(&d)
        }
    }
}
