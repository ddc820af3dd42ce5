/// A 128-bit vector value as the AdvSIMD executors see it: elements of 8, 16, 32 or 64 bits
/// numbered from the least significant end (the ARM ARM's `Elem[vector, e, esize]`).
struct V128: Equatable {
    var lo: UInt64
    var hi: UInt64

    static let zero = V128(lo: 0, hi: 0)

    /// All ones in the low `esize` bits (esize 1…64).
    @inline(__always) static func mask(_ esize: Int) -> UInt64 { esize >= 64 ? .max : (1 << UInt64(esize)) &- 1 }

    /// Element `e` of `esize` bits, zero-extended (e and esize from decoded fields: e × esize < 128).
    @inline(__always) func lane(_ e: Int, _ esize: Int) -> UInt64 {
        let bit = (e &* esize) & 127
        let word = bit < 64 ? lo : hi
        return (word >> UInt64(bit & 63)) & V128.mask(esize)
    }

    /// Element `e` sign-extended from `esize` bits.
    @inline(__always) func signedLane(_ e: Int, _ esize: Int) -> Int64 {
        let s = UInt64(64 &- esize)
        return Int64(bitPattern: lane(e, esize) << s) >> Int64(s)
    }

    @inline(__always) mutating func setLane(_ e: Int, _ esize: Int, _ value: UInt64) {
        let bit = (e &* esize) & 127
        let shift = UInt64(bit & 63)
        let m = V128.mask(esize) << shift
        let v = (value << shift) & m
        if bit < 64 { lo = lo & ~m | v } else { hi = hi & ~m | v }
    }

    /// Byte `i` (0…15).
    @inline(__always) func byte(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: lane(i, 8)) }
}

extension CPU {
    @inline(__always) func vreg(_ n: UInt32) -> V128 {
        let q = simd.q(Int(n))
        return V128(lo: q.lo, hi: q.hi)
    }

    /// Writes a vector result: a 64-bit operation (Q = 0) clears bits 127:64.
    @inline(__always) func setVreg(_ n: UInt32, _ v: V128, q: Bool = true) {
        simd.setQ(Int(n), lo: v.lo, hi: q ? v.hi : 0)
    }

    /// FPSR.QC: set by a saturating operation that saturated; cleared only by software.
    @inline(__always) func setQC() { simd.fpsr |= 1 << 27 }
}

/// Saturation helpers (ARM ARM SignedSatQ / UnsignedSatQ) on wide intermediates.
enum SatQ {
    /// `x` saturated to a signed `esize`-bit integer; `saturated` tells whether it was clipped.
    @inline(__always) static func signed(_ x: Int128, _ esize: Int) -> (UInt64, saturated: Bool) {
        let maxV = (Int128(1) << Int128(esize - 1)) - 1, minV = -(Int128(1) << Int128(esize - 1))
        if x > maxV { return (UInt64(truncatingIfNeeded: maxV), true) }
        if x < minV { return (UInt64(truncatingIfNeeded: minV) & V128.mask(esize), true) }
        return (UInt64(truncatingIfNeeded: x) & V128.mask(esize), false)
    }

    /// `x` saturated to an unsigned `esize`-bit integer.
    @inline(__always) static func unsigned(_ x: Int128, _ esize: Int) -> (UInt64, saturated: Bool) {
        let maxV = (Int128(1) << Int128(esize)) - 1
        if x > maxV { return (UInt64(truncatingIfNeeded: maxV), true) }
        if x < 0 { return (0, true) }
        return (UInt64(truncatingIfNeeded: x), false)
    }
}
