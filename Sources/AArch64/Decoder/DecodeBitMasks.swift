/// DecodeBitMasks (ARM ARM shared pseudocode), for the logical (immediate) and bitfield decoders.
extension CPU {
    /// DecodeBitMasks (ARM ARM shared pseudocode). Nil for reserved encodings.
    static func decodeBitMasks(n: UInt32, imms: UInt32, immr: UInt32, immediate: Bool, sf: Bool) -> (UInt64, UInt64)? {
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
