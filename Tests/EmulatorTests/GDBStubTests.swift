import Foundation
import Testing

/// `smmu-emu run --gdb`: gdb-multiarch in batch mode against the samples.
@Suite(.serialized) struct GDBStubTests {
    static let gdb: String? = ["/usr/bin/gdb-multiarch", "/usr/local/bin/gdb-multiarch"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let ready = gdb != nil && CommandLineTests.binary != nil

    struct Session {
        var gdb: String
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Starts `smmu-emu run SAMPLE --gdb 0 --gdb-wait EXTRA`, runs gdb-multiarch -batch with
    /// `commands` against it, and waits for the emulator to end.
    func session(_ sample: String, _ extra: [String] = [], commands: [String]) throws -> Session {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gdbstub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let emu = Process()
        emu.executableURL = URL(fileURLWithPath: CommandLineTests.binary!)
        emu.arguments = ["run", SamplePaths.sample(sample), "--gdb", "0", "--gdb-wait"] + extra
        emu.standardOutput = try FileHandle(forWritingTo: out)
        emu.standardError = try FileHandle(forWritingTo: err)
        try emu.run()
        var port: String?
        for _ in 0..<600 where port == nil {
            let text = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            if let r = text.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = String(text[r].split(separator: ":").last!)
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let port else {
            emu.terminate()
            throw GDBTestError.noPort
        }
        let g = Process()
        g.executableURL = URL(fileURLWithPath: GDBStubTests.gdb!)
        var args = ["-nx", "-batch", "-ex", "set architecture aarch64", "-ex", "file \(SamplePaths.sample(sample))",
                    "-ex", "target remote 127.0.0.1:\(port)"]
        for c in commands { args += ["-ex", c] }
        g.arguments = args
        let gout = Pipe()
        g.standardOutput = gout
        g.standardError = gout
        try g.run()
        let text = String(decoding: gout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        g.waitUntilExit()
        emu.waitUntilExit()
        return Session(gdb: text, status: emu.terminationStatus,
                       stdout: try String(contentsOf: out, encoding: .utf8),
                       stderr: try String(contentsOf: err, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                           .filter { !$0.contains("gdb: listening") }.joined(separator: "\n"))
    }

    enum GDBTestError: Error { case noPort }

    func plain(_ args: [String]) throws -> (Int32, String, String) {
        try CommandLineTests().run(args)
    }

    @Test(.enabled(if: ready && SamplePaths.has("hello"), "needs gdb-multiarch, smmu-emu and the samples"))
    func breakpointRegistersMemoryAndDeterminism() throws {
        let s = try session("hello", ["--stats"], commands: [
            "p/x $pc", "break main", "continue", "p/x $pc", "p $pc == main + 4",
            "set $x9 = 0x1234", "p/x $x9",
            "set {long}0x40090000 = 0x1122334455667788", "x/gx 0x40090000",
            "x/2wx _start",
            "stepi", "p $pc == main + 8",
            "p/x $hcr_el2", "p/x $vttbr_el2",
            "delete", "continue",
        ])
        #expect(s.gdb.contains("$1 = 0x40080000"), "held at the entry: \(s.gdb)")
        #expect(s.gdb.contains("Breakpoint 1, 0x0000000040080174 in main"))
        #expect(s.gdb.contains("$3 = 1"))
        #expect(s.gdb.contains("$4 = 0x1234"))
        #expect(s.gdb.contains("0x40090000:\t0x1122334455667788"))
        #expect(s.gdb.contains("<_start>:\t0x580001c1\t0x9100003f"))  // the image's first two words
        #expect(s.gdb.contains("$5 = 1"))
        #expect(s.gdb.contains("$6 = 0x80001"))  // HCR_EL2.VM | TSC, as EL2 set it
        #expect(s.gdb.contains("exited normally"))
        // Stopping and resuming changes nothing: same output and cycles as a run without gdb
        // (the writes above went to a register main overwrites and to unused stack).
        let (status, out, err) = try plain(["run", SamplePaths.sample("hello"), "--stats"])
        #expect(s.status == status)
        #expect(s.stdout == out)
        #expect(s.stderr == err)
    }

    @Test(.enabled(if: ready && SamplePaths.has("smmu-dma"), "needs gdb-multiarch, smmu-emu and the samples"))
    func singleStepAcrossATrappedSMMUWrite() throws {
        // The first trapped SMMU write, from --trace mmio: "... cpu0 mmio main+0x… str … W4 …".
        let (_, _, trace) = try plain(["run", SamplePaths.sample("smmu-dma"), "--trace", "mmio"])
        let line = try #require(trace.split(separator: "\n").first { $0.contains(" W4 ") })
        let at = try #require(line.split(separator: " ").first { $0.hasPrefix("main+0x") })
        let s = try session("smmu-dma", ["--stats"], commands: [
            "break *(\(at))", "continue", "stepi", "p $pc == \(at) + 4", "delete", "continue",
        ])
        #expect(s.gdb.contains("Breakpoint 1, "))
        #expect(s.gdb.contains("$1 = 1"), "one step retires the trapped store and its EL2 emulation: \(s.gdb)")
        #expect(s.gdb.contains("exited normally"))
        let (status, out, err) = try plain(["run", SamplePaths.sample("smmu-dma"), "--stats"])
        #expect(s.status == status && s.stdout == out && s.stderr == err)
    }

    @Test(.enabled(if: ready && SamplePaths.has("smmu-dma"), "needs gdb-multiarch, smmu-emu and the samples"))
    func monitorCommandsShowEL2State() throws {
        // Stop at the IOTLB invalidation after the host unmapped IOVA 0x10001000 (from --trace mmio).
        let (_, _, trace) = try plain(["run", SamplePaths.sample("smmu-dma"), "--trace", "mmio"])
        let line = try #require(trace.split(separator: "\n").first { $0.contains("TLBIIPAS2") })
        let at = try #require(line.split(separator: " ").first { $0.hasPrefix("main+0x") })
        let s = try session("smmu-dma", commands: [
            "break *(\(at))", "continue",
            "monitor smmu 0 cb 1 iova 0x10000000", "monitor smmu 0 cb 1 iova 0x10001000", "monitor smmu 1",
            "monitor owner 0x40081", "monitor owner 0x40080", "monitor npt 0x40080000", "monitor npt 0x7000000",
            "monitor vm 1", "monitor stats", "monitor frobnicate", "delete", "continue",
        ])
        #expect(s.gdb.contains("CBAR 0x1 (VMID 1), EL2 vmid 1, shadow root 0x4dc02000 (TTBR0 points at it)"), "\(s.gdb)")
        #expect(s.gdb.contains("IOVA 0x10000000: maps to 0x40082000"))
        #expect(s.gdb.contains("IOVA 0x10001000: unmapped"))
        #expect(s.gdb.contains("SMMU1: sCR0 "))
        #expect(s.gdb.contains("  cb3: "))
        #expect(s.gdb.contains("pfn 0x40081: owner vm 1, count invalid, gfn 0x10001"))
        #expect(s.gdb.contains("pfn 0x40080: owner host"))
        #expect(s.gdb.contains("host NPT IPA 0x40080000: maps to 0x40080000, level 3, pte 0x400807ff, perms rw, memory normal"))
        #expect(s.gdb.contains("host NPT IPA 0x7000000: unmapped"))
        #expect(s.gdb.contains("vm 1: state "))
        #expect(s.gdb.contains("EL2 emulate_mmio: calls "))
        #expect(s.gdb.contains("unknown or malformed monitor command: frobnicate"))
        #expect(s.gdb.contains("exited normally"))
    }

    /// The same gdb script against QEMU's stub (-s -S) and ours: breakpoint on a symbol, pc, sp,
    /// x30, memory, stepi, a register write, memory through sp. Only how the two name their
    /// threads and inferior differs.
    @Test(.enabled(if: ready && SamplePaths.has("hello") && SamplePaths.qemu != nil, "needs gdb-multiarch, qemu-system-aarch64 and the samples"))
    func sameAnswersAsQEMUsStub() throws {
        let commands = ["break main", "continue", "p/x $pc", "x/4wx _start", "stepi", "p/x $pc", "p/x $sp", "p/x $x30",
                        "set $x9 = 0x77", "p/x $x9", "x/2gx $sp", "p $_thread", "kill"]
        let ours = try session("hello", commands: commands).gdb
        // A free loopback port for QEMU: bind to 0, read it back, release it.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 ? getsockname(fd, $0, &length) : -1 }
        }
        close(fd)
        let port = UInt16(bigEndian: addr.sin_port)
        let qemu = Process()
        qemu.executableURL = URL(fileURLWithPath: SamplePaths.qemu!)
        qemu.arguments = ["-M", "virt", "-cpu", "max", "-m", "256M", "-nographic", "-monitor", "none", "-serial", "null",
                          "-kernel", SamplePaths.sample("hello"), "-gdb", "tcp:127.0.0.1:\(port)", "-S"]
        qemu.standardInput = FileHandle.nullDevice
        qemu.standardOutput = FileHandle.nullDevice
        qemu.standardError = FileHandle.nullDevice
        try qemu.run()
        defer { if qemu.isRunning { qemu.terminate() } }
        Thread.sleep(forTimeInterval: 1)
        let g = Process()
        g.executableURL = URL(fileURLWithPath: GDBStubTests.gdb!)
        var args = ["-nx", "-batch", "-ex", "set architecture aarch64", "-ex", "file \(SamplePaths.sample("hello"))",
                    "-ex", "target remote 127.0.0.1:\(port)"]
        for c in commands { args += ["-ex", c] }
        g.arguments = args
        let pipe = Pipe()
        g.standardOutput = pipe
        g.standardError = pipe
        try g.run()
        let theirs = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        g.waitUntilExit()
        func comparable(_ text: String) -> [Substring] {
            text.split(separator: "\n").filter { !$0.contains("Inferior 1") }
        }
        #expect(ours.contains("Breakpoint 1, 0x0000000040080174 in main"))
        #expect(comparable(ours) == comparable(theirs), "ours:\n\(ours)\nQEMU:\n\(theirs)")
    }

    @Test(.enabled(if: ready && SamplePaths.has("smp"), "needs gdb-multiarch, smmu-emu and the samples"))
    func everyCPUIsAThread() throws {
        let s = try session("smp", ["--cpus", "2", "--stats"], commands: [
            "break secondary_main", "continue", "info threads", "p $_thread",
            "thread 1", "p $_thread", "p/x $pc", "thread 2", "p $pc == secondary_main",
            "delete", "continue",
        ])
        #expect(s.gdb.contains("Thread 2 hit Breakpoint 1") || s.gdb.contains("Breakpoint 1, "), "\(s.gdb)")
        #expect(s.gdb.contains("Thread 1"))
        #expect(s.gdb.contains("Thread 2"))
        #expect(s.gdb.contains("$1 = 2"))
        #expect(s.gdb.contains("$2 = 1"))
        #expect(s.gdb.contains("$4 = 1"))
        #expect(s.gdb.contains("exited normally"))
        let (status, out, err) = try plain(["run", SamplePaths.sample("smp"), "--cpus", "2", "--stats"])
        #expect(s.status == status && s.stdout == out && s.stderr == err)
    }
}
