/// Advanced SIMD two-register miscellaneous, floating point (single and double precision):
/// FABS, FNEG, FSQRT, FRINT[NPMZAXI], FCVT[NPMZA][SU], [SU]CVTF, the compares with zero
/// FCMGT, FCMGE, FCMEQ, FCMLE, FCMLT, the precision changes FCVTN(2), FCVTXN(2), FCVTL(2),
/// and the estimates FRECPE, FRSQRTE, URECPE, URSQRTE, FRECPX (scalar).
extension CPU {
    func fpTwoRegisterMisc(_ w: UInt32, scalar: Bool = false) -> Bool {
        let q = (w >> 30) & 1 == 1 || scalar, u = (w >> 29) & 1 == 1, opcode = (w >> 12) & 0x1F
        let a = (w >> 23) & 1 == 1, sz = (w >> 22) & 1
        let rd = w & 31, n = vreg((w >> 5) & 31)
        if opcode == 0b10110 || opcode == 0b10111 { return fpConvertPrecision(w, scalar: scalar) }
        guard sz == 0 || q else { return false }
        let fmt: FPFormat = sz == 1 ? .double : .single
        let esize = fmt.n, elements = scalar ? 1 : (q ? 128 : 64) / esize
        enum Op {
            case abs, neg, sqrt, round(FPRounding?, exact: Bool), toInt(FPRounding), fromInt, compare(UInt32)
            case recipEstimate, rsqrtEstimate, unsignedRecipEstimate, unsignedRSqrtEstimate, recpX
        }
        let op: Op
        switch (u, a, opcode) {
        case (false, true, 0b01111): op = .abs
        case (true, true, 0b01111): op = .neg
        case (true, true, 0b11111): op = .sqrt
        case (false, false, 0b11000): op = .round(.tieEven, exact: false)  // FRINTN
        case (true, false, 0b11000): op = .round(.tieAway, exact: false)  // FRINTA
        case (false, true, 0b11000): op = .round(.posInf, exact: false)  // FRINTP
        case (false, false, 0b11001): op = .round(.negInf, exact: false)  // FRINTM
        case (false, true, 0b11001): op = .round(.zero, exact: false)  // FRINTZ
        case (true, false, 0b11001): op = .round(nil, exact: true)  // FRINTX
        case (true, true, 0b11001): op = .round(nil, exact: false)  // FRINTI
        case (_, false, 0b11010): op = .toInt(.tieEven)
        case (_, true, 0b11010): op = .toInt(.posInf)
        case (_, false, 0b11011): op = .toInt(.negInf)
        case (_, true, 0b11011): op = .toInt(.zero)
        case (_, false, 0b11100): op = .toInt(.tieAway)
        case (_, false, 0b11101): op = .fromInt
        case (_, true, 0b01100), (_, true, 0b01101), (false, true, 0b01110): op = .compare(opcode << 1 | (u ? 1 : 0))
        case (false, true, 0b11101): op = .recipEstimate
        case (true, true, 0b11101): op = .rsqrtEstimate
        case (false, true, 0b11100): op = .unsignedRecipEstimate
        case (true, true, 0b11100): op = .unsignedRSqrtEstimate
        case (false, true, 0b11111): op = .recpX
        default: return false
        }
        switch op {
        case .unsignedRecipEstimate, .unsignedRSqrtEstimate: guard sz == 0, !scalar else { return false }
        case .recpX: guard scalar else { return false }
        default: break
        }
        if scalar {  // FABS, FNEG, FSQRT and FRINT* have no AdvSIMD scalar form
            switch op {
            case .abs, .neg, .sqrt, .round: return false
            default: break
            }
        }
        var r = V128.zero
        withFPEnvironment { env in
            for e in 0..<elements {
                let x = n.lane(e, esize)
                let result: UInt64
                switch op {
                case .abs: result = x & ~fmt.signBit
                case .neg: result = x ^ fmt.signBit
                case .sqrt: result = SoftFP.sqrt(x, fmt, &env)
                case .round(let mode, let exact): result = SoftFP.roundInt(x, fmt, mode ?? env.rounding, exact: exact, &env)
                case .toInt(let mode): result = SoftFP.toFixed(x, fmt, fbits: 0, unsigned: u, bits: esize, mode, &env)
                case .fromInt: result = SoftFP.fromFixed(x, bits: esize, fbits: 0, unsigned: u, fmt, env.rounding, &env)
                case .recipEstimate: result = SoftFP.recipEstimate(x, fmt, &env)
                case .rsqrtEstimate: result = SoftFP.rsqrtEstimate(x, fmt, &env)
                case .unsignedRecipEstimate: result = SoftFP.unsignedRecipEstimate(x)
                case .unsignedRSqrtEstimate: result = SoftFP.unsignedRSqrtEstimate(x)
                case .recpX: result = SoftFP.recpX(x, fmt, &env)
                case .compare(let which):
                    let zero: UInt64 = 0
                    let holds: Bool
                    switch which {
                    case 0b01100_0: holds = SoftFP.compare(x, zero, signalNaNs: true, fmt, &env) >> 28 == 0b0010  // FCMGT
                    case 0b01100_1: holds = [0b0010, 0b0110].contains(SoftFP.compare(x, zero, signalNaNs: true, fmt, &env) >> 28)  // FCMGE
                    case 0b01101_0: holds = SoftFP.compare(x, zero, signalNaNs: false, fmt, &env) >> 28 == 0b0110  // FCMEQ
                    case 0b01101_1: holds = [0b1000, 0b0110].contains(SoftFP.compare(x, zero, signalNaNs: true, fmt, &env) >> 28)  // FCMLE
                    default: holds = SoftFP.compare(x, zero, signalNaNs: true, fmt, &env) >> 28 == 0b1000  // FCMLT
                    }
                    result = holds ? V128.mask(esize) : 0
                }
                r.setLane(e, esize, result)
            }
        }
        if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r, q: q) }
        return retireFP()
    }

    /// FCVTN(2) (opcode 10110): narrowed into the half Q selects, the other half kept for FCVTN2;
    /// FCVTXN(2) (U = 1) the same from double to single rounding to odd; FCVTL(2) (10111):
    /// widened from the half Q selects. sz: 0 half/single, 1 single/double. The scalar group
    /// has only FCVTXN.
    func fpConvertPrecision(_ w: UInt32, scalar: Bool) -> Bool {
        let q = (w >> 30) & 1 == 1 && !scalar, u = (w >> 29) & 1 == 1, sz = (w >> 22) & 1
        let widen = (w >> 12) & 1 == 1
        guard (w >> 23) & 1 == 0, !u || (sz == 1 && !widen), !scalar || (u && !widen) else { return false }
        let rd = w & 31, n = vreg((w >> 5) & 31)
        let narrow: FPFormat = sz == 1 ? .single : .half, wide: FPFormat = sz == 1 ? .double : .single
        let count = scalar ? 1 : 128 / wide.n
        var r: V128
        if !widen {
            r = q ? vreg(rd) : .zero
            withFPEnvironment { env in
                let rounding = u ? FPRounding.odd : env.rounding
                for e in 0..<count {
                    r.setLane(e + (q ? count : 0), narrow.n,
                              SoftFP.convert(n.lane(e, wide.n), from: wide, to: narrow, rounding, &env))
                }
            }
        } else {
            r = .zero
            withFPEnvironment { env in
                for e in 0..<count {
                    r.setLane(e, wide.n, SoftFP.convert(n.lane(e + (q ? count : 0), narrow.n), from: narrow, to: wide, env.rounding, &env))
                }
            }
        }
        if scalar { simd.setScalar(rd, r.lo, width: 32) } else { setVreg(rd, r) }
        return retireFP()
    }
}
