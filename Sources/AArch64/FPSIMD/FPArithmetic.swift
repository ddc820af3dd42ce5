/// FPAdd, FPSub, FPMul, FPDiv, FPMulAdd and FPSqrt (ARM ARM shared pseudocode), each computing
/// the exact result in integers and rounding once with `SoftFP.round`.
extension SoftFP {
    /// (-1)^sign × sig × 2^exp, exact (sig nonzero, at most 126 bits).
    struct Exact { var sign: Bool; var exp: Int; var sig: UInt128 }

    /// The exact sum of two nonzero values, or nil when it is exactly zero. Both are aligned with
    /// their top bit at bit 125; the smaller is shifted right with the shifted-out bits ORed into
    /// bit 0. The larger then has at least 19 zero low bits, so the difference keeps the sticky
    /// bit odd and far below any rounding position, which makes the single rounding exact.
    static func addExact(_ a: Exact, _ b: Exact) -> Exact? {
        func top(_ x: Exact) -> Exact {
            let s = 125 - (127 - x.sig.leadingZeroBitCount)
            return Exact(sign: x.sign, exp: x.exp - s, sig: x.sig << UInt128(s))
        }
        var x = top(a), y = top(b)
        if y.exp > x.exp || (y.exp == x.exp && y.sig > x.sig) { swap(&x, &y) }
        let d = x.exp - y.exp
        var ys: UInt128
        if d >= 127 {
            ys = 1
        } else {
            ys = y.sig >> UInt128(d)
            if ys << UInt128(d) != y.sig { ys |= 1 }
        }
        let sum = x.sign == y.sign ? x.sig + ys : x.sig - ys
        return sum == 0 ? nil : Exact(sign: x.sign, exp: x.exp, sig: sum)
    }

    /// FPAdd (and FPSub with `subtract`: op2's sign inverted after NaN propagation).
    static func add(_ op1: UInt64, _ op2: UInt64, subtract: Bool = false, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        let rounding = env.rounding
        let a = unpack(op1, fmt, &env), b = unpack(op2, fmt, &env)
        if let nan = processNaNs(a, b, op1, op2, fmt, &env) { return nan }
        let signB = b.sign != subtract
        if a.isInf && b.isInf && a.sign != signB {
            env.flags |= FPEnvironment.ioc
            return fmt.defaultNaN
        }
        if (a.isInf && !a.sign) || (b.isInf && !signB) { return fmt.infinity(false) }
        if (a.isInf && a.sign) || (b.isInf && signB) { return fmt.infinity(true) }
        if a.isZero && b.isZero && a.sign == signB { return fmt.zero(a.sign) }
        if a.isZero && b.isZero { return fmt.zero(rounding == .negInf) }
        if a.isZero { return round(sign: signB, exp: b.exp, sig: UInt128(b.mant), fmt, &env, rounding) }
        if b.isZero { return round(a, fmt, &env) }
        guard let r = addExact(Exact(sign: a.sign, exp: a.exp, sig: UInt128(a.mant)),
                               Exact(sign: signB, exp: b.exp, sig: UInt128(b.mant)))
        else { return fmt.zero(rounding == .negInf) }
        return round(sign: r.sign, exp: r.exp, sig: r.sig, fmt, &env, rounding)
    }

    /// FPMul.
    static func mul(_ op1: UInt64, _ op2: UInt64, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        let a = unpack(op1, fmt, &env), b = unpack(op2, fmt, &env)
        if let nan = processNaNs(a, b, op1, op2, fmt, &env) { return nan }
        let sign = a.sign != b.sign
        if (a.isInf && b.isZero) || (a.isZero && b.isInf) {
            env.flags |= FPEnvironment.ioc
            return fmt.defaultNaN
        }
        if a.isInf || b.isInf { return fmt.infinity(sign) }
        if a.isZero || b.isZero { return fmt.zero(sign) }
        return round(sign: sign, exp: a.exp + b.exp, sig: UInt128(a.mant) * UInt128(b.mant), fmt, &env, env.rounding)
    }

    /// FPDiv: quotient to at least 74 significant bits, a nonzero remainder as the sticky bit.
    static func div(_ op1: UInt64, _ op2: UInt64, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        let a = unpack(op1, fmt, &env), b = unpack(op2, fmt, &env)
        if let nan = processNaNs(a, b, op1, op2, fmt, &env) { return nan }
        let sign = a.sign != b.sign
        if (a.isInf && b.isInf) || (a.isZero && b.isZero) {
            env.flags |= FPEnvironment.ioc
            return fmt.defaultNaN
        }
        if a.isInf || b.isZero {
            if !a.isInf { env.flags |= FPEnvironment.dzc }
            return fmt.infinity(sign)
        }
        if a.isZero || b.isInf { return fmt.zero(sign) }
        let l = a.mant.leadingZeroBitCount
        let dividend = UInt128(a.mant << UInt64(l)) << 64
        let (q, r) = dividend.quotientAndRemainder(dividingBy: UInt128(b.mant))
        return round(sign: sign, exp: a.exp - l - 64 - b.exp, sig: r == 0 ? q : q | 1, fmt, &env, env.rounding)
    }

    /// FPMulAdd: addend + op1 × op2 with a single rounding. A quiet-NaN addend with an
    /// infinity × zero product gives the default NaN and Invalid Operation.
    static func mulAdd(_ addend: UInt64, _ op1: UInt64, _ op2: UInt64, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        let rounding = env.rounding
        let c = unpack(addend, fmt, &env), a = unpack(op1, fmt, &env), b = unpack(op2, fmt, &env)
        let infTimesZero = (a.isInf && b.isZero) || (a.isZero && b.isInf)
        if let nan = processNaNs3(c, a, b, addend, op1, op2, fmt, &env) {
            if c.type == .qnan && infTimesZero {
                env.flags |= FPEnvironment.ioc
                return fmt.defaultNaN
            }
            return nan
        }
        let signP = a.sign != b.sign
        let infP = a.isInf || b.isInf, zeroP = a.isZero || b.isZero
        if infTimesZero || (c.isInf && infP && c.sign != signP) {
            env.flags |= FPEnvironment.ioc
            return fmt.defaultNaN
        }
        if (c.isInf && !c.sign) || (infP && !signP) { return fmt.infinity(false) }
        if (c.isInf && c.sign) || (infP && signP) { return fmt.infinity(true) }
        if c.isZero && zeroP && c.sign == signP { return fmt.zero(c.sign) }
        if c.isZero && zeroP { return fmt.zero(rounding == .negInf) }
        let product = Exact(sign: signP, exp: a.exp + b.exp, sig: UInt128(a.mant) * UInt128(b.mant))
        if zeroP { return round(c, fmt, &env) }
        if c.isZero { return round(sign: product.sign, exp: product.exp, sig: product.sig, fmt, &env, rounding) }
        guard let r = addExact(Exact(sign: c.sign, exp: c.exp, sig: UInt128(c.mant)), product)
        else { return fmt.zero(rounding == .negInf) }
        return round(sign: r.sign, exp: r.exp, sig: r.sig, fmt, &env, rounding)
    }

    /// FPSqrt: integer square root of the significand scaled to an even exponent.
    static func sqrt(_ op: UInt64, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        let a = unpack(op, fmt, &env)
        if a.type.isNaN { return processNaN(a.type, op, fmt, &env) }
        if a.isZero { return fmt.zero(a.sign) }
        if a.sign {
            env.flags |= FPEnvironment.ioc
            return fmt.defaultNaN
        }
        if a.isInf { return fmt.infinity(false) }
        var s = a.mant.leadingZeroBitCount + 62  // top bit at 126 or 125, exponent even
        if (a.exp - s) & 1 != 0 { s -= 1 }
        let m = UInt128(a.mant) << UInt128(s)
        let r = isqrt(m)
        return round(sign: false, exp: (a.exp - s) / 2, sig: r * r == m ? r : r | 1, fmt, &env, env.rounding)
    }

    /// floor(√m), digit by digit (64 bounded iterations).
    static func isqrt(_ m: UInt128) -> UInt128 {
        var rem = m, root: UInt128 = 0
        var bit: UInt128 = 1 << 126
        while bit > rem { bit >>= 2 }
        while bit != 0 {
            if rem >= root + bit {
                rem -= root + bit
                root = root >> 1 + bit
            } else {
                root >>= 1
            }
            bit >>= 2
        }
        return root
    }
}
