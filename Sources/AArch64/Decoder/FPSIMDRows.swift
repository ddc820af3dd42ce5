/// FP/SIMD encoding classes of the A64 table (ARM DDI 0487, C4.1.88 "Loads and Stores" with
/// V = 1, and "Data Processing -- Scalar Floating-Point and Advanced SIMD", op0 = x111).
///
/// This is the place to add FP/SIMD rows, one per encoding class, as they are implemented: put
/// the more specific rows above the catch-all rows below and shrink those when a group is
/// complete. Scalar floating point, the SIMD&FP register loads and stores and the Advanced SIMD
/// groups with their own rows are executed (`Sources/AArch64/FPSIMD`); the rest is UNDEFINED, whatever
/// CPACR_EL1.FPEN says.
extension A64EncodingTable {
    static let fpsimdRows: [A64EncodingClass] = [
        .init("Advanced SIMD load/store multiple structures (LD1-LD4, ST1-ST4), post-indexed or not", "C4.1.88",
              "0 Q 001100 p L ------ oooo ss nnnnn ttttt", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD load/store single structure (LD1-LD4, ST1-ST4 to a lane, LD1R-LD4R), post-indexed or not", "C4.1.88",
              "0 Q 001101 p L R ----- ooo S ss nnnnn ttttt", .implemented, A64Decode.fpsimd),
        .init("Load register (literal), SIMD&FP", "C4.1.88", "-- 011 1 00 ------------------------", .implemented, A64Decode.fpsimd),
        .init("Load/store pair, SIMD&FP (LDP, STP, LDNP, STNP)", "C4.1.88", "-- 101 1 0 -------------------------", .implemented, A64Decode.fpsimd),
        .init("Load/store register, SIMD&FP (unscaled, pre/post-index, unsigned offset, register offset)", "C4.1.88",
              "-- 111 1 0- ------------------------", .implemented, A64Decode.fpsimd),
        .init("Loads and stores, SIMD&FP: unallocated (bit 31 = 1, op 001)", "C4.1.88",
              "1 - 001 1 0 -------------------------", .notImplemented),
        .init("Loads and stores, SIMD&FP: unallocated (op 011, bit 24 = 1)", "C4.1.88",
              "-- 011 1 01 ------------------------", .notImplemented),
        .init("Data processing -- scalar floating-point (half-precision arithmetic UNDEFINED: no FEAT_FP16)", "C4.1.96",
              "- 0 - 1 111 -------------------------", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD copy (DUP, INS, SMOV, UMOV)", "C4.1.95", "0 Q o 01110000 iiiii 0 iiii 1 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD permute (UZP, TRN, ZIP)", "C4.1.95", "0 Q 001110 ss 0 mmmmm 0 ooo 10 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD extract (EXT)", "C4.1.95", "0 Q 101110 oo 0 mmmmm 0 iiii 0 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD table lookup (TBL, TBX)", "C4.1.95", "0 Q 001110 oo 0 mmmmm 0 ll o 00 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD three same (integer, single and double precision)", "C4.1.95",
              "0 Q U 01110 ss 1 mmmmm ooooo 1 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD three different (PMULL of doublewords UNDEFINED: no cryptography)", "C4.1.95",
              "0 Q U 01110 ss 1 mmmmm oooo 00 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD two-register miscellaneous (FEAT_FP16, FEAT_FRINTTS UNDEFINED)", "C4.1.95",
              "0 Q U 01110 ss 10000 ooooo 10 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD across lanes", "C4.1.95", "0 Q U 01110 ss 11000 ooooo 10 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD modified immediate (MOVI, MVNI, ORR, BIC, FMOV)", "C4.1.95",
              "0 Q o 0111100000 iii cccc o 1 iiiii ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD shift by immediate (immh != 0)", "C4.1.95", "0 Q U 011110 hhhh bbb ooooo 1 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD vector x indexed element (dot products, FMLAL, FCMLA, SQRDMLAH, FEAT_FP16 UNDEFINED)", "C4.1.95",
              "0 Q U 01111 ss L M mmmm oooo H 0 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD scalar x indexed element (SQRDMLAH, FEAT_FP16 UNDEFINED)", "C4.1.95",
              "01 U 11111 ss L M mmmm oooo H 0 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD scalar copy (DUP element)", "C4.1.95", "01 o 11110000 iiiii 0 iiii 1 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD scalar pairwise (ADDP, FADDP, FMAXP, FMINP, FMAXNMP, FMINNMP)", "C4.1.95",
              "01 U 11110 ss 11000 ooooo 10 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD scalar three different (SQDMLAL, SQDMLSL, SQDMULL)", "C4.1.95",
              "01 U 11110 ss 1 mmmmm oooo 00 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD scalar three same", "C4.1.95",
              "01 U 11110 ss 1 mmmmm ooooo 1 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD scalar two-register miscellaneous", "C4.1.95",
              "01 U 11110 ss 10000 ooooo 10 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Advanced SIMD scalar shift by immediate (immh != 0)", "C4.1.95", "01 U 111110 hhhh bbb ooooo 1 nnnnn ddddd", .implemented, A64Decode.fpsimd),
        .init("Data processing -- Advanced SIMD: "
              + "three same (extra), FEAT_FP16 forms; cryptography", "C4.1",
              "--- - 111 -------------------------", .notImplemented),
    ]
}
