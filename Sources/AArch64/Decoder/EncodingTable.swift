/// The A64 encoding table: one row per encoding class of the ARM ARM (DDI 0487, C4.1 "A64
/// instruction set encoding"), with its section, bit pattern and whether this model executes it.
///
/// A pattern is 32 characters, bit 31 first: `0` and `1` must match, anything else (`-`, or a
/// letter naming a field, as in `z` for sf, `nnnnn` for Rn) is free; spaces are ignored. A word
/// belongs to the first row that matches it; a word no row matches is unallocated (UNDEFINED).
/// FP/SIMD rows live in `FPSIMDRows.swift`, checked before the integer rows.
///
/// The table is the decoder: `A64EncodingTable.decode` finds a word's row and runs the row's
/// decoder, which turns the word into a `DecodedInstruction` (operands extracted, reserved
/// encodings of the class made `.undefined`) once, for the decode cache. Rows not implemented,
/// and words no row claims, decode to `.undefined`.
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
    /// Fills in the decoded form of a word of this class (`d.word` and `d.tag` are set; `d.op`
    /// is `.undefined` until the decoder says otherwise). Nil for rows not implemented.
    let decoder: A64Decoder?

    init(_ name: String, _ section: String, _ pattern: String, _ status: Status, _ decoder: A64Decoder? = nil) {
        precondition((status == .implemented) == (decoder != nil), "\(name): an implemented row needs a decoder, and only it")
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
        self.decoder = decoder
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

    /// The rows a word with each op0 (bits 28:25) can match, in table order, flattened for
    /// `decode`: each row's mask and value in one integer, in buffers allocated once and never
    /// freed, so that finding a word's row touches no reference count (the rows themselves
    /// carry names); the matching row's decoder is then called once.
    private final class DecodeIndex: @unchecked Sendable {
        /// mask << 32 | value, bucket by bucket.
        let patterns: UnsafeMutablePointer<UInt64>
        let decoders: UnsafeMutablePointer<A64Decoder?>
        /// Bucket op0 is patterns[start[op0] ..< start[op0 + 1]].
        let start: UnsafeMutablePointer<Int>

        init(_ rows: [A64EncodingClass]) {
            var patterns: [UInt64] = [], decoders: [A64Decoder?] = [], start: [Int] = []
            for op0 in UInt32(0)..<16 {
                start.append(patterns.count)
                for row in rows where op0 & ((row.mask >> 25) & 0xF) == (row.value >> 25) & 0xF {
                    patterns.append(UInt64(row.mask) << 32 | UInt64(row.value))
                    decoders.append(row.decoder)
                }
            }
            start.append(patterns.count)
            self.patterns = .allocate(capacity: patterns.count)
            self.patterns.initialize(from: patterns, count: patterns.count)
            self.decoders = .allocate(capacity: decoders.count)
            self.decoders.initialize(from: decoders, count: decoders.count)
            self.start = .allocate(capacity: start.count)
            self.start.initialize(from: start, count: start.count)
        }
    }

    private static let index = DecodeIndex(rows)

    /// Decodes `w` once, into the typed form the executors take (see `DecodedInstruction`).
    static func decode(_ w: UInt32, tag: UInt64 = 0) -> DecodedInstruction {
        var d = DecodedInstruction()
        d.tag = tag
        d.word = w
        d.op = .undefined
        let index = index, op0 = Int((w >> 25) & 0xF)
        var i = index.start[op0]
        let end = index.start[op0 + 1]
        while i < end {
            let p = index.patterns[i]
            if w & UInt32(truncatingIfNeeded: p >> 32) == UInt32(truncatingIfNeeded: p) {
                index.decoders[i]?(w, &d)
                break
            }
            i += 1
        }
        return d
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
        .init("Reserved (UDF: permanently UNDEFINED)", "C4.1", "0 oo 0000 ooooooooo iiiiiiiiiiiiiiii", .implemented, A64Decode.undefined),
        .init("SME encodings", "C4.1", "1 -- 0000 -------------------------", .notImplemented),
        .init("SVE encodings", "C4.1", "--- 0010 -------------------------", .notImplemented),
    ]

    // MARK: data processing -- immediate (op0 = 100x)

    static let dataProcessingImmediateRows: [A64EncodingClass] = [
        .init("PC-rel. addressing", "C4.1.86", "- -- 10000 ------------------- -----", .implemented, A64Decode.pcRelative),
        .init("Add/subtract (immediate)", "C4.1.86", "z o S 100010 s iiiiiiiiiiii nnnnn ddddd", .implemented, A64Decode.addSubtractImmediate),
        .init("Add/subtract (immediate, with tags)", "C4.1.86", "z o S 100011 0 uuuuuu oo ffff nnnnn ddddd", .notImplemented),
        .init("Logical (immediate)", "C4.1.86", "z oo 100100 N rrrrrr ssssss nnnnn ddddd", .implemented, A64Decode.logicalImmediate),
        .init("Move wide (immediate)", "C4.1.86", "z oo 100101 hh iiiiiiiiiiiiiiii ddddd", .implemented, A64Decode.moveWide),
        .init("Bitfield", "C4.1.86", "z oo 100110 N rrrrrr ssssss nnnnn ddddd", .implemented, A64Decode.bitfield),
        .init("Extract", "C4.1.86", "z oo 100111 N o mmmmm ssssss nnnnn ddddd", .implemented, A64Decode.extract),
    ]

    // MARK: branches, exception generating and system instructions (op0 = 101x)

    static let branchExceptionSystemRows: [A64EncodingClass] = [
        .init("Conditional branch (immediate)", "C4.1.87", "0101010 o iiiiiiiiiiiiiiiiiii o cccc", .implemented, A64Decode.conditionalBranch),
        .init("Exception generation", "C4.1.87", "11010100 ooo iiiiiiiiiiiiiiii ooo ll", .implemented, A64Decode.exceptionGeneration),
        .init("System instructions with register argument (WFET, WFIT)", "C4.1.87",
              "1101010100 0 00 011 0001 ---- --- ttttt", .notImplemented),
        .init("Hints", "C4.1.87", "1101010100 0 00 011 0010 mmmm ooo 11111", .implemented, A64Decode.hint),
        .init("Barriers", "C4.1.87", "1101010100 0 00 011 0011 mmmm ooo ttttt", .implemented, A64Decode.barrier),
        .init("PSTATE", "C4.1.87", "1101010100 0 00 ooo 0100 mmmm ooo ttttt", .implemented, A64Decode.pstate),
        .init("System instructions", "C4.1.87", "1101010100 L 01 ooo nnnn mmmm ooo ttttt", .implemented, A64Decode.systemInstruction),
        .init("System register move", "C4.1.87", "1101010100 L 1 o ooo nnnn mmmm ooo ttttt", .implemented, A64Decode.systemRegisterMove),
        .init("Unconditional branch (register)", "C4.1.87", "1101011 oooo ooooo oooooo nnnnn ooooo", .implemented, A64Decode.unconditionalBranchRegister),
        .init("Unconditional branch (immediate)", "C4.1.87", "o 00101 iiiiiiiiiiiiiiiiiiiiiiiiii", .implemented, A64Decode.unconditionalBranchImmediate),
        .init("Compare and branch (immediate)", "C4.1.87", "z 011010 o iiiiiiiiiiiiiiiiiii ttttt", .implemented, A64Decode.compareAndBranch),
        .init("Test and branch (immediate)", "C4.1.87", "b 011011 o bbbbb iiiiiiiiiiiiii ttttt", .implemented, A64Decode.testAndBranch),
    ]

    // MARK: loads and stores, general registers (op0 = x1x0, V = 0)

    static let loadStoreRows: [A64EncodingClass] = [
        .init("Load/store exclusive, ordered, compare and swap", "C4.1.88", "ss 001 0 0 0 o L o sssss o uuuuu nnnnn ttttt", .implemented, A64Decode.exclusiveOrderedCAS),
        .init("Load/store memory tags", "C4.1.88", "11 011 0 0 1 --1 ----- ---- -- ----- -----", .notImplemented),
        .init("LDAPR/STLR (unscaled immediate)", "C4.1.88", "ss 011 0 0 1 --0 iiiiiiiii 00 nnnnn ttttt", .notImplemented),
        .init("Load register (literal)", "C4.1.88", "oo 011 0 0 0 iiiiiiiiiiiiiiiiiii ttttt", .implemented, A64Decode.loadLiteral),
        .init("Load/store register pair (no-allocate, post-, pre-indexed, offset)", "C4.1.88",
              "oo 101 0 0 kk L iiiiiii uuuuu nnnnn ttttt", .implemented, A64Decode.loadStorePair),
        .init("Load/store register (unscaled, post-indexed, unprivileged, pre-indexed)", "C4.1.88",
              "ss 111 0 0 0 oo 0 iiiiiiiii mm nnnnn ttttt", .implemented, A64Decode.loadStoreRegister),
        .init("Atomic memory operations", "C4.1.88", "ss 111 0 0 0 AR 1 sssss o ooo 00 nnnnn ttttt", .implemented, A64Decode.atomicMemoryOperation),
        .init("Load/store register (register offset)", "C4.1.88", "ss 111 0 0 0 oo 1 mmmmm ooo S 10 nnnnn ttttt", .implemented, A64Decode.loadStoreRegister),
        .init("Load/store register (pac)", "C4.1.88", "ss 111 0 0 0 MS 1 iiiiiiiii W 1 nnnnn ttttt", .notImplemented),
        .init("Load/store register (unsigned immediate)", "C4.1.88", "ss 111 0 0 1 oo iiiiiiiiiiii nnnnn ttttt", .implemented, A64Decode.loadStoreRegister),
    ]

    // MARK: data processing -- register (op0 = x101)

    static let dataProcessingRegisterRows: [A64EncodingClass] = [
        .init("Data-processing (2 source)", "C4.1.90", "z 0 S 1 1010110 mmmmm oooooo nnnnn ddddd", .implemented, A64Decode.dataProcessing2Source),
        .init("Data-processing (1 source)", "C4.1.90", "z 1 S 1 1010110 ooooo oooooo nnnnn ddddd", .implemented, A64Decode.dataProcessing1Source),
        .init("Logical (shifted register)", "C4.1.90", "z oo 0 1010 hh N mmmmm iiiiii nnnnn ddddd", .implemented, A64Decode.logicalShiftedRegister),
        .init("Add/subtract (shifted register)", "C4.1.90", "z o S 0 1011 hh 0 mmmmm iiiiii nnnnn ddddd", .implemented, A64Decode.addSubtractShiftedRegister),
        .init("Add/subtract (extended register)", "C4.1.90", "z o S 0 1011 pp 1 mmmmm ooo iii nnnnn ddddd", .implemented, A64Decode.addSubtractExtendedRegister),
        .init("Add/subtract (with carry)", "C4.1.90", "z o S 1 1010000 mmmmm 000000 nnnnn ddddd", .implemented, A64Decode.addSubtractWithCarry),
        .init("Rotate right into flags", "C4.1.90", "z o S 1 1010000 iiiiii 00001 nnnnn o mmmm", .notImplemented),
        .init("Evaluate into flags", "C4.1.90", "z o S 1 1010000 oooooo s 0010 nnnnn o mmmm", .notImplemented),
        .init("Conditional compare (register, immediate)", "C4.1.90", "z o S 1 1010010 mmmmm cccc - o nnnnn o ffff", .implemented, A64Decode.conditionalCompare),
        .init("Conditional select", "C4.1.90", "z o S 1 1010100 mmmmm cccc oo nnnnn ddddd", .implemented, A64Decode.conditionalSelect),
        .init("Data-processing (3 source)", "C4.1.90", "z oo 1 1011 ooo mmmmm o aaaaa nnnnn ddddd", .implemented, A64Decode.dataProcessing3Source),
    ]
}
