/// Advanced SIMD three same (ARM ARM C4.1.95), integer and floating point, vector and scalar
/// forms: element e of the result from element e of Vn and Vm (pairwise forms: from adjacent
/// elements of Vm:Vn). The estimate-step operations FRECPS and FRSQRTS and the half-precision
/// forms (FEAT_FP16) are UNDEFINED here.
extension CPU {
    func advSIMDThreeSame(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        let opcode = (w >> 11) & 0x1F
        if opcode >= 0b11000 { return advSIMDThreeSameFP(w, scalar: false) }
        let q = (w >> 30) & 1 == 1, u = (w >> 29) & 1 == 1, size = Int((w >> 22) & 3)
        let rd = w & 31, rn = (w >> 5) & 31, rm = (w >> 16) & 31
        let n = vreg(rn), m = vreg(rm)
        if opcode == 0b00011 {  // logical: size is the operation
            let d = vreg(rd)
            var r = V128.zero
            for i in 0..<2 {
                let a = i == 0 ? n.lo : n.hi, b = i == 0 ? m.lo : m.hi, c = i == 0 ? d.lo : d.hi
                let x: UInt64
                switch (u, size) {
                case (false, 0): x = a & b
                case (false, 1): x = a & ~b
                case (false, 2): x = a | b
                case (false, _): x = a | ~b
                case (true, 0): x = a ^ b
                case (true, 1): x = (c & a) | (~c & b)  // BSL
                case (true, 2): x = (c & ~b) | (a & b)  // BIT
                case (true, _): x = (c & b) | (a & ~b)  // BIF
                }
                if i == 0 { r.lo = x } else { r.hi = x }
            }
            setVreg(rd, r, q: q)
            return retireFP()
        }
        guard size < 3 || q else { return false }
        let esize = 8 << size, elements = (q ? 128 : 64) / esize
        switch opcode {
        case 0b10011: guard size == 0 || (!u && size < 3) else { return false }  // PMUL: bytes only
        case 0b10110: guard size == 1 || size == 2 else { return false }  // SQDMULH, SQRDMULH
        case 0b10111: guard !u else { return false }  // ADDP (U = 1 unallocated)
        case 0b00000, 0b00010, 0b00100, 0b01100, 0b01101, 0b01110, 0b01111, 0b10010, 0b10100, 0b10101:
            guard size < 3 else { return false }
        default: break
        }
        var r = V128.zero
        let d = vreg(rd)
        var saturated = false
        if opcode >= 0b10100 && opcode != 0b10110 {  // pairwise: SMAXP, UMAXP, SMINP, UMINP, ADDP
            for e in 0..<elements {
                let src = e < elements / 2 ? n : m
                let i = (2 * e) % elements
                let a = src.lane(i, esize), b = src.lane(i + 1, esize)
                r.setLane(e, esize, CPU.integerOp(opcode == 0b10111 ? 0b10000 : opcode & 0b01101 | 0b01100, u: u,
                                                  a, b, 0, esize: esize, saturated: &saturated))
            }
        } else {
            for e in 0..<elements {
                r.setLane(e, esize, CPU.integerOp(opcode, u: u, n.lane(e, esize), m.lane(e, esize), d.lane(e, esize),
                                                  esize: esize, saturated: &saturated))
            }
        }
        if saturated { setQC() }
        setVreg(rd, r, q: q)
        return retireFP()
    }

    /// One element of a three-same integer operation (opcode and U as encoded, except that the
    /// pairwise forms pass the matching SMAX/UMAX/SMIN/UMIN/ADD opcode). `d` is the destination
    /// element for the accumulating forms.
    @inline(__always)
    static func integerOp(_ opcode: UInt32, u: Bool, _ a: UInt64, _ b: UInt64, _ d: UInt64, esize: Int,
                          saturated: inout Bool) -> UInt64 {
        let s = UInt64(64 &- esize)
        let sa = Int64(bitPattern: a << s) >> Int64(s), sb = Int64(bitPattern: b << s) >> Int64(s)
        let wa = u ? Int128(a) : Int128(sa), wb = u ? Int128(b) : Int128(sb)
        let mask = V128.mask(esize)
        func trunc(_ x: Int128) -> UInt64 { UInt64(truncatingIfNeeded: x) & mask }
        func sat(_ x: Int128) -> UInt64 {
            let (v, q) = u ? SatQ.unsigned(x, esize) : SatQ.signed(x, esize)
            if q { saturated = true }
            return v
        }
        switch opcode {
        case 0b00000: return trunc((wa + wb) >> 1)  // SHADD, UHADD
        case 0b00001: return sat(wa + wb)  // SQADD, UQADD
        case 0b00010: return trunc((wa + wb + 1) >> 1)  // SRHADD, URHADD
        case 0b00100: return trunc((wa - wb) >> 1)  // SHSUB, UHSUB
        case 0b00101: return sat(wa - wb)  // SQSUB, UQSUB
        case 0b00110: return (u ? a > b : sa > sb) ? mask : 0  // CMGT, CMHI
        case 0b00111: return (u ? a >= b : sa >= sb) ? mask : 0  // CMGE, CMHS
        case 0b01000, 0b01001, 0b01010, 0b01011:  // [SU]SHL, [SU]QSHL, [SU]RSHL, [SU]QRSHL
            let shift = Int(Int8(truncatingIfNeeded: b))
            let x = shiftByRegister(wa, shift, esize: esize, rounding: opcode & 2 != 0, saturating: opcode & 1 == 1)
            return opcode & 1 == 1 ? sat(x) : trunc(x)
        case 0b01100: return (u ? a >= b : sa >= sb) ? a : b  // SMAX, UMAX
        case 0b01101: return (u ? a <= b : sa <= sb) ? a : b  // SMIN, UMIN
        case 0b01110: return trunc(abs(wa - wb))  // SABD, UABD
        case 0b01111: return trunc(Int128(d) + abs(wa - wb))  // SABA, UABA
        case 0b10000: return (u ? a &- b : a &+ b) & mask  // ADD, SUB
        case 0b10001: return (u ? a == b : a & b != 0) ? mask : 0  // CMTST, CMEQ
        case 0b10010: return (u ? d &- a &* b : d &+ a &* b) & mask  // MLA, MLS
        case 0b10011: return u ? polynomialMultiply(a, b, esize: 8) & 0xFF : (a &* b) & mask  // PMUL, MUL
        case 0b10110:  // SQDMULH, SQRDMULH
            let product = 2 * Int128(sa) * Int128(sb) + (u ? Int128(1) << Int128(esize - 1) : 0)
            let (v, q) = SatQ.signed(product >> Int128(esize), esize)
            if q { saturated = true }
            return v
        default: return 0
        }
    }

    /// The element `x` shifted left by `shift` (right when negative, rounding when asked) with
    /// infinite precision, as the register-shift pseudocode does; large shifts are clamped to
    /// a distance that gives the same result.
    @inline(__always)
    static func shiftByRegister(_ x: Int128, _ shift: Int, esize: Int, rounding: Bool, saturating: Bool) -> Int128 {
        if shift >= 0 {
            guard shift < esize else {  // every bit leaves the element; a nonzero value saturates
                return saturating && x != 0 ? (x > 0 ? 1 << 100 : -(1 << 100)) : 0
            }
            return x << Int128(shift)
        }
        let n = Int128(min(-shift, 100))
        return rounding ? (x + (Int128(1) << (n - 1))) >> n : x >> n
    }

    /// PolynomialMult: carry-less product of two `esize`-bit values (2·esize bits).
    @inline(__always)
    static func polynomialMultiply(_ a: UInt64, _ b: UInt64, esize: Int) -> UInt64 {
        var r: UInt64 = 0
        for i in 0..<esize where (b >> UInt64(i)) & 1 == 1 { r ^= a << UInt64(i) }
        return r
    }
}
