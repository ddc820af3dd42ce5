/// The ARM ARM's shared floating-point pseudocode that every operation builds on: FPUnpack,
/// FPRound, FPProcessNaN(s). Computed in integers, never with the host's floating point, whose
/// NaN results differ from AArch64's and which has no flush-to-zero.
enum SoftFP {
    /// FPUnpack: classifies `bits` of format `fmt`; with FPCR.FZ (single and double only) a
    /// denormal input is a zero of its sign and raises Input Denormal (IDC).
    static func unpack(_ bits: UInt64, _ fmt: FPFormat, _ env: inout FPEnvironment) -> FPUnpacked {
        let sign = bits & fmt.signBit != 0
        let exp = Int(truncatingIfNeeded: bits >> UInt64(fmt.f) & fmt.expMask)
        let frac = bits & fmt.fracMask
        if exp == 0 {
            if frac == 0 { return FPUnpacked(type: .zero, sign: sign) }
            if env.fz && fmt.n != 16 {
                env.flags |= FPEnvironment.idc
                return FPUnpacked(type: .zero, sign: sign)
            }
            return FPUnpacked(type: .nonzero, sign: sign, mant: frac, exp: fmt.minimumExp - fmt.f)
        }
        // Alternative half precision has no infinities or NaNs: the top exponent is a number.
        if UInt64(exp) == fmt.expMask && !(fmt.n == 16 && env.ahp) {
            if frac == 0 { return FPUnpacked(type: .infinity, sign: sign) }
            return FPUnpacked(type: frac & fmt.quietBit != 0 ? .qnan : .snan, sign: sign)
        }
        return FPUnpacked(type: .nonzero, sign: sign, mant: frac | 1 << UInt64(fmt.f), exp: exp - fmt.bias - fmt.f)
    }

    /// FPProcessNaN: a signalling NaN is quietened (Invalid Operation); FPCR.DN replaces any NaN
    /// by the default NaN.
    static func processNaN(_ type: FPType, _ op: UInt64, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        var result = op
        if type == .snan {
            result |= fmt.quietBit
            env.flags |= FPEnvironment.ioc
        }
        return env.dn ? fmt.defaultNaN : result
    }

    /// FPProcessNaNs: the first signalling NaN in operand order, else the first quiet NaN.
    static func processNaNs(_ a: FPUnpacked, _ b: FPUnpacked, _ opA: UInt64, _ opB: UInt64,
                            _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64? {
        if a.type == .snan { return processNaN(.snan, opA, fmt, &env) }
        if b.type == .snan { return processNaN(.snan, opB, fmt, &env) }
        if a.type == .qnan { return processNaN(.qnan, opA, fmt, &env) }
        if b.type == .qnan { return processNaN(.qnan, opB, fmt, &env) }
        return nil
    }

    /// FPProcessNaNs3: as `processNaNs` over three operands.
    static func processNaNs3(_ a: FPUnpacked, _ b: FPUnpacked, _ c: FPUnpacked, _ opA: UInt64, _ opB: UInt64,
                             _ opC: UInt64, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64? {
        if a.type == .snan { return processNaN(.snan, opA, fmt, &env) }
        if b.type == .snan { return processNaN(.snan, opB, fmt, &env) }
        if c.type == .snan { return processNaN(.snan, opC, fmt, &env) }
        if a.type == .qnan { return processNaN(.qnan, opA, fmt, &env) }
        if b.type == .qnan { return processNaN(.qnan, opB, fmt, &env) }
        if c.type == .qnan { return processNaN(.qnan, opC, fmt, &env) }
        return nil
    }

    /// Where the discarded part of a value lies relative to half a unit in the last place.
    enum RoundingError { case exact, belowHalf, half, aboveHalf }

    /// Splits `m` (MSB at bit 127) at `shift` into the integer part and the rounding error.
    /// A bit 0 set by alignment ("sticky") stands for any nonzero bits below it; it must lie at
    /// least two bits below `shift`, which every caller guarantees.
    @inline(__always)
    static func split(_ m: UInt128, _ shift: Int) -> (UInt64, RoundingError) {
        if shift > 128 { return (0, .belowHalf) }
        if shift == 128 { return (0, m == 1 << 127 ? .half : .aboveHalf) }
        let intMant = UInt64(truncatingIfNeeded: m >> UInt128(shift))
        let rem = m & ((1 << UInt128(shift)) - 1)
        let half = UInt128(1) << UInt128(shift - 1)
        return (intMant, rem == 0 ? .exact : rem < half ? .belowHalf : rem == half ? .half : .aboveHalf)
    }

    /// Whether `intMant` with discarded part `error` rounds up (away from zero) in `rounding`.
    @inline(__always)
    static func roundsUp(_ intMant: UInt64, _ error: RoundingError, sign: Bool, _ rounding: FPRounding) -> Bool {
        if error == .exact { return false }
        switch rounding {
        case .tieEven: return error == .aboveHalf || (error == .half && intMant & 1 != 0)
        case .tieAway: return error == .aboveHalf || error == .half
        case .posInf: return !sign
        case .negInf: return sign
        case .zero, .odd: return false
        }
    }

    /// FPRound: rounds the nonzero value (-1)^sign × sig × 2^exp to `fmt`. Tininess is detected
    /// before rounding; Underflow is raised only when the result is also inexact; with FPCR.FZ
    /// a tiny result is a zero (Underflow, no Inexact).
    static func round(sign: Bool, exp: Int, sig: UInt128, _ fmt: FPFormat, _ env: inout FPEnvironment,
                      _ rounding: FPRounding) -> UInt64 {
        let lz = sig.leadingZeroBitCount
        let m = sig << UInt128(lz)
        // The value is (m / 2^127) × 2^exponent with m / 2^127 in [1, 2).
        let exponent = exp + 127 - lz
        if env.fz && fmt.n != 16 && exponent < fmt.minimumExp {
            env.flags |= FPEnvironment.ufc
            return fmt.zero(sign)
        }
        var biasedExp = max(exponent - fmt.minimumExp + 1, 0)
        var shift = 127 - fmt.f
        if biasedExp == 0 { shift += fmt.minimumExp - exponent }
        var (intMant, error) = split(m, shift)
        if biasedExp == 0 && error != .exact { env.flags |= FPEnvironment.ufc }
        if roundsUp(intMant, error, sign: sign, rounding) {
            intMant += 1
            if intMant == 1 << UInt64(fmt.f) { biasedExp = 1 }  // denormal rounded up to normal
            if intMant == 1 << UInt64(fmt.f + 1) {  // rounded up to the next binade
                biasedExp += 1
                intMant >>= 1
            }
        }
        if error != .exact && rounding == .odd { intMant |= 1 }
        var inexact = error != .exact
        let result: UInt64
        if fmt.n == 16 && env.ahp {
            // Alternative half precision: saturates to the largest magnitude, Invalid Operation.
            if biasedExp >= 1 << fmt.e {
                env.flags |= FPEnvironment.ioc
                return fmt.zero(sign) | 0x7FFF
            }
            result = fmt.zero(sign) | UInt64(biasedExp) << UInt64(fmt.f) | intMant & fmt.fracMask
        } else if biasedExp >= (1 << fmt.e) - 1 {
            let toInf = rounding == .tieEven || rounding == .tieAway || (rounding == .posInf && !sign) || (rounding == .negInf && sign)
            result = toInf ? fmt.infinity(sign) : fmt.maxNormal(sign)
            env.flags |= FPEnvironment.ofc
            inexact = true
        } else {
            result = fmt.zero(sign) | UInt64(biasedExp) << UInt64(fmt.f) | intMant & fmt.fracMask
        }
        if inexact { env.flags |= FPEnvironment.ixc }
        return result
    }

    /// FPRound of an unpacked nonzero number (exact in its own format, but may flush under FZ).
    @inline(__always)
    static func round(_ u: FPUnpacked, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        round(sign: u.sign, exp: u.exp, sig: UInt128(u.mant), fmt, &env, env.rounding)
    }
}
