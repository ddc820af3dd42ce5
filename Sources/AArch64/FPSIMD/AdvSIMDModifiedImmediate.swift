/// Advanced SIMD modified immediate (ARM ARM C4.1.95): MOVI, MVNI, ORR and BIC (vector,
/// immediate), FMOV (vector, immediate) of single and double precision. The half-precision
/// FMOV (o2 = 1) needs FEAT_FP16: UNDEFINED.
extension CPU {
    func advSIMDModifiedImmediate(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        let q = (w >> 30) & 1 == 1, op = (w >> 29) & 1, cmode = (w >> 12) & 0xF
        guard (w >> 11) & 1 == 0 else { return false }
        let imm8 = UInt64(((w >> 16) & 7) << 5 | (w >> 5) & 0x1F)
        let rd = w & 31
        if cmode == 0b1111 && op == 1 && !q { return false }
        guard let imm = CPU.advSIMDExpandImm(op: op, cmode: cmode, imm8) else { return false }
        let value = V128(lo: imm, hi: imm)
        // ORR / BIC: cmode 0xx1 (32-bit) and 10x1 (16-bit).
        if cmode & 1 == 1 && cmode < 0b1100 {
            let d = vreg(rd)
            setVreg(rd, op == 0 ? V128(lo: d.lo | value.lo, hi: d.hi | value.hi)
                              : V128(lo: d.lo & ~value.lo, hi: d.hi & ~value.hi), q: q)
        } else if op == 1 && cmode < 0b1110 {  // MVNI
            setVreg(rd, V128(lo: ~value.lo, hi: ~value.hi), q: q)
        } else {
            setVreg(rd, value, q: q)
        }
        return retireFP()
    }

    /// AdvSIMDExpandImm (ARM ARM): the 64-bit pattern of imm8 for op and cmode (before MVNI's
    /// inversion); nil for the reserved combination.
    static func advSIMDExpandImm(op: UInt32, cmode: UInt32, _ imm8: UInt64) -> UInt64? {
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
            return op == 0 ? rep32(vfpExpandImm(imm8, .single)) : vfpExpandImm(imm8, .double)
        }
    }
}
