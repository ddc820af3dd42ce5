/// The FP/SIMD classes' operand decoders: each fills in the record of one word of its class
/// (registers in `rd`, `rn`, `rm`, `ra`; the class's operation and sizes in `imm`, `imm2`,
/// `imm3`, as its decoder's doc comment says), once, so that the class's executor reads only
/// the record. A reserved encoding inside the class is decoded to `FPSIMDClass.reserved`: it
/// still takes the CPACR_EL1.FPEN trap first, then is UNDEFINED.
extension A64Decode {
    static func fpsimdOperands(_ c: FPSIMDClass, _ w: UInt32, _ d: inout DecodedInstruction) {
        switch c {
        // Loads and stores (C4.1.88).
        case .structureLoadStore: structureLoadStore(w, &d)
        case .loadLiteral: fpLoadLiteral(w, &d)
        case .loadStorePair: fpLoadStorePair(w, &d)
        case .loadStoreUnscaled, .loadStorePostIndex, .loadStorePreIndex: fpLoadStoreImmediate9(w, &d)
        case .loadStoreRegisterOffset: fpLoadStoreRegisterOffset(w, &d)
        case .loadStoreUnsignedOffset: fpLoadStoreUnsignedOffset(w, &d)

        // Scalar floating point (C4.1.96).
        case .fpDataProcessing3: fpDataProcessing3(w, &d)
        case .fpFixedConversion: fpFixedConversion(w, &d)
        case .fpIntegerConversion: fpIntegerConversion(w, &d)
        case .fpDataProcessing1: fpDataProcessing1(w, &d)
        case .fpCompare: fpCompare(w, &d)
        case .fpImmediate: fpImmediate(w, &d)
        case .fpConditionalCompare: fpConditionalCompare(w, &d)
        case .fpDataProcessing2: fpDataProcessing2(w, &d)
        case .fpConditionalSelect: fpConditionalSelect(w, &d)

        // Advanced SIMD (C4.1.95).
        case .vectorThreeSame: vectorThreeSame(w, &d)
        case .scalarThreeSame: scalarThreeSame(w, &d)
        case .vectorThreeDifferent: vectorThreeDifferent(w, &d)
        case .scalarThreeDifferent: scalarThreeDifferent(w, &d)
        case .vectorByElement: vectorByElement(w, &d)
        case .scalarByElement: scalarByElement(w, &d)
        case .scalarPairwise: scalarPairwise(w, &d)
        case .vectorAcrossLanes: vectorAcrossLanes(w, &d)
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

        case .reserved: break
        }
    }

    /// A reserved encoding inside an implemented class: the FP/SIMD trap, then UNDEFINED.
    @inline(__always) static func markReserved(_ d: inout DecodedInstruction) {
        d.aux = FPSIMDClass.reserved.rawValue
    }
}
