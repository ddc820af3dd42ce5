import Testing
@testable import Devices

/// PL011 registers, flags and interrupt status (ARM DDI 0183G 3.3), with the interrupt line.
@Suite struct PL011Tests {
    final class Rig {
        var sent: [UInt8] = []
        var line = false
        var errors = 0
        lazy var uart: PL011 = {
            let u = PL011 { [unowned self] in sent.append($0) }
            u.interrupt = { [unowned self] in line = $0 }
            u.guestError = { [unowned self] _ in errors += 1 }
            return u
        }()
        func r(_ o: UInt64) -> UInt64 { uart.read(offset: o, size: 4) }
        func w(_ o: UInt64, _ v: UInt64) { _ = uart.write(offset: o, size: 4, value: v) }
    }

    @Test func primeCellIdentificationAndResetValues() {
        let u = Rig()
        #expect((0..<8).map { u.r(0xFE0 + 4 * UInt64($0)) } == [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1])
        #expect(u.r(0x18) == 0x90)  // TXFE | RXFE
        #expect(u.r(0x30) == 0x300)  // TXE | RXE
        #expect(u.r(0x34) == 0x12)
        #expect(u.r(0x3C) == 0 && u.r(0x38) == 0)
    }

    @Test func writesTransmitAndRaiseTXStatusThatICRClears() {
        let u = Rig()
        u.w(0, 0x141)
        #expect(u.sent == [0x41])
        #expect(u.r(0x3C) == 0x20 && u.r(0x40) == 0)
        #expect(!u.line)
        u.w(0x38, 0x20)
        #expect(u.r(0x40) == 0x20 && u.line)
        u.w(0x44, 0x20)
        #expect(u.r(0x3C) == 0 && !u.line)
    }

    @Test func receiveFIFOFlagsAndRXInterrupt() {
        let u = Rig()
        u.w(0x38, 0x50)  // RX | RT
        #expect(u.uart.receive(0x61))
        #expect(!u.uart.receive(0x62))  // FIFO disabled: one entry
        #expect(u.r(0x18) & 0x50 == 0x40)  // RXFF, not RXFE
        #expect(u.r(0x3C) == 0x50 && u.line)
        #expect(u.r(0) == 0x61)
        #expect(u.r(0x18) & 0x50 == 0x10)
        #expect(u.r(0x3C) == 0 && !u.line)
        #expect(u.r(0) == 0)  // empty
        u.w(0x2C, 0x70)  // FEN, 8 bits
        for i in 0..<16 { #expect(u.uart.receive(UInt8(i))) }
        #expect(!u.uart.receive(99))
        #expect(u.r(0x18) & 0x40 != 0)
        #expect((0..<16).map { _ in u.r(0) } == (0..<16).map { UInt64($0) })
    }

    @Test func registerWidthsAndReadOnlyRegisters() {
        let u = Rig()
        u.w(0x24, 0x1_FFFF); u.w(0x28, 0xFF); u.w(0x2C, 0x1FF); u.w(0x48, 0xFF)
        #expect(u.r(0x24) == 0xFFFF && u.r(0x28) == 0x3F && u.r(0x2C) == 0xFF && u.r(0x48) == 7)
        u.w(0x18, 0); u.w(0x3C, 0xFF); u.w(0xFE0, 0)
        #expect(u.errors == 3)
        #expect(u.r(0x18) == 0x90 && u.r(0xFE0) == 0x11)
        #expect(u.uart.read(offset: .max, size: 8) == 0)
    }
}
