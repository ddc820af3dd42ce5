/// The reciprocal and reciprocal-square-root estimates and steps (ARM ARM shared pseudocode):
/// FPRecipEstimate, FPRSqrtEstimate, UnsignedRecipEstimate, UnsignedRSqrtEstimate, FPRecpX,
/// FPRecipStepFused and FPRSqrtStepFused, for FRECPE, FRSQRTE, URECPE, URSQRTE, FRECPX,
/// FRECPS and FRSQRTS. The estimates are the architecture's 8-bit table functions, computed
/// as the pseudocode computes them, so every implementation returns the same bits.
extension SoftFP {
    /// RecipEstimate: a in 256…511 (a fixed-point value in [0.5, 1)), result in 256…511.
    static func recipEstimate(_ a: Int) -> Int {
        let b = (1 << 19) / (a * 2 + 1)
        return (b + 1) / 2
    }

    /// RecipSqrtEstimate: a in 128…511 (a value in [0.25, 1)), result in 256…511.
    static func recipSqrtEstimate(_ a: Int) -> Int {
        let x = a < 256 ? a * 2 + 1 : (((a >> 1) << 1) + 1) * 2
        var b = 512
        while x * (b + 1) * (b + 1) < 1 << 28 { b += 1 }  // at most ~500 steps
        return (b + 1) / 2
    }

    /// FPRecipEstimate (FRECPE).
    static func recipEstimate(_ op: UInt64, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        let u = unpack(op, fmt, &env)
        let sign = u.sign
        switch u.type {
        case .qnan, .snan: return processNaN(u.type, op, fmt, &env)
        case .infinity: return fmt.zero(sign)
        case .zero:
            env.flags |= FPEnvironment.dzc
            return fmt.infinity(sign)
        case .nonzero: break
        }
        let magnitude = op & (fmt.signBit - 1)
        // |value| < 2^-(bias+2): the reciprocal overflows.
        if magnitude < 1 << UInt64(fmt.f - 2) {
            let toInf: Bool
            switch env.rounding {
            case .tieEven, .tieAway: toInf = true
            case .posInf: toInf = !sign
            case .negInf: toInf = sign
            case .zero, .odd: toInf = false
            }
            env.flags |= FPEnvironment.ofc | FPEnvironment.ixc
            return toInf ? fmt.infinity(sign) : fmt.maxNormal(sign)
        }
        var exp = Int(truncatingIfNeeded: magnitude >> UInt64(fmt.f))
        if env.fz && fmt.n != 16 && exp >= 2 * fmt.bias - 1 {  // the reciprocal is below the normal range
            env.flags |= FPEnvironment.ufc
            return fmt.zero(sign)
        }
        var fraction = (op & fmt.fracMask) << UInt64(52 - fmt.f)  // as a 52-bit double fraction
        if exp == 0 {
            if fraction >> 51 == 0 {
                exp = -1
                fraction = (fraction << 2) & ((1 << 52) - 1)
            } else {
                fraction = (fraction << 1) & ((1 << 52) - 1)
            }
        }
        let scaled = Int(1 << 8 | fraction >> 44)
        var resultExp = 2 * fmt.bias - 1 - exp
        let estimate = UInt64(recipEstimate(scaled))
        var resultFraction = (estimate & 0xFF) << 44
        if resultExp == 0 {
            resultFraction = 1 << 51 | resultFraction >> 1
        } else if resultExp == -1 {
            resultFraction = 1 << 50 | resultFraction >> 2
            resultExp = 0
        }
        return fmt.zero(sign) | UInt64(resultExp) << UInt64(fmt.f) | resultFraction >> UInt64(52 - fmt.f)
    }

    /// FPRSqrtEstimate (FRSQRTE).
    static func rsqrtEstimate(_ op: UInt64, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        let u = unpack(op, fmt, &env)
        switch u.type {
        case .qnan, .snan: return processNaN(u.type, op, fmt, &env)
        case .zero:
            env.flags |= FPEnvironment.dzc
            return fmt.infinity(u.sign)
        case _ where u.sign:
            env.flags |= FPEnvironment.ioc
            return fmt.defaultNaN
        case .infinity: return fmt.zero(false)
        default: break
        }
        var exp = Int(truncatingIfNeeded: (op >> UInt64(fmt.f)) & fmt.expMask)
        var fraction = (op & fmt.fracMask) << UInt64(52 - fmt.f)
        if exp == 0 {
            while fraction >> 51 == 0 {  // a denormal: at most 52 steps
                fraction = (fraction << 1) & ((1 << 52) - 1)
                exp -= 1
            }
            fraction = (fraction << 1) & ((1 << 52) - 1)
        }
        let scaled = exp & 1 == 0 ? Int(1 << 8 | fraction >> 44) : Int(1 << 7 | fraction >> 45)
        // (3·bias − 1 − exp) DIV 2, rounding towards −∞ (the numerator is positive)
        let resultExp = (3 * fmt.bias - 1 - exp) / 2
        let estimate = UInt64(recipSqrtEstimate(scaled))
        return UInt64(resultExp) << UInt64(fmt.f) | (estimate & 0xFF) << UInt64(fmt.f - 8)
    }

    /// UnsignedRecipEstimate (URECPE) of a 32-bit element.
    static func unsignedRecipEstimate(_ op: UInt64) -> UInt64 {
        if op >> 31 & 1 == 0 { return 0xFFFF_FFFF }
        return UInt64(recipEstimate(Int(op >> 23 & 0x1FF))) << 23
    }

    /// UnsignedRSqrtEstimate (URSQRTE) of a 32-bit element.
    static func unsignedRSqrtEstimate(_ op: UInt64) -> UInt64 {
        if op >> 30 & 3 == 0 { return 0xFFFF_FFFF }  // below 0.25
        return UInt64(recipSqrtEstimate(Int(op >> 23 & 0x1FF))) << 23
    }

    /// FPRecpX (FRECPX): the exponent inverted, the fraction cleared (zero and denormals: the
    /// largest normal exponent).
    static func recpX(_ op: UInt64, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        let u = unpack(op, fmt, &env)
        if u.type.isNaN { return processNaN(u.type, op, fmt, &env) }
        let exp = (op >> UInt64(fmt.f)) & fmt.expMask
        let newExp = exp == 0 ? fmt.expMask - 1 : ~exp & fmt.expMask
        return fmt.zero(u.sign) | newExp << UInt64(fmt.f)
    }

    /// FPRecipStepFused (FRECPS: 2 − op1 × op2) and FPRSqrtStepFused (FRSQRTS: (3 − op1 × op2) / 2),
    /// each rounded once; infinity × zero gives 2.0 and 1.5 without Invalid Operation.
    static func stepFused(_ op1: UInt64, _ op2: UInt64, rsqrt: Bool, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        let negated = op1 ^ fmt.signBit
        let a = unpack(negated, fmt, &env), b = unpack(op2, fmt, &env)
        if let nan = processNaNs(a, b, negated, op2, fmt, &env) { return nan }
        let halve = rsqrt ? 1 : 0
        let constant = rsqrt ? Exact(sign: false, exp: 0, sig: 3) : Exact(sign: false, exp: 1, sig: 1)
        if (a.isInf && b.isZero) || (a.isZero && b.isInf) {
            return rsqrt ? UInt64(fmt.bias) << UInt64(fmt.f) | fmt.quietBit : UInt64(fmt.bias + 1) << UInt64(fmt.f)
        }
        if a.isInf || b.isInf { return fmt.infinity(a.sign != b.sign) }
        let rounding = env.rounding
        if a.isZero || b.isZero {
            return round(sign: false, exp: constant.exp - halve, sig: constant.sig, fmt, &env, rounding)
        }
        let product = Exact(sign: a.sign != b.sign, exp: a.exp + b.exp, sig: UInt128(a.mant) * UInt128(b.mant))
        guard let r = addExact(constant, product) else { return fmt.zero(rounding == .negInf) }
        return round(sign: r.sign, exp: r.exp - halve, sig: r.sig, fmt, &env, rounding)
    }
}
