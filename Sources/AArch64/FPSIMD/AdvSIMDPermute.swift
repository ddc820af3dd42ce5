/// Advanced SIMD permute (UZP1/2, TRN1/2, ZIP1/2), extract (EXT) and table lookup (TBL, TBX)
/// (ARM ARM C4.1.95).
extension CPU {
    func advSIMDPermute(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        let q = (w >> 30) & 1 == 1, size = Int((w >> 22) & 3), opcode = (w >> 12) & 7
        guard size < 3 || q, opcode & 3 != 0 else { return false }
        let esize = 8 << size, elements = (q ? 128 : 64) / esize, half = elements / 2
        let part = Int(opcode >> 2)  // 1 for the "2" forms
        let rd = w & 31, n = vreg((w >> 5) & 31), m = vreg((w >> 16) & 31)
        var r = V128.zero
        for e in 0..<elements {
            let value: UInt64
            switch opcode & 3 {
            case 1:  // UZP: the even (odd) elements of Vm:Vn
                let i = 2 * e + part
                value = i < elements ? n.lane(i, esize) : m.lane(i - elements, esize)
            case 2:  // TRN: Vn's and Vm's even (odd) elements interleaved
                let pair = e / 2 * 2 + part
                value = e & 1 == 0 ? n.lane(pair, esize) : m.lane(pair, esize)
            default:  // ZIP: the low (high) halves interleaved
                let i = part * half + e / 2
                value = e & 1 == 0 ? n.lane(i, esize) : m.lane(i, esize)
            }
            r.setLane(e, esize, value)
        }
        setVreg(rd, r, q: q)
        return retireFP()
    }

    /// EXT: bytes imm4… of Vm:Vn (imm4 < 8 when Q = 0).
    func advSIMDExtract(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        let q = (w >> 30) & 1 == 1, imm4 = Int((w >> 11) & 0xF)
        guard (w >> 22) & 3 == 0, q || imm4 < 8 else { return false }
        let bytes = q ? 16 : 8
        let n = vreg((w >> 5) & 31), m = vreg((w >> 16) & 31)
        var r = V128.zero
        for i in 0..<bytes {
            let j = imm4 + i
            r.setLane(i, 8, j < bytes ? n.lane(j, 8) : m.lane(j - bytes, 8))
        }
        setVreg(w & 31, r, q: q)
        return retireFP()
    }

    /// TBL, TBX (op, bit 12): each byte of Vm indexes the table Vn… V(n+len) (registers modulo
    /// 32); an index beyond it gives zero (TBL) or keeps the destination byte (TBX).
    func advSIMDTableLookup(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        guard (w >> 22) & 3 == 0 else { return false }
        let q = (w >> 30) & 1 == 1, tbx = (w >> 12) & 1 == 1
        let len = Int((w >> 13) & 3) + 1, rn = (w >> 5) & 31, rd = w & 31
        let indices = vreg((w >> 16) & 31)
        var r = tbx ? vreg(rd) : V128.zero
        for i in 0..<(q ? 16 : 8) {
            let index = Int(indices.byte(i))
            if index < 16 * len {
                r.setLane(i, 8, vreg((rn + UInt32(index / 16)) & 31).lane(index % 16, 8))
            }
        }
        setVreg(rd, r, q: q)
        return retireFP()
    }
}
