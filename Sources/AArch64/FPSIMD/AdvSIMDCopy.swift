/// Advanced SIMD copy (ARM ARM C4.1.95, "Advanced SIMD copy" and "Advanced SIMD scalar copy"):
/// DUP (element, general), INS (element, general), SMOV, UMOV and DUP (scalar). imm5's lowest
/// set bit gives the element size, the bits above it the index.
extension CPU {
    /// (log2 of the element size in bytes, index) from imm5, nil when imm5<3:0> = 0.
    @inline(__always) func copyElement(_ imm5: UInt32) -> (size: Int, index: Int)? {
        let size = (imm5 & 0xF).trailingZeroBitCount
        guard size < 4 else { return nil }
        return (size, Int(imm5 >> UInt32(size + 1)))
    }

    func advSIMDCopy(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        let q = (w >> 30) & 1 == 1, op = (w >> 29) & 1, imm4 = (w >> 11) & 0xF
        let rd = w & 31, rn = (w >> 5) & 31
        guard let (size, index) = copyElement((w >> 16) & 31) else { return false }
        let esize = 8 << size
        if op == 1 {  // INS (element): Vd[index] = Vn[imm4 >> size]
            guard q else { return false }
            var d = vreg(rd)
            d.setLane(index, esize, vreg(rn).lane(Int(imm4) >> size, esize))
            setVreg(rd, d)
            return retireFP()
        }
        switch imm4 {
        case 0b0000, 0b0001:  // DUP (element), DUP (general)
            guard size < 3 || q else { return false }
            let value = imm4 == 0 ? vreg(rn).lane(index, esize) : xr(rn) & V128.mask(esize)
            setVreg(rd, V128.replicate(value, esize), q: q)
        case 0b0011:  // INS (general)
            guard q else { return false }
            var d = vreg(rd)
            d.setLane(index, esize, xr(rn))
            setVreg(rd, d)
        case 0b0101:  // SMOV: to W (Q = 0, B and H) or X (Q = 1, B, H and S)
            guard size < (q ? 3 : 2) else { return false }
            let value = UInt64(bitPattern: vreg(rn).signedLane(index, esize))
            setXR(rd, value, sf: q)
        case 0b0111:  // UMOV: to W (B, H, S) or X (D)
            guard q ? size == 3 : size < 3 else { return false }
            setXR(rd, vreg(rn).lane(index, esize))
        default: return false
        }
        return retireFP()
    }

    /// DUP (element) scalar form (MOV Bd/Hd/Sd/Dd, Vn.T[index]): op = 0, imm4 = 0 only.
    func advSIMDScalarCopy(_ d: DecodedInstruction) -> Bool {
        let w = d.word
        guard (w >> 29) & 1 == 0, (w >> 11) & 0xF == 0, let (size, index) = copyElement((w >> 16) & 31) else { return false }
        let esize = 8 << size
        simd.setScalar(w & 31, vreg((w >> 5) & 31).lane(index, esize), width: esize)
        return retireFP()
    }
}

extension V128 {
    /// `value` (esize bits) in every element.
    @inline(__always) static func replicate(_ value: UInt64, _ esize: Int) -> V128 {
        var x = value & mask(esize)
        var width = esize
        while width < 64 {
            x |= x << UInt64(width)
            width &*= 2
        }
        return V128(lo: x, hi: x)
    }
}
