import Stage2

/// The PL011 UART (ARM DDI 0183G), 0x0900_0000 on this machine, with the register set and
/// PrimeCell IDs Linux's AMBA bus and amba-pl011 driver read.
///
/// Transmission is instantaneous: a DR write hands its byte to `sink` at once, so the transmit
/// FIFO is always empty (FR.TXFE = 1, TXFF = BUSY = 0) and polling drivers never wait. Every
/// write passes the transmit FIFO's trigger level on the way back to empty, so it raises TXRIS
/// (what QEMU's PL011 does); ICR clears it. Received bytes (`receive`) queue in a 16-entry FIFO
/// (1 entry with LCR_H.FEN clear); RXRIS is raised while the FIFO holds at least one byte (QEMU
/// uses a trigger level of one whatever IFLS says) and RTRIS with it, so drivers that wait for
/// the receive timeout see it too. The interrupt output (INTID 33) is high while RIS & IMSC ≠ 0.
public final class PL011: MMIODevice {
    /// Register writes never reach RAM (decoded code stays valid across them).
    public var writesMemory: Bool { false }
    public let name = "UART0"
    let sink: (UInt8) -> Void
    /// The interrupt line to the GIC.
    public var interrupt: (Bool) -> Void = { _ in }
    /// Guest misuse (writes to read-only registers, unsupported sizes), reported not trapped.
    public var guestError: (String) -> Void = { _ in }

    /// Register offsets.
    enum Register {
        static let dr: UInt64 = 0x00, rsr: UInt64 = 0x04, fr: UInt64 = 0x18, ilpr: UInt64 = 0x20
        static let ibrd: UInt64 = 0x24, fbrd: UInt64 = 0x28, lcrH: UInt64 = 0x2C, cr: UInt64 = 0x30
        static let ifls: UInt64 = 0x34, imsc: UInt64 = 0x38, ris: UInt64 = 0x3C, mis: UInt64 = 0x40
        static let icr: UInt64 = 0x44, dmacr: UInt64 = 0x48, periphID0: UInt64 = 0xFE0
    }

    /// FR bits.
    enum Flag {
        static let busy: UInt32 = 1 << 3, rxfe: UInt32 = 1 << 4, txff: UInt32 = 1 << 5
        static let rxff: UInt32 = 1 << 6, txfe: UInt32 = 1 << 7
    }

    /// Interrupt bits of IMSC, RIS, MIS and ICR (10:0).
    enum Interrupt {
        static let rx: UInt32 = 1 << 4, tx: UInt32 = 1 << 5, rt: UInt32 = 1 << 6
        static let all: UInt32 = 0x7FF
    }

    /// UARTPeriphID0–3 and UARTPCellID0–3 at 0xFE0–0xFFC: part 0x011, designer ARM, revision 1.
    static let identification: [UInt32] = [0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1]
    static let fifoDepth = 16

    var rxFIFO: [UInt8] = []
    var rxHead = 0
    var integerBaud: UInt32 = 0
    var fractionalBaud: UInt32 = 0
    var lineControl: UInt32 = 0
    /// UARTCR reset: TXE and RXE set, UARTEN clear.
    var control: UInt32 = 0x300
    /// UARTIFLS reset: both trigger levels at half full.
    var fifoLevels: UInt32 = 0x12
    var interruptMask: UInt32 = 0
    var rawInterrupts: UInt32 = 0
    var dmaControl: UInt32 = 0
    var ilpr: UInt32 = 0
    var lineLevel = false

    public init(sink: @escaping (UInt8) -> Void) { self.sink = sink }

    var rxCount: Int { rxFIFO.count - rxHead }
    var rxCapacity: Int { lineControl & (1 << 4) != 0 ? PL011.fifoDepth : 1 }

    /// Whether the receive FIFO can take another byte.
    public var canReceive: Bool { rxCount < rxCapacity }

    /// A byte from the terminal; dropped when the FIFO is full (an overrun, which this model
    /// does not flag). - Returns: whether the byte was taken.
    @discardableResult
    public func receive(_ byte: UInt8) -> Bool {
        guard canReceive else { return false }
        if rxHead > 64 { rxFIFO.removeFirst(rxHead); rxHead = 0 }
        rxFIFO.append(byte)
        rawInterrupts |= Interrupt.rx | Interrupt.rt
        updateInterrupt()
        return true
    }

    /// UARTMIS: the raw interrupts the mask lets through.
    public var maskedInterrupts: UInt32 { rawInterrupts & interruptMask }

    func updateInterrupt() {
        let high = maskedInterrupts != 0
        if high != lineLevel {
            lineLevel = high
            interrupt(high)
        }
    }

    var flags: UInt32 {
        var f = Flag.txfe
        if rxCount == 0 { f |= Flag.rxfe }
        if rxCount >= rxCapacity { f |= Flag.rxff }
        return f
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        guard size <= 4 else {
            guestError("UART0: \(size)-byte read at +0x\(String(offset, radix: 16))")
            return 0
        }
        switch offset {
        case Register.dr:
            guard rxCount > 0 else { return 0 }
            let b = rxFIFO[rxHead]
            rxHead += 1
            if rxCount == 0 { rawInterrupts &= ~(Interrupt.rx | Interrupt.rt) }
            updateInterrupt()
            return UInt64(b)  // no framing, parity, break or overrun errors
        case Register.rsr: return 0
        case Register.fr: return UInt64(flags)
        case Register.ilpr: return UInt64(ilpr)
        case Register.ibrd: return UInt64(integerBaud)
        case Register.fbrd: return UInt64(fractionalBaud)
        case Register.lcrH: return UInt64(lineControl)
        case Register.cr: return UInt64(control)
        case Register.ifls: return UInt64(fifoLevels)
        case Register.imsc: return UInt64(interruptMask)
        case Register.ris: return UInt64(rawInterrupts)
        case Register.mis: return UInt64(maskedInterrupts)
        case Register.dmacr: return UInt64(dmaControl)
        case Register.periphID0..<0x1000 where offset & 3 == 0:
            return UInt64(PL011.identification[Int(offset - Register.periphID0) / 4])
        default: return 0
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) -> UInt64 {
        let v = UInt32(truncatingIfNeeded: value)
        switch offset {
        case Register.dr:
            sink(UInt8(truncatingIfNeeded: value))
            rawInterrupts |= Interrupt.tx
        case Register.rsr: break  // UARTECR: clears the (never set) error flags
        case Register.ilpr: ilpr = v & 0xFF
        case Register.ibrd: integerBaud = v & 0xFFFF
        case Register.fbrd: fractionalBaud = v & 0x3F
        case Register.lcrH:
            lineControl = v & 0xFF
            if lineControl & (1 << 4) == 0 && rxCount > 1 {  // FIFO disabled: one entry holds
                rxFIFO = [rxFIFO[rxHead]]
                rxHead = 0
            }
        case Register.cr: control = v & 0xFF87  // bits 6:3 are reserved
        case Register.ifls: fifoLevels = v & 0x3F
        case Register.imsc: interruptMask = v & Interrupt.all
        case Register.icr: rawInterrupts &= ~(v & Interrupt.all)
        case Register.dmacr: dmaControl = v & 7
        case Register.fr, Register.ris, Register.mis, Register.periphID0..<0x1000:
            guestError("UART0: write to read-only register +0x\(String(offset, radix: 16)) ignored")
            return 0
        default: return 0
        }
        updateInterrupt()
        return 0
    }
}
