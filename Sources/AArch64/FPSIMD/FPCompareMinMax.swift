/// FPCompare, FPMax, FPMin, FPMaxNum and FPMinNum (the FMAXNM/FMINNM operations).
extension SoftFP {
    /// An integer that orders non-NaN unpacked values as the reals they stand for (±0 equal).
    @inline(__always)
    static func orderKey(_ u: FPUnpacked, _ op: UInt64, _ fmt: FPFormat) -> Int64 {
        if u.isZero { return 0 }
        let magnitude = Int64(bitPattern: op & (fmt.signBit - 1))
        return u.sign ? -magnitude : magnitude
    }

    /// FPCompare: NZCV in bits 31:28 (unordered 0011, equal 0110, less 1000, greater 0010).
    /// FCMPE (`signalNaNs`) raises Invalid Operation for quiet NaNs too.
    static func compare(_ op1: UInt64, _ op2: UInt64, signalNaNs: Bool, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        let a = unpack(op1, fmt, &env), b = unpack(op2, fmt, &env)
        if a.type.isNaN || b.type.isNaN {
            if a.type == .snan || b.type == .snan || signalNaNs { env.flags |= FPEnvironment.ioc }
            return 0b0011 << 28
        }
        let ka = orderKey(a, op1, fmt), kb = orderKey(b, op2, fmt)
        return (ka == kb ? 0b0110 : ka < kb ? 0b1000 : 0b0010) << 28
    }

    /// FPMax (`max`) and FPMin: NaNs propagate; max(+0, -0) = +0, min(+0, -0) = -0; a finite
    /// result goes through FPRound (so FPCR.FZ applies to it).
    static func minMax(_ op1: UInt64, _ op2: UInt64, max: Bool, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        let a = unpack(op1, fmt, &env), b = unpack(op2, fmt, &env)
        if let nan = processNaNs(a, b, op1, op2, fmt, &env) { return nan }
        let ka = orderKey(a, op1, fmt), kb = orderKey(b, op2, fmt)
        let pick = (max ? ka > kb : ka < kb) ? a : b
        switch pick.type {
        case .infinity: return fmt.infinity(pick.sign)
        case .zero: return fmt.zero(max ? a.sign && b.sign : a.sign || b.sign)
        default: return round(pick, fmt, &env)
        }
    }

    /// FPMaxNum (`max`) and FPMinNum: a single quiet NaN loses to any number (it is taken as
    /// -∞ for max, +∞ for min); signalling NaNs still propagate.
    static func minMaxNum(_ op1: UInt64, _ op2: UInt64, max: Bool, _ fmt: FPFormat, _ env: inout FPEnvironment) -> UInt64 {
        var probe = env
        let t1 = unpack(op1, fmt, &probe).type, t2 = unpack(op2, fmt, &probe).type
        var a = op1, b = op2
        if t1 == .qnan && t2 != .qnan { a = fmt.infinity(max) }
        if t1 != .qnan && t2 == .qnan { b = fmt.infinity(max) }
        return minMax(a, b, max: max, fmt, &env)
    }
}
