/// Data processing -- scalar floating-point (ARM ARM C4.1.96): the executors for single and
/// double precision, plus FCVT to and from half precision. Half-precision arithmetic
/// (FEAT_FP16) is not implemented: those encodings are UNDEFINED.
extension CPU {
    /// The single or double format of `ftype` (bits 23:22), nil for half (FP16) and 0b10.
    @inline(__always) func fpFormat(_ w: UInt32) -> FPFormat? {
        switch (w >> 22) & 3 {
        case 0: return .single
        case 1: return .double
        default: return nil
        }
    }

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

    /// FMADD, FMSUB, FNMADD, FNMSUB: FPMulAdd with the addend (o1) and Rn (o0 != o1) negated.
    func fpDataProcessing3(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        guard let fmt = fpFormat(w) else { return false }
        let rd = w & 31, rn = (w >> 5) & 31, ra = (w >> 10) & 31, rm = (w >> 16) & 31
        let o1 = (w >> 21) & 1, o0 = (w >> 15) & 1
        var a = simd.scalar(ra, width: fmt.n), n = simd.scalar(rn, width: fmt.n)
        let m = simd.scalar(rm, width: fmt.n)
        if o1 == 1 { a ^= fmt.signBit }
        if o0 != o1 { n ^= fmt.signBit }
        simd.setScalar(rd, withFPEnvironment { SoftFP.mulAdd(a, n, m, fmt, &$0) }, width: fmt.n)
        return retireFP()
    }

    /// FMUL, FDIV, FADD, FSUB, FMAX, FMIN, FMAXNM, FMINNM, FNMUL.
    func fpDataProcessing2(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        guard let fmt = fpFormat(w) else { return false }
        let rd = w & 31, rn = (w >> 5) & 31, rm = (w >> 16) & 31
        let n = simd.scalar(rn, width: fmt.n), m = simd.scalar(rm, width: fmt.n)
        let opcode = (w >> 12) & 0xF
        guard opcode <= 8 else { return false }
        let result: UInt64 = withFPEnvironment { env in
            switch opcode {
            case 0: return SoftFP.mul(n, m, fmt, &env)
            case 1: return SoftFP.div(n, m, fmt, &env)
            case 2: return SoftFP.add(n, m, fmt, &env)
            case 3: return SoftFP.add(n, m, subtract: true, fmt, &env)
            case 4: return SoftFP.minMax(n, m, max: true, fmt, &env)
            case 5: return SoftFP.minMax(n, m, max: false, fmt, &env)
            case 6: return SoftFP.minMaxNum(n, m, max: true, fmt, &env)
            case 7: return SoftFP.minMaxNum(n, m, max: false, fmt, &env)
            default: return SoftFP.mul(n, m, fmt, &env) ^ fmt.signBit  // FNMUL: FPNeg flips a NaN's sign too
            }
        }
        simd.setScalar(rd, result, width: fmt.n)
        return retireFP()
    }

    /// FMOV (register), FABS, FNEG, FSQRT, FCVT (between precisions), FRINT[NPMZAXI].
    func fpDataProcessing1(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        let rd = w & 31, rn = (w >> 5) & 31, opcode = (w >> 15) & 0x3F
        let ftype = (w >> 22) & 3
        if opcode & 0b111100 == 0b000100 {  // FCVT: opc (bits 16:15) is the destination type
            let formats: [FPFormat?] = [.single, .double, nil, .half]
            guard let src = formats[Int(ftype)], let dst = formats[Int(opcode & 3)], src != dst else { return false }
            let op = simd.scalar(rn, width: src.n)
            simd.setScalar(rd, withFPEnvironment { SoftFP.convert(op, from: src, to: dst, $0.rounding, &$0) }, width: dst.n)
            return retireFP()
        }
        guard let fmt = fpFormat(w) else { return false }
        let op = simd.scalar(rn, width: fmt.n)
        let result: UInt64
        switch opcode {
        case 0b000000: result = op
        case 0b000001: result = op & ~fmt.signBit
        case 0b000010: result = op ^ fmt.signBit
        case 0b000011: result = withFPEnvironment { SoftFP.sqrt(op, fmt, &$0) }
        case 0b001000...0b001111:
            let mode = opcode & 7
            if mode == 0b101 { return false }
            result = withFPEnvironment { env in
                let rounding: FPRounding = mode == 0b110 || mode == 0b111 ? env.rounding
                    : FPRounding(rawValue: UInt8(mode == 0b100 ? 4 : mode))!
                return SoftFP.roundInt(op, fmt, rounding, exact: mode == 0b110, &env)
            }
        default: return false
        }
        simd.setScalar(rd, result, width: fmt.n)
        return retireFP()
    }

    /// FCMP, FCMPE (bit 4), against Rm or (bit 3) zero: NZCV from FPCompare.
    func fpCompare(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        guard let fmt = fpFormat(w), (w >> 14) & 3 == 0, w & 7 == 0 else { return false }
        let n = simd.scalar((w >> 5) & 31, width: fmt.n)
        let m = (w >> 3) & 1 == 1 ? 0 : simd.scalar((w >> 16) & 31, width: fmt.n)
        nzcv = withFPEnvironment { SoftFP.compare(n, m, signalNaNs: (w >> 4) & 1 == 1, fmt, &$0) }
        return retireFP()
    }

    /// FCCMP, FCCMPE (bit 4): FPCompare when the condition holds, else the immediate NZCV.
    func fpConditionalCompare(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        guard let fmt = fpFormat(w) else { return false }
        if conditionHolds((w >> 12) & 0xF) {
            let n = simd.scalar((w >> 5) & 31, width: fmt.n), m = simd.scalar((w >> 16) & 31, width: fmt.n)
            nzcv = withFPEnvironment { SoftFP.compare(n, m, signalNaNs: (w >> 4) & 1 == 1, fmt, &$0) }
        } else {
            nzcv = UInt64(w & 0xF) << 28
        }
        return retireFP()
    }

    /// FCSEL: Rn if the condition holds, else Rm (no floating-point exception).
    func fpConditionalSelect(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        guard let fmt = fpFormat(w) else { return false }
        let source = conditionHolds((w >> 12) & 0xF) ? (w >> 5) & 31 : (w >> 16) & 31
        simd.setScalar(w & 31, simd.scalar(source, width: fmt.n), width: fmt.n)
        return retireFP()
    }

    /// FMOV (scalar, immediate): VFPExpandImm of imm8 (bits 20:13).
    func fpMoveImmediate(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        guard let fmt = fpFormat(w), (w >> 5) & 31 == 0 else { return false }
        simd.setScalar(w & 31, CPU.vfpExpandImm(UInt64((w >> 13) & 0xFF), fmt), width: fmt.n)
        return retireFP()
    }

    /// VFPExpandImm (ARM ARM): sign, NOT(b6):Replicate(b6, E-3):b5:b4 exponent, b3:b0 fraction top.
    static func vfpExpandImm(_ imm8: UInt64, _ fmt: FPFormat) -> UInt64 {
        let b6 = (imm8 >> 6) & 1
        let exp = (b6 ^ 1) << UInt64(fmt.e - 1) | (b6 == 1 ? (1 << UInt64(fmt.e - 3)) - 1 : 0) << 2 | (imm8 >> 4) & 3
        return (imm8 >> 7) << UInt64(fmt.n - 1) | exp << UInt64(fmt.f) | (imm8 & 0xF) << UInt64(fmt.f - 4)
    }

    /// FCVT[NPMZA][SU], [SU]CVTF and FMOV (general) between W/X registers and S/D/V.D[1].
    func fpIntegerConversion(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        let sf = w >> 31 == 1, bits = sf ? 64 : 32
        let rd = w & 31, rn = (w >> 5) & 31
        let ftype = (w >> 22) & 3, rmode = (w >> 19) & 3, opcode = (w >> 16) & 7
        if opcode >= 6 {  // FMOV (general)
            switch (sf, ftype, rmode) {
            case (false, 0, 0), (true, 1, 0):
                if opcode == 6 { setXR(rd, simd.scalar(rn, width: bits)) } else { simd.setScalar(rd, xr(rn), width: bits) }
            case (true, 2, 1):  // the top half of a 128-bit register; the bottom half is kept
                if opcode == 6 { setXR(rd, simd.v[Int(rn) * 2 + 1]) } else { simd.v[Int(rd) * 2 + 1] = xr(rn) }
            default: return false
            }
            return retireFP()
        }
        guard let fmt = fpFormat(w) else { return false }
        let unsigned = opcode & 1 == 1
        switch opcode >> 1 {
        case 0, 2:  // FCVT[NPMZ][SU] by rmode; FCVTA[SU] (rmode 00 only)
            if opcode >> 1 == 2 && rmode != 0 { return false }
            let rounding = opcode >> 1 == 2 ? FPRounding.tieAway : FPRounding(rawValue: UInt8(rmode))!
            let op = simd.scalar(rn, width: fmt.n)
            setXR(rd, withFPEnvironment { SoftFP.toFixed(op, fmt, fbits: 0, unsigned: unsigned, bits: bits, rounding, &$0) })
        default:  // [SU]CVTF
            guard rmode == 0 else { return false }
            let op = xr(rn)
            simd.setScalar(rd, withFPEnvironment { SoftFP.fromFixed(op, bits: bits, fbits: 0, unsigned: unsigned, fmt, $0.rounding, &$0) }, width: fmt.n)
        }
        return retireFP()
    }

    /// FCVTZ[SU] and [SU]CVTF (fixed point): fbits = 64 - scale (bits 15:10).
    func fpFixedConversion(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        guard let fmt = fpFormat(w) else { return false }
        let sf = w >> 31 == 1, bits = sf ? 64 : 32
        let scale = Int((w >> 10) & 0x3F)
        if !sf && scale < 32 { return false }
        let fbits = 64 - scale
        let rd = w & 31, rn = (w >> 5) & 31, rmodeOpcode = (w >> 16) & 0x1F
        switch rmodeOpcode {
        case 0b11000, 0b11001:
            let op = simd.scalar(rn, width: fmt.n)
            setXR(rd, withFPEnvironment { SoftFP.toFixed(op, fmt, fbits: fbits, unsigned: rmodeOpcode & 1 == 1, bits: bits, .zero, &$0) })
        case 0b00010, 0b00011:
            let op = xr(rn)
            simd.setScalar(rd, withFPEnvironment { SoftFP.fromFixed(op, bits: bits, fbits: fbits, unsigned: rmodeOpcode & 1 == 1, fmt, $0.rounding, &$0) }, width: fmt.n)
        default: return false
        }
        return retireFP()
    }
}
