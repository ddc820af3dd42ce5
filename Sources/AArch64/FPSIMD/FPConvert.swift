/// FPRoundInt, FPToFixed, FixedToFP and FPConvert (ARM ARM shared pseudocode): the FRINT*,
/// FCVT[NPMZA][SU] (integer and fixed point), SCVTF/UCVTF and FCVT (precision) operations.
extension SoftFP {
    /// The integer part of |value| = mant × 2^exp scaled by 2^scale, and what was discarded.
    /// The magnitude saturates at 2^100 (far above any destination's range).
    static func integerPart(_ u: FPUnpacked, scale: Int) -> (UInt128, RoundingError) {
        let e = u.exp + scale
        if e >= 0 {
            return (64 - u.mant.leadingZeroBitCount) + e > 100 ? (1 << 100, .exact) : (UInt128(u.mant) << UInt128(e), .exact)
        }
        let m = UInt128(u.mant) << 64  // 64 zero bits below the point: the sticky bit needs none
        let shift = 64 - e
        if shift >= 128 { return (0, .belowHalf) }
        let intPart = m >> UInt128(shift)
        let rem = m & ((1 << UInt128(shift)) - 1)
        let half = UInt128(1) << UInt128(shift - 1)
        return (intPart, rem == 0 ? .exact : rem < half ? .belowHalf : rem == half ? .half : .aboveHalf)
    }

    /// FPRoundInt: round to an integral value in the same format; `exact` (FRINTX) raises Inexact.
    static func roundInt(_ op: UInt64, _ fmt: FPFormat, _ rounding: FPRounding, exact: Bool, _ env: inout FPEnvironment) -> UInt64 {
        let u = unpack(op, fmt, &env)
        switch u.type {
        case .qnan, .snan: return processNaN(u.type, op, fmt, &env)
        case .infinity: return fmt.infinity(u.sign)
        case .zero: return fmt.zero(u.sign)
        case .nonzero: break
        }
        if u.exp >= 0 { return round(u, fmt, &env) }  // already integral
        var (r, error) = integerPart(u, scale: 0)
        if roundsUp(UInt64(truncatingIfNeeded: r), error, sign: u.sign, rounding) { r += 1 }
        let result = r == 0 ? fmt.zero(u.sign) : round(sign: u.sign, exp: 0, sig: r, fmt, &env, .zero)
        if error != .exact && exact { env.flags |= FPEnvironment.ixc }
        return result
    }

    /// FPToFixed: to a `bits`-bit (32 or 64) signed or unsigned integer with `fbits` fraction
    /// bits; NaNs give 0 and out-of-range values saturate, both with Invalid Operation instead
    /// of Inexact.
    static func toFixed(_ op: UInt64, _ fmt: FPFormat, fbits: Int, unsigned: Bool, bits: Int,
                        _ rounding: FPRounding, _ env: inout FPEnvironment) -> UInt64 {
        let u = unpack(op, fmt, &env)
        var r: UInt128 = 0
        var error = RoundingError.exact
        switch u.type {
        case .qnan, .snan: env.flags |= FPEnvironment.ioc
        case .infinity: r = 1 << 100
        case .zero: break
        case .nonzero:
            (r, error) = integerPart(u, scale: fbits)
            if roundsUp(UInt64(truncatingIfNeeded: r), error, sign: u.sign, rounding) { r += 1 }
        }
        let mask: UInt64 = bits == 64 ? .max : (1 << UInt64(bits)) - 1
        let limit: UInt128 = unsigned ? UInt128(mask) : UInt128(1) << UInt128(bits - 1)  // |min| when signed
        let result: UInt64
        var overflow = false
        if u.sign && r != 0 {
            if unsigned || r > limit { overflow = true; result = unsigned ? 0 : UInt64(truncatingIfNeeded: limit) & mask }
            else { result = (0 &- UInt64(truncatingIfNeeded: r)) & mask }
        } else {
            let maxPositive = unsigned ? limit : limit - 1
            if r > maxPositive { overflow = true; result = UInt64(truncatingIfNeeded: maxPositive) }
            else { result = UInt64(truncatingIfNeeded: r) }
        }
        if overflow { env.flags |= FPEnvironment.ioc }
        else if error != .exact { env.flags |= FPEnvironment.ixc }
        return result
    }

    /// FixedToFP: the `bits`-bit integer `op` (signed or not) divided by 2^fbits, rounded.
    static func fromFixed(_ op: UInt64, bits: Int, fbits: Int, unsigned: Bool, _ fmt: FPFormat,
                          _ rounding: FPRounding, _ env: inout FPEnvironment) -> UInt64 {
        let value = bits == 64 ? op : op & 0xFFFF_FFFF
        let negative = !unsigned && value >> UInt64(bits - 1) & 1 != 0
        let magnitude = negative ? (bits == 64 ? 0 &- value : (0 &- value) & 0xFFFF_FFFF) : value
        if magnitude == 0 { return fmt.zero(false) }
        return round(sign: negative, exp: -fbits, sig: UInt128(magnitude), fmt, &env, rounding)
    }

    /// FPConvert between half, single and double precision. NaNs keep their top payload bits
    /// (FPConvertNaN) unless FPCR.DN; an alternative-half-precision destination has no NaN or
    /// infinity (zero and the largest magnitude instead, with Invalid Operation).
    static func convert(_ op: UInt64, from src: FPFormat, to dst: FPFormat, _ rounding: FPRounding,
                        _ env: inout FPEnvironment) -> UInt64 {
        let u = unpack(op, src, &env)
        let altHP = dst.n == 16 && env.ahp
        switch u.type {
        case .qnan, .snan:
            var result: UInt64
            if altHP {
                result = dst.zero(u.sign)
            } else if env.dn {
                result = dst.defaultNaN
            } else {
                let frac = op & src.fracMask
                let payload = dst.f >= src.f ? frac << UInt64(dst.f - src.f) : frac >> UInt64(src.f - dst.f)
                result = dst.infinity(u.sign) | dst.quietBit | payload
            }
            if u.type == .snan || altHP { env.flags |= FPEnvironment.ioc }
            return result
        case .infinity:
            if altHP {
                env.flags |= FPEnvironment.ioc
                return dst.zero(u.sign) | 0x7FFF
            }
            return dst.infinity(u.sign)
        case .zero: return dst.zero(u.sign)
        case .nonzero: return round(sign: u.sign, exp: u.exp, sig: UInt128(u.mant), dst, &env, rounding)
        }
    }
}
