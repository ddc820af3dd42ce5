/// The decoded operands shared by the Advanced SIMD three-same, three-different, by-element,
/// scalar pairwise and across-lanes classes: where the elements are (`AdvSIMDLayout`, in a
/// record's `imm2`) and, for the integer operations, the opcode and U bit (`AdvSIMDIntegerOperation`,
/// in `imm`). Each class's decoder says what its `imm` and `imm3` hold.

/// Where the elements of an operation are, decoded once from Q, size and the index fields:
/// `elements` elements of `esize` bits, taken from element `part` on of a narrow source (the
/// upper half for the "2" forms, else 0); a vector result is written whole when `q`, else as
/// its low 64 bits with bits 127:64 cleared; `index` is the element of Vm of the by-element forms.
struct AdvSIMDLayout {
    let raw: UInt64

    init(esize: Int, elements: Int, part: Int = 0, q: Bool = true, index: Int = 0) {
        raw = UInt64(truncatingIfNeeded: esize) & 0xFF
            | (UInt64(truncatingIfNeeded: elements) & 0xFF) << 8
            | (UInt64(truncatingIfNeeded: part) & 0xFF) << 16
            | (q ? 1 : 0) << 24
            | (UInt64(truncatingIfNeeded: index) & 0xFF) << 32
    }

    init(_ raw: UInt64) { self.raw = raw }

    @inline(__always) var esize: Int { Int(raw & 0xFF) }
    @inline(__always) var elements: Int { Int((raw >> 8) & 0xFF) }
    @inline(__always) var part: Int { Int((raw >> 16) & 0xFF) }
    @inline(__always) var q: Bool { (raw >> 24) & 1 == 1 }
    @inline(__always) var index: Int { Int((raw >> 32) & 0xFF) }
}

/// An integer operation as the ARM ARM's tables name it: the opcode field and the U bit
/// (unsigned, or the second operation of a pair such as ADD/SUB), as `CPU.integerOp` and the
/// three-different and across-lanes executors take them.
struct AdvSIMDIntegerOperation {
    let opcode: UInt32
    let u: Bool

    init(opcode: UInt32, u: Bool) {
        self.opcode = opcode & 0x1F
        self.u = u
    }

    init(_ raw: UInt64) {
        opcode = UInt32(truncatingIfNeeded: raw) & 0x1F
        u = (raw >> 8) & 1 == 1
    }

    var raw: UInt64 { UInt64(opcode) | (u ? 1 << 8 : 0) }
}
