/// Advanced SIMD three same, floating point (single and double precision), vector and scalar:
/// FADD, FSUB, FMUL, FDIV, FMULX, FMAX, FMIN, FMAXNM, FMINNM, FMLA, FMLS, FABD, the pairwise
/// FADDP, FMAXP, FMINP, FMAXNMP, FMINNMP, and the compares FCMEQ, FCMGE, FCMGT, FACGE, FACGT
/// (all ones or zero per element), and the Newton-Raphson steps FRECPS and FRSQRTS.
extension CPU {
    /// The operations, named by U:size<1>:opcode<2:0> of the encoding.
    enum FPBinary: UInt32 {
        case maxNum = 0b0_0_000, mla = 0b0_0_001, add = 0b0_0_010, mulX = 0b0_0_011, cmeq = 0b0_0_100, max = 0b0_0_110, recpS = 0b0_0_111
        case minNum = 0b0_1_000, mls = 0b0_1_001, sub = 0b0_1_010, min = 0b0_1_110, rsqrtS = 0b0_1_111
        case maxNumP = 0b1_0_000, addP = 0b1_0_010, mul = 0b1_0_011, cmge = 0b1_0_100, acge = 0b1_0_101, maxP = 0b1_0_110, div = 0b1_0_111
        case minNumP = 0b1_1_000, abd = 0b1_1_010, cmgt = 0b1_1_100, acgt = 0b1_1_101, minP = 0b1_1_110

        var isPairwise: Bool { self == .maxNumP || self == .addP || self == .maxP || self == .minNumP || self == .minP }

        /// The operation a decoder stored in a record's `imm`.
        @inline(__always) init(decoded imm: UInt64) { self = FPBinary(rawValue: UInt32(truncatingIfNeeded: imm)) ?? .add }
    }

    /// The floating-point three-same forms (opcode 11xxx), decoded by `A64Decode.threeSameFP`.
    func advSIMDThreeSameFP(_ d: DecodedInstruction, scalar: Bool) -> Bool {
        let op = FPBinary(decoded: d.imm), layout = AdvSIMDLayout(d.imm2)
        let esize = layout.esize, elements = layout.elements
        let fmt: FPFormat = esize == 64 ? .double : .single
        let rd = UInt32(d.rd)
        let n = vreg(UInt32(d.rn)), m = vreg(UInt32(d.rm)), dst = vreg(rd)
        var r = V128.zero
        withFPEnvironment { env in
            for e in 0..<elements {
                let a: UInt64, b: UInt64
                if op.isPairwise {
                    let src = e < elements / 2 ? n : m, i = (2 * e) % elements
                    (a, b) = (src.lane(i, esize), src.lane(i + 1, esize))
                } else {
                    (a, b) = (n.lane(e, esize), m.lane(e, esize))
                }
                r.setLane(e, esize, CPU.fpBinary(op, a, b, dst.lane(e, esize), fmt, &env))
            }
        }
        if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r, q: layout.q) }
        return retireFP()
    }

    @inline(__always)
    static func fpBinary(_ op: FPBinary, _ a: UInt64, _ b: UInt64, _ d: UInt64, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        let ones = V128.mask(fmt.n)
        switch op {
        case .add, .addP: return SoftFP.add(a, b, fmt, &env)
        case .sub: return SoftFP.add(a, b, subtract: true, fmt, &env)
        case .mul: return SoftFP.mul(a, b, fmt, &env)
        case .div: return SoftFP.div(a, b, fmt, &env)
        case .mulX: return SoftFP.mulX(a, b, fmt, &env)
        case .recpS: return SoftFP.stepFused(a, b, rsqrt: false, fmt, &env)
        case .rsqrtS: return SoftFP.stepFused(a, b, rsqrt: true, fmt, &env)
        case .max, .maxP: return SoftFP.minMax(a, b, max: true, fmt, &env)
        case .min, .minP: return SoftFP.minMax(a, b, max: false, fmt, &env)
        case .maxNum, .maxNumP: return SoftFP.minMaxNum(a, b, max: true, fmt, &env)
        case .minNum, .minNumP: return SoftFP.minMaxNum(a, b, max: false, fmt, &env)
        case .mla: return SoftFP.mulAdd(d, a, b, fmt, &env)
        case .mls: return SoftFP.mulAdd(d, a ^ fmt.signBit, b, fmt, &env)
        case .abd: return SoftFP.add(a, b, subtract: true, fmt, &env) & ~fmt.signBit
        case .cmeq: return SoftFP.compare(a, b, signalNaNs: false, fmt, &env) >> 28 == 0b0110 ? ones : 0
        case .cmge:
            let c = SoftFP.compare(a, b, signalNaNs: true, fmt, &env) >> 28
            return c == 0b0110 || c == 0b0010 ? ones : 0
        case .cmgt: return SoftFP.compare(a, b, signalNaNs: true, fmt, &env) >> 28 == 0b0010 ? ones : 0
        case .acge:
            let c = SoftFP.compare(a & ~fmt.signBit, b & ~fmt.signBit, signalNaNs: true, fmt, &env) >> 28
            return c == 0b0110 || c == 0b0010 ? ones : 0
        case .acgt: return SoftFP.compare(a & ~fmt.signBit, b & ~fmt.signBit, signalNaNs: true, fmt, &env) >> 28 == 0b0010 ? ones : 0
        }
    }
}

extension SoftFP {
    /// FPMulX: FPMul, except that infinity × zero is 2.0 (with the product's sign), not Invalid.
    static func mulX(_ op1: UInt64, _ op2: UInt64, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        var probe = env
        let a = unpack(op1, fmt, &probe), b = unpack(op2, fmt, &probe)
        if !a.type.isNaN && !b.type.isNaN && ((a.isInf && b.isZero) || (a.isZero && b.isInf)) {
            env = probe
            return (a.sign != b.sign ? fmt.signBit : 0) | UInt64(fmt.bias + 1) << UInt64(fmt.f)
        }
        return mul(op1, op2, fmt, &env)
    }
}

extension A64Decode {
    /// The floating-point three-same forms (opcode 11xxx) of the vector and scalar classes:
    /// Rd, Rn, Rm; `imm3` = `AdvSIMDThreeSameForm.floatingPoint`, `imm` the `CPU.FPBinary`,
    /// `imm2` the layout (esize 32 or 64 from sz; one element for the scalar forms).
    static func threeSameFP(_ w: UInt32, _ d: inout DecodedInstruction, scalar: Bool) {
        let q = (w >> 30) & 1 == 1, sz = (w >> 22) & 1
        guard let op = CPU.FPBinary(rawValue: ((w >> 29) & 1) << 4 | ((w >> 23) & 1) << 3 | (w >> 11) & 7) else {
            return markReserved(&d)
        }
        if scalar {
            switch op {
            case .mulX, .cmeq, .cmge, .cmgt, .acge, .acgt, .abd, .recpS, .rsqrtS: break
            default: return markReserved(&d)
            }
        } else if sz == 1 && !q {
            return markReserved(&d)
        }
        let esize = sz == 1 ? 64 : 32
        d.imm3 = AdvSIMDThreeSameForm.floatingPoint.rawValue
        d.imm = UInt64(op.rawValue)
        d.imm2 = AdvSIMDLayout(esize: esize, elements: scalar ? 1 : (q ? 128 : 64) / esize, q: q).raw
    }
}
