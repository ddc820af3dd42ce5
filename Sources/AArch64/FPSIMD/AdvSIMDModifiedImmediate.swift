/// Advanced SIMD modified immediate (ARM ARM C4.1.95): MOVI, MVNI, ORR and BIC (vector,
/// immediate), FMOV (vector, immediate) of single and double precision. The half-precision
/// FMOV (o2 = 1) needs FEAT_FP16: UNDEFINED.
extension A64Decode {
    /// rd; `imm` = the 64-bit pattern of each half of the vector (AdvSIMDExpandImm, already
    /// inverted for MVNI), `imm2` = the operation (`AdvSIMDModifiedImmediateOperation`),
    /// `imm3` = 1 when Q = 1 (128 bits). o2 = 1, and op = 1 with cmode = 1111 and Q = 0, are
    /// reserved.
    static func vectorModifiedImmediate(_ w: UInt32, _ d: inout DecodedInstruction) {
        let q = (w >> 30) & 1 == 1, op = (w >> 29) & 1, cmode = (w >> 12) & 0xF
        guard (w >> 11) & 1 == 0, !(cmode == 0b1111 && op == 1 && !q) else {
            markReserved(&d)
            return
        }
        let imm8 = UInt64(((w >> 16) & 7) << 5 | (w >> 5) & 0x1F)
        let value = advSIMDExpandImm(op: op, cmode: cmode, imm8)
        let operation: AdvSIMDModifiedImmediateOperation
        if cmode & 1 == 1 && cmode < 0b1100 {  // ORR, BIC: cmode 0xx1 (32-bit) and 10x1 (16-bit)
            operation = op == 0 ? .orr : .bic
            d.imm = value
        } else {
            operation = .move
            d.imm = op == 1 && cmode < 0b1110 ? ~value : value  // MVNI inverts
        }
        d.rd = UInt8(w & 31)
        d.imm2 = UInt64(operation.rawValue)
        d.imm3 = q ? 1 : 0
    }

    /// AdvSIMDExpandImm (ARM ARM): the 64-bit pattern of imm8 for op and cmode (before MVNI's
    /// inversion).
    private static func advSIMDExpandImm(op: UInt32, cmode: UInt32, _ imm8: UInt64) -> UInt64 {
        func rep32(_ x: UInt64) -> UInt64 { x | x << 32 }
        func rep16(_ x: UInt64) -> UInt64 { let y = x | x << 16; return y | y << 32 }
        switch cmode >> 1 {
        case 0, 1, 2, 3: return rep32(imm8 << UInt64(8 * (cmode >> 1)))
        case 4, 5: return rep16(imm8 << UInt64(8 * ((cmode >> 1) & 1)))
        case 6: return rep32(cmode & 1 == 0 ? imm8 << 8 | 0xFF : imm8 << 16 | 0xFFFF)
        default:
            if cmode & 1 == 0 {
                if op == 0 { return V128.replicate(imm8, 8).lo }
                var r: UInt64 = 0
                for i in 0..<8 where (imm8 >> UInt64(i)) & 1 == 1 { r |= 0xFF << UInt64(8 * i) }
                return r
            }
            return op == 0 ? rep32(CPU.vfpExpandImm(imm8, .single)) : CPU.vfpExpandImm(imm8, .double)
        }
    }
}

/// What a modified immediate does with its pattern: MOVI, MVNI and FMOV write it, ORR and BIC
/// combine it with Vd.
enum AdvSIMDModifiedImmediateOperation: UInt8 {
    case move, orr, bic
}

extension CPU {
    func advSIMDModifiedImmediate(_ d: DecodedInstruction) -> Bool {
        let rd = UInt32(d.rd), imm = d.imm, q = d.imm3 == 1
        switch AdvSIMDModifiedImmediateOperation(rawValue: UInt8(truncatingIfNeeded: d.imm2)) ?? .move {
        case .move: setVreg(rd, V128(lo: imm, hi: imm), q: q)
        case .orr:
            let v = vreg(rd)
            setVreg(rd, V128(lo: v.lo | imm, hi: v.hi | imm), q: q)
        case .bic:
            let v = vreg(rd)
            setVreg(rd, V128(lo: v.lo & ~imm, hi: v.hi & ~imm), q: q)
        }
        return retireFP()
    }
}
