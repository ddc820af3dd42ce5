import Foundation
import Testing
@testable import Emulator

/// `--dump-dtb FILE` writes the tree the machine would pass to an Image, for the options given,
/// and exits 0 without running; `--flash` with a missing file is a rejected image (2).
@Suite struct DumpDeviceTreeCommandTests {
    @Test(.enabled(if: CommandLineTests.binary != nil && SamplePaths.has("hello"), "build smmu-emu and make samples first"))
    func dumpWritesTheConfiguredTreeAndExits() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smmu-emu-\(getpid())-dump.dtb").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, out, _) = try CommandLineTests().run(
            ["run", SamplePaths.sample("hello"), "--cpus", "3", "--memory", "1G", "--append", "console=ttyAMA0", "--dump-dtb", path])
        #expect(status == 0)
        #expect(out.isEmpty, "the guest must not run")
        var config = MachineConfiguration()
        config.cpus = 3
        config.ramSize = 1 << 30
        config.bootArguments = "console=ttyAMA0"
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written == config.deviceTree)
        #expect(written.prefix(4) == [0xD0, 0x0D, 0xFE, 0xED])
    }

    @Test(.enabled(if: CommandLineTests.binary != nil && SamplePaths.has("hello"), "build smmu-emu and make samples first"))
    func missingFlashFileIsRejected() throws {
        let (status, _, err) = try CommandLineTests().run(["run", SamplePaths.sample("hello"), "--flash", "/nonexistent/flash.bin"])
        #expect(status == 2)
        #expect(err.contains("no such flash file"))
    }
}
