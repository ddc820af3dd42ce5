import Foundation
import Testing
@testable import Emulator

/// The host reads the flash at address 0 through stage 2 (EL2 maps it on the first access, as
/// any device page): erased bytes, or the `--flash` file's.
@Suite struct FlashBusTests {
    static func readAddressZero(_ configure: (inout MachineConfiguration) -> Void) throws -> (UInt64, RunResult) {
        var config = MachineConfiguration()
        config.maxInstructions = 1_000
        configure(&config)
        var code: [UInt32] = [A64Encoding.load(size: 4, rt: 2, rn: 1)]  // ldr w2, [x1]; x1 = 0 at reset
        code += A64Encoding.movImmediate(0, 0x8400_0008)
        code.append(A64Encoding.hvc())
        let bytes = code.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
        let m = try Machine(configuration: config, output: { _ in }, imageName: "flash-read") { ram throws(ELFLoadError) in
            try ELFImage(code: bytes, at: 0x4008_0000, entry: 0x4008_0000, symbols: [], into: ram)
        }
        let r = m.run()
        return (m.cpus[0].x(2), r)
    }

    @Test func erasedFlashReadsAllOnes() throws {
        let (w, r) = try Self.readAddressZero { _ in }
        #expect(r.exitStatus == 0, "\(r.reason)")
        #expect(w == 0xFFFF_FFFF)
    }

    @Test func flashFileGivesItsBytes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smmu-emu-\(getpid())-flash.bin").path
        FileManager.default.createFile(atPath: path, contents: Data([0x78, 0x56, 0x34, 0x12]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (w, r) = try Self.readAddressZero { $0.flashFile = path }
        #expect(r.exitStatus == 0, "\(r.reason)")
        #expect(w == 0x1234_5678)
    }
}
