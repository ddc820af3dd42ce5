/// Advanced SIMD permute (UZP1/2, TRN1/2, ZIP1/2), extract (EXT) and table lookup (TBL, TBX)
/// (ARM ARM C4.1.95).
extension A64Decode {
    /// UZP, TRN, ZIP: rd, rn, rm; `imm` = the operation (`AdvSIMDPermuteOperation`), `imm2` =
    /// element size in bits, `imm3` = elements (64 or 128 bits' worth, as Q says). opcode<1:0>
    /// = 0 and 64-bit elements with Q = 0 are reserved.
    static func vectorPermute(_ w: UInt32, _ d: inout DecodedInstruction) {
        let q = (w >> 30) & 1 == 1, size = Int((w >> 22) & 3), opcode = (w >> 12) & 7
        let part = opcode >> 2  // 1 for the "2" forms
        let operation: AdvSIMDPermuteOperation
        switch opcode & 3 {
        case 1: operation = part == 0 ? .uzp1 : .uzp2
        case 2: operation = part == 0 ? .trn1 : .trn2
        case 3: operation = part == 0 ? .zip1 : .zip2
        default: markReserved(&d); return
        }
        guard size < 3 || q else { markReserved(&d); return }
        threeVectorRegisters(w, &d)
        d.imm = UInt64(operation.rawValue)
        d.imm2 = UInt64(8 << size)
        d.imm3 = UInt64((q ? 128 : 64) >> (3 + size))
    }

    /// EXT: rd, rn, rm; `imm` = the first byte taken (imm4), `imm2` = the vector's bytes (8 or
    /// 16). op2 != 0, and imm4 >= 8 with Q = 0, are reserved.
    static func vectorExtract(_ w: UInt32, _ d: inout DecodedInstruction) {
        let q = (w >> 30) & 1 == 1, imm4 = (w >> 11) & 0xF
        guard (w >> 22) & 3 == 0, q || imm4 < 8 else { markReserved(&d); return }
        threeVectorRegisters(w, &d)
        d.imm = UInt64(imm4)
        d.imm2 = q ? 16 : 8
    }

    /// TBL, TBX: rd, rn (the first table register), rm (the indices); `imm` = table registers
    /// (1-4), `imm2` = 1 for TBX, `imm3` = bytes (8 or 16). op2 != 0 is reserved.
    static func vectorTableLookup(_ w: UInt32, _ d: inout DecodedInstruction) {
        guard (w >> 22) & 3 == 0 else { markReserved(&d); return }
        threeVectorRegisters(w, &d)
        d.imm = UInt64((w >> 13) & 3) + 1
        d.imm2 = UInt64((w >> 12) & 1)
        d.imm3 = (w >> 30) & 1 == 1 ? 16 : 8
    }

    /// Vd, Vn, Vm in bits 4:0, 9:5, 20:16.
    @inline(__always) private static func threeVectorRegisters(_ w: UInt32, _ d: inout DecodedInstruction) {
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.rm = UInt8((w >> 16) & 31)
    }
}

/// The permutes, as decoded into `imm` of their record.
enum AdvSIMDPermuteOperation: UInt8 {
    case uzp1, uzp2, trn1, trn2, zip1, zip2
}

extension CPU {
    func advSIMDPermute(_ d: DecodedInstruction) -> Bool {
        let operation = AdvSIMDPermuteOperation(rawValue: UInt8(truncatingIfNeeded: d.imm)) ?? .uzp1
        let esize = Int(truncatingIfNeeded: d.imm2), elements = Int(truncatingIfNeeded: d.imm3), half = elements / 2
        let n = vreg(UInt32(d.rn)), m = vreg(UInt32(d.rm))
        var r = V128.zero
        switch operation {
        case .uzp1, .uzp2:  // the even (odd) elements of Vm:Vn
            let part = operation == .uzp2 ? 1 : 0
            for e in 0..<elements {
                let i = 2 * e + part
                r.setLane(e, esize, i < elements ? n.lane(i, esize) : m.lane(i - elements, esize))
            }
        case .trn1, .trn2:  // Vn's and Vm's even (odd) elements interleaved
            let part = operation == .trn2 ? 1 : 0
            for e in 0..<elements {
                let pair = e / 2 * 2 + part
                r.setLane(e, esize, e & 1 == 0 ? n.lane(pair, esize) : m.lane(pair, esize))
            }
        case .zip1, .zip2:  // the low (high) halves interleaved
            let first = operation == .zip2 ? half : 0
            for e in 0..<elements {
                let i = first + e / 2
                r.setLane(e, esize, e & 1 == 0 ? n.lane(i, esize) : m.lane(i, esize))
            }
        }
        setVreg(UInt32(d.rd), r, q: elements * esize == 128)
        return retireFP()
    }

    /// EXT: bytes imm4… of Vm:Vn.
    func advSIMDExtract(_ d: DecodedInstruction) -> Bool {
        let position = Int(truncatingIfNeeded: d.imm), bytes = Int(truncatingIfNeeded: d.imm2)
        let n = vreg(UInt32(d.rn)), m = vreg(UInt32(d.rm))
        var r = V128.zero
        for i in 0..<bytes {
            let j = position + i
            r.setLane(i, 8, j < bytes ? n.lane(j, 8) : m.lane(j - bytes, 8))
        }
        setVreg(UInt32(d.rd), r, q: bytes == 16)
        return retireFP()
    }

    /// TBL, TBX: each byte of Vm indexes the table Vn… V(n+len-1) (registers modulo 32); an
    /// index beyond it gives zero (TBL) or keeps the destination byte (TBX).
    func advSIMDTableLookup(_ d: DecodedInstruction) -> Bool {
        let len = Int(truncatingIfNeeded: d.imm), tbx = d.imm2 == 1, bytes = Int(truncatingIfNeeded: d.imm3)
        let rn = UInt32(d.rn), rd = UInt32(d.rd)
        let indices = vreg(UInt32(d.rm))
        var r = tbx ? vreg(rd) : V128.zero
        for i in 0..<bytes {
            let index = Int(indices.byte(i))
            if index < 16 * len {
                r.setLane(i, 8, vreg((rn + UInt32(index / 16)) & 31).lane(index % 16, 8))
            }
        }
        setVreg(rd, r, q: bytes == 16)
        return retireFP()
    }
}
