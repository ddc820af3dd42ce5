/// Advanced SIMD three same (ARM ARM C4.1.95), integer and floating point, vector and scalar
/// forms: element e of the result from element e of Vn and Vm (pairwise forms: from adjacent
/// elements of Vm:Vn). The half-precision forms (FEAT_FP16) are UNDEFINED here.

/// What a three-same record's `imm` holds (`imm3`).
enum AdvSIMDThreeSameForm: UInt64 {
    /// Element e of Vn with element e of Vm: `imm` is an `AdvSIMDIntegerOperation`.
    case elementwise
    /// SMAXP, UMAXP, SMINP, UMINP, ADDP: adjacent elements of Vm:Vn; `imm` is the
    /// elementwise operation on each pair (SMAX, UMAX, SMIN, UMIN, ADD).
    case pairwise
    /// The bitwise operations on the whole register: `imm` is an `AdvSIMDLogicalOperation`.
    case logical
    /// Floating point: `imm` is a `CPU.FPBinary`.
    case floatingPoint
}

/// The bitwise three-same operations, numbered by U:size of the encoding.
enum AdvSIMDLogicalOperation: UInt64 {
    case and, bic, orr, orn, eor, bsl, bit, bif
}

extension A64Decode {
    /// Advanced SIMD three same, vector: Rd, Rn, Rm; `imm3` the form (`AdvSIMDThreeSameForm`),
    /// `imm` the operation, `imm2` the layout (`AdvSIMDLayout`: esize, elements, Q).
    static func vectorThreeSame(_ w: UInt32, _ d: inout DecodedInstruction) {
        encodedRegisters(w, &d)
        let opcode = (w >> 11) & 0x1F
        if opcode >= 0b11000 { return threeSameFP(w, &d, scalar: false) }
        let q = (w >> 30) & 1 == 1, u = (w >> 29) & 1 == 1, size = Int((w >> 22) & 3)
        if opcode == 0b00011 {  // logical: U:size is the operation
            d.imm3 = AdvSIMDThreeSameForm.logical.rawValue
            d.imm = UInt64(u ? 4 : 0) | UInt64(size)
            d.imm2 = AdvSIMDLayout(esize: 64, elements: q ? 2 : 1, q: q).raw
            return
        }
        guard size < 3 || q else { return markReserved(&d) }
        switch opcode {
        case 0b10011: guard size == 0 || (!u && size < 3) else { return markReserved(&d) }  // PMUL: bytes only
        case 0b10110: guard size == 1 || size == 2 else { return markReserved(&d) }  // SQDMULH, SQRDMULH
        case 0b10111: guard !u else { return markReserved(&d) }  // ADDP (U = 1 unallocated)
        case 0b00000, 0b00010, 0b00100, 0b01100, 0b01101, 0b01110, 0b01111, 0b10010, 0b10100, 0b10101:
            guard size < 3 else { return markReserved(&d) }
        default: break
        }
        let esize = 8 << size
        d.imm2 = AdvSIMDLayout(esize: esize, elements: (q ? 128 : 64) / esize, q: q).raw
        if opcode >= 0b10100 && opcode != 0b10110 {  // SMAXP, UMAXP, SMINP, UMINP, ADDP
            d.imm3 = AdvSIMDThreeSameForm.pairwise.rawValue
            let pairOp: UInt32 = opcode == 0b10111 ? 0b10000 : opcode & 0b01101 | 0b01100
            d.imm = AdvSIMDIntegerOperation(opcode: pairOp, u: u).raw
        } else {
            d.imm3 = AdvSIMDThreeSameForm.elementwise.rawValue
            d.imm = AdvSIMDIntegerOperation(opcode: opcode, u: u).raw
        }
    }
}

extension CPU {
    func advSIMDThreeSame(_ d: DecodedInstruction) -> Bool {
        guard let form = AdvSIMDThreeSameForm(rawValue: d.imm3), form != .floatingPoint else {
            return advSIMDThreeSameFP(d, scalar: false)
        }
        let rd = UInt32(d.rd), layout = AdvSIMDLayout(d.imm2)
        let n = vreg(UInt32(d.rn)), m = vreg(UInt32(d.rm)), dst = vreg(rd)
        var r = V128.zero
        if form == .logical {
            let op = AdvSIMDLogicalOperation(rawValue: d.imm) ?? .and
            r.lo = CPU.logicalOp(op, n.lo, m.lo, dst.lo)
            r.hi = CPU.logicalOp(op, n.hi, m.hi, dst.hi)
            setVreg(rd, r, q: layout.q)
            return retireFP()
        }
        let op = AdvSIMDIntegerOperation(d.imm), esize = layout.esize, elements = layout.elements
        var saturated = false
        if form == .pairwise {
            for e in 0..<elements {
                let src = e < elements / 2 ? n : m
                let i = (2 * e) % elements
                r.setLane(e, esize, CPU.integerOp(op.opcode, u: op.u, src.lane(i, esize), src.lane(i + 1, esize), 0,
                                                  esize: esize, saturated: &saturated))
            }
        } else {
            for e in 0..<elements {
                r.setLane(e, esize, CPU.integerOp(op.opcode, u: op.u, n.lane(e, esize), m.lane(e, esize), dst.lane(e, esize),
                                                  esize: esize, saturated: &saturated))
            }
        }
        if saturated { setQC() }
        setVreg(rd, r, q: layout.q)
        return retireFP()
    }

    /// AND, BIC, ORR, ORN, EOR and the bitwise selects BSL, BIT, BIF (`d` the destination's
    /// old bits) on 64 bits of the registers.
    @inline(__always)
    static func logicalOp(_ op: AdvSIMDLogicalOperation, _ a: UInt64, _ b: UInt64, _ d: UInt64) -> UInt64 {
        switch op {
        case .and: return a & b
        case .bic: return a & ~b
        case .orr: return a | b
        case .orn: return a | ~b
        case .eor: return a ^ b
        case .bsl: return (d & a) | (~d & b)
        case .bit: return (d & ~b) | (a & b)
        case .bif: return (d & b) | (a & ~b)
        }
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
