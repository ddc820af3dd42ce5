/// The FP/SIMD classes' operand decoders: each fills in the record of one word of its class
/// (registers in `rd`, `rn`, `rm`, `ra`; the class's operation and sizes in `imm`, `imm2`,
/// `imm3`, as its decoder's doc comment says), once, so that the class's executor reads only
/// the record. A reserved encoding inside the class is decoded to `FPSIMDClass.reserved`: it
/// still takes the CPACR_EL1.FPEN trap first, then is UNDEFINED.
extension A64Decode {
    static func fpsimdOperands(_ c: FPSIMDClass, _ w: UInt32, _ d: inout DecodedInstruction) {
        switch c {
        // Loads and stores (C4.1.88).

        // Scalar floating point (C4.1.96).

        // Advanced SIMD, first group (three same, three different, by element, scalar, across lanes).

        // Advanced SIMD, second group (two-register misc, copy, permute, modified immediate, shift).
        case .vectorTwoRegisterMisc: vectorTwoRegisterMisc(w, &d)
        case .scalarTwoRegisterMisc: scalarTwoRegisterMisc(w, &d)
        case .vectorCopy: vectorCopy(w, &d)
        case .scalarCopy: scalarCopy(w, &d)
        case .vectorPermute: vectorPermute(w, &d)
        case .vectorExtract: vectorExtract(w, &d)
        case .vectorTableLookup: vectorTableLookup(w, &d)
        case .vectorModifiedImmediate: vectorModifiedImmediate(w, &d)
        case .vectorShiftImmediate: vectorShiftImmediate(w, &d)
        case .scalarShiftImmediate: scalarShiftImmediate(w, &d)

        default: break
        }
    }
}
