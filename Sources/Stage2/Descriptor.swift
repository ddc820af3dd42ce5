/// A VMSAv8-64 stage-2 translation table descriptor, 4 KiB granule (ARM DDI 0487, D8.3).
///
/// Layout of the bits this model uses:
/// - bit 0: valid; bit 1: table (levels 0–2) or page (level 3; 0 there is reserved = invalid)
/// - bits 47:12: next-level table address or output address (block: bits 47:n for its size)
/// - MemAttr [5:2], S2AP [7:6] (bit 6 read, bit 7 write), SH [9:8], AF [10]
/// - XN [54] (bit 53 is RES0: the CPU does not implement FEAT_XNX, ID_AA64MMFR1_EL1.XNX = 0)
public struct Stage2Descriptor: RawRepresentable, Hashable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let addressMask: UInt64 = 0x0000_FFFF_FFFF_F000

    @inline(__always) public var isValid: Bool { rawValue & 1 != 0 }
    /// Bit 1: a table descriptor above level 3, a page descriptor at level 3.
    @inline(__always) public var isTableOrPage: Bool { rawValue & 2 != 0 }
    /// Next-level table address or page output address, bits 47:12.
    @inline(__always) public var address: UInt64 { rawValue & Self.addressMask }
    /// Stage-2 memory attributes, bits 5:2.
    public var memAttr: UInt64 { (rawValue >> 2) & 0xF }
    /// S2AP, bits 7:6: bit 0 of the field grants read, bit 1 grants write.
    public var s2ap: UInt64 { (rawValue >> 6) & 0x3 }
    /// Shareability, bits 9:8.
    public var sh: UInt64 { (rawValue >> 8) & 0x3 }
    /// Access flag, bit 10.
    public var af: Bool { rawValue & (1 << 10) != 0 }
    /// The XN[1:0] field, bits 54:53, as stored.
    public var xn: UInt64 { (rawValue >> 53) & 0x3 }
    /// Stage-2 execute-never without FEAT_XNX (ARM DDI 0487, D8.5.2): XN[1] (bit 54) alone
    /// decides; XN[0] (bit 53) is RES0 and ignored. With FEAT_XNX, 0b01 and 0b11 would depend
    /// on the exception level, which this CPU (ID_AA64MMFR1_EL1.XNX = 0) does not report.
    public var executeNever: Bool { rawValue & (1 << 54) != 0 }

    /// A level-3 page or level-1/2 block descriptor.
    public static func leaf(
        address: UInt64, level: Int, s2ap: UInt64 = 3, memAttr: UInt64 = 0xF, sh: UInt64 = 3,
        af: Bool = true, xn: UInt64 = 0
    ) -> Stage2Descriptor {
        var v = (address & addressMask) | ((memAttr & 0xF) << 2) | ((s2ap & 3) << 6) | ((sh & 3) << 8)
        if af { v |= 1 << 10 }
        v |= (xn & 3) << 53
        v |= level == 3 ? 3 : 1
        return Stage2Descriptor(rawValue: v)
    }

    /// A table descriptor pointing at the next level.
    public static func table(_ next: UInt64) -> Stage2Descriptor {
        Stage2Descriptor(rawValue: (next & addressMask) | 3)
    }

    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// Access rights a translation grants (from S2AP and XN).
public struct Stage2Permissions: OptionSet, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let read = Stage2Permissions(rawValue: 1)
    public static let write = Stage2Permissions(rawValue: 2)
    public static let execute = Stage2Permissions(rawValue: 4)
}
