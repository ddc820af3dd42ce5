import Testing
@testable import AArch64

/// A guest whose exception vector faults takes the same exception forever without retiring an
/// instruction. `--max-instructions` counts attempted instructions, and the CPU reports the
/// livelock itself after `CPU.exceptionLivelockBound` exceptions in a row at the vector's first
/// instruction, so every such run ends.
@Suite(.enabled(if: Assembler.available)) struct ExceptionLivelockTests {
    /// VBAR_EL1 = the code page; the current-EL/SPx synchronous vector (+0x200) holds `vector`.
    static func machine(vector: String) throws -> TestMachine {
        try TestMachine("""
            adr x0, table
            msr vbar_el1, x0
            udf #1
            .balign 2048
            table:
            .space 0x200
            \(vector)
            """)
    }

    @Test(arguments: ["udf #2", "svc #0", "ldr x0, [x9]"])
    func aFaultingVectorIsALivelock(vector: String) throws {
        let m = try Self.machine(vector: vector)
        m.cpu.setX(9, 0x1_0000_0000_0000)  // beyond PARange: the load at the vector faults at EL1
        let exit = m.cpu.run(cycleLimit: .max, instructionLimit: 1_000_000)
        #expect(exit == .exceptionLivelock)
        #expect(m.cpu.repeatedVectorExceptions == CPU.exceptionLivelockBound)
        // adr and msr retired; nothing after.
        #expect(m.cpu.instructionsRetired == 2)
        let vectorPC = TestMachine.codeBase + 0x800 + 0x200
        let elr = m.cpu.readSystemRegister("ELR_EL1")
        #expect(elr == vectorPC || elr == vectorPC + 4)
        #expect(m.cpu.pc == vectorPC)
    }

    @Test func theInstructionLimitCountsExceptionsTaken() throws {
        let m = try Self.machine(vector: "udf #2")
        let exit = m.cpu.run(cycleLimit: .max, instructionLimit: 500)
        #expect(exit == .instructionLimit)
        #expect(m.cpu.instructionsAttempted == 500)
        #expect(m.cpu.instructionsRetired == 2)
        // Another call goes on where the first stopped and counts on.
        _ = m.cpu.run(cycleLimit: .max, instructionLimit: 300)
        #expect(m.cpu.instructionsAttempted == 800)
    }

    /// A handler that retires instructions between exceptions is not a livelock, however many
    /// exceptions it takes: here UDF is emulated by skipping it, 30,000 times.
    @Test func exceptionsWithProgressInBetweenAreNotALivelock() throws {
        let m = try TestMachine("""
            adr x0, table
            msr vbar_el1, x0
            mov x1, #30000
            loop: udf #1
            subs x1, x1, #1
            b.ne loop
            hvc #0
            .balign 2048
            table:
            .space 0x200
            mrs x2, elr_el1
            add x2, x2, #4
            msr elr_el1, x2
            eret
            """)
        let exit = m.cpu.run(cycleLimit: .max, instructionLimit: 10_000_000)
        #expect(exit == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(1) == 0)
        #expect(m.cpu.stats.exceptionsToEL1.values.reduce(0, +) == 30_000)
    }
}
