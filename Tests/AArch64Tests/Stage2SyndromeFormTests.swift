import Stage2
import Testing
@testable import AArch64

/// ESR_EL2 for a stage-2 data abort from every A64 load/store form the interpreter executes,
/// each expectation computed by hand from the ARM ARM's ISS encoding for a Data Abort
/// (ISV 24, SAS 23:22, SSE 21, SRT 20:16, SF 15, AR 14, WnR 6, DFSC 5:0), not from our code:
///
/// - ISV = 1 only for a single general-purpose register load/store without writeback, acquire/
///   release forms included, exclusives excluded; ISV = 0 for pairs, writeback, exclusives and
///   atomics.
/// - WnR of an atomic read-modify-write is 0 when a read of the address would have taken the
///   same fault, 1 otherwise.
/// - EC 0x24 (data abort from a lower EL) and IL = 1, so ESR_EL2 = 0x9200_0000 | ISS.
///
/// Stage-2 table (4 levels, 48-bit IPA): only the code page 0x4008_0000 and three test pages are
/// mapped. 0x0905_0020 lies under an invalid level-1 entry: translation fault, level 1, DFSC 5.
@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as (make setup)"))
struct Stage2SyndromeFormTests {
    static let readOnlyPage: UInt64 = 0x4008_1000
    static let writeOnlyPage: UInt64 = 0x4008_2000
    static let noAccessFlagPage: UInt64 = 0x4008_3000
    static let executeNeverPage: UInt64 = 0x4008_4000  // XN = 0b10 (bit 54)
    static let bit53Page: UInt64 = 0x4008_5000  // XN = 0b01: bit 53 only, RES0 without FEAT_XNX

    func machine(_ source: String) throws -> TestMachine {
        let m = try TestMachine(source)
        let root: UInt64 = 0x4200_0000, l1: UInt64 = 0x4200_1000, l2: UInt64 = 0x4200_2000, l3: UInt64 = 0x4200_3000
        _ = m.ram.store(root, size: 8, value: Stage2Descriptor.table(l1).rawValue)
        _ = m.ram.store(l1 + 1 * 8, size: 8, value: Stage2Descriptor.table(l2).rawValue)
        _ = m.ram.store(l2 + 0 * 8, size: 8, value: Stage2Descriptor.table(l3).rawValue)
        func page(_ ipa: UInt64, _ d: Stage2Descriptor) { _ = m.ram.store(l3 + ((ipa >> 12) & 511) * 8, size: 8, value: d.rawValue) }
        page(0x4008_0000, .leaf(address: 0x4008_0000, level: 3))
        page(Self.readOnlyPage, .leaf(address: Self.readOnlyPage, level: 3, s2ap: 1))
        page(Self.writeOnlyPage, .leaf(address: Self.writeOnlyPage, level: 3, s2ap: 2))
        page(Self.noAccessFlagPage, .leaf(address: Self.noAccessFlagPage, level: 3, af: false))
        page(Self.executeNeverPage, .leaf(address: Self.executeNeverPage, level: 3, xn: 2))
        page(Self.bit53Page, .leaf(address: Self.bit53Page, level: 3, xn: 1))
        m.cpu.el2.hcr = 1 | 1 << 19
        m.cpu.el2.vtcr = 0x8000_0000 | (2 << 6) | 16 | (5 << 16)  // T0SZ 16, SL0 = level 0, 48-bit PS
        m.cpu.el2.vttbr = root
        return m
    }

    /// (instruction, ISS, FAR): x1 = 0x0905_0020 (unmapped), x6 = 0, SP = x1.
    static let forms: [(String, UInt64, UInt64)] = [
        // Single registers, unsigned offset: SAS = log2(size), SF = 64-bit register.
        ("ldrb w2, [x1]", 0x0102_0005, 0x0905_0020),
        ("ldrh w2, [x1]", 0x0142_0005, 0x0905_0020),
        ("ldr w2, [x1]", 0x0182_0005, 0x0905_0020),
        ("ldr x2, [x1]", 0x01C2_8005, 0x0905_0020),
        // Sign-extending loads: SSE, and SF for an X destination.
        ("ldrsb w2, [x1]", 0x0122_0005, 0x0905_0020),
        ("ldrsb x2, [x1]", 0x0122_8005, 0x0905_0020),
        ("ldrsh w2, [x1]", 0x0162_0005, 0x0905_0020),
        ("ldrsh x2, [x1]", 0x0162_8005, 0x0905_0020),
        ("ldrsw x2, [x1]", 0x01A2_8005, 0x0905_0020),
        // Stores: WnR.
        ("strb w3, [x1]", 0x0103_0045, 0x0905_0020),
        ("strh w3, [x1]", 0x0143_0045, 0x0905_0020),
        ("str w3, [x1]", 0x0183_0045, 0x0905_0020),
        ("str x3, [x1]", 0x01C3_8045, 0x0905_0020),
        ("str xzr, [x1]", 0x01DF_8045, 0x0905_0020),  // SRT = 31
        ("ldr xzr, [x1]", 0x01DF_8005, 0x0905_0020),
        // Unscaled, register offset, unprivileged: still a single register, no writeback.
        ("ldur x4, [x1, #-8]", 0x01C4_8005, 0x0905_0018),
        ("stur w4, [x1, #8]", 0x0184_0045, 0x0905_0028),
        ("ldr w5, [x1, x6]", 0x0185_0005, 0x0905_0020),
        ("ldtr x7, [x1]", 0x01C7_8005, 0x0905_0020),
        ("sttrb w7, [x1]", 0x0107_0045, 0x0905_0020),
        // Acquire/release: AR.
        ("ldar w9, [x1]", 0x0189_4005, 0x0905_0020),
        ("ldarb w9, [x1]", 0x0109_4005, 0x0905_0020),
        ("ldarh w9, [x1]", 0x0149_4005, 0x0905_0020),
        ("ldar x9, [x1]", 0x01C9_C005, 0x0905_0020),
        ("stlr x10, [x1]", 0x01CA_C045, 0x0905_0020),
        ("stlrh w10, [x1]", 0x014A_4045, 0x0905_0020),
        // SP as the base register: the syndrome names Rt, never the base.
        ("ldr x11, [sp]", 0x01CB_8005, 0x0905_0020),
        ("str w12, [sp, #8]", 0x018C_0045, 0x0905_0028),
        ("ldrsh x13, [sp, #-2]!", 0x0000_0005, 0x0905_001E),  // writeback: ISV = 0
        // Pairs: ISV = 0.
        ("ldp x2, x3, [x1]", 0x0000_0005, 0x0905_0020),
        ("ldp w2, w3, [x1]", 0x0000_0005, 0x0905_0020),
        ("ldpsw x2, x3, [x1]", 0x0000_0005, 0x0905_0020),
        ("ldnp x2, x3, [x1]", 0x0000_0005, 0x0905_0020),
        ("stp x2, x3, [x1]", 0x0000_0045, 0x0905_0020),
        ("stp w2, w3, [sp, #-16]!", 0x0000_0045, 0x0905_0010),
        // Writeback: ISV = 0; FAR = the accessed address (pre-index adds first, post-index after).
        ("ldr x2, [x1, #8]!", 0x0000_0005, 0x0905_0028),
        ("ldr x2, [x1], #8", 0x0000_0005, 0x0905_0020),
        ("str w2, [x1, #-4]!", 0x0000_0045, 0x0905_001C),
        ("strb w2, [x1], #1", 0x0000_0045, 0x0905_0020),
        // Exclusives: ISV = 0.
        ("ldxr x2, [x1]", 0x0000_0005, 0x0905_0020),
        ("ldaxr w2, [x1]", 0x0000_0005, 0x0905_0020),
        ("ldxp x2, x3, [x1]", 0x0000_0005, 0x0905_0020),
        ("stxr w4, x2, [x1]", 0x0000_0045, 0x0905_0020),
        ("stlxr w4, w2, [x1]", 0x0000_0045, 0x0905_0020),
        // Atomics: ISV = 0; a read of an unmapped page faults too, so WnR = 0.
        ("ldadd x2, x3, [x1]", 0x0000_0005, 0x0905_0020),
        ("ldaddal w2, w3, [x1]", 0x0000_0005, 0x0905_0020),
        ("stadd x2, [x1]", 0x0000_0005, 0x0905_0020),
        ("swp x2, x3, [x1]", 0x0000_0005, 0x0905_0020),
        ("cas x2, x3, [x1]", 0x0000_0005, 0x0905_0020),
        ("casp x2, x3, x4, x5, [x1]", 0x0000_0005, 0x0905_0020),
    ]

    @Test(arguments: 0..<Self.forms.count)
    func everyLoadStoreFormHasTheArchitecturalSyndrome(_ i: Int) throws {
        let (insn, iss, far) = Self.forms[i]
        let m = try machine("""
            ldr x1, =0x09050020
            mov x6, #0
            mov sp, x1
            \(insn)
            .ltorg
            """)
        #expect(m.run() == .stage2Abort, "\(insn)")
        #expect(m.cpu.el2.esr == 0x9200_0000 | iss, "\(insn): ESR_EL2 0x\(String(m.cpu.el2.esr, radix: 16))")
        #expect(m.cpu.el2.far == far, "\(insn): FAR_EL2")
        #expect(m.cpu.el2.hpfar == (far >> 12) << 4, "\(insn): HPFAR_EL2.FIPA = IPA[47:12]")
        #expect(m.cpu.el2.elr == TestMachine.codeBase + 12, "\(insn): ELR_EL2 at the faulting instruction")
        #expect(m.cpu.x(1) == 0x0905_0020 && m.cpu.sp == 0x0905_0020, "\(insn): no writeback on abort")
    }

    /// Permission and access-flag faults at level 3 (DFSC 0b0011_11 = 0xF, 0b0010_11 = 0xB), and
    /// the atomic WnR rule: a read-only page lets the read through, so the fault is the write's
    /// (WnR = 1); a write-only page or a clear AF would fault a read too (WnR = 0).
    @Test func atomicsNeedReadAndWriteAndReportWnRByWhatARead() throws {
        let cases: [(String, UInt64, UInt64)] = [
            ("ldadd x2, x3, [x9]", Self.readOnlyPage, 0x0000_004F),
            ("cas x2, x3, [x9]", Self.readOnlyPage, 0x0000_004F),
            ("str x2, [x9]", Self.readOnlyPage, 0x01C2_804F),
            ("ldadd x2, x3, [x9]", Self.writeOnlyPage, 0x0000_000F),  // a write-only page is no atomic's
            ("swp w2, w3, [x9]", Self.writeOnlyPage, 0x0000_000F),
            ("ldr w2, [x9]", Self.writeOnlyPage, 0x0182_000F),
            ("ldadd x2, x3, [x9]", Self.noAccessFlagPage, 0x0000_000B),
            ("stlr w2, [x9]", Self.noAccessFlagPage, 0x0182_404B),
        ]
        for (insn, page, iss) in cases {
            let m = try machine("""
                ldr x9, =\(page)
                \(insn)
                .ltorg
                """)
            #expect(m.run() == .stage2Abort, "\(insn) on 0x\(String(page, radix: 16))")
            #expect(m.cpu.el2.esr == 0x9200_0000 | iss, "\(insn) on 0x\(String(page, radix: 16)): ESR_EL2 0x\(String(m.cpu.el2.esr, radix: 16))")
            #expect(m.cpu.el2.far == page)
        }
    }

    /// LDR (literal) and LDRSW (literal) are single-register loads: ISV = 1. The literal sits in
    /// the write-only page, so the read takes a permission fault at level 3 (DFSC 0xF).
    @Test func literalLoadsHaveAFullSyndrome() throws {
        for (insn, iss) in [("ldr w2, lit", 0x0182_000F), ("ldr x3, lit", 0x01C3_800F), ("ldrsw x4, lit", 0x01A4_800F)] as [(String, UInt64)] {
            let m = try machine("""
                \(insn)
                .org 0x2000
                lit: .word 0
                """)
            #expect(m.run() == .stage2Abort, "\(insn)")
            #expect(m.cpu.el2.esr == 0x9200_0000 | iss, "\(insn): ESR_EL2 0x\(String(m.cpu.el2.esr, radix: 16))")
            #expect(m.cpu.el2.far == Self.writeOnlyPage)
            #expect(m.cpu.el2.elr == TestMachine.codeBase)
        }
    }

    /// Instruction fetch from an unmapped page: EC 0x20, IL = 1, IFSC = translation fault at
    /// level 2 (the level-2 entry for 0x4020_0000 is invalid), FAR = HPFAR = the target,
    /// ELR = the target (the fetch is the faulting instruction). From an XN page: permission
    /// fault, level 3. Bit 53 alone does not forbid execution (no FEAT_XNX).
    @Test func instructionFetchesTakeTheInstructionAbortForm() throws {
        let m = try machine("""
            ldr x1, =0x40200000
            br x1
            .ltorg
            """)
        #expect(m.run() == .stage2Abort)
        #expect(m.cpu.el2.esr == 0x8200_0006)
        #expect(m.cpu.el2.far == 0x4020_0000)
        #expect(m.cpu.el2.hpfar == 0x40_2000)
        #expect(m.cpu.el2.elr == 0x4020_0000)

        let xn = try machine("""
            ldr x1, =\(Self.executeNeverPage)
            br x1
            .ltorg
            """)
        #expect(xn.run() == .stage2Abort)
        #expect(xn.cpu.el2.esr == 0x8200_000F)
        #expect(xn.cpu.el2.elr == Self.executeNeverPage)

        let bit53 = try machine("""
            ldr x1, =\(Self.bit53Page)
            br x1
            .ltorg
            """)
        _ = bit53.ram.store(Self.bit53Page, size: 4, value: 0xD400_0C42)  // hvc #0x62
        #expect(bit53.run() == .hypervisorCall(imm: 0x62))
    }

    /// With stage 1 off, a VA at or above 2^48 (PARange) is a stage-1 address-size fault at
    /// level 0 taken to EL1 (EC 0x25, DFSC 0, FAR_EL1 = VA); it never reaches EL2.
    @Test func aVABeyondPARangeFaultsAtStageOneInEL1() throws {
        let m = try machine("""
            adr x0, vectors
            msr vbar_el1, x0
            ldr x1, =0x1000000000000
            str x2, [x1]
            .ltorg
            .balign 2048
            vectors:
            .skip 0x200
            hvc #7
            """)
        #expect(m.run() == .hypervisorCall(imm: 7))
        #expect(m.cpu.sysregs[SysReg.esrEL1] == 0x9600_0040)  // EC 0x25, IL, WnR, DFSC 0b000000
        #expect(m.cpu.sysregs[SysReg.farEL1] == 1 << 48)
        #expect(m.cpu.stats.exceptionsToEL2[0x24, default: 0] == 0)
    }

    /// SMC with HCR_EL2.TSC: EC 0x17 with the immediate, ELR_EL2 = the SMC itself (its preferred
    /// return address); the machine's dispatcher then skips it. Without TSC there is no EL3 to
    /// take it: UNDEFINED at EL1 (EC 0).
    @Test func smcIsTrappedByTSCAndUndefinedWithout() throws {
        let m = try machine("smc #0x42")
        #expect(m.run() == .secureMonitorCall(imm: 0x42))
        #expect(m.cpu.el2.esr == 0x5E00_0042)
        #expect(m.cpu.el2.elr == TestMachine.codeBase)

        let u = try machine("""
            adr x0, vectors
            msr vbar_el1, x0
            smc #0x42
            .balign 2048
            vectors:
            .skip 0x200
            hvc #9
            """)
        u.cpu.el2.hcr = 1
        #expect(u.run() == .hypervisorCall(imm: 9))
        #expect(u.cpu.sysregs[SysReg.esrEL1] == 0x0200_0000)  // EC 0 (unknown), IL
    }

    /// The per-CPU stage-2 TLB keeps a translation after the table changes until EL2 invalidates
    /// it (`invalidateStage2TLB(ipa:)`, what the machine does for every IPA KCore's handlers
    /// changed, on every CPU; VTTBR/VTCR/HCR writes invalidate everything).
    @Test func stageTwoTLBKeepsEntriesUntilInvalidated() throws {
        let m = try machine("""
            ldr x9, =\(Self.readOnlyPage)
            ldr x2, [x9]
            hvc #1
            ldr x3, [x9]
            hvc #2
            ldr x4, [x9]
            hvc #3
            .ltorg
            """)
        _ = m.ram.store(Self.readOnlyPage, size: 8, value: 0x1234)
        #expect(m.run() == .hypervisorCall(imm: 1))
        // Unmap the page in RAM, without telling the CPU: the cached entry still translates.
        _ = m.ram.store(0x4200_3000 + 0x81 * 8, size: 8, value: 0)
        m.cpu.returnFromEL2()
        #expect(m.run() == .hypervisorCall(imm: 2))
        #expect(m.cpu.x(3) == 0x1234)
        m.cpu.invalidateStage2TLB(ipa: Self.readOnlyPage)
        m.cpu.returnFromEL2()
        #expect(m.run() == .stage2Abort)
        #expect(m.cpu.el2.esr == 0x9200_0000 | 0x01C4_8007)  // translation fault, level 3
    }
}
