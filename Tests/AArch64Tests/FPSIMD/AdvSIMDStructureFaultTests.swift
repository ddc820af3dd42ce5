import Testing
@testable import AArch64

/// Structure loads and stores that fault part-way: a load writes none of its registers and no
/// base register; a store leaves the elements before the faulting one written. The ARM ARM
/// leaves the destination registers of a faulting load UNKNOWN and allows the partial store;
/// these pin this model's choice (deterministic and the least surprising).
@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as"))
struct AdvSIMDStructureFaultTests {
    func esr(_ m: TestMachine) -> UInt64 { m.cpu.readSystemRegister("ESR_EL1") ?? 0 }

    /// LD1 of four registers from 32 bytes below the end of RAM (64 MiB at 0x4000_0000): the
    /// third register's first byte is an external abort.
    @Test func loadFaultingMidwayWritesNoRegister() throws {
        let m = try TestMachine(SystemControlTestsProgram.program(setup: """
                mov x0, #(3 << 20)
                msr cpacr_el1, x0
                movi v0.16b, #0x11
                movi v1.16b, #0x22
                movi v2.16b, #0x33
                movi v3.16b, #0x44
                ldr x1, =0x43FFFFE0
            """, el1: "ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [x1], #64"))
        #expect(m.run() == .hypervisorCall(imm: 1))
        #expect(esr(m) >> 26 == 0x25 && esr(m) & 0x3F == 0x10, "data abort, synchronous external abort")
        #expect(m.cpu.readSystemRegister("FAR_EL1") == 0x4400_0000)
        #expect(m.cpu.x(1) == 0x43FF_FFE0, "no writeback")
        for (i, byte) in [0x11, 0x22, 0x33, 0x44].enumerated() {
            let pattern = UInt64(byte) * 0x0101_0101_0101_0101
            #expect(m.cpu.simd.q(i) == (pattern, pattern), "v\(i) unchanged")
        }
    }

    @Test func storeFaultingMidwayLeavesEarlierElementsWritten() throws {
        let m = try TestMachine(SystemControlTestsProgram.program(setup: """
                mov x0, #(3 << 20)
                msr cpacr_el1, x0
                movi v0.16b, #0x11
                movi v1.16b, #0x22
                movi v2.16b, #0x33
                movi v3.16b, #0x44
                ldr x1, =0x43FFFFE0
            """, el1: "st1 {v0.16b, v1.16b, v2.16b, v3.16b}, [x1], #64"))
        #expect(m.run() == .hypervisorCall(imm: 1))
        #expect(esr(m) >> 26 == 0x25 && esr(m) & 0x3F == 0x10)
        #expect(m.cpu.x(1) == 0x43FF_FFE0)
        var written: [UInt8] = []
        for offset in 0..<32 { written.append(UInt8(m.ram.load(0x43FF_FFE0 + UInt64(offset), size: 1) ?? 0)) }
        #expect(written == [UInt8](repeating: 0x11, count: 16) + [UInt8](repeating: 0x22, count: 16))
    }

    /// With the MMU off (Device memory) each element must be aligned to its size: LD2 of
    /// halfwords at an odd address faults on its first element and loads nothing.
    @Test func unalignedElementIsAnAlignmentFault() throws {
        let m = try TestMachine(SystemControlTestsProgram.program(setup: """
                mov x0, #(3 << 20)
                msr cpacr_el1, x0
                movi v4.8h, #0x55
                movi v5.8h, #0x66
                ldr x1, =0x40100001
            """, el1: "ld2 {v4.8h, v5.8h}, [x1], #32"))
        #expect(m.run() == .hypervisorCall(imm: 1))
        #expect(esr(m) >> 26 == 0x25 && esr(m) & 0x3F == 0x21, "alignment fault")
        #expect(m.cpu.readSystemRegister("FAR_EL1") == 0x4010_0001)
        #expect(m.cpu.x(1) == 0x4010_0001)
        #expect(m.cpu.simd.q(4) == (0x0055_0055_0055_0055, 0x0055_0055_0055_0055))
    }

    /// LD1R and LD1 (single structure) of a lane, then ST4 of one lane, as the ARM ARM defines
    /// them (replication to every lane, other lanes kept, Q = 0 clearing the top half).
    @Test func singleStructureForms() throws {
        let m = try TestMachine("""
                mov x0, #(3 << 20)
                msr cpacr_el1, x0
                ldr x1, =0x40100000
                ldr x2, =0x1122334455667788
                str x2, [x1]
                movi v0.16b, #0xFF
                ld1r {v0.8b}, [x1]
                movi v1.16b, #0xEE
                ld1 {v1.s}[3], [x1]
                mov x3, x1
                ld4r {v4.4h, v5.4h, v6.4h, v7.4h}, [x3], #8
                add x4, x1, #64
                st4 {v4.h, v5.h, v6.h, v7.h}[1], [x4]
                ldr x5, [x1, #64]
                hvc #0
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.simd.q(0) == (0x8888_8888_8888_8888, 0), "LD1R of a byte, 8B: top half cleared")
        #expect(m.cpu.simd.q(1) == (0xEEEE_EEEE_EEEE_EEEE, 0x5566_7788_EEEE_EEEE), "LD1 to lane S[3] keeps the rest")
        #expect(m.cpu.simd.q(4).lo == 0x7788_7788_7788_7788 && m.cpu.simd.q(7).lo == 0x1122_1122_1122_1122)
        #expect(m.cpu.x(3) == 0x4010_0008, "post-index by the 8 bytes read")
        #expect(m.cpu.x(5) == 0x1122_3344_5566_7788, "ST4 of lane 1 writes the four halfwords back in order")
    }
}
