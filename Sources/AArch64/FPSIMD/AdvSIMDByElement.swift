/// Advanced SIMD vector and scalar x indexed element (ARM ARM C4.1.95): every element of Vn
/// with one element of Vm. Integer: MUL, MLA, MLS, SQDMULH, SQRDMULH and the long forms
/// [SU]MULL, [SU]MLAL, [SU]MLSL, SQDMULL, SQDMLAL, SQDMLSL (halfwords index H:L:M of V0–V15,
/// words index H:L of V0–V31). Floating point: FMUL, FMULX, FMLA, FMLS (single: H:L, double:
/// H). Not implemented (UNDEFINED, not advertised): the dot products, FMLAL/FMLSL, FCMLA,
/// SQRDMLAH/SQRDMLSH and the half-precision forms.
extension CPU {
    func advSIMDByElement(_ d: DecodedInstruction, scalar: Bool = false) -> Bool {
        let w = d.word
        let q = (w >> 30) & 1 == 1 || scalar, u = (w >> 29) & 1 == 1, size = Int((w >> 22) & 3), opcode = (w >> 12) & 0xF
        let l = Int((w >> 21) & 1), m = Int((w >> 20) & 1), h = Int((w >> 11) & 1)
        let rd = w & 31, n = vreg((w >> 5) & 31), d = vreg(rd)
        // Floating point: FMLA (0001), FMLS (0101), FMUL (1001, U = 0), FMULX (1001, U = 1).
        if (opcode == 0b0001 || opcode == 0b0101 || opcode == 0b1001) && (!u || opcode == 0b1001) {
            guard size >> 1 == 1, !(size == 3 && (l == 1 || !q)) else { return false }
            let fmt: FPFormat = size == 3 ? .double : .single
            let index = size == 3 ? h : h << 1 | l
            let element = vreg((w >> 16) & 31).lane(index, fmt.n)
            let op: FPBinary = opcode == 0b0001 ? .mla : opcode == 0b0101 ? .mls : u ? .mulX : .mul
            let elements = scalar ? 1 : (q ? 128 : 64) / fmt.n
            var r = V128.zero
            withFPEnvironment { env in
                for e in 0..<elements {
                    r.setLane(e, fmt.n, CPU.fpBinary(op, n.lane(e, fmt.n), element, d.lane(e, fmt.n), fmt, &env))
                }
            }
            if scalar { simd.setScalar(rd, r.lo, width: fmt.n) } else { setVreg(rd, r, q: q) }
            return retireFP()
        }
        guard size == 1 || size == 2 else { return false }
        let esize = 8 << size
        let index = size == 1 ? h << 2 | l << 1 | m : h << 1 | l
        let rm = size == 1 ? (w >> 16) & 15 : (w >> 16) & 31
        let element = vreg(rm).lane(index, esize)
        var saturated = false
        var r = V128.zero
        switch (u, opcode) {
        case (false, 0b1000), (true, 0b0000), (true, 0b0100), (_, 0b1100), (false, 0b1101):
            // MUL, MLA, MLS, SQDMULH, SQRDMULH: same-width results
            if scalar && opcode < 0b1100 { return false }
            let (threeSame, accumulateU): (UInt32, Bool)
            switch opcode {
            case 0b1000: (threeSame, accumulateU) = (0b10011, false)
            case 0b0000: (threeSame, accumulateU) = (0b10010, false)
            case 0b0100: (threeSame, accumulateU) = (0b10010, true)
            case 0b1100: (threeSame, accumulateU) = (0b10110, false)
            default: (threeSame, accumulateU) = (0b10110, true)
            }
            if opcode == 0b1100 && u { return false }  // SQRDMLAH territory (U = 1, 1101/1111) and 1100 U = 1 unallocated
            let elements = scalar ? 1 : (q ? 128 : 64) / esize
            for e in 0..<elements {
                r.setLane(e, esize, CPU.integerOp(threeSame, u: accumulateU, n.lane(e, esize), element, d.lane(e, esize),
                                                  esize: esize, saturated: &saturated))
            }
            if saturated { setQC() }
            if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r, q: q) }
            return retireFP()
        case (_, 0b0010), (_, 0b0110), (_, 0b1010), (false, 0b0011), (false, 0b0111), (false, 0b1011):
            // [SU]MLAL, [SU]MLSL, [SU]MULL, SQDMLAL, SQDMLSL, SQDMULL: 2·esize results
            let saturating = opcode & 1 == 1
            if scalar && !saturating { return false }
            let count = scalar ? 1 : 64 / esize, part = q && !scalar ? 64 / esize : 0
            let b = u ? Int128(element) : Int128(Int64(bitPattern: element << UInt64(64 - esize)) >> Int64(64 - esize))
            for e in 0..<count {
                let a = u ? Int128(n.lane(e + part, esize)) : Int128(n.signedLane(e + part, esize))
                let value: UInt64
                if saturating {
                    let (p, s1) = SatQ.signed(2 * a * b, 2 * esize)
                    saturated = saturated || s1
                    let product = Int128(Int64(bitPattern: p << UInt64(64 - 2 * esize)) >> Int64(64 - 2 * esize))
                    if opcode == 0b1011 {
                        value = p
                    } else {
                        let acc = Int128(d.signedLane(e, 2 * esize))
                        let (v, s2) = SatQ.signed(opcode == 0b0011 ? acc + product : acc - product, 2 * esize)
                        saturated = saturated || s2
                        value = v
                    }
                } else {
                    let acc = Int128(d.lane(e, 2 * esize))
                    let x = opcode == 0b1010 ? a * b : opcode == 0b0010 ? acc + a * b : acc - a * b
                    value = UInt64(truncatingIfNeeded: x)
                }
                r.setLane(e, 2 * esize, value)
            }
            if saturated { setQC() }
            if scalar { simd.setScalar(rd, r.lo, width: 2 * esize) } else { setVreg(rd, r) }
            return retireFP()
        default: return false
        }
    }
}
