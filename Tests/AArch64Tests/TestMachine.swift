import Foundation
import Stage2
@testable import AArch64

/// Assembles AArch64 source with the cross binutils (installed by `make setup`) into raw bytes,
/// so tests state instructions in ARM syntax and the encodings come from a real assembler.
enum Assembler {
    static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/aarch64-linux-gnu-as") }

    static func assemble(_ source: String) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("asm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = dir.appendingPathComponent("t.s"), o = dir.appendingPathComponent("t.o"), b = dir.appendingPathComponent("t.bin")
        try (".arch armv8.1-a+crc\n" + source + "\n").write(to: s, atomically: true, encoding: .utf8)
        try run("/usr/bin/aarch64-linux-gnu-as", [s.path, "-o", o.path])
        try run("/usr/bin/aarch64-linux-gnu-objcopy", ["-O", "binary", o.path, b.path])
        return [UInt8](try Data(contentsOf: b))
    }

    static func run(_ tool: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus != 0 { throw NSError(domain: "asm", code: Int(p.terminationStatus)) }
    }
}

/// RAM at 0x4000_0000 with code at 0x4008_0000 and a CPU ready to run it.
final class TestMachine {
    static let codeBase: UInt64 = 0x4008_0000
    let ram: PhysicalMemory
    let bus: PhysicalBus
    let monitor = GlobalMonitor()
    var cpus: [CPU] = []

    init(_ source: String, cpus count: Int = 1) throws {
        ram = PhysicalMemory(base: 0x4000_0000, size: 64 << 20)!
        bus = PhysicalBus(ram: ram)
        let code = try Assembler.assemble(source)
        code.withUnsafeBytes { _ = ram.write($0, at: TestMachine.codeBase) }
        for i in 0..<count { cpus.append(CPU(index: i, bus: bus, monitor: monitor)) }
        cpus[0].powerOn(entry: TestMachine.codeBase, context: 0)
    }

    var cpu: CPU { cpus[0] }

    /// Runs CPU 0 until it leaves for EL2 (or 100k instructions).
    @discardableResult
    func run() -> CPUExit { cpu.run(cycleLimit: .max, instructionLimit: 100_000) }
}
