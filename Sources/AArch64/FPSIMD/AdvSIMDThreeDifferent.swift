/// Advanced SIMD three different (ARM ARM C4.1.95): the long forms (results twice as wide
/// as the sources: [SU]ADDL, [SU]SUBL, [SU]ABAL, [SU]ABDL, [SU]MLAL, [SU]MLSL, [SU]MULL,
/// SQDMULL, SQDMLAL, SQDMLSL, PMULL of bytes), the wide forms ([SU]ADDW, [SU]SUBW) and the
/// narrowing high-half forms (ADDHN, RADDHN, SUBHN, RSUBHN). The "2" forms (Q = 1) take the
/// upper halves of the narrow sources, or write the upper half of the narrow result.
/// PMULL of doublewords belongs to the cryptography extension (not advertised): UNDEFINED.
/// The scalar group (`scalar`) has SQDMLAL, SQDMLSL and SQDMULL on element 0.
extension A64Decode {
    static func vectorThreeDifferent(_ w: UInt32, _ d: inout DecodedInstruction) { threeDifferent(w, &d, scalar: false) }
    static func scalarThreeDifferent(_ w: UInt32, _ d: inout DecodedInstruction) { threeDifferent(w, &d, scalar: true) }

    /// Rd, Rn, Rm; `imm` the opcode and U (`AdvSIMDIntegerOperation`), `imm2` the layout:
    /// esize of the narrow elements, `elements` of them (one for the scalar forms), from
    /// element `part` of a narrow source, and Q (the "2" forms).
    private static func threeDifferent(_ w: UInt32, _ d: inout DecodedInstruction, scalar: Bool) {
        encodedRegisters(w, &d)
        let q = (w >> 30) & 1 == 1 && !scalar, u = (w >> 29) & 1 == 1, size = Int((w >> 22) & 3), opcode = (w >> 12) & 0xF
        guard size < 3, opcode != 0b1111 else { return markReserved(&d) }
        switch opcode {
        case 0b1001, 0b1011, 0b1101: guard !u, size == 1 || size == 2 else { return markReserved(&d) }  // SQDMLAL, SQDMLSL, SQDMULL
        case 0b1110: guard !u, size == 0 else { return markReserved(&d) }  // PMULL (bytes)
        default: break
        }
        if scalar && opcode != 0b1001 && opcode != 0b1011 && opcode != 0b1101 { return markReserved(&d) }
        let esize = 8 << size
        d.imm = AdvSIMDIntegerOperation(opcode: opcode, u: u).raw
        d.imm2 = AdvSIMDLayout(esize: esize, elements: scalar ? 1 : 64 / esize, part: q ? 64 / esize : 0, q: q).raw
    }
}

extension CPU {
    func advSIMDThreeDifferent(_ d: DecodedInstruction, scalar: Bool = false) -> Bool {
        let op = AdvSIMDIntegerOperation(d.imm), layout = AdvSIMDLayout(d.imm2)
        let u = op.u, opcode = op.opcode, esize = layout.esize, half = layout.elements, part = layout.part
        let rd = UInt32(d.rd), n = vreg(UInt32(d.rn)), m = vreg(UInt32(d.rm)), dst = vreg(rd)
        func narrow(_ v: V128, _ e: Int) -> Int128 { u ? Int128(v.lane(e + part, esize)) : Int128(v.signedLane(e + part, esize)) }
        func wide(_ v: V128, _ e: Int) -> Int128 { u ? Int128(v.lane(e, 2 * esize)) : Int128(v.signedLane(e, 2 * esize)) }
        var r = V128.zero
        var saturated = false
        if opcode == 0b0100 || opcode == 0b0110 {  // ADDHN, SUBHN (RADDHN, RSUBHN with U = 1)
            if layout.q { r = dst }
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
            let acc = Int128(dst.lane(e, 2 * esize))
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
                let p = Int128(Int64(bitPattern: product << UInt64(64 - 2 * esize)) >> Int64(64 - 2 * esize))
                if opcode == 0b1101 {
                    x = p
                    break
                }
                let a = Int128(dst.signedLane(e, 2 * esize))
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
