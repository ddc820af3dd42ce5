/// Advanced SIMD two-register miscellaneous (ARM ARM C4.1.95), integer and floating point.
/// The FEAT_FP16 and FEAT_FRINTTS forms are UNDEFINED (not advertised).
extension CPU {
    /// `scalar`: the AdvSIMD scalar two-register miscellaneous group (element 0 only): SUQADD,
    /// USQADD, SQABS, SQNEG, SQXTN, UQXTN, SQXTUN at every size, the compares with zero, ABS
    /// and NEG of D, and the floating-point conversions and compares.
    func advSIMDTwoRegisterMisc(_ d: DecodedInstruction, scalar: Bool = false) -> Bool {
        let w = d.word
        let q = (w >> 30) & 1 == 1 || scalar, u = (w >> 29) & 1 == 1, size = Int((w >> 22) & 3), opcode = (w >> 12) & 0x1F
        if opcode >= 0b10110 || (opcode >= 0b01100 && opcode <= 0b01111) { return fpTwoRegisterMisc(w, scalar: scalar) }
        if scalar {
            switch (u, opcode) {
            case (_, 0b00011), (_, 0b00111), (true, 0b10010), (_, 0b10100): break
            case (_, 0b01000), (_, 0b01001), (false, 0b01010), (_, 0b01011): guard size == 3 else { return false }
            default: return false
            }
        }
        let rd = w & 31, n = vreg((w >> 5) & 31), d = vreg(rd)
        let esize = 8 << size, elements = scalar ? 1 : (q ? 128 : 64) / esize
        var r = V128.zero
        var saturated = false
        switch (u, opcode) {
        case (_, 0b00000), (false, 0b00001):  // REV64, REV32, REV16: element order reversed in containers
            let container = u ? 32 : opcode == 1 ? 16 : 64
            guard esize < container else { return false }
            let per = container / esize
            for e in 0..<elements { r.setLane(e, esize, n.lane(e ^ (per - 1), esize)) }
        case (_, 0b00010), (_, 0b00110):  // [SU]ADDLP, [SU]ADALP: adjacent pairs summed, twice as wide
            guard size < 3 else { return false }
            for e in 0..<elements / 2 {
                let a = u ? Int64(n.lane(2 * e, esize)) : n.signedLane(2 * e, esize)
                let b = u ? Int64(n.lane(2 * e + 1, esize)) : n.signedLane(2 * e + 1, esize)
                let acc = opcode == 0b00110 ? d.lane(e, 2 * esize) : 0
                r.setLane(e, 2 * esize, acc &+ UInt64(bitPattern: a &+ b))
            }
        case (_, 0b00011):  // SUQADD (signed result), USQADD (unsigned result)
            guard size < 3 || q else { return false }
            for e in 0..<elements {
                let x = u ? Int128(d.lane(e, esize)) + Int128(n.signedLane(e, esize))
                          : Int128(d.signedLane(e, esize)) + Int128(n.lane(e, esize))
                let (v, s) = u ? SatQ.unsigned(x, esize) : SatQ.signed(x, esize)
                saturated = saturated || s
                r.setLane(e, esize, v)
            }
        case (_, 0b00100):  // CLS, CLZ
            guard size < 3 else { return false }
            for e in 0..<elements {
                let x = n.lane(e, esize) << UInt64(64 - esize)
                let count = u ? x.leadingZeroBitCount : ((x ^ (x << 1)) | ((1 << UInt64(65 - esize)) - 1)).leadingZeroBitCount
                r.setLane(e, esize, UInt64(min(count, esize)))
            }
        case (false, 0b00101):  // CNT
            guard size == 0 else { return false }
            r = V128(lo: CPU.byteCounts(n.lo), hi: CPU.byteCounts(n.hi))
        case (true, 0b00101):  // NOT, RBIT
            switch size {
            case 0: r = V128(lo: ~n.lo, hi: ~n.hi)
            case 1: r = V128(lo: CPU.reverseBitsInBytes(n.lo), hi: CPU.reverseBitsInBytes(n.hi))
            default: return false
            }
        case (_, 0b00111), (_, 0b01011):  // SQABS, SQNEG, ABS, NEG
            guard size < 3 || q else { return false }
            for e in 0..<elements {
                let x = Int128(n.signedLane(e, esize))
                let y = u ? -x : abs(x)
                if opcode == 0b00111 {
                    let (v, s) = SatQ.signed(y, esize)
                    saturated = saturated || s
                    r.setLane(e, esize, v)
                } else {
                    r.setLane(e, esize, UInt64(truncatingIfNeeded: y))
                }
            }
        case (_, 0b01000), (_, 0b01001), (false, 0b01010):  // CMGT, CMGE, CMEQ, CMLE, CMLT (zero)
            guard size < 3 || q else { return false }
            for e in 0..<elements {
                let x = n.signedLane(e, esize)
                let holds: Bool
                switch (u, opcode) {
                case (false, 0b01000): holds = x > 0
                case (true, 0b01000): holds = x >= 0
                case (false, 0b01001): holds = x == 0
                case (true, 0b01001): holds = x <= 0
                default: holds = x < 0
                }
                r.setLane(e, esize, holds ? V128.mask(esize) : 0)
            }
        case (_, 0b10010), (_, 0b10100):  // XTN, SQXTUN, SQXTN, UQXTN: into the half Q selects
            guard size < 3 else { return false }
            r = q ? d : .zero
            let half = 64 / esize
            for e in 0..<(scalar ? 1 : half) {
                let wide = Int128(n.signedLane(e, 2 * esize))
                let value: UInt64
                switch (u, opcode) {
                case (false, 0b10010): value = n.lane(e, 2 * esize)
                case (true, 0b10010), (false, 0b10100):
                    let (v, s) = u ? SatQ.unsigned(wide, esize) : SatQ.signed(wide, esize)
                    saturated = saturated || s
                    value = v
                default:
                    let (v, s) = SatQ.unsigned(Int128(n.lane(e, 2 * esize)), esize)
                    saturated = saturated || s
                    value = v
                }
                r.setLane(e + (q && !scalar ? half : 0), esize, value)
            }
            if saturated { setQC() }
            if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r) }
            return retireFP()
        case (true, 0b10011):  // SHLL: the half Q selects, widened and shifted by esize
            guard size < 3 else { return false }
            let half = 64 / esize
            for e in 0..<half { r.setLane(e, 2 * esize, n.lane(e + (q ? half : 0), esize) << UInt64(esize)) }
            setVreg(rd, r)
            return retireFP()
        default: return false
        }
        if saturated { setQC() }
        if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r, q: q) }
        return retireFP()
    }

    /// The population count of every byte.
    @inline(__always) static func byteCounts(_ x: UInt64) -> UInt64 {
        var v = x &- ((x >> 1) & 0x5555_5555_5555_5555)
        v = (v & 0x3333_3333_3333_3333) &+ ((v >> 2) & 0x3333_3333_3333_3333)
        return (v &+ (v >> 4)) & 0x0F0F_0F0F_0F0F_0F0F
    }

    /// Every byte with its bits in reverse order.
    @inline(__always) static func reverseBitsInBytes(_ x: UInt64) -> UInt64 {
        var v = ((x >> 1) & 0x5555_5555_5555_5555) | ((x & 0x5555_5555_5555_5555) << 1)
        v = ((v >> 2) & 0x3333_3333_3333_3333) | ((v & 0x3333_3333_3333_3333) << 2)
        return ((v >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((v & 0x0F0F_0F0F_0F0F_0F0F) << 4)
    }
}
