import Stage2
import Testing
@testable import AArch64

/// ESR_EL2/FAR_EL2/HPFAR_EL2 for stage-2 data aborts, hand-computed from the ARM ARM's ISS
/// encoding for data aborts (ISV 24, SAS 23:22, SSE 21, SRT 20:16, SF 15, AR 14, WnR 6, DFSC 5:0).
@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as (make setup)"))
struct Stage2AbortTests {
    /// Stage 2 on with an empty level-0 table: every access is a level-0 translation fault,
    /// except the code page, which a caller maps.
    func machine(_ source: String) throws -> TestMachine {
        let m = try TestMachine(source)
        let root: UInt64 = 0x4200_0000, l1: UInt64 = 0x4200_1000, l2: UInt64 = 0x4200_2000, l3: UInt64 = 0x4200_3000
        // Map the code page 0x4008_0000 only.
        _ = m.ram.store(root, size: 8, value: Stage2Descriptor.table(l1).rawValue)
        _ = m.ram.store(l1 + 1 * 8, size: 8, value: Stage2Descriptor.table(l2).rawValue)
        _ = m.ram.store(l2 + 0 * 8, size: 8, value: Stage2Descriptor.table(l3).rawValue)
        _ = m.ram.store(l3 + 0x80 * 8, size: 8, value: Stage2Descriptor.leaf(address: 0x4008_0000, level: 3).rawValue)
        m.cpu.el2.hcr = 1
        m.cpu.el2.vtcr = 0x8000_0000 | (2 << 6) | 16 | (5 << 16)  // T0SZ 16, SL0 = level 0, 48-bit PS
        m.cpu.el2.vttbr = root
        return m
    }

    @Test func signExtendingHalfwordLoadHasAFullSyndrome() throws {
        let m = try machine("""
            ldr x1, =0x09050020
            ldrsh w7, [x1]
            .ltorg
            """)
        #expect(m.run() == .stage2Abort)
        let esr = m.cpu.el2.esr
        #expect(esr >> 26 == 0x24)
        #expect(esr & (1 << 25) != 0)
        // ISV | SAS=1 | SSE | SRT=7 | SF=0 | WnR=0 | DFSC = translation fault level 1
        #expect(esr & 0x1FF_FFFF == (1 << 24) | (1 << 22) | (1 << 21) | (7 << 16) | 0b000101)
        #expect(m.cpu.el2.far == 0x0905_0020)
        #expect(m.cpu.el2.hpfar == (0x0905_0020 >> 12) << 4)
        #expect(m.cpu.el2.elr == TestMachine.codeBase + 4)
        #expect(m.cpu.x(7) == 0, "the faulting load must not have executed")
    }

    @Test func sixtyFourBitStoreSetsSFAndWnR() throws {
        let m = try machine("""
            ldr x1, =0x09050020
            str x3, [x1]
            .ltorg
            """)
        #expect(m.run() == .stage2Abort)
        #expect(m.cpu.el2.esr & 0x1FF_FFFF == (1 << 24) | (3 << 22) | (3 << 16) | (1 << 15) | (1 << 6) | 0b000101)
    }

    @Test func storeReleaseSetsAR() throws {
        let m = try machine("""
            ldr x1, =0x09050020
            stlr w2, [x1]
            .ltorg
            """)
        #expect(m.run() == .stage2Abort)
        #expect(m.cpu.el2.esr & 0x1FF_FFFF == (1 << 24) | (2 << 22) | (2 << 16) | (1 << 14) | (1 << 6) | 0b000101)
    }

    @Test func pairsWritebackAndAtomicsHaveNoValidSyndrome() throws {
        for insn in ["stp x2, x3, [x1]", "ldr x2, [x1], #8", "ldadd x2, x3, [x1]", "ldxr x2, [x1]"] {
            let m = try machine("""
                ldr x1, =0x09050020
                \(insn)
                .ltorg
                """)
            #expect(m.run() == .stage2Abort)
            #expect(m.cpu.el2.esr & (1 << 24) == 0, "\(insn) must report ISV = 0")
            #expect(m.cpu.x(1) == 0x0905_0020, "\(insn): no writeback on abort")
        }
    }

    /// Regression: an address beyond the 48-bit PA size with stage 1 off is a stage-1 Address
    /// size fault at level 0 taken to EL1. It went to EL2 as a stage-2 fault whose IPA HPFAR
    /// cannot hold, EL2 mapped another page, and the access faulted forever.
    @Test func anAddressBeyondThePASizeFaultsAtEL1NotEL2() throws {
        for (insn, wnr) in [("ldr x2, [x1]", UInt64(0)), ("str x2, [x1]", 1 << 6)] {
            let m = try machine("""
                ldr x1, =0xFFFFFFFFFFFFFFF8
                \(insn)
                .ltorg
                """)
            // The EL1 vector (VBAR_EL1 = 0) is not mapped at stage 2: the run stops fetching it.
            #expect(m.run() == .stage2Abort)
            #expect(m.cpu.el2.esr >> 26 == 0x20 && m.cpu.el2.far == 0x200, "\(insn): the next exit is the vector fetch")
            #expect(m.cpu.sysregs[SysReg.esrEL1] == (0x25 << 26) | (1 << 25) | wnr, "\(insn): DFSC 0, address size level 0")
            #expect(m.cpu.sysregs[SysReg.farEL1] == 0xFFFF_FFFF_FFFF_FFF8)
            #expect(m.cpu.sysregs[SysReg.elrEL1] == TestMachine.codeBase + 4)
        }
    }

    @Test func hvcReportsItsImmediateAndReturnsToTheNextInstruction() throws {
        let m = try TestMachine("hvc #0x1234")
        #expect(m.run() == .hypervisorCall(imm: 0x1234))
        #expect(m.cpu.el2.esr == (0x16 << 26) | (1 << 25) | 0x1234)
        #expect(m.cpu.el2.elr == TestMachine.codeBase + 4)
    }
}
