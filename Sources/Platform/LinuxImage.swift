/// The 64-byte header of an arm64 Linux `Image` (Documentation/arch/arm64/booting.rst):
/// code0/code1, text_offset, image_size, flags, three reserved words, the magic "ARM\x64",
/// and a reserved word (the PE header offset for EFI stubs).
public struct LinuxImageHeader: Equatable, Sendable {
    public static let magic: UInt32 = 0x644D_5241  // "ARM\x64", little-endian
    /// The image must start this far into a 2 MiB-aligned region.
    public let textOffset: UInt64
    /// Bytes the kernel occupies from its start, BSS included (0 on kernels before 3.17).
    public let imageSize: UInt64
    public let flags: UInt64

    /// Nil unless `bytes` starts with a header carrying the magic.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= 64 else { return nil }
        func le(_ o: Int, _ n: Int) -> UInt64 { (0..<n).reduce(0) { $0 | UInt64(bytes[o + $1]) << (8 * UInt64($1)) } }
        guard le(56, 4) == UInt64(Self.magic) else { return nil }
        let size = le(16, 8)
        // "If image_size is zero, text_offset can be assumed to be 0x80000."
        textOffset = size == 0 ? 0x8_0000 : le(8, 8)
        imageSize = size
        flags = le(24, 8)
    }

    /// Where the image goes: the first 2 MiB boundary at or above `ramBase`, plus text_offset.
    public func loadAddress(ramBase: UInt64) -> UInt64 {
        ((ramBase &+ 0x1F_FFFF) & ~UInt64(0x1F_FFFF)) &+ textOffset
    }

    /// Bytes the kernel needs from its load address: image_size, or the file when it is larger.
    public func footprint(fileSize: Int) -> UInt64 { max(imageSize, UInt64(fileSize)) }
}
