/// FP/SIMD encoding classes of the A64 table (ARM DDI 0487, C4.1.88 "Loads and Stores" with
/// V = 1, and "Data Processing -- Scalar Floating-Point and Advanced SIMD", op0 = x111).
///
/// This is the place to add FP/SIMD rows, one per encoding class, as they are implemented: put
/// the more specific rows above the two catch-all rows below and shrink those when a group is
/// complete. Until then every FP/SIMD word traps as CPACR_EL1.FPEN says (EC 0x07) and is
/// otherwise UNDEFINED (`CPU.simdAndFP`).
extension A64EncodingTable {
    static let fpsimdRows: [A64EncodingClass] = [
        .init("Loads and stores, SIMD&FP registers (V = 1)", "C4.1.88",
              "---- 1 1 0 ------------------------- ", .fpsimdNotImplemented),
        .init("Data processing -- scalar floating-point and Advanced SIMD", "C4.1",
              "--- - 111 -------------------------", .fpsimdNotImplemented),
    ]
}
