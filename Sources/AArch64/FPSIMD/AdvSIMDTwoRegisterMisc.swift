/// Advanced SIMD two-register miscellaneous (ARM ARM C4.1.95), integer and floating point.
/// The FEAT_FP16 and FEAT_FRINTTS forms are UNDEFINED (not advertised).
extension A64Decode {
    /// rd, rn; `imm` = `AdvSIMDTwoRegisterMiscOperands.packed`.
    static func vectorTwoRegisterMisc(_ w: UInt32, _ d: inout DecodedInstruction) {
        twoRegisterMisc(w, &d, scalar: false)
    }

    /// The AdvSIMD scalar two-register miscellaneous group (element 0 only): SUQADD, USQADD,
    /// SQABS, SQNEG, SQXTN, UQXTN, SQXTUN at every size, the compares with zero, ABS and NEG of
    /// D, and the floating-point conversions, compares and estimates. As `vectorTwoRegisterMisc`.
    static func scalarTwoRegisterMisc(_ w: UInt32, _ d: inout DecodedInstruction) {
        twoRegisterMisc(w, &d, scalar: true)
    }

    private static func twoRegisterMisc(_ w: UInt32, _ d: inout DecodedInstruction, scalar: Bool) {
        let q = (w >> 30) & 1 == 1, opcode = (w >> 12) & 0x1F
        let decoded = opcode >= 0b10110 || (opcode >= 0b01100 && opcode <= 0b01111)
            ? fpTwoRegisterMisc(w, scalar: scalar) : integerTwoRegisterMisc(w, scalar: scalar)
        guard let (operation, esize) = decoded else { markReserved(&d); return }
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.imm = AdvSIMDTwoRegisterMiscOperands(operation, esize: esize, q: q && !scalar).packed
    }

    /// The integer operations and their element size, nil when reserved.
    private static func integerTwoRegisterMisc(_ w: UInt32, scalar: Bool) -> (AdvSIMDTwoRegisterMiscOperation, Int)? {
        let q = (w >> 30) & 1 == 1 || scalar, u = (w >> 29) & 1 == 1, size = Int((w >> 22) & 3), opcode = (w >> 12) & 0x1F
        if scalar {
            switch (u, opcode) {
            case (_, 0b00011), (_, 0b00111), (true, 0b10010), (_, 0b10100): break
            case (_, 0b01000), (_, 0b01001), (false, 0b01010), (_, 0b01011): guard size == 3 else { return nil }
            default: return nil
            }
        }
        let operation: AdvSIMDTwoRegisterMiscOperation
        let allocated: Bool
        switch (u, opcode) {
        case (false, 0b00000): operation = .rev64; allocated = size < 3
        case (true, 0b00000): operation = .rev32; allocated = size < 2
        case (false, 0b00001): operation = .rev16; allocated = size < 1
        case (_, 0b00010): operation = u ? .uaddlp : .saddlp; allocated = size < 3
        case (_, 0b00110): operation = u ? .uadalp : .sadalp; allocated = size < 3
        case (_, 0b00011): operation = u ? .usqadd : .suqadd; allocated = size < 3 || q
        case (_, 0b00100): operation = u ? .clz : .cls; allocated = size < 3
        case (false, 0b00101): operation = .cnt; allocated = size == 0
        case (true, 0b00101): operation = size == 0 ? .not : .rbit; allocated = size < 2
        case (_, 0b00111): operation = u ? .sqneg : .sqabs; allocated = size < 3 || q
        case (_, 0b01011): operation = u ? .neg : .abs; allocated = size < 3 || q
        case (_, 0b01000): operation = u ? .cmge : .cmgt; allocated = size < 3 || q
        case (_, 0b01001): operation = u ? .cmle : .cmeq; allocated = size < 3 || q
        case (false, 0b01010): operation = .cmlt; allocated = size < 3 || q
        case (_, 0b10010): operation = u ? .sqxtun : .xtn; allocated = size < 3
        case (_, 0b10100): operation = u ? .uqxtn : .sqxtn; allocated = size < 3
        case (true, 0b10011): operation = .shll; allocated = size < 3
        default: return nil
        }
        return allocated ? (operation, 8 << size) : nil
    }
}

/// The two-register miscellaneous operations, by their ARM ARM names: the integer ones, then
/// the floating-point ones (`AdvSIMDTwoRegisterMiscFP.swift`).
enum AdvSIMDTwoRegisterMiscOperation: UInt8 {
    case rev64, rev32, rev16, saddlp, uaddlp, sadalp, uadalp, suqadd, usqadd, cls, clz, cnt, not, rbit
    case sqabs, sqneg, abs, neg, cmgt, cmge, cmeq, cmle, cmlt, xtn, sqxtun, sqxtn, uqxtn, shll
    case fabs, fneg, fsqrt, frintn, frinta, frintp, frintm, frintz, frintx, frinti
    case fcvtns, fcvtnu, fcvtps, fcvtpu, fcvtms, fcvtmu, fcvtzs, fcvtzu, fcvtas, fcvtau, scvtf, ucvtf
    case fcmgt, fcmge, fcmeq, fcmle, fcmlt, frecpe, frsqrte, urecpe, ursqrte, frecpx
    case fcvtn, fcvtxn, fcvtl

    var isFloatingPoint: Bool { rawValue >= AdvSIMDTwoRegisterMiscOperation.fabs.rawValue }
}

/// The decoded form of a two-register miscellaneous instruction, packed into one `UInt64`
/// (`DecodedInstruction.imm`): operation in bits 7:0; element size in bits in 15:8 (the
/// source's, except the narrower result's for XTN, SQXTUN, SQXTN, UQXTN, and the wider
/// format's for FCVTN, FCVTXN, FCVTL); Q in bit 16 (always 0 for scalars).
struct AdvSIMDTwoRegisterMiscOperands {
    let packed: UInt64

    init(_ operation: AdvSIMDTwoRegisterMiscOperation, esize: Int, q: Bool) {
        packed = UInt64(operation.rawValue) | UInt64(esize & 0xFF) << 8 | (q ? 1 << 16 : 0)
    }

    init(packed: UInt64) { self.packed = packed }

    var operation: AdvSIMDTwoRegisterMiscOperation {
        AdvSIMDTwoRegisterMiscOperation(rawValue: UInt8(truncatingIfNeeded: packed)) ?? .rev64
    }
    var esize: Int { Int((packed >> 8) & 0xFF) }
    var q: Bool { (packed >> 16) & 1 == 1 }
}

extension CPU {
    /// `scalar`: the AdvSIMD scalar group (element 0 only, written as a scalar).
    func advSIMDTwoRegisterMisc(_ d: DecodedInstruction, scalar: Bool = false) -> Bool {
        let o = AdvSIMDTwoRegisterMiscOperands(packed: d.imm)
        let operation = o.operation
        if operation.isFloatingPoint { return fpTwoRegisterMisc(d, operation, o, scalar: scalar) }
        let q = o.q, esize = o.esize
        let rd = UInt32(d.rd), n = vreg(UInt32(d.rn)), dv = vreg(rd)
        let elements = scalar ? 1 : (q ? 128 : 64) / esize
        var r = V128.zero
        var saturated = false
        switch operation {
        case .rev64, .rev32, .rev16:  // element order reversed in containers
            let per = (operation == .rev64 ? 64 : operation == .rev32 ? 32 : 16) / esize
            for e in 0..<elements { r.setLane(e, esize, n.lane(e ^ (per - 1), esize)) }
        case .saddlp, .uaddlp, .sadalp, .uadalp:  // adjacent pairs summed, twice as wide
            let unsigned = operation == .uaddlp || operation == .uadalp
            let accumulate = operation == .sadalp || operation == .uadalp
            for e in 0..<elements / 2 {
                let a = unsigned ? Int64(n.lane(2 * e, esize)) : n.signedLane(2 * e, esize)
                let b = unsigned ? Int64(n.lane(2 * e + 1, esize)) : n.signedLane(2 * e + 1, esize)
                let acc = accumulate ? dv.lane(e, 2 * esize) : 0
                r.setLane(e, 2 * esize, acc &+ UInt64(bitPattern: a &+ b))
            }
        case .suqadd, .usqadd:  // SUQADD: signed result; USQADD: unsigned result
            let usqadd = operation == .usqadd
            for e in 0..<elements {
                let x = usqadd ? Int128(dv.lane(e, esize)) + Int128(n.signedLane(e, esize))
                               : Int128(dv.signedLane(e, esize)) + Int128(n.lane(e, esize))
                let (v, s) = usqadd ? SatQ.unsigned(x, esize) : SatQ.signed(x, esize)
                saturated = saturated || s
                r.setLane(e, esize, v)
            }
        case .cls, .clz:
            for e in 0..<elements {
                let x = n.lane(e, esize) << UInt64(64 - esize)
                let count = operation == .clz ? x.leadingZeroBitCount
                                              : ((x ^ (x << 1)) | ((1 << UInt64(65 - esize)) - 1)).leadingZeroBitCount
                r.setLane(e, esize, UInt64(min(count, esize)))
            }
        case .cnt: r = V128(lo: CPU.byteCounts(n.lo), hi: CPU.byteCounts(n.hi))
        case .not: r = V128(lo: ~n.lo, hi: ~n.hi)
        case .rbit: r = V128(lo: CPU.reverseBitsInBytes(n.lo), hi: CPU.reverseBitsInBytes(n.hi))
        case .sqabs, .sqneg, .abs, .neg:
            let negate = operation == .sqneg || operation == .neg, saturating = operation == .sqabs || operation == .sqneg
            for e in 0..<elements {
                let x = Int128(n.signedLane(e, esize))
                let y = negate ? -x : abs(x)
                if saturating {
                    let (v, s) = SatQ.signed(y, esize)
                    saturated = saturated || s
                    r.setLane(e, esize, v)
                } else {
                    r.setLane(e, esize, UInt64(truncatingIfNeeded: y))
                }
            }
        case .cmgt, .cmge, .cmeq, .cmle, .cmlt:  // compared with zero
            for e in 0..<elements {
                let x = n.signedLane(e, esize)
                let holds: Bool
                switch operation {
                case .cmgt: holds = x > 0
                case .cmge: holds = x >= 0
                case .cmeq: holds = x == 0
                case .cmle: holds = x <= 0
                default: holds = x < 0
                }
                r.setLane(e, esize, holds ? V128.mask(esize) : 0)
            }
        case .xtn, .sqxtun, .sqxtn, .uqxtn:  // into the half Q selects, the other half kept
            r = q ? dv : .zero
            let half = 64 / esize
            for e in 0..<(scalar ? 1 : half) {
                let value: UInt64
                switch operation {
                case .xtn: value = n.lane(e, 2 * esize)
                case .sqxtun, .sqxtn:
                    let wide = Int128(n.signedLane(e, 2 * esize))
                    let (v, s) = operation == .sqxtun ? SatQ.unsigned(wide, esize) : SatQ.signed(wide, esize)
                    saturated = saturated || s
                    value = v
                default:
                    let (v, s) = SatQ.unsigned(Int128(n.lane(e, 2 * esize)), esize)
                    saturated = saturated || s
                    value = v
                }
                r.setLane(e + (q ? half : 0), esize, value)
            }
            if saturated { setQC() }
            if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r) }
            return retireFP()
        default:  // SHLL: the half Q selects, widened and shifted by esize
            let half = 64 / esize
            for e in 0..<half { r.setLane(e, 2 * esize, n.lane(e + (q ? half : 0), esize) << UInt64(esize)) }
            setVreg(rd, r)
            return retireFP()
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
