/// Data processing -- Advanced SIMD (ARM ARM C4.1.95): the vector groups by their op1/op2/op3
/// fields. Each executor returns false for an encoding it does not execute (UNDEFINED); groups
/// not listed here are UNDEFINED as a whole (the encoding table says which).
extension CPU {
    /// AdvSIMD vector (bits 28:24 = 0111x, bit 31 = 0).
    func executeAdvSIMDVector(_ w: UInt32) -> Bool {
        guard w >> 31 == 0 else { return false }
        let bit10 = (w >> 10) & 1, bit15 = (w >> 15) & 1, bit21 = (w >> 21) & 1
        if (w >> 24) & 1 == 1 {  // op1 = 1x
            if bit10 == 0 { return advSIMDByElement(w) }
            guard (w >> 23) & 3 == 0b10 else { return false }
            return (w >> 19) & 0xF == 0 ? advSIMDModifiedImmediate(w) : advSIMDShiftImmediate(w)
        }
        if bit21 == 1 {
            switch (w >> 10) & 3 {
            case 0b01, 0b11: return advSIMDThreeSame(w)
            case 0b00: return advSIMDThreeDifferent(w)
            default:
                switch (w >> 17) & 0xF {
                case 0b0000: return advSIMDTwoRegisterMisc(w)
                case 0b1000: return advSIMDAcrossLanes(w)
                default: return false
                }
            }
        }
        guard bit15 == 0 else { return false }  // three same (extra): dot products etc., not advertised
        if bit10 == 1 {
            return (w >> 22) & 3 == 0 && advSIMDCopy(w)
        }
        if (w >> 29) & 1 == 1 { return advSIMDExtract(w) }
        return (w >> 11) & 1 == 1 ? advSIMDPermute(w) : advSIMDTableLookup(w)
    }
}
