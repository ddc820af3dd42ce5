/// A device tree node: properties (name and raw big-endian value) and children, in order.
public struct DeviceTreeNode: Equatable, Sendable {
    public var name: String
    public var properties: [(name: String, value: [UInt8])] = []
    public var children: [DeviceTreeNode] = []

    public init(_ name: String) { self.name = name }

    public static func == (a: DeviceTreeNode, b: DeviceTreeNode) -> Bool {
        a.name == b.name && a.children == b.children && a.properties.count == b.properties.count
            && zip(a.properties, b.properties).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// An empty (boolean) property such as `interrupt-controller`.
    public mutating func flag(_ name: String) { properties.append((name, [])) }
    /// A list of 32-bit cells.
    public mutating func cells(_ name: String, _ values: [UInt32]) {
        var v: [UInt8] = []
        v.reserveCapacity(values.count * 4)
        for c in values { v += [UInt8(c >> 24), UInt8(truncatingIfNeeded: c >> 16), UInt8(truncatingIfNeeded: c >> 8), UInt8(truncatingIfNeeded: c)] }
        properties.append((name, v))
    }
    public mutating func cell(_ name: String, _ value: UInt32) { cells(name, [value]) }
    /// A string list: each NUL-terminated, back to back (`compatible = "a", "b"`).
    public mutating func strings(_ name: String, _ values: [String]) {
        properties.append((name, values.flatMap { Array($0.utf8) + [0] }))
    }
    public mutating func string(_ name: String, _ value: String) { strings(name, [value]) }
}

/// Serialises a tree as a flattened device tree blob, version 17 (Devicetree Specification
/// v0.4, chapter 5): header, memory-reservation block, structure block, strings block.
public enum FlattenedDeviceTree {
    static let magic: UInt32 = 0xD00D_FEED
    static let beginNode: UInt32 = 1, endNode: UInt32 = 2, prop: UInt32 = 3, end: UInt32 = 9

    public static func blob(root: DeviceTreeNode, reservations: [(address: UInt64, size: UInt64)] = [], bootCPU: UInt32 = 0) -> [UInt8] {
        var strings: [UInt8] = []
        var offsets: [String: UInt32] = [:]
        func nameOffset(_ s: String) -> UInt32 {
            if let o = offsets[s] { return o }
            let o = UInt32(strings.count)
            strings += Array(s.utf8) + [0]
            offsets[s] = o
            return o
        }
        var structure: [UInt8] = []
        func put32(_ v: UInt32, _ out: inout [UInt8]) {
            out += [UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
        }
        func pad(_ out: inout [UInt8]) { while out.count % 4 != 0 { out.append(0) } }
        func emit(_ node: DeviceTreeNode) {
            put32(beginNode, &structure)
            structure += Array(node.name.utf8) + [0]
            pad(&structure)
            for p in node.properties {
                put32(prop, &structure)
                put32(UInt32(p.value.count), &structure)
                put32(nameOffset(p.name), &structure)
                structure += p.value
                pad(&structure)
            }
            for c in node.children { emit(c) }
            put32(endNode, &structure)
        }
        emit(root)
        put32(end, &structure)

        var reserve: [UInt8] = []
        for r in reservations + [(0, 0)] {
            put32(UInt32(truncatingIfNeeded: r.address >> 32), &reserve); put32(UInt32(truncatingIfNeeded: r.address), &reserve)
            put32(UInt32(truncatingIfNeeded: r.size >> 32), &reserve); put32(UInt32(truncatingIfNeeded: r.size), &reserve)
        }
        let headerSize = 40
        let reserveOffset = 48  // 8-byte aligned after the header
        let structOffset = reserveOffset + reserve.count
        let stringsOffset = structOffset + structure.count
        let total = stringsOffset + strings.count
        var out: [UInt8] = []
        out.reserveCapacity(total)
        for v in [magic, UInt32(total), UInt32(structOffset), UInt32(stringsOffset), UInt32(reserveOffset),
                  17, 16, bootCPU, UInt32(strings.count), UInt32(structure.count)] {
            put32(v, &out)
        }
        out += [UInt8](repeating: 0, count: reserveOffset - headerSize)
        out += reserve + structure + strings
        return out
    }
}
