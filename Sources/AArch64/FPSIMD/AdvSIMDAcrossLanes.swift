/// Advanced SIMD across lanes (ARM ARM C4.1.95): ADDV, SADDLV, UADDLV, SMAXV, UMAXV, SMINV,
/// UMINV, and FMAXV, FMINV, FMAXNMV, FMINNMV (single precision, 4S only), to a scalar.

/// The across-lanes operations (a record's `imm`).
enum AdvSIMDAcrossLanesOperation: UInt64 {
    /// SADDLV, UADDLV: a sum twice as wide as the elements.
    case addlv
    case addv, maxv, minv
    case fmaxnmv, fminnmv, fmaxv, fminv
}

extension A64Decode {
    /// Advanced SIMD across lanes: Rd, Rn; `imm` the `AdvSIMDAcrossLanesOperation`, `imm2` the
    /// layout (esize, elements), `imm3` U (1: the elements are unsigned).
    static func vectorAcrossLanes(_ w: UInt32, _ d: inout DecodedInstruction) {
        encodedRegisters(w, &d)
        let q = (w >> 30) & 1 == 1, u = (w >> 29) & 1 == 1, size = Int((w >> 22) & 3), opcode = (w >> 12) & 0x1F
        d.imm3 = u ? 1 : 0
        if opcode == 0b01100 || opcode == 0b01111 {  // FMAXNMV, FMINNMV, FMAXV, FMINV
            guard u, q, size & 1 == 0 else { return markReserved(&d) }  // half precision (U = 0) needs FEAT_FP16
            let isMin = size >> 1 == 1
            let op: AdvSIMDAcrossLanesOperation = opcode == 0b01100 ? (isMin ? .fminnmv : .fmaxnmv) : (isMin ? .fminv : .fmaxv)
            d.imm = op.rawValue
            d.imm2 = AdvSIMDLayout(esize: 32, elements: 4).raw
            return
        }
        guard size < 2 || (size == 2 && q) else { return markReserved(&d) }
        let op: AdvSIMDAcrossLanesOperation
        switch (u, opcode) {
        case (_, 0b00011): op = .addlv
        case (false, 0b11011): op = .addv
        case (_, 0b01010): op = .maxv
        case (_, 0b11010): op = .minv
        default: return markReserved(&d)
        }
        let esize = 8 << size
        d.imm = op.rawValue
        d.imm2 = AdvSIMDLayout(esize: esize, elements: (q ? 128 : 64) / esize, q: q).raw
    }
}

extension CPU {
    func advSIMDAcrossLanes(_ d: DecodedInstruction) -> Bool {
        let op = AdvSIMDAcrossLanesOperation(rawValue: d.imm) ?? .addv
        let layout = AdvSIMDLayout(d.imm2), esize = layout.esize, elements = layout.elements
        let u = d.imm3 == 1, rd = UInt32(d.rd), n = vreg(UInt32(d.rn))
        var result: UInt64
        var width = esize
        switch op {
        case .addlv:
            var sum: Int64 = 0
            for e in 0..<elements { sum &+= u ? Int64(n.lane(e, esize)) : n.signedLane(e, esize) }
            result = UInt64(bitPattern: sum)
            width = 2 * esize
        case .addv:
            result = 0
            for e in 0..<elements { result &+= n.lane(e, esize) }
        case .maxv, .minv:
            let isMax = op == .maxv
            var best = u ? Int64(n.lane(0, esize)) : n.signedLane(0, esize)
            for e in 1..<elements {
                let x = u ? Int64(n.lane(e, esize)) : n.signedLane(e, esize)
                if isMax ? x > best : x < best { best = x }
            }
            result = UInt64(bitPattern: best)
        case .fmaxnmv, .fminnmv, .fmaxv, .fminv:
            result = fpAcrossLanes(op, n)
        }
        simd.setScalar(rd, result, width: width)
        return retireFP()
    }

    /// FMAXNMV, FMINNMV, FMAXV, FMINV of the four single-precision elements of `n`: a
    /// pairwise tree reduction (Reduce in the ARM ARM: halves combined recursively, which fixes
    /// how NaNs propagate).
    private func fpAcrossLanes(_ op: AdvSIMDAcrossLanesOperation, _ n: V128) -> UInt64 {
        let nm = op == .fmaxnmv || op == .fminnmv, isMax = op == .fmaxnmv || op == .fmaxv
        return withFPEnvironment { env in
            func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
                nm ? SoftFP.minMaxNum(a, b, max: isMax, .single, &env) : SoftFP.minMax(a, b, max: isMax, .single, &env)
            }
            let lo = combine(n.lane(0, 32), n.lane(1, 32))
            let hi = combine(n.lane(2, 32), n.lane(3, 32))
            return combine(lo, hi)
        }
    }
}
