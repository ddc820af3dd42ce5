import Stage2

/// The flash at address 0 (HARDWARE.md): read-only, reads as erased flash (0xFF bytes) except
/// where `--flash FILE` gives contents; writes are ignored, so boot loaders that probe it for
/// their environment find it empty rather than faulting.
public final class Flash: MMIODevice {
    /// Register writes never reach RAM (decoded code stays valid across them).
    public var writesMemory: Bool { false }
    public let name = "FLASH0"
    public let size: UInt64
    let contents: [UInt8]

    /// `contents` beyond `size` are dropped (the caller rejects such a file first).
    public init(size: UInt64, contents: [UInt8] = []) {
        self.size = size
        self.contents = Array(contents.prefix(Int(clamping: size)))
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<min(max(size, 0), 8) {
            let o = offset &+ UInt64(i)
            let byte: UInt8 = o < UInt64(contents.count) ? contents[Int(o)] : 0xFF
            v |= UInt64(byte) << (8 * UInt64(i))
        }
        return v
    }

    public func write(offset: UInt64, size: Int, value: UInt64) -> UInt64 { 0 }
}
