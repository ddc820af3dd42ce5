/// Advanced SIMD across lanes (ARM ARM C4.1.95): ADDV, SADDLV, UADDLV, SMAXV, UMAXV, SMINV,
/// UMINV, and FMAXV, FMINV, FMAXNMV, FMINNMV (single precision, 4S only), to a scalar.
extension CPU {
    func advSIMDAcrossLanes(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        let q = (w >> 30) & 1 == 1, u = (w >> 29) & 1 == 1, size = Int((w >> 22) & 3), opcode = (w >> 12) & 0x1F
        let rd = w & 31, n = vreg((w >> 5) & 31)
        if opcode == 0b01100 || opcode == 0b01111 { return fpAcrossLanes(w) }
        guard size < 2 || (size == 2 && q) else { return false }
        let esize = 8 << size, elements = (q ? 128 : 64) / esize
        var result: UInt64
        var width = esize
        switch (u, opcode) {
        case (_, 0b00011):  // SADDLV, UADDLV: a sum twice as wide
            var sum: Int64 = 0
            for e in 0..<elements { sum &+= u ? Int64(n.lane(e, esize)) : n.signedLane(e, esize) }
            result = UInt64(bitPattern: sum)
            width = 2 * esize
        case (false, 0b11011):  // ADDV
            result = 0
            for e in 0..<elements { result &+= n.lane(e, esize) }
        case (_, 0b01010), (_, 0b11010):  // [SU]MAXV, [SU]MINV
            let isMax = opcode == 0b01010
            var best = u ? Int64(n.lane(0, esize)) : n.signedLane(0, esize)
            for e in 1..<elements {
                let x = u ? Int64(n.lane(e, esize)) : n.signedLane(e, esize)
                if isMax ? x > best : x < best { best = x }
            }
            result = UInt64(bitPattern: best)
        default: return false
        }
        simd.setScalar(rd, result, width: width)
        return retireFP()
    }

    /// FMAXNMV, FMINNMV (opcode 01100), FMAXV, FMINV (01111): a pairwise tree reduction
    /// (Reduce in the ARM ARM: halves combined recursively, which fixes how NaNs propagate).
    func fpAcrossLanes(_ w: UInt32) -> Bool {
        let q = (w >> 30) & 1 == 1, u = (w >> 29) & 1 == 1, sz = (w >> 22) & 1, isMin = (w >> 23) & 1 == 1
        guard u, q, sz == 0 else { return false }  // half precision (U = 0) needs FEAT_FP16
        let nm = (w >> 12) & 0x1F == 0b01100
        let n = vreg((w >> 5) & 31)
        let result: UInt64 = withFPEnvironment { env in
            func op(_ a: UInt64, _ b: UInt64) -> UInt64 {
                nm ? SoftFP.minMaxNum(a, b, max: !isMin, .single, &env) : SoftFP.minMax(a, b, max: !isMin, .single, &env)
            }
            let lo = op(n.lane(0, 32), n.lane(1, 32))
            let hi = op(n.lane(2, 32), n.lane(3, 32))
            return op(lo, hi)
        }
        simd.setScalar(w & 31, result, width: 32)
        return retireFP()
    }
}
