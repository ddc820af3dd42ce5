/// A row's decoder: fills in the decoded form of one word of its encoding class. `d.word` and
/// `d.tag` are set and `d.op` is `.undefined` on entry, so a reserved encoding inside the class
/// is UNDEFINED by leaving `d.op` alone.
typealias A64Decoder = @Sendable (UInt32, inout DecodedInstruction) -> Void

/// The decoders of the encoding table's rows (`A64EncodingTable`), one per encoding class, in
/// the ARM ARM's vocabulary. They run once per word (the decode cache keeps the result) and
/// depend on the word alone, never on CPU state: whatever depends on the exception level or a
/// system register is the executor's business.
enum A64Decode {
    /// A class whose every encoding is UNDEFINED (UDF).
    static let undefined: A64Decoder = { _, _ in }

    /// An FP/SIMD row: `CPU.simdAndFP` (the CPACR_EL1.FPEN trap, then the executor of the
    /// class named in `aux`).
    static func fpsimd(_ c: FPSIMDClass) -> A64Decoder {
        { w, d in
            d.op = .fpsimd
            d.aux = c.rawValue
            fpsimdOperands(c, w, &d)
        }
    }

    /// Rd, Rn, Rm at their usual places (bits 4:0, 9:5, 20:16), as encoded (31 is XZR or SP,
    /// as the executor's operand says): the forms executed out of line and the FP/SIMD ones.
    @inline(__always) static func encodedRegisters(_ w: UInt32, _ d: inout DecodedInstruction) {
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.rm = UInt8((w >> 16) & 31)
    }

    /// Register 31 as a destination that writes XZR: the sink slot 32.
    @inline(__always) static func xzrDestination(_ r: UInt32) -> UInt8 { r == 31 ? 32 : UInt8(r) }

    /// The mask of an operation's width: sf = bit 31.
    @inline(__always) static func widthMask(_ w: UInt32) -> UInt64 { w >> 31 == 1 ? ~0 : 0xFFFF_FFFF }

    /// A signed immediate field of `bits` bits at `lsb`, times 4 (branch offsets).
    @inline(__always) static func branchOffset(_ w: UInt32, lsb: UInt32, bits: UInt32) -> UInt64 {
        let field = (w >> lsb) & ((1 << bits) - 1)
        return UInt64(bitPattern: Int64(Int32(bitPattern: field << (32 - bits))) >> Int64(32 - bits - 2))
    }
}
