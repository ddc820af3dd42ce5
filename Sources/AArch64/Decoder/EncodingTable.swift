/// The A64 encoding table: one row per encoding class of the ARM ARM (DDI 0487, C4.1 "A64
/// instruction set encoding"), with its section, bit pattern and whether this model executes it.
///
/// A pattern is 32 characters, bit 31 first: `0` and `1` must match, anything else (`-`, or a
/// letter naming a field, as in `z` for sf, `nnnnn` for Rn) is free; spaces are ignored. A word
/// belongs to the first row that matches it; a word no row matches is unallocated (UNDEFINED).
/// FP/SIMD rows live in `FPSIMDRows.swift`, checked before the integer rows.
///
/// `A64EncodingTableTests` executes random words of every row that is not implemented, and of
/// no row at all, and requires the exception the interpreter must raise for them, so the table
/// cannot claim less than the interpreter does; the list of what is not implemented is printed
/// from it (`A64EncodingTable.notImplementedReport`) and kept in Documentation/Interpreter.md.
struct A64EncodingClass: Sendable {
    enum Status: Sendable, Equatable {
        /// Executed by the interpreter (individual reserved encodings inside it are UNDEFINED).
        case implemented
        /// Allocated by the ARM ARM but not modelled (its feature is not advertised by the ID
        /// registers, so the encoding is unallocated here): UNDEFINED, also in the FP/SIMD
        /// space whatever CPACR_EL1.FPEN says (the FP/SIMD trap belongs to the execution of an
        /// allocated instruction), as on QEMU.
        case notImplemented
    }

    let name: String
    /// ARM DDI 0487 section of the encoding group (C4.1 for the top-level table), numbered as the
    /// class files cite it.
    let section: String
    let mask: UInt32
    let value: UInt32
    let status: Status

    init(_ name: String, _ section: String, _ pattern: String, _ status: Status) {
        var mask: UInt32 = 0, value: UInt32 = 0, bits = 0
        for c in pattern where c != " " {
            mask <<= 1
            value <<= 1
            if c == "0" || c == "1" { mask |= 1 }
            if c == "1" { value |= 1 }
            bits += 1
        }
        precondition(bits == 32, "pattern of \(name) has \(bits) bits")
        self.name = name
        self.section = section
        self.mask = mask
        self.value = value
        self.status = status
    }

    @inline(__always) func matches(_ w: UInt32) -> Bool { w & mask == value }
}

enum A64EncodingTable {
    /// Every row, FP/SIMD first (their patterns name the V bit or op0 = x111 exactly, so the
    /// order among groups does not matter; inside a group more specific rows come first).
    static let rows: [A64EncodingClass] = reservedSMESVERows + fpsimdRows + dataProcessingImmediateRows + branchExceptionSystemRows
        + loadStoreRows + dataProcessingRegisterRows

    /// The encoding class of `w`, or nil when the ARM ARM allocates nothing there.
    static func encodingClass(of w: UInt32) -> A64EncodingClass? {
        rows.first { $0.matches(w) }
    }

    static var notImplemented: [A64EncodingClass] { rows.filter { $0.status != .implemented } }

    /// One line per encoding class not executed: name, section, status.
    static var notImplementedReport: String {
        notImplemented.map { row in
            "\(row.name) (\(row.section)): UNDEFINED"
        }.joined(separator: "\n")
    }

    // MARK: reserved, SME, SVE (op0 = 0000, 0010; 0001 and 0011 are unallocated)

    static let reservedSMESVERows: [A64EncodingClass] = [
        .init("Reserved (UDF: permanently UNDEFINED)", "C4.1", "0 oo 0000 ooooooooo iiiiiiiiiiiiiiii", .implemented),
        .init("SME encodings", "C4.1", "1 -- 0000 -------------------------", .notImplemented),
        .init("SVE encodings", "C4.1", "--- 0010 -------------------------", .notImplemented),
    ]

    // MARK: data processing -- immediate (op0 = 100x)

    static let dataProcessingImmediateRows: [A64EncodingClass] = [
        .init("PC-rel. addressing", "C4.1.86", "- -- 10000 ------------------- -----", .implemented),
        .init("Add/subtract (immediate)", "C4.1.86", "z o S 100010 s iiiiiiiiiiii nnnnn ddddd", .implemented),
        .init("Add/subtract (immediate, with tags)", "C4.1.86", "z o S 100011 0 uuuuuu oo ffff nnnnn ddddd", .notImplemented),
        .init("Logical (immediate)", "C4.1.86", "z oo 100100 N rrrrrr ssssss nnnnn ddddd", .implemented),
        .init("Move wide (immediate)", "C4.1.86", "z oo 100101 hh iiiiiiiiiiiiiiii ddddd", .implemented),
        .init("Bitfield", "C4.1.86", "z oo 100110 N rrrrrr ssssss nnnnn ddddd", .implemented),
        .init("Extract", "C4.1.86", "z oo 100111 N o mmmmm ssssss nnnnn ddddd", .implemented),
    ]

    // MARK: branches, exception generating and system instructions (op0 = 101x)

    static let branchExceptionSystemRows: [A64EncodingClass] = [
        .init("Conditional branch (immediate)", "C4.1.87", "0101010 o iiiiiiiiiiiiiiiiiii o cccc", .implemented),
        .init("Exception generation", "C4.1.87", "11010100 ooo iiiiiiiiiiiiiiii ooo ll", .implemented),
        .init("System instructions with register argument (WFET, WFIT)", "C4.1.87",
              "1101010100 0 00 011 0001 ---- --- ttttt", .notImplemented),
        .init("Hints", "C4.1.87", "1101010100 0 00 011 0010 mmmm ooo 11111", .implemented),
        .init("Barriers", "C4.1.87", "1101010100 0 00 011 0011 mmmm ooo ttttt", .implemented),
        .init("PSTATE", "C4.1.87", "1101010100 0 00 ooo 0100 mmmm ooo ttttt", .implemented),
        .init("System instructions", "C4.1.87", "1101010100 L 01 ooo nnnn mmmm ooo ttttt", .implemented),
        .init("System register move", "C4.1.87", "1101010100 L 1 o ooo nnnn mmmm ooo ttttt", .implemented),
        .init("Unconditional branch (register)", "C4.1.87", "1101011 oooo ooooo oooooo nnnnn ooooo", .implemented),
        .init("Unconditional branch (immediate)", "C4.1.87", "o 00101 iiiiiiiiiiiiiiiiiiiiiiiiii", .implemented),
        .init("Compare and branch (immediate)", "C4.1.87", "z 011010 o iiiiiiiiiiiiiiiiiii ttttt", .implemented),
        .init("Test and branch (immediate)", "C4.1.87", "b 011011 o bbbbb iiiiiiiiiiiiii ttttt", .implemented),
    ]

    // MARK: loads and stores, general registers (op0 = x1x0, V = 0)

    static let loadStoreRows: [A64EncodingClass] = [
        .init("Load/store exclusive, ordered, compare and swap", "C4.1.88", "ss 001 0 0 0 o L o sssss o uuuuu nnnnn ttttt", .implemented),
        .init("Load/store memory tags", "C4.1.88", "11 011 0 0 1 --1 ----- ---- -- ----- -----", .notImplemented),
        .init("LDAPR/STLR (unscaled immediate)", "C4.1.88", "ss 011 0 0 1 --0 iiiiiiiii 00 nnnnn ttttt", .notImplemented),
        .init("Load register (literal)", "C4.1.88", "oo 011 0 0 0 iiiiiiiiiiiiiiiiiii ttttt", .implemented),
        .init("Load/store register pair (no-allocate, post-, pre-indexed, offset)", "C4.1.88",
              "oo 101 0 0 kk L iiiiiii uuuuu nnnnn ttttt", .implemented),
        .init("Load/store register (unscaled, post-indexed, unprivileged, pre-indexed)", "C4.1.88",
              "ss 111 0 0 0 oo 0 iiiiiiiii mm nnnnn ttttt", .implemented),
        .init("Atomic memory operations", "C4.1.88", "ss 111 0 0 0 AR 1 sssss o ooo 00 nnnnn ttttt", .implemented),
        .init("Load/store register (register offset)", "C4.1.88", "ss 111 0 0 0 oo 1 mmmmm ooo S 10 nnnnn ttttt", .implemented),
        .init("Load/store register (pac)", "C4.1.88", "ss 111 0 0 0 MS 1 iiiiiiiii W 1 nnnnn ttttt", .notImplemented),
        .init("Load/store register (unsigned immediate)", "C4.1.88", "ss 111 0 0 1 oo iiiiiiiiiiii nnnnn ttttt", .implemented),
    ]

    // MARK: data processing -- register (op0 = x101)

    static let dataProcessingRegisterRows: [A64EncodingClass] = [
        .init("Data-processing (2 source)", "C4.1.90", "z 0 S 1 1010110 mmmmm oooooo nnnnn ddddd", .implemented),
        .init("Data-processing (1 source)", "C4.1.90", "z 1 S 1 1010110 ooooo oooooo nnnnn ddddd", .implemented),
        .init("Logical (shifted register)", "C4.1.90", "z oo 0 1010 hh N mmmmm iiiiii nnnnn ddddd", .implemented),
        .init("Add/subtract (shifted register)", "C4.1.90", "z o S 0 1011 hh 0 mmmmm iiiiii nnnnn ddddd", .implemented),
        .init("Add/subtract (extended register)", "C4.1.90", "z o S 0 1011 pp 1 mmmmm ooo iii nnnnn ddddd", .implemented),
        .init("Add/subtract (with carry)", "C4.1.90", "z o S 1 1010000 mmmmm 000000 nnnnn ddddd", .implemented),
        .init("Rotate right into flags", "C4.1.90", "z o S 1 1010000 iiiiii 00001 nnnnn o mmmm", .notImplemented),
        .init("Evaluate into flags", "C4.1.90", "z o S 1 1010000 oooooo s 0010 nnnnn o mmmm", .notImplemented),
        .init("Conditional compare (register, immediate)", "C4.1.90", "z o S 1 1010010 mmmmm cccc - o nnnnn o ffff", .implemented),
        .init("Conditional select", "C4.1.90", "z o S 1 1010100 mmmmm cccc oo nnnnn ddddd", .implemented),
        .init("Data-processing (3 source)", "C4.1.90", "z oo 1 1011 ooo mmmmm o aaaaa nnnnn ddddd", .implemented),
    ]
}
