import Testing
@testable import AArch64

/// IRQ/FIQ entry at an instruction boundary (ARM DDI 0487 D1.10) and the EL1 generic timers
/// (D11): the vector, ELR/SPSR/ESR, masking by PSTATE.I/F, and a timer whose output rises at
/// exactly the first boundary where the count has reached CVAL.
@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as"))
struct InterruptEntryTests {
    static let vbar: UInt64 = 0x4010_0000

    /// `body` after VBAR_EL1 is set; every vector entry holds `b .`.
    func machine(_ body: String) throws -> TestMachine {
        let m = try TestMachine("""
            ldr x9, =\(Self.vbar)
            msr vbar_el1, x9
            \(body)
            hvc #0
            .ltorg
            """)
        let spin: [UInt8] = [0x00, 0x00, 0x00, 0x14]
        for v in stride(from: 0, to: 0x800, by: 0x80) { spin.withUnsafeBytes { _ = m.ram.write($0, at: Self.vbar + UInt64(v)) } }
        return m
    }

    @Test func irqIsTakenAtTheBoundaryToTheSPxVectorWithESRUnchanged() throws {
        let m = try machine("msr daifclr, #2\n mov x1, #1\n mov x2, #2\n b .")
        m.cpu.sysregs[SysReg.esrEL1] = 0x1234
        m.cpu.interruptLines = 2
        _ = m.cpu.run(cycleLimit: 200, instructionLimit: 20)
        // Taken as soon as PSTATE.I cleared: the MSR is a run of its own.
        #expect(m.cpu.sysregs[SysReg.elrEL1] == TestMachine.codeBase + 12)
        #expect(m.cpu.x(1) == 0)
        #expect(m.cpu.pc == Self.vbar + 0x280)
        #expect(m.cpu.sysregs[SysReg.esrEL1] == 0x1234)
        #expect(m.cpu.sysregs[SysReg.spsrEL1] == 0x3C5 & ~0x80)  // EL1h, D A F masked, I clear
        #expect(m.cpu.readSysReg(SysReg.daif) == 0x3C0)
        #expect(m.cpu.interruptsTaken == 1)
    }

    @Test func maskedInterruptsWaitAndISRShowsThem() throws {
        let m = try machine("mrs x3, isr_el1\n msr daifclr, #1\n mov x1, #1")
        m.cpu.interruptLines = 2  // IRQ, masked by PSTATE.I throughout
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(3) == 0x80)
        #expect(m.cpu.x(1) == 1)
        #expect(m.cpu.interruptsTaken == 0)
    }

    @Test func fiqUsesOffset0x100AndWinsOverIRQ() throws {
        let m = try machine("msr daifclr, #3\n nop")
        m.cpu.interruptLines = 3
        _ = m.cpu.run(cycleLimit: 200, instructionLimit: 100)
        #expect(m.cpu.sysregs[SysReg.elrEL1] == TestMachine.codeBase + 12)
        #expect((m.cpu.sysregs[SysReg.spsrEL1] ?? 0) & 0x3C0 == 0x300)
        #expect(m.cpu.pc == Self.vbar + 0x300)
    }

    @Test func timerConditionRisesAtCVALExactly() throws {
        // CVAL = 100 ticks = 1600 cycles; the loop retires one instruction per iteration.
        let m = try machine("mov x0, #100\n msr cntp_cval_el0, x0\n mov x0, #1\n msr cntp_ctl_el0, x0\n 1: add x5, x5, #1\n b 1b")
        #expect(m.cpu.run(cycleLimit: .max, instructionLimit: 1_000_000) == .cycleLimit)
        let deadline = 100 * CPU.cyclesPerCounterTick
        #expect(m.cpu.timerDeadline == deadline)
        #expect(m.cpu.cycles >= deadline)
        #expect(m.cpu.cycles < deadline + 2 * max(m.cpu.costs.alu, m.cpu.costs.branch) + 1)
        #expect(m.cpu.timerOutputs.physical)
        #expect(m.cpu.readSysReg(SysReg.cntpCtlEL0) == 5)  // ENABLE | ISTATUS
        m.cpu.updateTimerDeadline()
        #expect(m.cpu.timerDeadline == .max)  // met: no deadline until CVAL or CTL change
    }

    @Test func imaskHidesTheOutputButNotISTATUSAndTVALCountsDown() throws {
        let m = try machine("mov x0, #10\n msr cntv_tval_el0, x0\n mov x0, #3\n msr cntv_ctl_el0, x0\n mrs x6, cntv_tval_el0\n 1: b 1b")
        _ = m.cpu.run(cycleLimit: 2000, instructionLimit: 1_000_000)
        #expect(Int32(truncatingIfNeeded: m.cpu.x(6)) <= 10)
        #expect(m.cpu.readSysReg(SysReg.cntvCtlEL0) == 7)
        #expect(!m.cpu.timerOutputs.virtual)
        #expect(m.cpu.timerDeadline == .max)
        #expect(Int32(truncatingIfNeeded: m.cpu.readSysReg(SysReg.cntvTvalEL0) ?? 0) < 0)
    }
}
