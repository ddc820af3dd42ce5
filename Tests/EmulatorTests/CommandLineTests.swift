import Foundation
import Testing

/// The `smmu-emu` binary's exit statuses (HARDWARE.md's command-line contract).
@Suite struct CommandLineTests {
    /// The newest smmu-emu built next to this test bundle.
    static let binary: String? = {
        // The test runner lives in the same build directory as the smmu-emu product.
        let runner = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("smmu-emu").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return nil
    }()

    func run(_ args: [String]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLineTests.binary!)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// `--serial stdio` from a pipe: the bytes reach the guest's UART receiver (no terminal, so
    /// no raw mode); `--serial` takes none or stdio only.
    @Test(.enabled(if: binary != nil && SamplePaths.has("uart-echo"), "build smmu-emu and the samples first"))
    func serialStdioFeedsTheUART() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CommandLineTests.binary!)
        p.arguments = ["run", SamplePaths.sample("uart-echo"), "--serial", "stdio"]
        let out = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = input
        try p.run()
        input.fileHandleForWriting.write(Data("abc\nquit\n".utf8))
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(String(decoding: o, as: UTF8.self) == "echo> \nABC\necho> \nbye\n")
        #expect(try run(["run", "x.elf", "--serial", "tcp"]).0 == 64)
    }

    @Test(.enabled(if: binary != nil, "build smmu-emu first"))
    func usageErrorsExit64() throws {
        #expect(try run(["run", "x.elf", "--cpus", "9"]).0 == 64)
        #expect(try run(["run", "x.elf", "--memory", "lots"]).0 == 64)
        #expect(try run(["run", "x.elf", "--handlers", "maybe"]).0 == 64)
        #expect(try run(["frobnicate"]).0 == 64)
        #expect(try run(["run", "x.elf", "--trace", "mmio,everything"]).0 == 64)
        #expect(try run(["run", "x.elf", "--gdb-wait"]).0 == 64)
        #expect(try run(["run", "x.elf", "--gdb", "65536"]).0 == 64)
        #expect(try run(["run", "x.elf", "--gdb", "unix:"]).0 == 64)
        #expect(try run(["run", "x.elf", "--gdb", "tcp:1234"]).0 == 64)
    }

    @Test(.enabled(if: binary != nil, "build smmu-emu first"))
    func helpExitsZero() throws {
        let (code, out, _) = try run(["run", "--help"])
        #expect(code == 0)
        #expect(out.contains("--cpus"))
    }

    @Test(.enabled(if: binary != nil, "build smmu-emu first"))
    func rejectedImagesExit2WithOneLine() throws {
        let (code, out, err) = try run(["run", "/etc/hostname"])
        #expect(code == 2)
        #expect(out.isEmpty)
        #expect(err.split(separator: "\n").count == 1)
        #expect(try run(["run", "/nonexistent.elf"]).0 == 2)
    }

    @Test(.enabled(if: binary != nil && SamplePaths.has("hello"), "build smmu-emu and the samples first"))
    func guestOutputOnStdoutMessagesOnStderr() throws {
        let (code, out, err) = try run(["run", SamplePaths.sample("hello"), "--stats"])
        #expect(code == 0)
        #expect(out == "Hello from smmu-emu guest\n")
        #expect(err.contains("cpu0: cycles"))
    }

    @Test(.enabled(if: binary != nil, "build smmu-emu first"))
    func testCoverageGoesToStderrAndJSON() throws {
        let scenario = SamplePaths.root.appendingPathComponent("Tests/Scenarios/branches/emulate-mmio-allowed.yaml").path
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("coverage-\(UUID().uuidString).json").path
        let (code, out, err) = try run(["test", scenario, "--coverage", "--coverage-json", json, "--jobs", "1"])
        #expect(code == 0)
        #expect(out.contains("1 passed, 0 failed"))
        #expect(err.contains("spec-branch coverage over 1 run"))
        #expect(err.contains("emulate_mmio (seed): spec "))
        #expect(err.contains("never reached:"))
        let data = try #require(FileManager.default.contents(atPath: json))
        let doc = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(doc["version"] as? Int == 1 && doc["runs"] as? Int == 1)
        let functions = try #require(doc["functions"] as? [[String: Any]])
        let emulate = try #require(functions.first { $0["name"] as? String == "emulate_mmio" })
        let ttbr0 = try #require((emulate["branches"] as? [[String: Any]])?.first { $0["id"] as? String == "ttbr0" })
        #expect(ttbr0["spec"] as? Int == 1 && ttbr0["impl"] as? Int == 1)
        let alloc = try #require(functions.first { $0["name"] as? String == "el2_alloc_smmu_pgd" })
        let d2 = try #require((alloc["branches"] as? [[String: Any]])?.first { $0["id"] as? String == "vm-verified" })
        #expect(d2["spec"] is NSNull)
    }

    @Test(.enabled(if: binary != nil && SamplePaths.has("hello"), "build smmu-emu and the samples first"))
    func runCoverageCountsTheHostPagesMapped() throws {
        let (code, _, err) = try run(["run", SamplePaths.sample("hello"), "--coverage"])
        #expect(code == 0)
        #expect(err.contains("spec-branch coverage over 1 run"))
        #expect(err.range(of: #"\n\s+0\s+[1-9][0-9]*\s+host\s"#, options: .regularExpression) != nil, "\(err)")
    }

    /// `--lock-log FILE` writes the spec's lock events in cycle order; `--stats` shows the waits.
    @Test(.enabled(if: binary != nil && SamplePaths.has("smmu-smp"), "build smmu-emu and the samples first"))
    func lockLogAndLockStats() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("smmu-emu-locks-\(getpid()).txt").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (code, out, err) = try run(["run", SamplePaths.sample("smmu-smp"), "--cpus", "4", "--stats", "--lock-log", file])
        #expect(code == 0)
        #expect(out == "cpus 4 rounds 50 ok\n")
        #expect(err.contains("lock SMMU: acquisitions 612 contended 562 wait-cycles 239941"))
        #expect(err.contains(" lock-wait "))
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "[80] cpu0 SMMU TEVENT 0 (TTICKET (WAIT_LOCK 10)) ticket 0 wait 0")
        let cycles = lines.compactMap { UInt64($0.dropFirst().prefix { $0 != "]" }) }
        #expect(cycles.count == lines.count && cycles == cycles.sorted())
        #expect(try run(["run", SamplePaths.sample("smmu-smp"), "--lock-log", "/nonexistent/dir/x"]).0 == 2)
    }
}
