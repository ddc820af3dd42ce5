/// FP/SIMD encoding classes of the A64 table (ARM DDI 0487, C4.1.88 "Loads and Stores" with
/// V = 1, and "Data Processing -- Scalar Floating-Point and Advanced SIMD", op0 = x111).
///
/// This is the place to add FP/SIMD rows, one per encoding class, as they are implemented: put
/// the more specific rows above the catch-all rows below and shrink those when a group is
/// complete. Scalar floating point and the SIMD&FP register loads and stores are executed
/// (`Sources/AArch64/FPSIMD`); the rest traps as CPACR_EL1.FPEN says (EC 0x07) and is otherwise
/// UNDEFINED.
extension A64EncodingTable {
    static let fpsimdRows: [A64EncodingClass] = [
        .init("Advanced SIMD load/store multiple and single structures (LD1-LD4, ST1-ST4, LD1R-LD4R)", "C4.1.88",
              "0 - 001 1 0 -------------------------", .fpsimdNotImplemented),
        .init("Load register (literal), SIMD&FP", "C4.1.88", "-- 011 1 00 ------------------------", .implemented),
        .init("Load/store pair, SIMD&FP (LDP, STP, LDNP, STNP)", "C4.1.88", "-- 101 1 0 -------------------------", .implemented),
        .init("Load/store register, SIMD&FP (unscaled, pre/post-index, unsigned offset, register offset)", "C4.1.88",
              "-- 111 1 -- ------------------------", .implemented),
        .init("Loads and stores, SIMD&FP: unallocated (bit 31 = 1, op 001; trapped like the FP/SIMD space)", "C4.1.88",
              "1 - 001 1 0 -------------------------", .fpsimdNotImplemented),
        .init("Loads and stores, SIMD&FP: unallocated (op 011, bit 24 = 1; trapped like the FP/SIMD space)", "C4.1.88",
              "-- 011 1 01 ------------------------", .fpsimdNotImplemented),
        .init("Data processing -- scalar floating-point (half-precision arithmetic UNDEFINED: no FEAT_FP16)", "C4.1.96",
              "- 0 - 1 111 -------------------------", .implemented),
        .init("Data processing -- Advanced SIMD and cryptography", "C4.1",
              "--- - 111 -------------------------", .fpsimdNotImplemented),
    ]
}
