/// Advanced SIMD three different (ARM ARM C4.1.95): the long forms (results twice as wide
/// as the sources: [SU]ADDL, [SU]SUBL, [SU]ABAL, [SU]ABDL, [SU]MLAL, [SU]MLSL, [SU]MULL,
/// SQDMULL, SQDMLAL, SQDMLSL, PMULL of bytes), the wide forms ([SU]ADDW, [SU]SUBW) and the
/// narrowing high-half forms (ADDHN, RADDHN, SUBHN, RSUBHN). The "2" forms (Q = 1) take the
/// upper halves of the narrow sources, or write the upper half of the narrow result.
/// PMULL of doublewords belongs to the cryptography extension (not advertised): UNDEFINED.
/// The scalar group (`scalar`) has SQDMLAL, SQDMLSL and SQDMULL on element 0.
extension CPU {
    func advSIMDThreeDifferent(_ d: DecodedInstruction, scalar: Bool = false) -> Bool {
        let w = d.word
        let q = (w >> 30) & 1 == 1 && !scalar, u = (w >> 29) & 1 == 1, size = Int((w >> 22) & 3), opcode = (w >> 12) & 0xF
        guard size < 3, opcode != 0b1111 else { return false }
        switch opcode {
        case 0b1001, 0b1011, 0b1101: guard !u, size == 1 || size == 2 else { return false }  // SQDMLAL, SQDMLSL, SQDMULL
        case 0b1110: guard !u, size == 0 else { return false }  // PMULL (bytes)
        default: break
        }
        if scalar && opcode != 0b1001 && opcode != 0b1011 && opcode != 0b1101 { return false }
        let esize = 8 << size, half = scalar ? 1 : 64 / esize, part = q ? 64 / esize : 0
        let rd = w & 31, n = vreg((w >> 5) & 31), m = vreg((w >> 16) & 31), d = vreg(rd)
        func narrow(_ v: V128, _ e: Int) -> Int128 { u ? Int128(v.lane(e + part, esize)) : Int128(v.signedLane(e + part, esize)) }
        func wide(_ v: V128, _ e: Int) -> Int128 { u ? Int128(v.lane(e, 2 * esize)) : Int128(v.signedLane(e, 2 * esize)) }
        var r = V128.zero
        var saturated = false
        if opcode == 0b0100 || opcode == 0b0110 {  // ADDHN, SUBHN (RADDHN, RSUBHN with U = 1)
            if q { r = d }
            for e in 0..<half {
                let a = n.lane(e, 2 * esize), b = m.lane(e, 2 * esize)
                var x = opcode == 0b0100 ? a &+ b : a &- b
                if u { x = x &+ (1 << UInt64(esize - 1)) }
                r.setLane(e + part, esize, x >> UInt64(esize))
            }
            setVreg(rd, r)
            return retireFP()
        }
        for e in 0..<half {
            let acc = Int128(d.lane(e, 2 * esize))
            let x: Int128
            switch opcode {
            case 0b0000: x = narrow(n, e) + narrow(m, e)
            case 0b0001: x = wide(n, e) + narrow(m, e)
            case 0b0010: x = narrow(n, e) - narrow(m, e)
            case 0b0011: x = wide(n, e) - narrow(m, e)
            case 0b0101: x = acc + abs(narrow(n, e) - narrow(m, e))
            case 0b0111: x = abs(narrow(n, e) - narrow(m, e))
            case 0b1000: x = acc + narrow(n, e) * narrow(m, e)
            case 0b1010: x = acc - narrow(n, e) * narrow(m, e)
            case 0b1100: x = narrow(n, e) * narrow(m, e)
            case 0b1110: x = Int128(CPU.polynomialMultiply(n.lane(e + part, 8), m.lane(e + part, 8), esize: 8))
            default:  // SQDMULL, SQDMLAL, SQDMLSL: the doubled product saturated, then the accumulation
                let (product, s1) = SatQ.signed(2 * narrow(n, e) * narrow(m, e), 2 * esize)
                saturated = saturated || s1
                if opcode == 0b1101 {
                    x = Int128(Int64(bitPattern: product << UInt64(64 - 2 * esize)) >> Int64(64 - 2 * esize))
                    break
                }
                let p = Int128(Int64(bitPattern: product << UInt64(64 - 2 * esize)) >> Int64(64 - 2 * esize))
                let a = Int128(d.signedLane(e, 2 * esize))
                let (sum, s2) = SatQ.signed(opcode == 0b1001 ? a + p : a - p, 2 * esize)
                saturated = saturated || s2
                x = Int128(sum)
            }
            r.setLane(e, 2 * esize, UInt64(truncatingIfNeeded: x))
        }
        if saturated { setQC() }
        if scalar { simd.setScalar(rd, r.lo, width: 2 * esize) } else { setVreg(rd, r) }
        return retireFP()
    }
}
