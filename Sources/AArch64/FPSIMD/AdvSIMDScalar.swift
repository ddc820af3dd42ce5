/// Advanced SIMD scalar groups (ARM ARM C4.1.95, op0 = 01x1): copy (DUP to a scalar), pairwise
/// (ADDP, FADDP, FMAXP, FMINP, FMAXNMP, FMINNMP), three same (integer and floating point),
/// two-register miscellaneous, three different, x indexed element and shift by immediate, each
/// on element 0 with the rest of the register cleared. This file has the three-same and
/// pairwise classes.
extension A64Decode {
    /// Advanced SIMD scalar three same: Rd, Rn, Rm; `imm3` the form (`.elementwise` or
    /// `.floatingPoint`), `imm` the operation (an `AdvSIMDIntegerOperation` or a `CPU.FPBinary`),
    /// `imm2` the layout (esize, one element).
    static func scalarThreeSame(_ w: UInt32, _ d: inout DecodedInstruction) {
        encodedRegisters(w, &d)
        let opcode = (w >> 11) & 0x1F
        if opcode >= 0b11000 { return threeSameFP(w, &d, scalar: true) }
        let u = (w >> 29) & 1 == 1, size = Int((w >> 22) & 3)
        switch opcode {
        case 0b00001, 0b00101, 0b01001, 0b01011: break  // saturating: every size
        case 0b00110, 0b00111, 0b01000, 0b01010, 0b10000, 0b10001: guard size == 3 else { return markReserved(&d) }
        case 0b10110: guard size == 1 || size == 2 else { return markReserved(&d) }
        default: return markReserved(&d)
        }
        d.imm3 = AdvSIMDThreeSameForm.elementwise.rawValue
        d.imm = AdvSIMDIntegerOperation(opcode: opcode, u: u).raw
        d.imm2 = AdvSIMDLayout(esize: 8 << size, elements: 1).raw
    }

    /// Advanced SIMD scalar pairwise: Rd, Rn; `imm3` = `.pairwise` for ADDP (D from 2D), or
    /// `.floatingPoint` with the `CPU.FPBinary` of the pair in `imm` and the layout (esize 32
    /// or 64) in `imm2`.
    static func scalarPairwise(_ w: UInt32, _ d: inout DecodedInstruction) {
        encodedRegisters(w, &d)
        let u = (w >> 29) & 1 == 1, size = (w >> 22) & 3, opcode = (w >> 12) & 0x1F
        if !u {
            guard opcode == 0b11011, size == 3 else { return markReserved(&d) }
            d.imm3 = AdvSIMDThreeSameForm.pairwise.rawValue
            d.imm2 = AdvSIMDLayout(esize: 64, elements: 1).raw
            return
        }
        let op: CPU.FPBinary
        switch (opcode, size >> 1) {
        case (0b01100, 0): op = .maxNum
        case (0b01100, _): op = .minNum
        case (0b01101, 0): op = .add
        case (0b01111, 0): op = .max
        case (0b01111, _): op = .min
        default: return markReserved(&d)
        }
        d.imm3 = AdvSIMDThreeSameForm.floatingPoint.rawValue
        d.imm = UInt64(op.rawValue)
        d.imm2 = AdvSIMDLayout(esize: size & 1 == 1 ? 64 : 32, elements: 1).raw
    }
}

extension CPU {
    func advSIMDScalarThreeSame(_ d: DecodedInstruction) -> Bool {
        if d.imm3 == AdvSIMDThreeSameForm.floatingPoint.rawValue { return advSIMDThreeSameFP(d, scalar: true) }
        let op = AdvSIMDIntegerOperation(d.imm), esize = AdvSIMDLayout(d.imm2).esize
        let a = simd.scalar(UInt32(d.rn), width: esize), b = simd.scalar(UInt32(d.rm), width: esize)
        var saturated = false
        let r = CPU.integerOp(op.opcode, u: op.u, a, b, 0, esize: esize, saturated: &saturated)
        if saturated { setQC() }
        simd.setScalar(UInt32(d.rd), r, width: esize)
        return retireFP()
    }

    /// ADDP (D from 2D) and the floating-point pairwise reductions of two elements.
    func advSIMDScalarPairwise(_ d: DecodedInstruction) -> Bool {
        let n = vreg(UInt32(d.rn)), rd = UInt32(d.rd)
        guard d.imm3 == AdvSIMDThreeSameForm.floatingPoint.rawValue else {
            simd.setScalar(rd, n.lo &+ n.hi, width: 64)
            return retireFP()
        }
        let op = FPBinary(decoded: d.imm), esize = AdvSIMDLayout(d.imm2).esize
        let fmt: FPFormat = esize == 64 ? .double : .single
        let r = withFPEnvironment { CPU.fpBinary(op, n.lane(0, esize), n.lane(1, esize), 0, fmt, &$0) }
        simd.setScalar(rd, r, width: esize)
        return retireFP()
    }
}
