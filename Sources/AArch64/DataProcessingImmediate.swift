/// A64 "Data Processing -- Immediate": PC-relative addressing, add/subtract, logical, move wide,
/// bitfield, extract (ARM DDI 0487, C4.1.86).
extension CPU {
    func execDataProcessingImmediate(_ w: UInt32) -> Bool {
        let rd = w & 31, rn = (w >> 5) & 31
        let sf = w >> 31 != 0
        cycles &+= costs.alu
        switch (w >> 23) & 7 {
        case 0, 1:  // ADR / ADRP
            let immlo = UInt64((w >> 29) & 3), immhi = UInt64((w >> 5) & 0x7FFFF)
            var imm = UInt64(bitPattern: Int64(Int32(bitPattern: UInt32((immhi << 2 | immlo) << 11)) >> 11))
            if w >> 31 == 0 {
                setXR(rd, pc &+ imm)
            } else {
                imm <<= 12
                setXR(rd, (pc & ~0xFFF) &+ imm)
            }
        case 2:  // ADD/ADDS/SUB/SUBS (immediate)
            let sh = (w >> 22) & 1
            let imm = UInt64((w >> 10) & 0xFFF) << (sh == 1 ? 12 : 0)
            let op = (w >> 30) & 1, s = (w >> 29) & 1
            let a = xsp(rn)
            let (r, f) = op == 0 ? addWithCarry(a, imm, carry: false, sf: sf) : addWithCarry(a, ~imm, carry: true, sf: sf)
            if s == 1 { nzcv = f; setXR(rd, r, sf: sf) } else { setXSP(rd, r, sf: sf) }
        case 3:
            return undefined()  // add/subtract with tags (MTE): not implemented
        case 4:  // logical (immediate)
            let n = (w >> 22) & 1
            if !sf && n == 1 { return undefined() }
            guard let (imm, _) = decodeBitMasks(n: n, imms: (w >> 10) & 63, immr: (w >> 16) & 63, immediate: true, sf: sf)
            else { return undefined() }
            let a = xr(rn)
            switch (w >> 29) & 3 {
            case 0: setXSP(rd, a & imm, sf: sf)
            case 1: setXSP(rd, a | imm, sf: sf)
            case 2: setXSP(rd, a ^ imm, sf: sf)
            default:
                let r = (a & imm) & (sf ? ~0 : 0xFFFF_FFFF)
                nzcv = logicalFlags(r, sf: sf)
                setXR(rd, r)
            }
        case 5:  // move wide
            let hw = (w >> 21) & 3
            if !sf && hw > 1 { return undefined() }
            let pos = UInt64(hw * 16)
            let imm = UInt64((w >> 5) & 0xFFFF)
            switch (w >> 29) & 3 {
            case 0: setXR(rd, ~(imm << pos), sf: sf)  // MOVN
            case 2: setXR(rd, imm << pos, sf: sf)  // MOVZ
            case 3: setXR(rd, (xr(rd) & ~(0xFFFF << pos)) | (imm << pos), sf: sf)  // MOVK
            default: return undefined()
            }
        case 6:  // bitfield: SBFM, BFM, UBFM
            let opc = (w >> 29) & 3, n = (w >> 22) & 1
            let immr = (w >> 16) & 63, imms = (w >> 10) & 63
            if opc == 3 { return undefined() }
            if sf && n != 1 { return undefined() }
            if !sf && (n != 0 || immr >= 32 || imms >= 32) { return undefined() }
            guard let (wmask, tmask) = decodeBitMasks(n: n, imms: imms, immr: immr, immediate: false, sf: sf)
            else { return undefined() }
            let src = xr(rn)
            let dst: UInt64 = opc == 1 ? xr(rd) : 0
            let rotated = shiftReg(src, type: 3, amount: UInt64(immr), sf: sf)
            let bot = (dst & ~wmask) | (rotated & wmask)
            var top = dst
            if opc == 0 {
                let bit = (src >> UInt64(imms)) & 1
                top = bit == 1 ? ~0 : 0
            }
            setXR(rd, (top & ~tmask) | (bot & tmask), sf: sf)
        default:  // extract: EXTR
            let n = (w >> 22) & 1, o0 = (w >> 21) & 1, op21 = (w >> 29) & 3
            let lsb = UInt64((w >> 10) & 63)
            if op21 != 0 || o0 != 0 || (sf ? n != 1 : (n != 0 || lsb >= 32)) { return undefined() }
            let rm = (w >> 16) & 31
            let hi = xr(rn), lo = xr(rm)
            if sf {
                setXR(rd, lsb == 0 ? lo : (lo >> lsb) | (hi << (64 - lsb)))
            } else {
                let cat = (hi & 0xFFFF_FFFF) << 32 | (lo & 0xFFFF_FFFF)
                setXR(rd, (cat >> lsb) & 0xFFFF_FFFF)
            }
        }
        pc &+= 4
        return true
    }

    /// DecodeBitMasks (ARM ARM shared pseudocode). Nil for reserved encodings.
    func decodeBitMasks(n: UInt32, imms: UInt32, immr: UInt32, immediate: Bool, sf: Bool) -> (UInt64, UInt64)? {
        let combined = (n << 6) | (~imms & 63)
        guard combined != 0 else { return nil }
        let len = 31 - combined.leadingZeroBitCount
        guard len >= 1 else { return nil }
        let esize = 1 << len
        if !sf && esize > 32 { return nil }
        let levels = UInt32(esize - 1)
        if immediate && (imms & levels) == levels { return nil }
        let s = Int(imms & levels), r = Int(immr & levels)
        let d = (s - r) & (esize - 1)
        let emask: UInt64 = esize == 64 ? ~0 : (1 << UInt64(esize)) - 1
        let welem: UInt64 = s + 1 >= 64 ? ~0 : (1 << UInt64(s + 1)) - 1
        let telem: UInt64 = d + 1 >= 64 ? ~0 : (1 << UInt64(d + 1)) - 1
        // ROR within the element.
        let rot = r == 0 ? welem : ((welem >> UInt64(r)) | (welem << UInt64(esize - r))) & emask
        var wmask: UInt64 = 0, tmask: UInt64 = 0
        var i = 0
        while i < 64 {
            wmask |= rot << UInt64(i)
            tmask |= telem << UInt64(i)
            i += esize
        }
        if !sf { wmask &= 0xFFFF_FFFF; tmask &= 0xFFFF_FFFF }
        return (wmask, tmask)
    }
}
