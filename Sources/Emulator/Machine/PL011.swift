import Stage2

/// The PL011 UART's transmit side (HARDWARE.md): DR writes go to `sink` unchanged; FR reads
/// TXFF = 0 and RXFE = 1 (bit 4), so polling drivers never wait. Other registers RAZ/WI.
public final class PL011: MMIODevice {
    public let name = "UART0"
    let sink: (UInt8) -> Void
    public init(sink: @escaping (UInt8) -> Void) { self.sink = sink }
    public func read(offset: UInt64, size: Int) -> UInt64 { offset == 0x18 ? 0x10 : 0 }
    public func write(offset: UInt64, size: Int, value: UInt64) -> UInt64 {
        if offset == 0 { sink(UInt8(truncatingIfNeeded: value)) }
        return 0
    }
}
