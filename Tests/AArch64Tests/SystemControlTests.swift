import Testing
@testable import AArch64

/// Regression tests for the differences the Unicorn lockstep found in system instructions
/// (UnicornSystemInstructionTests): DC ZVA and DCZID_EL0 at EL1, and the EL0 accesses that
/// SCTLR_EL1 (UMA, UCT, nTWI, nTWE) and CNTKCTL_EL1 control. Exceptions vector to a table whose
/// entries leave with HVC #1 (current EL) or HVC #2 (lower EL), so `run` stops there.
@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as"))
struct SystemControlTests {
    /// Enters EL0 at `el0:` after `setup` (EL1), with VBAR_EL1 at the HVC table.
    static func program(setup: String, el0: String) -> String {
        """
            adr x0, vectors
            msr vbar_el1, x0
        \(setup)
            adr x0, el0
            msr elr_el1, x0
            mov x0, #0x3c0
            msr spsr_el1, x0
            eret
        el0:
        \(el0)
            b .
            .balign 2048
        vectors:
            .skip 0x200
            hvc #1
            .skip 0x1fc
            hvc #2
        """
    }

    func esr(_ m: TestMachine) -> UInt64 { m.cpu.readSystemRegister("ESR_EL1") ?? 0 }

    @Test func dcZVAZeroedNothingWhileDCZIDSaidProhibited() throws {
        let m = try TestMachine("""
                mrs x1, dczid_el0
                ldr x2, =0x40100013
                dc zva, x2
                hvc #0
            """)
        for i in 0..<32 { _ = m.ram.store(0x4010_0000 + UInt64(i * 4), size: 4, value: 0xFFFF_FFFF) }
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(1) == 0x4, "DCZID_EL0: 64-byte blocks, permitted at EL1")
        #expect((0..<8).allSatisfy { m.ram.load(0x4010_0000 + UInt64($0 * 8), size: 8) == 0 })
        #expect(m.ram.load(0x4010_0040, size: 8) == ~0, "only the 64-byte block holding the address")
    }

    @Test func dcZVAAtEL0FollowsSCTLRDZE() throws {
        let trapped = try TestMachine(Self.program(setup: "", el0: "mrs x1, dczid_el0\n dc zva, x2"))
        #expect(trapped.run() == .hypervisorCall(imm: 2))
        #expect(trapped.cpu.x(1) == 0x14, "DZP = 1 where DC ZVA would trap")
        #expect(esr(trapped) >> 26 == 0x18)
        let allowed = try TestMachine(Self.program(
            setup: "mrs x0, sctlr_el1\n orr x0, x0, #(1 << 14)\n msr sctlr_el1, x0\n ldr x2, =0x40100000",
            el0: "mrs x1, dczid_el0\n dc zva, x2"))
        _ = allowed.ram.store(0x4010_0000, size: 8, value: ~0)
        #expect(allowed.run() == .instructionLimit)
        #expect(allowed.cpu.x(1) == 0x4)
        #expect(allowed.ram.load(0x4010_0000, size: 8) == 0)
    }

    @Test func el0CacheMaintenanceWasUndefinedEvenWithSCTLRUCI() throws {
        for insn in ["dc civac, x28", "dc cvac, x28", "dc cvau, x28", "ic ivau, x28"] {
            let trapped = try TestMachine(Self.program(setup: "", el0: insn))
            #expect(trapped.run() == .hypervisorCall(imm: 2), "\(insn)")
            #expect(esr(trapped) >> 26 == 0x18, "\(insn) without UCI traps (EC 0x18), not UNDEFINED")
            let allowed = try TestMachine(Self.program(
                setup: "mrs x0, sctlr_el1\n orr x0, x0, #(1 << 26)\n msr sctlr_el1, x0", el0: insn + "\n mov x3, #1"))
            #expect(allowed.run() == .instructionLimit, "\(insn) with UCI")
            #expect(allowed.cpu.x(3) == 1)
        }
        let other = try TestMachine(Self.program(setup: "mrs x0, sctlr_el1\n orr x0, x0, #(1 << 26)\n msr sctlr_el1, x0", el0: "ic iallu"))
        #expect(other.run() == .hypervisorCall(imm: 2))
        #expect(esr(other) >> 26 == 0, "IC IALLU stays UNDEFINED at EL0")
    }

    @Test func el0DAIFAccessRanWithoutSCTLRUMA() throws {
        let m = try TestMachine(Self.program(setup: "", el0: "mrs x1, daif"))
        #expect(m.run() == .hypervisorCall(imm: 2))
        // EC 0x18, IL, ISS: Op0 3, Op2 1, Op1 3, CRn 4, Rt 1, CRm 2, read.
        #expect(esr(m) == (0x18 << 26 | 1 << 25 | 3 << 20 | 1 << 17 | 3 << 14 | 4 << 10 | 1 << 5 | 2 << 1 | 1))
        let w = try TestMachine(Self.program(setup: "", el0: "msr daifclr, #2"))
        #expect(w.run() == .hypervisorCall(imm: 2))
        #expect(esr(w) >> 26 == 0x18)
        let uma = try TestMachine(Self.program(
            setup: "mrs x0, sctlr_el1\n orr x0, x0, #(1 << 9)\n msr sctlr_el1, x0", el0: "mrs x1, daif\n hvc #3"))
        #expect(uma.run() == .hypervisorCall(imm: 2))  // HVC itself is UNDEFINED at EL0
        #expect(uma.cpu.x(1) == 0x3C0 && esr(uma) >> 26 == 0)
    }

    @Test func el0CounterAndCTRReadsRanWithoutTheirEnables() throws {
        for (insn, ok) in [("mrs x1, ctr_el0", "mrs x0, sctlr_el1\n orr x0, x0, #(1 << 15)\n msr sctlr_el1, x0"),
                           ("mrs x1, cntvct_el0", "mov x0, #2\n msr cntkctl_el1, x0"),
                           ("mrs x1, cntpct_el0", "mov x0, #1\n msr cntkctl_el1, x0"),
                           ("mrs x1, cntfrq_el0", "mov x0, #1\n msr cntkctl_el1, x0")] {
            let trapped = try TestMachine(Self.program(setup: "", el0: insn))
            #expect(trapped.run() == .hypervisorCall(imm: 2), "\(insn)")
            #expect(esr(trapped) >> 26 == 0x18, "\(insn)")
            let allowed = try TestMachine(Self.program(setup: ok, el0: insn + "\n mov x3, #1"))
            #expect(allowed.run() == .instructionLimit, "\(insn) with its enable")
            #expect(allowed.cpu.x(3) == 1)
        }
    }

    @Test func el0WFIWentToTheMachineInsteadOfTrapping() throws {
        for (insn, ti) in [("wfi", UInt64(0)), ("wfe", 1)] {
            let m = try TestMachine(Self.program(setup: "", el0: insn))
            #expect(m.run() == .hypervisorCall(imm: 2), "\(insn)")
            #expect(esr(m) == (0x01 << 26 | 1 << 25 | 1 << 24 | 0xE << 20 | ti), "\(insn)")
            let el0Address = m.cpu.readSystemRegister("ELR_EL1") ?? 0
            #expect(m.ram.load(el0Address, size: 4) == (ti == 0 ? 0xD503_207F : 0xD503_205F), "ELR_EL1 = the \(insn) itself")
            let bit = ti == 0 ? 16 : 18
            let allowed = try TestMachine(Self.program(
                setup: "mrs x0, sctlr_el1\n orr x0, x0, #(1 << \(bit))\n msr sctlr_el1, x0", el0: insn))
            #expect(allowed.run() == (ti == 0 ? .waitForInterrupt : .waitForEvent), "\(insn) with nTW\(ti == 0 ? "I" : "E")")
        }
    }

    /// MSR (immediate) to a PSTATE field this CPU does not have (PAN, UAO, DIT, SSBS, TCO: the ID
    /// registers say so) or to no field at all used to run as a NOP; it is UNDEFINED.
    @Test func unallocatedPSTATEFieldWritesWereIgnoredInsteadOfUndefined() throws {
        for word in ["0xd500419f", "0xd50146ff", "0xd503403f"] {  // MSR PAN, #1; op1 1 op2 7; MSR DIT, #0
            let m = try TestMachine(Self.program(setup: ".inst \(word)\n mov x3, #1", el0: ""))
            #expect(m.run() == .hypervisorCall(imm: 1), "\(word)")
            #expect(esr(m) >> 26 == 0 && m.cpu.x(3) == 0, "\(word) is UNDEFINED")
        }
        let ok = try TestMachine(Self.program(setup: "msr spsel, #0\n msr daifclr, #2\n msr daifset, #2\n mov x3, #1", el0: ""))
        #expect(ok.run() == .instructionLimit)
        #expect(ok.cpu.x(3) == 1)
    }

    /// MRS of the ID register space beyond the registers this CPU names (ID_AA64ISAR2_EL1,
    /// ID_AA64ZFR0_EL1, the AArch32 ID registers...) was UNDEFINED; it reads as zero, as Linux's
    /// unconditional feature probing expects. Writes stay UNDEFINED.
    @Test func reservedIDRegistersWereUndefinedInsteadOfReadingZero() throws {
        let m = try TestMachine("""
                mov x1, #1
                mov x2, #1
                mrs x1, s3_0_c0_c6_2
                mrs x2, s3_0_c0_c4_4
                mrs x3, s3_0_c0_c1_0
                hvc #0
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(1) == 0 && m.cpu.x(2) == 0 && m.cpu.x(3) == 0)
        let w = try TestMachine(Self.program(setup: "msr s3_0_c0_c6_2, x1", el0: ""))
        #expect(w.run() == .hypervisorCall(imm: 1))
        #expect(esr(w) >> 26 == 0)
    }

    /// CLIDR/CCSIDR/CSSELR/AIDR/ISR_EL1, CNTP/CNTV_TVAL_EL0 and OSLSR_EL1 exist on every ARMv8.0
    /// CPU and were UNDEFINED here.
    @Test func mandatoryEL1RegistersWereUndefined() throws {
        let m = try TestMachine("""
                mov x0, #2
                msr csselr_el1, x0
                mrs x1, csselr_el1
                mrs x2, clidr_el1
                mrs x3, ccsidr_el1
                mrs x4, aidr_el1
                mrs x5, isr_el1
                mov x0, #1
                msr oslar_el1, x0
                mrs x6, oslsr_el1
                mov x0, #1000
                msr cntv_tval_el0, x0
                mrs x7, cntv_tval_el0
                mrs x8, cntv_cval_el0
                mrs x9, cntvct_el0
                movn x0, #0
                msr cntp_tval_el0, x0
                mrs x10, cntp_tval_el0
                hvc #0
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(1) == 2 && m.cpu.x(2) == 0 && m.cpu.x(3) == 0 && m.cpu.x(4) == 0 && m.cpu.x(5) == 0)
        #expect(m.cpu.x(6) == 0xA, "OSLM 0b10, OSLK set by OSLAR_EL1")
        #expect(m.cpu.x(7) <= 1000 && m.cpu.x(7) > 900, "TVAL counts down from what was written")
        #expect(m.cpu.x(8) > m.cpu.x(9) && m.cpu.x(8) - m.cpu.x(9) <= 1000, "CVAL = count + TVAL")
        #expect(m.cpu.x(10) >= 0xFFFF_FF00 && m.cpu.x(10) <= 0xFFFF_FFFF, "TVAL -1 (or a tick later): a signed 32-bit field, read zero-extended")
    }
}
