import Testing
@testable import AArch64

/// FPCR and FPSR through MRS/MSR (writable bits, cumulative flags), the CPACR_EL1.FPEN trap on
/// them and on FP instructions at EL1 and EL0, and the register file across exceptions.
@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as"))
struct FPSIMDStateTests {
    func esr(_ m: TestMachine) -> UInt64 { m.cpu.readSystemRegister("ESR_EL1") ?? 0 }

    @Test func fpcrAndFPSRKeepOnlyTheirArchitectedBits() throws {
        let m = try TestMachine("""
                mov x0, #(3 << 20)
                msr cpacr_el1, x0
                isb
                mov x1, #-1
                msr fpcr, x1
                mrs x2, fpcr
                msr fpsr, x1
                mrs x3, fpsr
                msr fpcr, xzr
                msr fpsr, xzr
                fmov d0, #1.0
                hvc #0
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(2) == 0x07C0_0000, "FPCR: AHP, DN, FZ, RMode (no FZ16, no trap enables)")
        #expect(m.cpu.x(3) == 0x0800_009F, "FPSR: QC, IDC, IXC, UFC, OFC, DZC, IOC")
        #expect(m.cpu.simd.fpcr == 0 && m.cpu.simd.fpsr == 0)
        #expect(m.cpu.simd.q(0) == (0x3FF0_0000_0000_0000, 0), "FMOV d0, #1.0")
    }

    /// FP and AdvSIMD are advertised (0: implemented, no FEAT_FP16); nothing AdvSIMD-adjacent
    /// that is not implemented is: AES, SHA1/2/3, SM3/4, RDM, dot product, FHM (ISAR0),
    /// JSCVT, FCMA, FRINTTS, BF16, I8MM (ISAR1) all read as zero.
    @Test func idRegistersAdvertiseFPAndAdvSIMDWithoutExtensions() throws {
        let m = try TestMachine("""
                mrs x1, id_aa64pfr0_el1
                mrs x2, id_aa64isar0_el1
                mrs x3, id_aa64isar1_el1
                hvc #0
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect((m.cpu.x(1) >> 16) & 0xFF == 0, "FP and AdvSIMD implemented, without half-precision arithmetic")
        #expect(m.cpu.x(2) == 0x0021_0000, "CRC32 and LSE atomics only")
        #expect(m.cpu.x(3) == 0)
    }

    @Test func flagsAccumulateUntilCleared() throws {
        let m = try TestMachine("""
                mov x0, #(3 << 20)
                msr cpacr_el1, x0
                fmov d0, #1.0
                fmov d1, xzr
                fdiv d2, d0, d1
                fmov d3, #3.0
                fdiv d4, d0, d3
                mrs x5, fpsr
                fcmp d2, d0
                hvc #0
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(5) == UInt64(FPEnvironment.dzc | FPEnvironment.ixc))
        #expect(m.cpu.simd.q(2).lo == 0x7FF0_0000_0000_0000, "1/0 = +inf")
        #expect(m.cpu.simd.q(4).lo == 0x3FD5_5555_5555_5555, "1/3 rounded to nearest even")
        #expect(m.cpu.nzcv == 0x2000_0000, "inf > 1: C")
    }

    @Test(arguments: ["mrs x1, fpcr", "msr fpsr, x1", "fadd s0, s1, s2", "fmov x1, d0"])
    func fpenZeroTrapsAtEL1(_ instruction: String) throws {
        let m = try TestMachine(SystemControlTestsProgram.program(setup: "", el1: instruction))
        #expect(m.run() == .hypervisorCall(imm: 1))
        #expect(esr(m) >> 26 == 0x07, "EC: access to SIMD or floating-point")
    }

    @Test func fpenOneTrapsOnlyEL0() throws {
        let m = try TestMachine(SystemControlTests.program(setup: """
                mov x0, #(1 << 20)
                msr cpacr_el1, x0
                mrs x3, fpsr
                fmov s1, #2.0
            """, el0: "fadd s0, s1, s1"))
        #expect(m.run() == .hypervisorCall(imm: 2))
        #expect(esr(m) >> 26 == 0x07)
        #expect(m.cpu.simd.q(1).lo == 0x4000_0000, "EL1 ran FMOV")
        #expect(m.cpu.simd.q(0).lo == 0, "EL0's FADD trapped")
    }

    /// With the MMU off every access is to Device memory, so an unaligned Q load is an
    /// alignment fault (ARM ARM B2.5.2; Unicorn 2.0.1 performs it instead).
    @Test func unalignedQLoadWithTheMMUOffIsAnAlignmentFault() throws {
        let m = try TestMachine(SystemControlTestsProgram.program(setup: """
                mov x0, #(3 << 20)
                msr cpacr_el1, x0
                ldr x1, =0x40100010
                ldr q0, [x1]
                str q0, [x1, #-16]
                ldr q2, [x1, #16]
            """, el1: "ldr q3, [x1, #4]"))
        #expect(m.run() == .hypervisorCall(imm: 1))
        #expect(esr(m) >> 26 == 0x25 && esr(m) & 0x3F == 0x21, "data abort, alignment fault")
        #expect(esr(m) >> 24 & 1 == 0, "ISV = 0 for SIMD&FP registers")
        #expect(m.cpu.readSystemRegister("FAR_EL1") == 0x4010_0014)
    }

    @Test func registersSurviveExceptionEntryAndPowerOnClearsThem() throws {
        let m = try TestMachine(SystemControlTests.program(setup: """
                mov x0, #(3 << 20)
                msr cpacr_el1, x0
                fmov d7, #-0.5
                mov x1, #(1 << 22)
                msr fpcr, x1
            """, el0: "svc #0"))
        #expect(m.run() == .hypervisorCall(imm: 2))
        #expect(m.cpu.simd.q(7).lo == 0xBFE0_0000_0000_0000)
        #expect(m.cpu.simd.fpcr == 1 << 22)
        m.cpu.powerOn(entry: TestMachine.codeBase, context: 0)
        #expect(m.cpu.simd.q(7) == (0, 0) && m.cpu.simd.fpcr == 0)
    }
}

/// A program that traps at EL1: `el1` runs with VBAR_EL1 at an HVC #1 table and FPEN = 0.
enum SystemControlTestsProgram {
    static func program(setup: String, el1: String) -> String {
        """
            adr x0, vectors
            msr vbar_el1, x0
        \(setup)
        \(el1)
            hvc #0
            .balign 2048
        vectors:
            .skip 0x200
            hvc #1
        """
    }
}
