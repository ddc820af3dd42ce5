/// Advanced SIMD two-register miscellaneous, floating point (single and double precision):
/// FABS, FNEG, FSQRT, FRINT[NPMZAXI], FCVT[NPMZA][SU], [SU]CVTF, the compares with zero
/// FCMGT, FCMGE, FCMEQ, FCMLE, FCMLT, the precision changes FCVTN(2), FCVTXN(2), FCVTL(2),
/// and the estimates FRECPE, FRSQRTE, URECPE, URSQRTE, FRECPX (scalar).
extension A64Decode {
    /// The floating-point operations (opcode 011xx and 10110-11111) and their element size (the
    /// format's; the wider format's for the precision changes), nil when reserved.
    static func fpTwoRegisterMisc(_ w: UInt32, scalar: Bool) -> (AdvSIMDTwoRegisterMiscOperation, Int)? {
        let q = (w >> 30) & 1 == 1 || scalar, u = (w >> 29) & 1 == 1, opcode = (w >> 12) & 0x1F
        let a = (w >> 23) & 1 == 1, sz = (w >> 22) & 1
        let esize = sz == 1 ? 64 : 32
        if opcode == 0b10110 || opcode == 0b10111 {
            // FCVTN(2) and FCVTL(2) for half/single (sz = 0) and single/double; FCVTXN(2) for
            // single/double only; the scalar group has only FCVTXN.
            let widen = opcode == 0b10111
            guard !a, !u || (sz == 1 && !widen), !scalar || (u && !widen) else { return nil }
            return (widen ? .fcvtl : u ? .fcvtxn : .fcvtn, esize)
        }
        guard sz == 0 || q else { return nil }
        let operation: AdvSIMDTwoRegisterMiscOperation
        switch (u, a, opcode) {
        case (false, true, 0b01111): operation = .fabs
        case (true, true, 0b01111): operation = .fneg
        case (true, true, 0b11111): operation = .fsqrt
        case (false, false, 0b11000): operation = .frintn
        case (true, false, 0b11000): operation = .frinta
        case (false, true, 0b11000): operation = .frintp
        case (false, false, 0b11001): operation = .frintm
        case (false, true, 0b11001): operation = .frintz
        case (true, false, 0b11001): operation = .frintx
        case (true, true, 0b11001): operation = .frinti
        case (_, false, 0b11010): operation = u ? .fcvtnu : .fcvtns
        case (_, true, 0b11010): operation = u ? .fcvtpu : .fcvtps
        case (_, false, 0b11011): operation = u ? .fcvtmu : .fcvtms
        case (_, true, 0b11011): operation = u ? .fcvtzu : .fcvtzs
        case (_, false, 0b11100): operation = u ? .fcvtau : .fcvtas
        case (_, false, 0b11101): operation = u ? .ucvtf : .scvtf
        case (_, true, 0b01100): operation = u ? .fcmge : .fcmgt
        case (_, true, 0b01101): operation = u ? .fcmle : .fcmeq
        case (false, true, 0b01110): operation = .fcmlt
        case (false, true, 0b11101): operation = .frecpe
        case (true, true, 0b11101): operation = .frsqrte
        case (false, true, 0b11100): operation = .urecpe
        case (true, true, 0b11100): operation = .ursqrte
        case (false, true, 0b11111): operation = .frecpx
        default: return nil
        }
        switch operation {
        case .urecpe, .ursqrte: guard sz == 0, !scalar else { return nil }
        case .frecpx: guard scalar else { return nil }
        case .fabs, .fneg, .fsqrt, .frintn, .frinta, .frintp, .frintm, .frintz, .frintx, .frinti:
            guard !scalar else { return nil }  // no AdvSIMD scalar form
        default: break
        }
        return (operation, esize)
    }
}

extension AdvSIMDTwoRegisterMiscOperation {
    /// The rounding of FRINT[NAPMZ] and FCVT[NPMZA][SU]; nil for the FPCR's (FRINTX, FRINTI).
    var rounding: FPRounding? {
        switch self {
        case .frintn, .fcvtns, .fcvtnu: .tieEven
        case .frinta, .fcvtas, .fcvtau: .tieAway
        case .frintp, .fcvtps, .fcvtpu: .posInf
        case .frintm, .fcvtms, .fcvtmu: .negInf
        case .frintz, .fcvtzs, .fcvtzu: .zero
        default: nil
        }
    }

    /// The FCVT*U forms and UCVTF: unsigned integers.
    var unsignedInteger: Bool {
        switch self {
        case .fcvtnu, .fcvtpu, .fcvtmu, .fcvtzu, .fcvtau, .ucvtf: true
        default: false
        }
    }
}

extension CPU {
    /// `operation` is `o.operation`, decoded once by the caller.
    func fpTwoRegisterMisc(_ d: DecodedInstruction, _ operation: AdvSIMDTwoRegisterMiscOperation,
                           _ o: AdvSIMDTwoRegisterMiscOperands, scalar: Bool) -> Bool {
        switch operation {
        case .fcvtn, .fcvtxn, .fcvtl: return fpConvertPrecision(d, operation, o, scalar: scalar)
        default: break
        }
        let fmt: FPFormat = o.esize == 64 ? .double : .single
        let esize = fmt.n, q = o.q, elements = scalar ? 1 : (q ? 128 : 64) / esize
        let rd = UInt32(d.rd), n = vreg(UInt32(d.rn))
        let unsigned = operation.unsignedInteger
        var r = V128.zero
        withFPEnvironment { env in
            for e in 0..<elements {
                let x = n.lane(e, esize)
                let result: UInt64
                switch operation {
                case .fabs: result = x & ~fmt.signBit
                case .fneg: result = x ^ fmt.signBit
                case .fsqrt: result = SoftFP.sqrt(x, fmt, &env)
                case .frintn, .frinta, .frintp, .frintm, .frintz, .frinti:
                    result = SoftFP.roundInt(x, fmt, operation.rounding ?? env.rounding, exact: false, &env)
                case .frintx: result = SoftFP.roundInt(x, fmt, env.rounding, exact: true, &env)
                case .fcvtns, .fcvtnu, .fcvtps, .fcvtpu, .fcvtms, .fcvtmu, .fcvtzs, .fcvtzu, .fcvtas, .fcvtau:
                    result = SoftFP.toFixed(x, fmt, fbits: 0, unsigned: unsigned, bits: esize, operation.rounding ?? .zero, &env)
                case .scvtf, .ucvtf: result = SoftFP.fromFixed(x, bits: esize, fbits: 0, unsigned: unsigned, fmt, env.rounding, &env)
                case .frecpe: result = SoftFP.recipEstimate(x, fmt, &env)
                case .frsqrte: result = SoftFP.rsqrtEstimate(x, fmt, &env)
                case .urecpe: result = SoftFP.unsignedRecipEstimate(x)
                case .ursqrte: result = SoftFP.unsignedRSqrtEstimate(x)
                case .frecpx: result = SoftFP.recpX(x, fmt, &env)
                default:  // FCMGT, FCMGE, FCMEQ, FCMLE, FCMLT (with zero)
                    // NZCV of the comparison with +0: 0010 greater, 0110 equal, 1000 less.
                    let nzcv = SoftFP.compare(x, 0, signalNaNs: operation != .fcmeq, fmt, &env) >> 28
                    let holds: Bool
                    switch operation {
                    case .fcmgt: holds = nzcv == 0b0010
                    case .fcmge: holds = nzcv == 0b0010 || nzcv == 0b0110
                    case .fcmeq: holds = nzcv == 0b0110
                    case .fcmle: holds = nzcv == 0b1000 || nzcv == 0b0110
                    default: holds = nzcv == 0b1000
                    }
                    result = holds ? V128.mask(esize) : 0
                }
                r.setLane(e, esize, result)
            }
        }
        if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r, q: q) }
        return retireFP()
    }

    /// FCVTN(2): narrowed into the half Q selects, the other half kept for FCVTN2; FCVTXN(2)
    /// the same from double to single rounding to odd; FCVTL(2): widened from the half Q
    /// selects. esize is the wider format's.
    private func fpConvertPrecision(_ d: DecodedInstruction, _ operation: AdvSIMDTwoRegisterMiscOperation,
                                    _ o: AdvSIMDTwoRegisterMiscOperands, scalar: Bool) -> Bool {
        let q = o.q, rd = UInt32(d.rd), n = vreg(UInt32(d.rn))
        let narrow: FPFormat = o.esize == 64 ? .single : .half, wide: FPFormat = o.esize == 64 ? .double : .single
        let count = scalar ? 1 : 128 / wide.n
        var r: V128
        if operation != .fcvtl {
            r = q ? vreg(rd) : .zero
            let odd = operation == .fcvtxn
            withFPEnvironment { env in
                let rounding = odd ? FPRounding.odd : env.rounding
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
