/// Advanced SIMD scalar groups (ARM ARM C4.1.95, op0 = 01x1): copy (DUP to a scalar), pairwise
/// (ADDP, FADDP, FMAXP, FMINP, FMAXNMP, FMINNMP), three same (integer and floating point),
/// two-register miscellaneous, three different, x indexed element and shift by immediate, each
/// on element 0 with the rest of the register cleared.
extension CPU {
    func advSIMDScalarThreeSame(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        let opcode = (w >> 11) & 0x1F
        if opcode >= 0b11000 { return advSIMDThreeSameFP(w, scalar: true) }
        let u = (w >> 29) & 1 == 1, size = Int((w >> 22) & 3)
        switch opcode {
        case 0b00001, 0b00101, 0b01001, 0b01011: break  // saturating: every size
        case 0b00110, 0b00111, 0b01000, 0b01010, 0b10000, 0b10001: guard size == 3 else { return false }
        case 0b10110: guard size == 1 || size == 2 else { return false }
        default: return false
        }
        let esize = 8 << size, rd = w & 31
        let a = simd.scalar((w >> 5) & 31, width: esize), b = simd.scalar((w >> 16) & 31, width: esize)
        var saturated = false
        let r = CPU.integerOp(opcode, u: u, a, b, 0, esize: esize, saturated: &saturated)
        if saturated { setQC() }
        simd.setScalar(rd, r, width: esize)
        return retireFP()
    }

    /// ADDP (D from 2D) and the floating-point pairwise reductions of two elements.
    func advSIMDScalarPairwise(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        let u = (w >> 29) & 1 == 1, size = (w >> 22) & 3, opcode = (w >> 12) & 0x1F
        let n = vreg((w >> 5) & 31), rd = w & 31
        if !u {
            guard opcode == 0b11011, size == 3 else { return false }
            simd.setScalar(rd, n.lo &+ n.hi, width: 64)
            return retireFP()
        }
        let op: FPBinary
        switch (opcode, size >> 1) {
        case (0b01100, 0): op = .maxNum
        case (0b01100, _): op = .minNum
        case (0b01101, 0): op = .add
        case (0b01111, 0): op = .max
        case (0b01111, _): op = .min
        default: return false
        }
        let fmt: FPFormat = size & 1 == 1 ? .double : .single
        let r = withFPEnvironment { CPU.fpBinary(op, n.lane(0, fmt.n), n.lane(1, fmt.n), 0, fmt, &$0) }
        simd.setScalar(rd, r, width: fmt.n)
        return retireFP()
    }
}
