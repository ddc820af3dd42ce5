/// Advanced SIMD shift by immediate (ARM ARM C4.1.95), vector and scalar: SSHR, USHR, SSRA,
/// USRA, SRSHR, URSHR, SRSRA, URSRA, SHL, SLI, SRI, SQSHL, UQSHL, SQSHLU, the narrowing SHRN,
/// RSHRN, SQSHRN, UQSHRN, SQRSHRN, UQRSHRN, SQSHRUN, SQRSHRUN, the widening SSHLL, USHLL, and
/// the fixed-point conversions SCVTF, UCVTF, FCVTZS, FCVTZU. immh's highest set bit gives the
/// element size: the right shift is 2·esize − immh:immb, the left shift immh:immb − esize.
extension A64Decode {
    /// rd, rn; `imm` = `AdvSIMDShiftImmediateOperands.packed`.
    static func vectorShiftImmediate(_ w: UInt32, _ d: inout DecodedInstruction) {
        shiftImmediate(w, &d, scalar: false)
    }

    /// The scalar forms (D only for the plain shifts; no SHRN, RSHRN, SSHLL, USHLL): as
    /// `vectorShiftImmediate`. immh = 0 is unallocated.
    static func scalarShiftImmediate(_ w: UInt32, _ d: inout DecodedInstruction) {
        shiftImmediate(w, &d, scalar: true)
    }

    private static func shiftImmediate(_ w: UInt32, _ d: inout DecodedInstruction, scalar: Bool) {
        typealias Op = AdvSIMDShiftImmediateOperation
        let u = (w >> 29) & 1 == 1, opcode = (w >> 11) & 0x1F
        let immh = (w >> 19) & 0xF, immhb = Int((w >> 16) & 0x7F)
        let q = (w >> 30) & 1 == 1 && !scalar
        let operation: Op
        switch opcode {
        case 0b00000: operation = u ? .ushr : .sshr
        case 0b00010: operation = u ? .usra : .ssra
        case 0b00100: operation = u ? .urshr : .srshr
        case 0b00110: operation = u ? .ursra : .srsra
        case 0b01000 where u: operation = .sri
        case 0b01010: operation = u ? .sli : .shl
        case 0b01100 where u: operation = .sqshlu
        case 0b01110: operation = u ? .uqshl : .sqshl
        case 0b10000: operation = u ? .sqshrun : .shrn
        case 0b10001: operation = u ? .sqrshrun : .rshrn
        case 0b10010: operation = u ? .uqshrn : .sqshrn
        case 0b10011: operation = u ? .uqrshrn : .sqrshrn
        case 0b10100: operation = u ? .ushll : .sshll
        case 0b11100: operation = u ? .ucvtf : .scvtf
        case 0b11111: operation = u ? .fcvtzu : .fcvtzs
        default: markReserved(&d); return
        }
        guard immh != 0 else { markReserved(&d); return }
        let size = 31 - immh.leadingZeroBitCount  // highest set bit of immh
        let esize = 8 << size
        let allocated: Bool
        switch operation {
        case .shrn, .rshrn, .sshll, .ushll: allocated = size < 3 && !scalar
        case .sqshrun, .sqrshrun, .sqshrn, .sqrshrn, .uqshrn, .uqrshrn: allocated = size < 3
        case .sqshlu, .sqshl, .uqshl: allocated = size < 3 || q || scalar
        case .scvtf, .ucvtf, .fcvtzs, .fcvtzu: allocated = size >= 2 && (size < 3 || q || scalar)  // half precision needs FEAT_FP16
        default: allocated = scalar ? size == 3 : size < 3 || q  // the scalar plain shifts are D only
        }
        guard allocated else { markReserved(&d); return }
        let shift: Int
        switch operation {
        case .shl, .sli, .sqshlu, .sqshl, .uqshl, .sshll, .ushll: shift = immhb - esize
        default: shift = 2 * esize - immhb
        }
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.imm = AdvSIMDShiftImmediateOperands(operation, esize: esize, shift: shift, q: q).packed
    }
}

/// The shifts by immediate, by their ARM ARM names.
enum AdvSIMDShiftImmediateOperation: UInt8 {
    case sshr, ushr, ssra, usra, srshr, urshr, srsra, ursra
    case shl, sli, sri
    case sqshlu, sqshl, uqshl
    case shrn, rshrn, sqshrun, sqrshrun, sqshrn, sqrshrn, uqshrn, uqrshrn
    case sshll, ushll
    case scvtf, ucvtf, fcvtzs, fcvtzu

    /// The right shifts that round: SRSHR, URSHR, SRSRA, URSRA and the R narrowing shifts.
    var rounds: Bool {
        switch self {
        case .srshr, .urshr, .srsra, .ursra, .rshrn, .sqrshrun, .sqrshrn, .uqrshrn: true
        default: false
        }
    }

    /// The right shifts that add into Vd: SSRA, USRA, SRSRA, URSRA.
    var accumulates: Bool {
        switch self {
        case .ssra, .usra, .srsra, .ursra: true
        default: false
        }
    }

    /// Operations whose source elements are unsigned.
    var unsignedSource: Bool {
        switch self {
        case .ushr, .usra, .urshr, .ursra, .uqshl, .shrn, .rshrn, .uqshrn, .uqrshrn, .ushll, .ucvtf, .fcvtzu: true
        default: false
        }
    }
}

/// The decoded form of a shift by immediate, packed into one `UInt64`
/// (`DecodedInstruction.imm`): operation in bits 7:0, element size in bits in 15:8 (the
/// narrow one for the narrowing and widening shifts), shift amount in 23:16 (right shift, or
/// fraction bits, or left shift as the operation says), Q in bit 24 (always 0 for scalars),
/// and the operation's `rounds`, `accumulates` and `unsignedSource` in bits 25, 26 and 27.
struct AdvSIMDShiftImmediateOperands {
    let packed: UInt64

    init(_ operation: AdvSIMDShiftImmediateOperation, esize: Int, shift: Int, q: Bool) {
        packed = UInt64(operation.rawValue) | UInt64(esize & 0xFF) << 8 | UInt64(shift & 0xFF) << 16 | (q ? 1 << 24 : 0)
            | (operation.rounds ? 1 << 25 : 0) | (operation.accumulates ? 1 << 26 : 0) | (operation.unsignedSource ? 1 << 27 : 0)
    }

    init(packed: UInt64) { self.packed = packed }

    var operation: AdvSIMDShiftImmediateOperation {
        AdvSIMDShiftImmediateOperation(rawValue: UInt8(truncatingIfNeeded: packed)) ?? .sshr
    }
    var esize: Int { Int((packed >> 8) & 0xFF) }
    var shift: Int { Int((packed >> 16) & 0xFF) }
    var q: Bool { (packed >> 24) & 1 == 1 }
    var rounds: Bool { (packed >> 25) & 1 == 1 }
    var accumulates: Bool { (packed >> 26) & 1 == 1 }
    var unsignedSource: Bool { (packed >> 27) & 1 == 1 }
}

extension CPU {
    func advSIMDShiftImmediate(_ d: DecodedInstruction, scalar: Bool = false) -> Bool {
        let o = AdvSIMDShiftImmediateOperands(packed: d.imm)
        let operation = o.operation, esize = o.esize, shift = o.shift, q = o.q
        let rd = UInt32(d.rd), n = vreg(UInt32(d.rn))
        switch operation {
        case .shrn, .rshrn, .sqshrun, .sqrshrun, .sqshrn, .sqrshrn, .uqshrn, .uqrshrn, .sshll, .ushll:
            return shiftNarrowOrWiden(operation, o, n, rd, scalar: scalar)
        default: break
        }
        let elements = scalar ? 1 : (q ? 128 : 64) / esize
        let dv = vreg(rd)
        var r = V128.zero
        var saturated = false
        switch operation {
        case .sshr, .ushr, .ssra, .usra, .srshr, .urshr, .srsra, .ursra:
            let unsigned = o.unsignedSource, rounding = o.rounds, accumulate = o.accumulates
            for e in 0..<elements {
                let x = unsigned ? Int128(n.lane(e, esize)) : Int128(n.signedLane(e, esize))
                var v = UInt64(truncatingIfNeeded: CPU.shiftByRegister(x, -shift, esize: esize, rounding: rounding, saturating: false))
                if accumulate { v = v &+ dv.lane(e, esize) }
                r.setLane(e, esize, v)
            }
        case .shl:
            for e in 0..<elements { r.setLane(e, esize, n.lane(e, esize) << UInt64(shift)) }
        case .sli, .sri:  // the shifted-in bits keep Vd's
            let sli = operation == .sli
            let mask = sli ? V128.mask(esize) << UInt64(shift) & V128.mask(esize)
                           : (shift >= 64 ? 0 : V128.mask(esize) >> UInt64(shift))
            for e in 0..<elements {
                let x = n.lane(e, esize)
                let shifted = sli ? x << UInt64(shift) : (shift >= 64 ? 0 : x >> UInt64(shift))
                r.setLane(e, esize, dv.lane(e, esize) & ~mask | shifted & mask)
            }
        case .sqshlu, .sqshl, .uqshl:
            let unsignedResult = operation != .sqshl
            for e in 0..<elements {
                let x = o.unsignedSource ? Int128(n.lane(e, esize)) : Int128(n.signedLane(e, esize))
                let shifted = x << Int128(shift)
                let (v, s) = unsignedResult ? SatQ.unsigned(shifted, esize) : SatQ.signed(shifted, esize)
                saturated = saturated || s
                r.setLane(e, esize, v)
            }
        default:  // SCVTF, UCVTF, FCVTZS, FCVTZU (fixed point: fbits = the right shift)
            let fmt: FPFormat = esize == 64 ? .double : .single
            let unsigned = o.unsignedSource, toFP = operation == .scvtf || operation == .ucvtf
            withFPEnvironment { env in
                for e in 0..<elements {
                    let x = n.lane(e, esize)
                    r.setLane(e, esize, toFP
                              ? SoftFP.fromFixed(x, bits: esize, fbits: shift, unsigned: unsigned, fmt, env.rounding, &env)
                              : SoftFP.toFixed(x, fmt, fbits: shift, unsigned: unsigned, bits: esize, .zero, &env))
                }
            }
        }
        if saturated { setQC() }
        if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r, q: q) }
        return retireFP()
    }

    /// The narrowing shifts (result elements of esize from 2·esize sources, into the half Q
    /// selects, the other half kept) and SSHLL/USHLL (from the half Q selects, widened).
    private func shiftNarrowOrWiden(_ operation: AdvSIMDShiftImmediateOperation, _ o: AdvSIMDShiftImmediateOperands,
                                    _ n: V128, _ rd: UInt32, scalar: Bool) -> Bool {
        let esize = o.esize, shift = o.shift, q = o.q
        let half = 64 / esize
        var r = V128.zero
        if operation == .sshll || operation == .ushll {
            for e in 0..<half {
                let x = o.unsignedSource ? n.lane(e + (q ? half : 0), esize)
                                            : UInt64(bitPattern: n.signedLane(e + (q ? half : 0), esize))
                r.setLane(e, 2 * esize, x << UInt64(shift))
            }
            setVreg(rd, r)
            return retireFP()
        }
        let rounding = o.rounds, signedSource = !o.unsignedSource
        let truncate = operation == .shrn || operation == .rshrn
        let signedResult = operation == .sqshrn || operation == .sqrshrn
        let count = scalar ? 1 : half
        if q { r = vreg(rd) }
        var saturated = false
        for e in 0..<count {
            let x = signedSource ? Int128(n.signedLane(e, 2 * esize)) : Int128(n.lane(e, 2 * esize))
            let shifted = CPU.shiftByRegister(x, -shift, esize: 2 * esize, rounding: rounding, saturating: false)
            let value: UInt64
            if truncate {
                value = UInt64(truncatingIfNeeded: shifted) & V128.mask(esize)
            } else {
                let (v, s) = signedResult ? SatQ.signed(shifted, esize) : SatQ.unsigned(shifted, esize)
                saturated = saturated || s
                value = v
            }
            r.setLane(e + (q ? half : 0), esize, value)
        }
        if saturated { setQC() }
        if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r) }
        return retireFP()
    }
}
