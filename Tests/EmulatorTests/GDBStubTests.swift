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

    /// Runs gdb-multiarch -batch on `sample`'s symbols, connected to `target`, with `commands`;
    /// returns what it printed.
    static func gdbBatch(_ sample: String, target: String, commands: [String]) throws -> String {
        let g = Process()
        g.executableURL = URL(fileURLWithPath: GDBStubTests.gdb!)
        var args = ["-nx", "-batch", "-ex", "set architecture aarch64", "-ex", "file \(SamplePaths.sample(sample))",
                    "-ex", "target remote \(target)"]
        for c in commands { args += ["-ex", c] }
        g.arguments = args
        let pipe = Pipe()
        g.standardOutput = pipe
        g.standardError = pipe
        try g.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        g.waitUntilExit()
        return text
    }

    /// The same gdb batch against QEMU's stub (`-M virt -cpu max -S`) on `sample`.
    static func qemuBatch(_ sample: String, commands: [String]) throws -> String {
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
                          "-kernel", SamplePaths.sample(sample), "-gdb", "tcp:127.0.0.1:\(port)", "-S"]
        qemu.standardInput = FileHandle.nullDevice
        qemu.standardOutput = FileHandle.nullDevice
        qemu.standardError = FileHandle.nullDevice
        try qemu.run()
        defer { if qemu.isRunning { qemu.terminate() } }
        Thread.sleep(forTimeInterval: 1)
        return try gdbBatch(sample, target: "127.0.0.1:\(port)", commands: commands)
    }

    /// Starts `smmu-emu run SAMPLE --gdb 0 --gdb-wait EXTRA` (with `unixSocket`, on a socket in a
    /// temporary directory instead), runs gdb-multiarch -batch with `commands` against it, and
    /// waits for the emulator to end.
    func session(_ sample: String, _ extra: [String] = [], unixSocket: Bool = false, commands: [String]) throws -> Session {
        let (emu, target, dir, out, err) = try startEmulator(sample, extra, unixSocket: unixSocket)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try GDBStubTests.gdbBatch(sample, target: target, commands: commands)
        emu.waitUntilExit()
        return Session(gdb: text, status: emu.terminationStatus,
                       stdout: try String(contentsOf: out, encoding: .utf8),
                       stderr: try String(contentsOf: err, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                           .filter { !$0.contains("gdb: listening") }.joined(separator: "\n"))
    }

    /// Launches the emulator with a gdb stub and waits until it listens; returns the process, the
    /// `target remote` argument, the temporary directory and the stdout and stderr files in it.
    func startEmulator(_ sample: String, _ extra: [String], unixSocket: Bool) throws -> (Process, String, URL, URL, URL) {
        // Short: a Unix-domain socket path has at most 107 bytes.
        let dir = URL(fileURLWithPath: "/tmp/gdb-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let emu = Process()
        emu.executableURL = URL(fileURLWithPath: CommandLineTests.binary!)
        let socket = dir.appendingPathComponent("gdb.sock").path
        emu.arguments = ["run", SamplePaths.sample(sample), "--gdb", unixSocket ? "unix:\(socket)" : "0", "--gdb-wait"] + extra
        emu.standardOutput = try FileHandle(forWritingTo: out)
        emu.standardError = try FileHandle(forWritingTo: err)
        try emu.run()
        var target: String?
        for _ in 0..<600 where target == nil {
            let text = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            if let r = text.range(of: #"listening on (127\.0\.0\.1:\d+|unix:\S+)"#, options: .regularExpression) {
                // gdb connects to a Unix-domain socket given its path.
                let address = text[r].dropFirst("listening on ".count)
                target = address.hasPrefix("unix:") ? String(address.dropFirst(5)) : String(address)
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let target else {
            emu.terminate()
            throw GDBTestError.noPort
        }
        return (emu, target, dir, out, err)
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

    /// `monitor break-el2` stops when EL2 returns from a hypercall or a handler and prints its
    /// decision; `monitor trace mmio on|off` prints trapped accesses on the emulator's stderr
    /// between two stops. Neither changes the run.
    @Test(.enabled(if: ready && SamplePaths.has("smmu-dma"), "needs gdb-multiarch, smmu-emu and the samples"))
    func breakOnEL2HandlersAndSwitchTracing() throws {
        let s = try session("smmu-dma", ["--stats"], commands: [
            "monitor break-el2 el2_alloc_smmu_pgd", "continue", "p/x $x0", "monitor break-el2 el2_alloc_smmu_pgd off",
            "monitor break-el2 emulate_mmio", "monitor trace mmio on", "continue", "p $pc == main + 0x134",
            "monitor trace mmio off", "monitor trace", "monitor break-el2", "monitor break-el2 emulate_mmio off",
            "monitor break-el2 frobnicate", "monitor trace insn on", "continue",
        ])
        #expect(s.gdb.contains("stopping when EL2's el2_alloc_smmu_pgd returns"), "\(s.gdb)")
        #expect(s.gdb.contains("EL2 hvc el2_alloc_smmu_pgd returned to cpu0 (ELR_EL2 0x"))
        #expect(s.gdb.contains(": hvc el2_alloc_smmu_pgd called, EL2 cycles 10390, x0 0x18"))
        #expect(s.gdb.contains("$1 = 0x18"))
        #expect(s.gdb.contains("trace: mmio"))
        #expect(s.gdb.contains("EL2 emulate_mmio returned to cpu0"))
        #expect(s.gdb.contains(": emulate_mmio SMMU0.GR0.IDR0 emulated 0x2e001e10, EL2 cycles 145"))
        #expect(s.gdb.contains("$2 = 1"), "stopped after the trapped ldr")
        #expect(s.gdb.contains("trace: off"))
        #expect(s.gdb.contains("EL2 breaks: emulate_mmio"))
        #expect(s.gdb.contains("no EL2 handler frobnicate; one of: emulate_mmio map_page_host hvc "))
        #expect(s.gdb.contains("unknown or malformed monitor command: trace insn on"))
        #expect(s.gdb.contains("exited normally"))
        let traced = s.stderr.split(separator: "\n").filter { $0.contains(" cpu0 mmio ") }
        #expect(traced.count == 1 && traced.first?.contains("SMMU0.GR0.IDR0 emulated 0x2e001e10") == true, "\(traced)")
        let (status, out, err) = try plain(["run", SamplePaths.sample("smmu-dma"), "--stats"])
        #expect(s.status == status && s.stdout == out)
        #expect(s.stderr.split(separator: "\n").filter { !$0.contains(" cpu0 mmio ") } == err.split(separator: "\n"))
    }

    /// The same gdb script against QEMU's stub (-s -S) and ours: breakpoint on a symbol, pc, sp,
    /// x30, memory, stepi, a register write, memory through sp. Only how the two name their
    /// threads and inferior differs.
    @Test(.enabled(if: ready && SamplePaths.has("hello") && SamplePaths.qemu != nil, "needs gdb-multiarch, qemu-system-aarch64 and the samples"))
    func sameAnswersAsQEMUsStub() throws {
        // The read watchpoint on main's saved frame pointer fires at its epilogue's ldp.
        let commands = ["break main", "continue", "p/x $pc", "x/4wx _start", "stepi", "p/x $pc", "p/x $sp", "p/x $x30",
                        "set $x9 = 0x77", "p/x $x9", "x/2gx $sp", "p $_thread",
                        "rwatch *(long *)$sp", "continue", "p/x $pc", "delete", "kill"]
        let ours = try session("hello", commands: commands).gdb
        let theirs = try GDBStubTests.qemuBatch("hello", commands: commands)
        func comparable(_ text: String) -> [Substring] {
            text.split(separator: "\n").filter { !$0.contains("Inferior 1") }
        }
        #expect(ours.contains("Breakpoint 1, 0x0000000040080174 in main"))
        #expect(comparable(ours) == comparable(theirs), "ours:\n\(ours)\nQEMU:\n\(theirs)")
    }

    /// The FP/SIMD registers (org.gnu.gdb.aarch64.fpu): written and read back through gdb's views
    /// of them (lanes of every width, the q/d/s pseudo registers it derives), FPCR/FPSR, as QEMU's
    /// stub answers the same script. FPCR gets DN and FZ, bits both CPUs implement.
    @Test(.enabled(if: ready && SamplePaths.has("hello") && SamplePaths.qemu != nil, "needs gdb-multiarch, qemu-system-aarch64 and the samples"))
    func vectorRegistersAsQEMUShowsThem() throws {
        let commands = ["break main", "continue", "p/x $v2.d.u",
                        "set $v0.d.u[0] = 0x1122334455667788", "set $v0.d.u[1] = 0x99aabbccddeeff00",
                        "p/x $v0.d.u", "p/x $v0.s.u", "p/x $v0.h.u[7]", "p/x $v0.b.u[15]", "p/x $q0", "p/x $d0", "p/x $s0",
                        "set $v31.d.f[1] = -2.5", "p $v31.d.f", "p/x $v31.q.u",
                        "set $fpcr = 0x3000000", "p/x $fpcr", "p/x $fpsr", "kill"]
        let ours = try session("hello", commands: commands).gdb
        let theirs = try GDBStubTests.qemuBatch("hello", commands: commands)
        func values(_ text: String) -> [Substring] { text.split(separator: "\n").filter { $0.hasPrefix("$") } }
        #expect(values(ours).count == 12, "ours:\n\(ours)")
        #expect(ours.contains("$2 = {0x1122334455667788, 0x99aabbccddeeff00}"), "ours:\n\(ours)")
        #expect(values(ours) == values(theirs), "ours:\n\(ours)\nQEMU:\n\(theirs)")
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

    /// Watchpoints on the SMP sample's shared counters over a Unix-domain socket: a write
    /// watchpoint reports the old and new value and the thread (CPU) that wrote, a read
    /// watchpoint the CPU that read. Like QEMU's stub, the stop comes after the access; gdb, which
    /// expects AArch64 watchpoints to stop before it (ARM DDI 0487 D2.10), then steps once more,
    /// so the PC it shows is two instructions after the access (QEMU shows the same).
    @Test(.enabled(if: ready && SamplePaths.has("smp"), "needs gdb-multiarch, smmu-emu and the samples"))
    func watchpointsOnSharedVariables() throws {
        let s = try session("smp", ["--cpus", "2", "--stats"], unixSocket: true, commands: [
            "watch *(long *)&locked_counter", "continue", "p $_thread", "p *(long *)&locked_counter", "p/x $pc",
            "delete", "awatch *(long *)&lse_counter", "continue", "p/x $pc", "delete",
            "rwatch *(long *)&done", "continue", "p/x $pc", "delete", "continue",
        ])
        #expect(s.gdb.contains("Hardware watchpoint 1: *(long *)&locked_counter"), "\(s.gdb)")
        #expect(s.gdb.contains("Old value = 0\nNew value = 1"))
        // CPU 1 (thread 2) takes the lock first: CPU 0 is still asking PSCI to start CPUs 2–7.
        #expect(s.gdb.contains("Thread 2 hit Hardware watchpoint 1"))
        #expect(s.gdb.contains("$1 = 2"))
        #expect(s.gdb.contains("$2 = 1"))
        #expect(s.gdb.contains("$3 = 0x40080228"), "the str at secondary_main+0x30, then one step by gdb")
        // LDADDAL reads and writes: an access watchpoint sees it.
        #expect(s.gdb.contains("Thread 2 hit Hardware access (read/write) watchpoint 2: *(long *)&lse_counter"))
        #expect(s.gdb.contains("$4 = 0x40080230"), "the ldaddal at secondary_main+0x38, then one step")
        // The first read of done is CPU 1's LDADDAL as secondary_main returns.
        #expect(s.gdb.contains("Thread 2 hit Hardware read watchpoint 3: *(long *)&done"))
        #expect(s.gdb.contains("$5 = 0x40080064"))
        #expect(s.gdb.contains("exited normally"))
        let (status, out, err) = try plain(["run", SamplePaths.sample("smp"), "--cpus", "2", "--stats"])
        #expect(s.status == status && s.stdout == out && s.stderr == err, "stops do not change the run")
    }

    /// gdb's Ctrl-C is the byte 0x03 while the target runs; raw packets, as gdb -batch cannot
    /// send it. Also vCont? and a vCont continue.
    @Test(.enabled(if: CommandLineTests.binary != nil && SamplePaths.has("bench"), "needs smmu-emu and the samples"))
    func ctrlCInterruptsARunningMachine() throws {
        let (emu, target, dir, _, _) = try startEmulator("bench", [], unixSocket: false)
        defer {
            if emu.isRunning { emu.terminate() }
            try? FileManager.default.removeItem(at: dir)
        }
        let client = try RemoteClient(port: UInt16(target.split(separator: ":").last!)!)
        #expect(client.exchange("?").hasPrefix("T02thread:1;"))
        #expect(client.exchange("vCont?") == "vCont;c;C;s;S")
        client.send("vCont;c")
        Thread.sleep(forTimeInterval: 0.3)
        client.interrupt()
        #expect(client.receive().hasPrefix("T02thread:1;"), "stopped by Ctrl-C")
        let pc = client.exchange("p20")
        #expect(pc.count == 16 && pc != "0000084000000000", "stopped inside the run, not at the entry: \(pc)")
        client.send("k")
        emu.waitUntilExit()
        #expect(emu.terminationStatus == 0)
    }
}

/// A minimal gdb remote-protocol client for what gdb -batch cannot do (Ctrl-C).
final class RemoteClient {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw GDBStubTests.GDBTestError.noPort }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ payload: String) {
        let sum = payload.utf8.reduce(UInt8(0)) { $0 &+ $1 }
        let frame = Array("$\(payload)#\(String(format: "%02x", sum))".utf8)
        _ = frame.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    func interrupt() {
        var b: UInt8 = 3
        _ = write(fd, &b, 1)
    }

    /// The next packet's payload (acknowledged); "" on timeout or hang-up.
    func receive() -> String {
        var payload: [UInt8] = []
        var inPacket = false
        var b: UInt8 = 0
        while recv(fd, &b, 1, 0) == 1 {
            if !inPacket { inPacket = b == UInt8(ascii: "$"); continue }
            if b == UInt8(ascii: "#") {
                _ = recv(fd, &b, 1, 0)
                _ = recv(fd, &b, 1, 0)
                var ack = UInt8(ascii: "+")
                _ = write(fd, &ack, 1)
                return String(decoding: payload, as: UTF8.self)
            }
            payload.append(b)
        }
        return ""
    }

    func exchange(_ payload: String) -> String {
        send(payload)
        return receive()
    }
}
