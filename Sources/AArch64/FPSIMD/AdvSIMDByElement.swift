/// Advanced SIMD vector and scalar x indexed element (ARM ARM C4.1.95): every element of Vn
/// with one element of Vm. Integer: MUL, MLA, MLS, SQDMULH, SQRDMULH and the long forms
/// [SU]MULL, [SU]MLAL, [SU]MLSL, SQDMULL, SQDMLAL, SQDMLSL (halfwords index H:L:M of V0–V15,
/// words index H:L of V0–V31). Floating point: FMUL, FMULX, FMLA, FMLS (single: H:L, double:
/// H). Not implemented (UNDEFINED, not advertised): the dot products, FMLAL/FMLSL, FCMLA,
/// SQRDMLAH/SQRDMLSH and the half-precision forms.

/// What a by-element record's `imm` holds (`imm3`).
enum AdvSIMDByElementForm: UInt64 {
    /// FMLA, FMLS, FMUL, FMULX: `imm` is a `CPU.FPBinary`.
    case floatingPoint
    /// MUL, MLA, MLS, SQDMULH, SQRDMULH: `imm` is the three-same operation they share
    /// (`AdvSIMDIntegerOperation` for `CPU.integerOp`).
    case sameWidth
    /// [SU]MULL, [SU]MLAL, [SU]MLSL, SQDMULL, SQDMLAL, SQDMLSL: `imm` is the opcode and U.
    case long
}

extension A64Decode {
    static func vectorByElement(_ w: UInt32, _ d: inout DecodedInstruction) { byElement(w, &d, scalar: false) }
    static func scalarByElement(_ w: UInt32, _ d: inout DecodedInstruction) { byElement(w, &d, scalar: true) }

    /// Rd, Rn, Rm (V0–V15 for the halfword integer forms, M being an index bit); `imm3` the
    /// form (`AdvSIMDByElementForm`), `imm` the operation, `imm2` the layout: esize of Vn's
    /// elements, how many, from which (`part`, the "2" long forms), Q, and the index into Vm.
    private static func byElement(_ w: UInt32, _ d: inout DecodedInstruction, scalar: Bool) {
        encodedRegisters(w, &d)
        let q = (w >> 30) & 1 == 1 || scalar, u = (w >> 29) & 1 == 1, size = Int((w >> 22) & 3), opcode = (w >> 12) & 0xF
        let l = Int((w >> 21) & 1), m = Int((w >> 20) & 1), h = Int((w >> 11) & 1)
        // Floating point: FMLA (0001), FMLS (0101), FMUL (1001, U = 0), FMULX (1001, U = 1).
        if (opcode == 0b0001 || opcode == 0b0101 || opcode == 0b1001) && (!u || opcode == 0b1001) {
            guard size >> 1 == 1, !(size == 3 && (l == 1 || !q)) else { return markReserved(&d) }
            let esize = size == 3 ? 64 : 32
            let op: CPU.FPBinary = opcode == 0b0001 ? .mla : opcode == 0b0101 ? .mls : u ? .mulX : .mul
            d.imm3 = AdvSIMDByElementForm.floatingPoint.rawValue
            d.imm = UInt64(op.rawValue)
            d.imm2 = AdvSIMDLayout(esize: esize, elements: scalar ? 1 : (q ? 128 : 64) / esize, q: q,
                                   index: size == 3 ? h : h << 1 | l).raw
            return
        }
        guard size == 1 || size == 2 else { return markReserved(&d) }
        let esize = 8 << size
        let index = size == 1 ? h << 2 | l << 1 | m : h << 1 | l
        if size == 1 { d.rm &= 15 }
        switch (u, opcode) {
        case (false, 0b1000), (true, 0b0000), (true, 0b0100), (false, 0b1100), (false, 0b1101):
            // MUL, MLA, MLS, SQDMULH, SQRDMULH: same-width results, as the three-same operations
            if scalar && opcode < 0b1100 { return markReserved(&d) }
            let operation: AdvSIMDIntegerOperation
            switch opcode {
            case 0b1000: operation = .init(opcode: 0b10011, u: false)  // MUL
            case 0b0000: operation = .init(opcode: 0b10010, u: false)  // MLA
            case 0b0100: operation = .init(opcode: 0b10010, u: true)  // MLS
            case 0b1100: operation = .init(opcode: 0b10110, u: false)  // SQDMULH
            default: operation = .init(opcode: 0b10110, u: true)  // SQRDMULH
            }
            d.imm3 = AdvSIMDByElementForm.sameWidth.rawValue
            d.imm = operation.raw
            d.imm2 = AdvSIMDLayout(esize: esize, elements: scalar ? 1 : (q ? 128 : 64) / esize, q: q, index: index).raw
        case (_, 0b0010), (_, 0b0110), (_, 0b1010), (false, 0b0011), (false, 0b0111), (false, 0b1011):
            // [SU]MLAL, [SU]MLSL, [SU]MULL, SQDMLAL, SQDMLSL, SQDMULL: 2·esize results
            if scalar && opcode & 1 == 0 { return markReserved(&d) }
            d.imm3 = AdvSIMDByElementForm.long.rawValue
            d.imm = AdvSIMDIntegerOperation(opcode: opcode, u: u).raw
            d.imm2 = AdvSIMDLayout(esize: esize, elements: scalar ? 1 : 64 / esize, part: q && !scalar ? 64 / esize : 0,
                                   index: index).raw
        default:  // SQRDMLAH, SQRDMLSH (U = 1, 1101, 1111), the dot products and the unallocated
            markReserved(&d)
        }
    }
}

extension CPU {
    func advSIMDByElement(_ d: DecodedInstruction, scalar: Bool = false) -> Bool {
        let layout = AdvSIMDLayout(d.imm2), esize = layout.esize
        let rd = UInt32(d.rd), n = vreg(UInt32(d.rn)), dst = vreg(rd)
        let element = vreg(UInt32(d.rm)).lane(layout.index, esize)
        var r = V128.zero
        switch AdvSIMDByElementForm(rawValue: d.imm3) ?? .floatingPoint {
        case .floatingPoint:
            let op = FPBinary(decoded: d.imm), fmt: FPFormat = esize == 64 ? .double : .single
            withFPEnvironment { env in
                for e in 0..<layout.elements {
                    r.setLane(e, esize, CPU.fpBinary(op, n.lane(e, esize), element, dst.lane(e, esize), fmt, &env))
                }
            }
            if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r, q: layout.q) }
            return retireFP()
        case .sameWidth:
            let op = AdvSIMDIntegerOperation(d.imm)
            var saturated = false
            for e in 0..<layout.elements {
                r.setLane(e, esize, CPU.integerOp(op.opcode, u: op.u, n.lane(e, esize), element, dst.lane(e, esize),
                                                  esize: esize, saturated: &saturated))
            }
            if saturated { setQC() }
            if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r, q: layout.q) }
            return retireFP()
        case .long:
            let op = AdvSIMDIntegerOperation(d.imm), opcode = op.opcode, u = op.u, part = layout.part
            let saturating = opcode & 1 == 1
            var saturated = false
            let b = u ? Int128(element) : Int128(Int64(bitPattern: element << UInt64(64 - esize)) >> Int64(64 - esize))
            for e in 0..<layout.elements {
                let a = u ? Int128(n.lane(e + part, esize)) : Int128(n.signedLane(e + part, esize))
                let value: UInt64
                if saturating {
                    let (p, s1) = SatQ.signed(2 * a * b, 2 * esize)
                    saturated = saturated || s1
                    let product = Int128(Int64(bitPattern: p << UInt64(64 - 2 * esize)) >> Int64(64 - 2 * esize))
                    if opcode == 0b1011 {
                        value = p
                    } else {
                        let acc = Int128(dst.signedLane(e, 2 * esize))
                        let (v, s2) = SatQ.signed(opcode == 0b0011 ? acc + product : acc - product, 2 * esize)
                        saturated = saturated || s2
                        value = v
                    }
                } else {
                    let acc = Int128(dst.lane(e, 2 * esize))
                    let x = opcode == 0b1010 ? a * b : opcode == 0b0010 ? acc + a * b : acc - a * b
                    value = UInt64(truncatingIfNeeded: x)
                }
                r.setLane(e, 2 * esize, value)
            }
            if saturated { setQC() }
            if scalar { simd.setScalar(rd, r.lo, width: 2 * esize) } else { setVreg(rd, r) }
            return retireFP()
        }
    }
}
