import ArgumentParser
import Emulator
import Foundation

/// `smmu-emu run IMAGE.elf [options]` (HARDWARE.md's command-line contract).
struct SMMUEmu: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smmu-emu", abstract: "Cycle-level emulator of an ARMv8 hypervisor's IOMMU handling.",
        subcommands: [Run.self, Test.self])
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an AArch64 ELF image. Guest UART output goes to stdout; emulator messages to stderr.",
        discussion: "Example: smmu-emu run firmware-samples/build/hello.elf --stats")

    @Argument(help: "The guest image: an ELF64 AArch64 executable, or an arm64 Linux Image (booted per the Linux boot protocol with a generated device tree).")
    var image: String

    @Option(help: "Number of CPUs, 1–8 (QEMU's -smp). Secondaries start off; PSCI CPU_ON starts them. Example: --cpus 4")
    var cpus: Int = 1

    @Option(help: "RAM size with an optional K/M/G suffix (QEMU's -m). Example: --memory 1G")
    var memory: String = "256M"

    @Option(help: "Stop with exit status 4 when a CPU's cycle counter reaches N. Example: --max-cycles 1000000")
    var maxCycles: UInt64?

    @Option(help: "Stop with exit status 4 after N instructions in total. Example: --max-instructions 5000")
    var maxInstructions: UInt64?

    @OptionGroup var el2: EL2Options

    @Flag(help: "After every EL2 handler, check KCore's state invariants (page ownership against the host NPT and the shadow tables, share counts, locks, nothing changed after a panic) and compute from the SMMUs' real registers and tables which pages each stream can reach; warn about each violation, EL2 page or other VM's page.")
    var checkInvariants = false

    @Flag(help: "Like --check-invariants, but a reachable EL2 or foreign VM page is a hypervisor panic (exit 3). The host must then enable and route both SMMUs before any trap after reset.")
    var strictSMMU = false

    @Option(help: "Comma-separated trace streams on stderr: mmio (trapped SMMU accesses, disassembled), hvc (hypercalls), s2 (host stage-2 faults and mappings), dma (each DMA transaction through an SMMU: stream, context bank, IOVA, PA or fault), insn (every instruction with the registers it changed; for small images), guest (device accesses the guest got wrong: UNPREDICTABLE or read-only, ignored). Example: --trace mmio,hvc,dma")
    var trace: String?

    @Option(help: "Write the trace events as JSON Lines to FILE (schema in Documentation/Trace.md); without --trace, all streams but insn. Example: --trace-json trace.jsonl")
    var traceJson: String?

    @Option(help: "Write the spec's lock log to FILE ('-' for stderr): one event per line in cycle order, '[cycle] cpuN LOCK TEVENT n (...)' for WAIT_LOCK (with ticket and wait), OPULL, the push of the shared object, REL_LOCK (Documentation/Trace.md). Example: --lock-log locks.txt")
    var lockLog: String?

    @Option(help: "Write the run as a timeline in Chrome Trace Event Format JSON to FILE, for the Perfetto UI or chrome://tracing: a track per CPU (guest time, EL2 handlers by name, the lock waits inside them) and per SMMU (DMA transactions). Example: --trace-perfetto run.json")
    var tracePerfetto: String?

    @Option(help: "YAML file overriding cycle costs (sections cpu and el2; see Documentation/CostModel.md). Example: --cost-model costs.yaml")
    var costModel: String?

    @Flag(help: "Print on stderr at the end: per-CPU cycles, instructions, IPC, exception counts and lock waits; EL2 calls and cycles per handler; the host NPT pool's use; each lock's contention; each SMMU's translations, IOTLB hits, walks and faults.")
    var stats = false


    @Option(help: ArgumentHelp("The SHA-256 VM VMID's image must hash to for verify_vm_image: 64 hex digits, or a file that is hashed (repeatable; a VM without one fails verification). Example: --vm-image 1=firmware-samples/build/vm-boot.img", valueName: "VMID=SHA256HEX|FILE"))
    var vmImage: [String] = []

    @Option(help: "Write the device tree generated for this machine (flattened, v17; decompile with dtc -I dtb) to FILE and exit without running (QEMU's dumpdtb). Example: --dump-dtb virt.dtb")
    var dumpDtb: String?

    @Option(help: "Kernel command line: the generated device tree's /chosen/bootargs (QEMU's -append). Example: --append \"console=ttyAMA0\"")
    var append: String?

    @Option(help: "Contents of the 64 MiB read-only flash at address 0 (erased, 0xFF, beyond them; QEMU's -pflash). Example: --flash u-boot-env.bin")
    var flash: String?

    @Option(help: "Where the PL011's receiver reads from: none (nothing is ever received; the default) or stdio (standard input, in raw mode when it is a terminal, so a user can type into the guest; the terminal is restored on exit). Example: --serial stdio")
    var serial: String = "none"

    @Option(help: "For an arm64 Image: pass this device tree blob instead of the generated one (QEMU's -dtb). Example: --dtb my.dtb")
    var dtb: String?

    @Option(help: "For an arm64 Image: load FILE as the initial RAM disk after the kernel and name it in /chosen (QEMU's -initrd). Example: --initrd initramfs.cpio.gz")
    var initrd: String?

    @Option(help: "Wait for gdb's remote protocol on this loopback TCP port (0: any free port, printed on stderr) or on a Unix-domain socket unix:PATH; the machine stops when gdb attaches. Example: --gdb 1234")
    var gdb: String?

    @Flag(help: "With --gdb, hold the CPUs at the first instruction until gdb continues (QEMU's -S).")
    var gdbWait = false

    func validate() throws {
        if gdbWait && gdb == nil { throw ValidationError("--gdb-wait needs --gdb PORT") }
        if let gdb, GDBEndpoint(gdb) == nil { throw ValidationError("--gdb takes a TCP port (0 to 65535) or unix:PATH") }
        guard (1...8).contains(cpus) else { throw ValidationError("--cpus must be between 1 and 8") }
        if serial != "none" && serial != "stdio" { throw ValidationError("--serial takes none or stdio") }
        if let trace {
            for t in trace.split(separator: ",") where TraceKind(rawValue: String(t)) == nil {
                throw ValidationError("--trace takes a comma-separated list of: \(TraceKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        guard Run.parseSize(memory) != nil else { throw ValidationError("--memory must be a size like 256M or 1G (64M to 64G, 4 KiB multiple; EL2 keeps 36 MiB at the top)") }
        var seen = Set<UInt32>()
        for v in vmImage {
            do {
                let o = try VMImageOption.parse(v)
                guard seen.insert(o.vmid).inserted else { throw ValidationError("--vm-image: VM \(o.vmid) given twice") }
            } catch let e as VMImageOption.ParseError {
                throw ValidationError("--vm-image: \(e)")
            }
        }
    }

    /// Runs `machine` on its own thread with a gdb stub at `endpoint`; nil when gdb killed it.
    func runUnderGDB(_ machine: Machine, endpoint: GDBEndpoint) throws -> RunResult? {
        let debugger = Debugger(machine: machine, holdAtReset: gdbWait)
        let server: GDBServer
        do {
            switch endpoint {
            case .tcp(let port): server = try GDBServer(debugger: debugger, port: port)
            case .unix(let path): server = try GDBServer(debugger: debugger, unixPath: path)
            }
        } catch {
            stderrLine("smmu-emu: error: gdb: \(error)")
            throw ExitCode(2)
        }
        stderrLine("smmu-emu: gdb: listening on \(server.address)")
        debugger.start()
        _ = server.serve()
        if server.killed, debugger.stop?.cpu != nil {
            stderrLine("smmu-emu: killed by gdb")
            return nil
        }
        // Detached or disconnected: the run goes on to its end.
        debugger.detach()
        while true {
            if case .exited(let status, let reason) = debugger.waitForStop(timeout: 3600) {
                return RunResult(exitStatus: status, reason: reason)
            }
        }
    }

    static func parseSize(_ s: String) -> UInt64? {
        var digits = s.uppercased()
        var mult: UInt64 = 1 << 20
        if let last = digits.last, "KMG".contains(last) {
            mult = last == "K" ? 1 << 10 : last == "M" ? 1 << 20 : 1 << 30
            digits.removeLast()
        }
        guard let n = UInt64(digits), n > 0, n <= (64 << 30) / mult else { return nil }
        let size = n * mult
        return size >= 64 << 20 && size & 0xFFF == 0 ? size : nil
    }

    func run() throws {
        var config = MachineConfiguration()
        config.cpus = cpus
        config.ramSize = Run.parseSize(memory)!
        if let maxCycles { config.maxCycles = maxCycles }
        if let maxInstructions { config.maxInstructions = maxInstructions }
        config.handlers = el2.handlers ?? .impl
        config.checkRefinement = el2.checkRefinement
        config.checkInvariants = checkInvariants
        config.strictSMMU = strictSMMU
        config.vmImages = vmImage.compactMap { try? VMImageOption.parse($0) }  // checked in validate()
        config.trace = Set((trace ?? "").split(separator: ",").compactMap { TraceKind(rawValue: String($0)) })
        if traceJson != nil && trace == nil { config.trace = TraceKind.events }
        config.recordPerfetto = tracePerfetto != nil
        config.bootArguments = append
        config.deviceTreeFile = dtb
        config.initrdFile = initrd
        config.flashFile = flash
        if let costModel {
            do { try CostModelFile.apply(path: costModel, to: &config) } catch {
                stderrLine("smmu-emu: error: \(error)")
                throw ExitCode(2)
            }
        }
        if let dumpDtb {
            guard FileManager.default.createFile(atPath: dumpDtb, contents: Data(config.deviceTree)) else {
                stderrLine("smmu-emu: error: cannot write \(dumpDtb)")
                throw ExitCode(2)
            }
            stderrLine("smmu-emu: device tree written to \(dumpDtb)")
            return
        }
        let machine: Machine
        do {
            machine = try Machine(imagePath: image, configuration: config) { byte in
                var b = byte
                _ = fwrite(&b, 1, 1, stdout)
            }
        } catch {
            stderrLine("smmu-emu: error: \(error)")
            throw ExitCode(2)
        }
        machine.warningSink = { stderrLine("smmu-emu: " + $0) }
        if serial == "stdio" {
            Terminal.enterRawModeIfInteractive()
            if isatty(STDOUT_FILENO) == 1 { setvbuf(stdout, nil, _IONBF, 0) }  // prompts without a newline show at once
            machine.serialInput = SerialInput(fileDescriptor: STDIN_FILENO)
        }
        var perfettoFile: UnsafeMutablePointer<FILE>?
        if let tracePerfetto {
            // Opened before the run, so an unwritable path fails at once, not after a long run.
            guard let f = fopen(tracePerfetto, "w") else {
                stderrLine("smmu-emu: error: cannot write \(tracePerfetto)")
                throw ExitCode(2)
            }
            perfettoFile = f
        }
        var jsonFile: UnsafeMutablePointer<FILE>?
        if let traceJson {
            guard let f = fopen(traceJson, "w") else {
                stderrLine("smmu-emu: error: cannot write \(traceJson)")
                throw ExitCode(2)
            }
            jsonFile = f
            machine.traceJSONSink = { line in fputs(line + "\n", f) }
        }
        defer { if let jsonFile { fclose(jsonFile) } }
        var lockFile: UnsafeMutablePointer<FILE>?
        if let lockLog {
            if lockLog == "-" {
                machine.logLocks { stderrLine($0) }
            } else {
                guard let f = fopen(lockLog, "w") else {
                    stderrLine("smmu-emu: error: cannot write \(lockLog)")
                    throw ExitCode(2)
                }
                lockFile = f
                machine.logLocks { fputs($0 + "\n", f) }
            }
        }
        defer { if let lockFile { fclose(lockFile) } }
        // Under gdb, `monitor trace mmio on` starts a stream the command line did not name.
        let printText = trace != nil || gdb != nil && traceJson == nil
        machine.traceSink = { line in
            guard printText else { return }
            stderrLine(line)
        }
        let counters = el2.coverageCounters()
        machine.kcore.coverage = counters
        let result: RunResult
        if let gdb, let endpoint = GDBEndpoint(gdb) {
            guard let r = try runUnderGDB(machine, endpoint: endpoint) else { throw ExitCode(0) }
            result = r
        } else {
            result = machine.run()
        }
        fflush(stdout)
        if let perfettoFile, let timeline = machine.perfetto {
            timeline.write { fputs($0, perfettoFile) }
            fclose(perfettoFile)
        }
        if let counters { try el2.coverageOutput.write(CoverageReport(coverage: counters, runs: 1)) }
        for d in machine.knownDivergences {
            stderrLine("smmu-emu: allowed \(d)")
        }
        if result.exitStatus != 0 || stats {
            stderrLine("smmu-emu: \(result.reason)")
        }
        if stats { stderrLine(machine.statistics()) }
        throw ExitCode(result.exitStatus)
    }
}

struct Test: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run regression suites of scenario files (YAML; Documentation/Scenarios.md).",
        discussion: "Prints a line per failure and ends with 'N passed, M failed'; exits 1 when any failed. Example: smmu-emu test Tests/Scenarios --junit results.xml")

    @Argument(help: "Scenario files or directories (searched for .yaml/.yml).")
    var paths: [String]

    @OptionGroup var el2: EL2Options

    @Option(help: "Scenarios run at once (default: the number of cores). Example: --jobs 2")
    var jobs: Int?

    @Option(help: "Write JUnit XML here. Example: --junit results.xml")
    var junit: String?

    func validate() throws {
        if let jobs, !(1...64).contains(jobs) { throw ValidationError("--jobs must be 1 to 64") }
    }

    func run() throws {
        let files = ScenarioRunner.collect(paths)
        let counters = el2.coverageCounters()
        let results = ScenarioRunner.run(files: files, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, coverage: counters) { c in
            if let handlers = el2.handlers { c.handlers = handlers }
            if el2.checkRefinement { c.checkRefinement = true }
        }
        for r in results where r.failure != nil { print("FAIL \(r.file): \(r.name): \(r.failure!)") }
        let failed = results.filter { $0.failure != nil }.count
        if let junit {
            do { try ScenarioRunner.junit(results).write(toFile: junit, atomically: true, encoding: .utf8) } catch {
                stderrLine("smmu-emu: error: cannot write \(junit)")
                throw ExitCode(2)
            }
        }
        print("\(results.count - failed) passed, \(failed) failed")
        if let counters { try el2.coverageOutput.write(CoverageReport(coverage: counters, runs: results.count)) }
        if failed > 0 || results.isEmpty { throw ExitCode(1) }
    }
}

/// The EL2 options `run` and `test` share: which spec level drives the handlers, the refinement
/// check, and spec-branch coverage.
struct EL2Options: ParsableArguments {
    @Option(help: "Which level of the seed spec drives the EL2 handlers: impl (the primitives' composition, what SeKVM's C runs; the default) or spec (the atomic specs). For test, it overrides every scenario's level. Example: --handlers spec")
    var handlers: HandlerLevel?

    @Flag(help: "Run both spec levels on every EL2 call and stop (exit 3; in test, fail the scenario) at the first difference outside the known-divergence allow-list.")
    var checkRefinement = false

    @Flag(help: "Count which spec branches of the seed functions and the primitives below them were taken, at each level (in test, summed over all scenarios), and print the table and the never-reached branches on stderr.")
    var coverage = false

    @Option(help: "Write the spec-branch coverage as JSON to FILE (implies --coverage counting; schema in Documentation/Scenarios.md). Example: --coverage-json coverage.json")
    var coverageJson: String?

    /// Branch counters when either coverage option asks for them.
    func coverageCounters() -> CoverageReport.Counters? { coverage || coverageJson != nil ? CoverageReport.counters() : nil }
    var coverageOutput: CoverageOutput { CoverageOutput(text: coverage, json: coverageJson) }
}

extension HandlerLevel: ExpressibleByArgument {}

/// Where `--coverage` / `--coverage-json` send the report.
struct CoverageOutput {
    var text: Bool
    var json: String?
    func write(_ report: CoverageReport) throws {
        if text { stderrLine(report.text) }
        if let json {
            do { try report.json.write(toFile: json, atomically: true, encoding: .utf8) } catch {
                stderrLine("smmu-emu: error: cannot write \(json)")
                throw ExitCode(2)
            }
        }
    }
}

/// Writes one line of emulator output (a message, a trace line, a report) to stderr; stdout is the guest's.
func stderrLine(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

// Usage errors exit 64 (HARDWARE.md), not ArgumentParser's default; --help still exits 0.
do {
    var command = try SMMUEmu.parseAsRoot()
    try command.run()
} catch let e as ExitCode {
    exit(e.rawValue)
} catch {
    if SMMUEmu.exitCode(for: error) == .success { SMMUEmu.exit(withError: error) }
    stderrLine(SMMUEmu.fullMessage(for: error))
    exit(64)
}

/// Where `--gdb` listens: a loopback TCP port, or a Unix-domain socket (`unix:PATH`).
enum GDBEndpoint {
    case tcp(UInt16)
    case unix(String)

    init?(_ text: String) {
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { return nil }
            self = .unix(path)
        } else if let port = UInt16(text) {
            self = .tcp(port)
        } else {
            return nil
        }
    }
}
