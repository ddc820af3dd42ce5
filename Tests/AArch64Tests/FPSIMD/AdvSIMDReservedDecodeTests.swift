import Testing
@testable import AArch64

/// The reserved encodings inside the Advanced SIMD copy, permute, extract, table lookup,
/// modified immediate, shift by immediate and two-register miscellaneous classes are decided
/// when the word is decoded (the record names `FPSIMDClass.reserved`, whatever the CPU state),
/// and still take the CPACR_EL1.FPEN trap before they are UNDEFINED. Each case is an assembled
/// instruction and the same word with one field changed into a reserved value (ARM ARM C4.1.95).
@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as"))
struct AdvSIMDReservedDecodeTests {
    struct Case {
        let source: String, expected: FPSIMDClass, reserve: (UInt32) -> UInt32, why: String
    }

    static let cases: [Case] = [
        Case(source: "dup v0.2d, x1", expected: .vectorCopy, reserve: { $0 & ~(1 << 30) }, why: "DUP of D with Q = 0"),
        Case(source: "umov w0, v1.s[1]", expected: .vectorCopy, reserve: { $0 | 1 << 30 }, why: "UMOV of S to X"),
        Case(source: "mov b0, v1.b[3]", expected: .scalarCopy, reserve: { $0 | 1 << 11 }, why: "scalar copy with imm4 != 0"),
        Case(source: "uzp1 v0.2d, v1.2d, v2.2d", expected: .vectorPermute, reserve: { $0 & ~(1 << 30) }, why: "UZP1 of D with Q = 0"),
        Case(source: "ext v0.16b, v1.16b, v2.16b, #8", expected: .vectorExtract, reserve: { $0 & ~(1 << 30) }, why: "EXT imm4 = 8 with Q = 0"),
        Case(source: "tbl v0.16b, {v1.16b}, v2.16b", expected: .vectorTableLookup, reserve: { $0 | 1 << 22 }, why: "TBL with op2 != 0"),
        Case(source: "fmov v0.2d, #1.0", expected: .vectorModifiedImmediate, reserve: { $0 & ~(1 << 30) }, why: "FMOV of D with Q = 0"),
        Case(source: "sshr d0, d1, #3", expected: .scalarShiftImmediate, reserve: { $0 & ~(0xF << 19) }, why: "scalar shift with immh = 0"),
        Case(source: "sshr d0, d1, #3", expected: .scalarShiftImmediate, reserve: { $0 & ~(0x8 << 19) }, why: "scalar SSHR of S"),
        Case(source: "sqshrn b0, h1, #3", expected: .scalarShiftImmediate, reserve: { $0 & ~(1 << 12) }, why: "scalar SHRN"),
        Case(source: "sshr v0.2d, v1.2d, #3", expected: .vectorShiftImmediate, reserve: { $0 & ~(1 << 30) }, why: "SSHR of D with Q = 0"),
        Case(source: "cnt v0.8b, v1.8b", expected: .vectorTwoRegisterMisc, reserve: { $0 | 1 << 22 }, why: "CNT of H"),
        Case(source: "fsqrt v0.2d, v1.2d", expected: .vectorTwoRegisterMisc, reserve: { $0 & ~(1 << 30) }, why: "FSQRT of D with Q = 0"),
        Case(source: "fcvtxn s0, d1", expected: .scalarTwoRegisterMisc, reserve: { $0 & ~(1 << 29) }, why: "scalar FCVTN"),
        Case(source: "cmgt d0, d1, #0", expected: .scalarTwoRegisterMisc, reserve: { $0 & ~(1 << 22) }, why: "scalar CMGT of S"),
    ]

    static func word(_ source: String) throws -> UInt32 {
        let b = try Assembler.assemble(source)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    @Test(arguments: cases.indices)
    func reservedFieldIsDecodedReservedAndTrapsFirst(_ i: Int) throws {
        let c = AdvSIMDReservedDecodeTests.cases[i]
        let valid = try AdvSIMDReservedDecodeTests.word(c.source), reserved = c.reserve(valid)
        let v = A64EncodingTable.decode(valid), r = A64EncodingTable.decode(reserved)
        #expect(v.op == .fpsimd && v.aux == c.expected.rawValue, "\(c.source) decodes to its class")
        #expect(r.op == .fpsimd && r.aux == FPSIMDClass.reserved.rawValue, "\(c.why): 0x\(String(reserved, radix: 16)) reserved at decode")

        let m = try TestMachine("nop")
        for (fpen, ec) in [(UInt64(0), UInt64(0x07)), (3, 0x00)] {
            m.cpu.pc = TestMachine.codeBase
            m.cpu.sysregs[SysReg.cpacrEL1] = fpen << 20
            #expect(!m.cpu.execute(reserved))
            #expect((m.cpu.sysregs[SysReg.esrEL1] ?? 0) >> 26 == ec, "\(c.why), FPEN \(fpen)")
            m.cpu.pc = TestMachine.codeBase
            m.cpu.currentEL = 1
        }
        m.cpu.sysregs[SysReg.cpacrEL1] = 3 << 20
        #expect(m.cpu.execute(valid), "\(c.source) retires")
    }
}
