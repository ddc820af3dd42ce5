/// A reader of flattened device trees (Devicetree Specification v0.4, chapter 5) that checks
/// what a boot loader relies on: the header's magic, version and sizes, blocks inside the blob
/// and aligned, tokens that nest, property names inside the strings block and NUL-terminated,
/// values inside the structure block. The device-tree fuzz target holds every blob the writer
/// makes to it; dtc checks the same blobs in PlatformTests.
enum DeviceTreeCheck {
    /// nil when `b` is a well-formed tree, else what is wrong.
    static func problem(_ b: [UInt8]) -> String? {
        func u32(_ at: Int) -> UInt32? {
            guard at >= 0, at &+ 4 <= b.count else { return nil }
            return UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
        }
        guard let magic = u32(0), magic == 0xD00D_FEED else { return "bad magic" }
        guard let total = u32(4), Int(total) == b.count else { return "totalsize is not the blob's size" }
        guard let structOff = u32(8), let stringsOff = u32(12), let version = u32(20), let last = u32(24),
              let stringsSize = u32(32), let structSize = u32(36) else { return "short header" }
        guard version == 17, last <= 16 else { return "version \(version), last compatible \(last)" }
        let s0 = Int(structOff), s1 = s0 &+ Int(structSize), t0 = Int(stringsOff), t1 = t0 &+ Int(stringsSize)
        guard s0 % 4 == 0, s0 >= 40, s1 <= b.count, t0 >= 40, t1 <= b.count else { return "blocks outside the blob" }
        var at = s0, depth = 0, sawEnd = false
        while at < s1 {
            guard let token = u32(at) else { return "token past the end" }
            at += 4
            switch token {
            case 1:  // FDT_BEGIN_NODE: NUL-terminated name, padded to 4
                guard let nul = b[at..<s1].firstIndex(of: 0) else { return "unterminated node name" }
                at = (nul + 4) & ~3
                depth += 1
            case 2:  // FDT_END_NODE
                guard depth > 0 else { return "END_NODE without BEGIN_NODE" }
                depth -= 1
            case 3:  // FDT_PROP: len, nameoff, value padded to 4
                guard depth > 0, let len = u32(at), let nameOff = u32(at + 4) else { return "property outside a node or short" }
                let v0 = at + 8, v1 = v0 &+ Int(len)
                guard v1 <= s1 else { return "property value past the structure block" }
                let n0 = t0 &+ Int(nameOff)
                guard n0 < t1, b[n0..<t1].contains(0) else { return "property name outside the strings block" }
                at = (v1 + 3) & ~3
            case 4: break  // FDT_NOP
            case 9:
                sawEnd = true
                at = s1
            default: return "unknown token \(token)"
            }
        }
        guard sawEnd, depth == 0 else { return "tree not closed" }
        return nil
    }
}
