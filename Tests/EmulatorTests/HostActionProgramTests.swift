import Testing
@testable import Emulator

/// The generated guest program is the A64 the documentation says, instruction by instruction.
@Suite struct HostActionProgramTests {
    @Test func theProgramDisassemblesAsDocumented() {
        let p = HostActionProgram(actions: [
            HostAction(kind: .hvc(id: 25, args: [0x1_0000_2000, 0x4040_0000, 0xC0, 1, 0]), label: "map", line: 1),
            HostAction(kind: .read(address: 0x0905_8020, size: 8), label: "r", line: 2),
            HostAction(kind: .write(address: 0x0905_0000, size: 4, value: 0x20_0001), label: "w", line: 3),
            HostAction(kind: .write(address: 0x0905_0000, size: 2, value: 1), label: "w", line: 4),
            HostAction(kind: .read(address: 0x0905_0000, size: 1), label: "r", line: 5),
        ])
        let d = Disassembler()
        let start = Int((HostActionProgram.entry - HostActionProgram.base) / 4)
        let text = p.code[start...].enumerated().map { i, w in d.disassemble(w, at: HostActionProgram.entry + UInt64(i) * 4) }
        let joined = text.joined(separator: "\n")
        for needle in [
            "msr vbar_el1, x9", "movz x0, #0x19", "movz x1, #0x2000", "movk x1, #0x1, lsl #32", "hvc #0",
            "stp x0, x27, [x28], #0x10", "ldr x1, [x2]", "str w1, [x2]", "strh w1, [x2]", "ldrb w1, [x2]",
            "movk x0, #0x8400, lsl #16",
        ] {
            #expect(joined.contains(needle), "missing \(needle) in\n\(joined)")
        }
        #expect(p.resultsAddress & 0xFFF == 0 && p.resultsAddress >= HostActionProgram.entry + UInt64(text.count) * 4)
        let handler = (0..<6).map { d.disassemble(p.code[0x200 / 4 + $0], at: HostActionProgram.base + 0x200 + UInt64($0) * 4) }
        #expect(handler == ["mrs x9, elr_el1", "add x9, x9, #4", "msr elr_el1, x9", "mrs x1, esr_el1", "movz x27, #0x2", "eret"])
    }
}
