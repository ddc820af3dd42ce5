import Stage2
import Testing
@testable import AArch64

@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as (make setup)"))
struct LoadStoreTests {
    @Test func loadsSignAndZeroExtendAndWritebackUpdatesTheBase() throws {
        let m = try TestMachine("""
            ldr x1, =0x40100000
            mov x2, #0xff80
            strh w2, [x1]
            ldrsh x3, [x1]
            ldrsh w4, [x1]
            ldrh w5, [x1]
            ldrsb x6, [x1], #8
            stp x3, x5, [x1, #16]!
            ldp x7, x8, [x1]
            ldr x9, =0xfffffff0
            str w9, [x1, #32]
            ldrsw x10, [x1, #32]
            hvc #0
            .ltorg
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(3) == 0xFFFF_FFFF_FFFF_FF80)
        #expect(m.cpu.x(4) == 0xFFFF_FF80)
        #expect(m.cpu.x(5) == 0xFF80)
        #expect(m.cpu.x(6) == 0xFFFF_FFFF_FFFF_FF80)
        #expect(m.cpu.x(1) == 0x4010_0018)
        #expect(m.cpu.x(7) == 0xFFFF_FFFF_FFFF_FF80)
        #expect(m.cpu.x(8) == 0xFF80)
        #expect(m.cpu.x(10) == 0xFFFF_FFFF_FFFF_FFF0)
    }

    @Test func lseAtomicsReturnTheOldValue() throws {
        let m = try TestMachine("""
            ldr x1, =0x40100000
            mov x2, #10
            str x2, [x1]
            mov x3, #5
            ldadd x3, x4, [x1]
            mov x5, #3
            swp x5, x6, [x1]
            mov x7, #3
            mov x8, #99
            cas x7, x8, [x1]
            ldr x9, [x1]
            mov w10, #-1
            ldsmax w10, w11, [x1]
            hvc #0
            .ltorg
            """)
        m.run()
        #expect(m.cpu.x(4) == 10)
        #expect(m.cpu.x(6) == 15)
        #expect(m.cpu.x(7) == 3)
        #expect(m.cpu.x(9) == 99)
        #expect(m.cpu.x(11) == 99)
    }

    /// LD{S,U}{MAX,MIN} below 64 bits: operands truncated to the access size, compared with the
    /// named signedness (ARM ARM). QEMU 7.2 gives these results; Unicorn 2.0.1 does not.
    @Test func minMaxBelowSixtyFourBitsFollowTheArchitecture() throws {
        let m = try TestMachine("""
            ldr x28, =0x40100800
            mov w1, #0xc804
            strh w1, [x28]
            ldr x19, =0xabd74b769ab273e6
            ldumaxlh w19, w10, [x28]
            ldrh w2, [x28]
            mov w3, #0x8000
            strh w3, [x28, #2]
            mov w4, #0x7fff
            add x27, x28, #2
            ldsmaxh w4, w5, [x27]
            ldrh w6, [x28, #2]
            ldr w7, =0x4edc7f61
            str w7, [x28, #8]
            add x26, x28, #8
            ldr x11, =0xbd555b9b636d2438
            ldsminal w11, w10, [x26]
            ldr w8, [x28, #8]
            hvc #0
            .ltorg
            """)
        m.run()
        #expect(m.cpu.x(2) == 0xC804)
        #expect(m.cpu.x(8) == 0x4EDC_7F61)
        #expect(m.cpu.x(10) == 0x4EDC_7F61)
        #expect(m.cpu.x(5) == 0x8000)
        #expect(m.cpu.x(6) == 0x7FFF)
    }

    @Test func anotherCPUsStoreClearsTheExclusiveMonitor() throws {
        let m = try TestMachine("""
            ldr x1, =0x40100000
            ldxr x2, [x1]
            hvc #0
            add x2, x2, #1
            stxr w3, x2, [x1]
            hvc #0
            .ltorg
            """, cpus: 2)
        m.run()
        // CPU 1 stores to the same granule between the LDXR and the STXR.
        _ = m.ram.store(0x4010_0000, size: 8, value: 0)
        let other = m.cpus[1]
        let code: [UInt32] = [0xF900_0022 /* str x2, [x1] */, 0xD400_0002 /* hvc #0 */]
        for (i, w) in code.enumerated() { _ = m.ram.store(0x4009_0000 + UInt64(i * 4), size: 4, value: UInt64(w)) }
        other.powerOn(entry: 0x4009_0000, context: 0)
        other.setX(1, 0x4010_0008)
        other.setX(2, 42)
        _ = other.run(cycleLimit: .max, instructionLimit: 10)
        #expect(m.cpu.run(cycleLimit: .max, instructionLimit: 10) == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(3) == 1, "STXR must fail after another CPU wrote the granule")
    }
}

@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as (make setup)"))
struct AlignmentTests {
    @Test func unalignedAccessWithStageOneOffIsAnAlignmentFault() throws {
        let m = try TestMachine("""
            adr x1, vectors
            msr vbar_el1, x1
            ldr x1, =0x40100001
            ldr x2, [x1]
            .ltorg
            .balign 2048
            vectors:
            .skip 0x200
            hvc #7
            """)
        #expect(m.run() == .hypervisorCall(imm: 7))
        #expect(m.cpu.readSystemRegister("ESR_EL1") == (0x25 << 26) | (1 << 25) | 0x21)
        #expect(m.cpu.readSystemRegister("FAR_EL1") == 0x4010_0001)
    }
}
