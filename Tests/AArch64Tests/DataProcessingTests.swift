import Testing
@testable import AArch64

@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as (make setup)"))
struct DataProcessingTests {
    @Test func addsSetsCarryAndOverflowAtTheSignedBoundary() throws {
        let m = try TestMachine("""
            movz x1, #0x7fff, lsl #48
            movk x1, #0xffff, lsl #32
            movk x1, #0xffff, lsl #16
            movk x1, #0xffff
            adds x2, x1, #1
            mrs x3, nzcv
            mov w4, #-1
            adds w5, w4, #1
            mrs x6, nzcv
            hvc #0
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(2) == 0x8000_0000_0000_0000)
        #expect(m.cpu.x(3) == 0x9000_0000)  // N and V
        #expect(m.cpu.x(5) == 0)
        #expect(m.cpu.x(6) == 0x6000_0000)  // Z and C
    }

    @Test func divisionByZeroGivesZeroAndIntMinByMinusOneGivesIntMin() throws {
        let m = try TestMachine("""
            mov x1, #7
            udiv x2, x1, xzr
            mov x3, #1
            lsl x3, x3, #63
            mov x4, #-1
            sdiv x5, x3, x4
            mov w6, #0x80000000
            sdiv w7, w6, w4
            hvc #0
            """)
        m.run()
        #expect(m.cpu.x(2) == 0)
        #expect(m.cpu.x(5) == 0x8000_0000_0000_0000)
        #expect(m.cpu.x(7) == 0x8000_0000)
    }

    @Test func bitmaskImmediatesAndBitfieldsMatchTheArchitecture() throws {
        let m = try TestMachine("""
            mov x1, #0x5555555555555555
            and x2, x1, #0xff00ff00ff00ff00
            orr w3, wzr, #0x3c
            mov x4, #0xf0
            ubfx x5, x4, #4, #4
            mov x6, #0x80
            sbfx x7, x6, #7, #1
            mov x8, #0x1234
            bfi x8, x4, #16, #8
            extr x9, x4, x8, #8
            hvc #0
            """)
        m.run()
        #expect(m.cpu.x(2) == 0x5500_5500_5500_5500)
        #expect(m.cpu.x(3) == 0x3C)
        #expect(m.cpu.x(5) == 0xF)
        #expect(m.cpu.x(7) == ~0)
        #expect(m.cpu.x(8) == 0xF0_1234)
        #expect(m.cpu.x(9) == (UInt64(0xF0) << 56) | (UInt64(0xF0_1234) >> 8))
    }

    @Test func shiftsByRegisterUseTheAmountModuloTheWidth() throws {
        let m = try TestMachine("""
            mov x1, #1
            mov x2, #65
            lsl x3, x1, x2
            mov w4, #33
            lsl w5, w1, w4
            mov x6, #-8
            asr x7, x6, #2
            ror w8, w1, #1
            hvc #0
            """)
        m.run()
        #expect(m.cpu.x(3) == 2)
        #expect(m.cpu.x(5) == 2)
        #expect(m.cpu.x(7) == UInt64(bitPattern: -2))
        #expect(m.cpu.x(8) == 0x8000_0000)
    }

    @Test func multiplyLongHighAndBitCounting() throws {
        let m = try TestMachine("""
            mov x1, #-1
            umulh x2, x1, x1
            smulh x3, x1, x1
            mov w4, #-2
            smull x5, w4, w4
            umull x6, w4, w4
            mov x7, #1
            clz x8, x7
            cls x9, x1
            rbit w10, w7
            mov x11, #0x0102
            rev16 w12, w11
            mov w13, #0
            mov w14, #0x61
            crc32b w15, w13, w14
            hvc #0
            """)
        m.run()
        #expect(m.cpu.x(2) == 0xFFFF_FFFF_FFFF_FFFE)
        #expect(m.cpu.x(3) == 0)
        #expect(m.cpu.x(5) == 4)
        #expect(m.cpu.x(6) == 0xFFFF_FFFC_0000_0004)
        #expect(m.cpu.x(8) == 63)
        #expect(m.cpu.x(9) == 63)
        #expect(m.cpu.x(10) == 0x8000_0000)
        #expect(m.cpu.x(12) == 0x0201)
        // CRC32 of "a" from an initial 0 register value (no pre/post inversion in the instruction).
        #expect(m.cpu.x(15) == UInt64(CRC32.update(0, value: 0x61, bytes: 1, castagnoli: false)))
        #expect(m.cpu.x(15) != 0)
    }

    @Test func conditionalSelectAndCompare() throws {
        let m = try TestMachine("""
            mov x1, #5
            mov x2, #7
            cmp x1, x2
            csel x3, x1, x2, lt
            csinc x4, x1, x2, ge
            cneg x5, x1, lt
            ccmp x1, #5, #0, lt
            cset x6, eq
            hvc #0
            """)
        m.run()
        #expect(m.cpu.x(3) == 5)
        #expect(m.cpu.x(4) == 8)
        #expect(m.cpu.x(5) == UInt64(bitPattern: -5))
        #expect(m.cpu.x(6) == 1)
    }

    @Test func unallocatedEncodingTakesAnUndefinedExceptionToVBAR() throws {
        let m = try TestMachine("""
            adr x1, vectors
            msr vbar_el1, x1
            udf #0
            .balign 2048
            vectors:
            .skip 0x200
            hvc #1
            """)
        #expect(m.run() == .hypervisorCall(imm: 1))
        #expect(m.cpu.readSystemRegister("ESR_EL1") == 0x0200_0000)  // EC 0, IL 1
        #expect(m.cpu.readSystemRegister("ELR_EL1") == TestMachine.codeBase + 8)
        #expect(m.cpu.readSystemRegister("SPSR_EL1") == 0x3C5)
    }
}
