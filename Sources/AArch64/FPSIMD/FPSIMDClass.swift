/// The FP/SIMD encoding class of a decoded `.fpsimd` record (kept in its `aux`): the encoding
/// table's row names it (`A64Decode.fpsimd(_:)`), and `CPU.simdAndFP` calls that class's
/// executor without testing the word's bits again. One case per class of ARM DDI 0487 C4.1.88
/// (with V = 1), C4.1.95 and C4.1.96 that this model executes.
enum FPSIMDClass: UInt8 {
    // Loads and stores, SIMD&FP (C4.1.88).
    case structureLoadStore, loadLiteral, loadStorePair
    case loadStoreUnscaled, loadStorePostIndex, loadStorePreIndex, loadStoreRegisterOffset, loadStoreUnsignedOffset
    // Data processing, scalar floating point (C4.1.96).
    case fpDataProcessing3, fpFixedConversion, fpIntegerConversion, fpDataProcessing1, fpCompare, fpImmediate
    case fpConditionalCompare, fpDataProcessing2, fpConditionalSelect
    // Advanced SIMD, vector (C4.1.95).
    case vectorCopy, vectorPermute, vectorExtract, vectorTableLookup, vectorThreeSame, vectorThreeDifferent
    case vectorTwoRegisterMisc, vectorAcrossLanes, vectorModifiedImmediate, vectorShiftImmediate, vectorByElement
    // Advanced SIMD, scalar (C4.1.95).
    case scalarByElement, scalarCopy, scalarPairwise, scalarThreeDifferent, scalarThreeSame, scalarTwoRegisterMisc
    case scalarShiftImmediate
    /// A reserved encoding inside an implemented class: UNDEFINED, after the FP/SIMD trap (the
    /// trap belongs to the class's execution).
    case reserved
}
