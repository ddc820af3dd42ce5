import Testing
@testable import AArch64

/// The ARMv8.0 self-hosted debug registers (storage only: nothing fires). Expected values are
/// the ARM ARM's (DDI 0487) field layouts, written out here rather than taken from SystemRegisters.swift.
/// Registers are named in the generic S<op0>_<op1>_C<n>_C<m>_<op2> form, so the index n is visible.
@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as"))
struct DebugRegisterTests {
    static let out: UInt64 = 0x4010_0000

    /// Runs `body` at EL1 with x9 = `out`. An EL1 synchronous exception with ESR_EL1 = 0x0200_0000
    /// (EC 0x00 UNDEFINED, IL 1, ISS 0) counts one in x11 and resumes after the instruction;
    /// any other exception leaves with HVC #3.
    static func machine(_ body: String) throws -> TestMachine {
        try TestMachine("""
                adr x0, vectors
                msr vbar_el1, x0
                ldr x9, =\(out)
                mov x11, #0
            \(body)
                hvc #0
                .ltorg
                .balign 2048
            vectors:
                .skip 0x200
                mrs x10, esr_el1
                mov x13, #0x2000000
                cmp x10, x13
                b.ne 1f
                add x11, x11, #1
                mrs x12, elr_el1
                add x12, x12, #4
                msr elr_el1, x12
                eret
            1:  hvc #3
            """)
    }

    static func reg(_ crn: Int, _ crm: Int, _ op2: Int, op1: Int = 0) -> String { "s2_\(op1)_c\(crn)_c\(crm)_\(op2)" }

    @Test func idAA64DFR0DescribesARMv8Debug() throws {
        let m = try Self.machine("""
                mrs x1, id_aa64dfr0_el1
                mrs x2, id_aa64dfr1_el1
                mrs x3, \(Self.reg(1, 0, 0))   // MDRAR_EL1
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        let dfr0 = m.cpu.x(1)
        #expect(dfr0 & 0xF == 0b0110, "DebugVer: ARMv8 debug")
        #expect((dfr0 >> 4) & 0xF == 0, "TraceVer: no system-register trace unit")
        #expect((dfr0 >> 8) & 0xF == 0, "PMUVer: Performance Monitors not implemented")
        #expect((dfr0 >> 12) & 0xF + 1 == 6, "BRPs: breakpoints - 1")
        #expect((dfr0 >> 20) & 0xF + 1 == 4, "WRPs: watchpoints - 1")
        #expect((dfr0 >> 28) & 0xF + 1 == 2, "CTX_CMPs: context-aware breakpoints - 1")
        #expect(dfr0 >> 32 == 0 && (dfr0 >> 16) & 0xF == 0 && (dfr0 >> 24) & 0xF == 0)
        #expect(m.cpu.x(2) == 0, "ID_AA64DFR1_EL1: no fields in ARMv8.0")
        #expect(m.cpu.x(3) & 3 == 0, "MDRAR_EL1.ROMADDRV = 0b00: no ROM table address")
        #expect(m.cpu.x(11) == 0)
    }

    /// Every read/write register: all ones written reads back with exactly the RES0 bits clear,
    /// zero reads back as zero, and a value is kept per register (no aliasing between indices).
    @Test func registersReadBackWithRES0BitsClear() throws {
        var regs: [(String, String, UInt64)] = []  // name, encoding, bits that are not RES0
        for n in 0..<6 {
            regs.append(("DBGBVR\(n)_EL1", Self.reg(0, n, 4), 0xFFFF_FFFF_FFFF_FFFC))  // bits 1:0 RES0
            regs.append(("DBGBCR\(n)_EL1", Self.reg(0, n, 5), 0x00FF_E1E7))  // BT LBN SSC HMC, BAS, PMC E
        }
        for n in 0..<4 {
            regs.append(("DBGWVR\(n)_EL1", Self.reg(0, n, 6), 0xFFFF_FFFF_FFFF_FFFC))
            regs.append(("DBGWCR\(n)_EL1", Self.reg(0, n, 7), 0x1F1F_FFFF))  // MASK, WT LBN SSC HMC BAS LSC PAC E
        }
        regs += [
            ("MDCCINT_EL1", Self.reg(0, 2, 0), 0x6000_0000),  // RX 30, TX 29
            ("OSDTRRX_EL1", Self.reg(0, 0, 2), 0xFFFF_FFFF), ("OSDTRTX_EL1", Self.reg(0, 3, 2), 0xFFFF_FFFF),
            ("OSECCR_EL1", Self.reg(0, 6, 2), 0xFF),  // EDECCR NSE 7:4, SE 3:0
            ("DBGPRCR_EL1", Self.reg(1, 4, 4), 0x1),  // CORENPDRQ
        ]
        var body = "    mov x0, #-1\n"
        for (_, r, _) in regs { body += "    msr \(r), x0\n" }
        for (_, r, _) in regs { body += "    mrs x1, \(r)\n    str x1, [x9], #8\n" }
        // A distinct value per register, then zero into one of each kind.
        for (i, (_, r, _)) in regs.enumerated() { body += "    mov x0, #\(i + 1) << 4\n    msr \(r), x0\n" }
        for (_, r, _) in regs { body += "    mrs x1, \(r)\n    str x1, [x9], #8\n" }
        body += "    mrs x1, mdscr_el1\n"  // MDSCR_EL1 exists (it was already storage)
        let m = try Self.machine(body)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(11) == 0, "no access was UNDEFINED")
        for (i, (name, _, mask)) in regs.enumerated() {
            #expect(m.ram.load(Self.out + UInt64(i * 8), size: 8) == mask, "\(name) after writing all ones")
            let v = UInt64(i + 1) << 4
            #expect(m.ram.load(Self.out + UInt64((regs.count + i) * 8), size: 8) == v & mask, "\(name) after writing \(v)")
        }
    }

    /// n beyond the implemented counts (6 breakpoints, 4 watchpoints) is UNDEFINED for MRS and
    /// MSR, and so are writes to the read-only MDRAR_EL1, DBGAUTHSTATUS_EL1 and MDCCSR_EL0.
    @Test func unimplementedIndicesAndReadOnlyWritesAreUndefined() throws {
        var body = "    mov x1, #0x77\n"
        var expected = 0
        for n in 6..<16 {
            for op2 in [4, 5] { body += "    mrs x1, \(Self.reg(0, n, op2))\n    msr \(Self.reg(0, n, op2)), x1\n"; expected += 2 }
        }
        for n in 4..<16 {
            for op2 in [6, 7] { body += "    mrs x1, \(Self.reg(0, n, op2))\n    msr \(Self.reg(0, n, op2)), x1\n"; expected += 2 }
        }
        for r in [Self.reg(1, 0, 0), Self.reg(7, 14, 6), Self.reg(0, 1, 0, op1: 3)] { body += "    msr \(r), x1\n"; expected += 1 }
        let m = try Self.machine(body)
        #expect(m.run() == .hypervisorCall(imm: 0), "every exception was EC 0x00 with IL 1 (else HVC #3)")
        #expect(m.cpu.x(11) == UInt64(expected))
        #expect(m.cpu.x(1) == 0x77, "an UNDEFINED MRS writes no register")
    }

    /// Claim tags: DBGCLAIMSET_EL1 writes set the tags written as one, DBGCLAIMCLR_EL1 writes
    /// clear them, zeros change nothing; DBGCLAIMCLR_EL1 reads the tags, DBGCLAIMSET_EL1 reads
    /// one for each implemented tag (RAO: 8 tags, 0xFF).
    @Test func claimTagsSetAndClear() throws {
        let set = Self.reg(7, 8, 6), clr = Self.reg(7, 9, 6)
        let m = try Self.machine("""
                mrs x1, \(clr)
                ldr x0, =0xFFFFFFFFFFFFFF05
                msr \(set), x0
                mrs x2, \(clr)
                mrs x3, \(set)
                mov x0, #0x30
                msr \(set), x0
                mrs x4, \(clr)
                mov x0, #0x11
                msr \(clr), x0
                mrs x5, \(clr)
                msr \(clr), xzr
                msr \(set), xzr
                mrs x6, \(clr)
                mov x0, #-1
                msr \(clr), x0
                mrs x7, \(clr)
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(11) == 0)
        #expect(m.cpu.x(1) == 0, "no tags after reset")
        #expect(m.cpu.x(2) == 0x05, "bits 63:8 of a SET write are RES0")
        #expect(m.cpu.x(3) == 0xFF, "DBGCLAIMSET_EL1 reads the implemented tags")
        #expect(m.cpu.x(4) == 0x35)
        #expect(m.cpu.x(5) == 0x24)
        #expect(m.cpu.x(6) == 0x24, "writing zeros changes nothing")
        #expect(m.cpu.x(7) == 0)
    }

    @Test func readOnlyStatusRegisters() throws {
        let m = try Self.machine("""
                mrs x1, \(Self.reg(7, 14, 6))           // DBGAUTHSTATUS_EL1
                mrs x2, \(Self.reg(0, 1, 0, op1: 3))    // MDCCSR_EL0
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(11) == 0)
        // NSID 1:0 = NSNID 3:2 = 0b11 (implemented, enabled); SID 5:4 = SNID 7:6 = 0b00 (no Secure state).
        #expect(m.cpu.x(1) == 0x0F)
        #expect(m.cpu.x(2) & 0x6000_0000 == 0, "TXfull/RXfull clear")
    }

    /// EL0 reads MDCCSR_EL0 unless MDSCR_EL1.TDCC (bit 12) traps it to EL1 (EC 0x18).
    @Test func mdccsrAtEL0FollowsTDCC() throws {
        let el0 = "mov x1, #0x55\n mrs x1, \(Self.reg(0, 1, 0, op1: 3))"
        let allowed = try TestMachine(SystemControlTests.program(setup: "", el0: el0))
        #expect(allowed.run() == .instructionLimit)
        #expect(allowed.cpu.x(1) == 0)
        let trapped = try TestMachine(SystemControlTests.program(
            setup: "mov x0, #(1 << 12)\n msr mdscr_el1, x0", el0: el0))
        #expect(trapped.run() == .hypervisorCall(imm: 2))
        #expect((trapped.cpu.readSystemRegister("ESR_EL1") ?? 0) >> 26 == 0x18)
        #expect(trapped.cpu.x(1) == 0x55)
        // A write is UNDEFINED (EC 0x00) whether or not TDCC is set: the register is read-only.
        for setup in ["", "mov x0, #(1 << 12)\n msr mdscr_el1, x0"] {
            let write = try TestMachine(SystemControlTests.program(setup: setup, el0: "msr \(Self.reg(0, 1, 0, op1: 3)), x1"))
            #expect(write.run() == .hypervisorCall(imm: 2))
            #expect((write.cpu.readSystemRegister("ESR_EL1") ?? 0) >> 26 == 0x00)
        }
    }
}
