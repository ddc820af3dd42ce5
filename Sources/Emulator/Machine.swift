import Foundation
import AArch64
import KCore
import SMMUDevice
import Stage2

/// Machine options (HARDWARE.md defaults).
public struct MachineConfiguration {
    public var ramBase: UInt64 = 0x4000_0000
    public var ramSize: UInt64 = 256 << 20
    public var cpus = 1
    public var maxCycles: UInt64 = .max
    public var maxInstructions: UInt64 = .max
    public var costs = CPUCostModel()
    /// EL2 handler costs (trap entry, primitive steps, table and device accesses, ERET).
    public var el2Costs = KCoreCostModel()
    /// Which level of the seed spec drives EL2 (`--handlers`), and whether both run on every call.
    public var handlers: KCore.HandlerLevel = .impl
    public var checkRefinement = false
    /// After every EL2 handler, check KCore's state invariants (`KCoreInvariants`) and compute
    /// what each SMMU stream can reach, warning about violations, EL2 or foreign VM pages
    /// (`--check-invariants`); `--strict-smmu` makes an SMMU finding a panic.
    public var checkInvariants = false
    public var strictSMMU = false
    /// Trace streams to print (`--trace mmio,hvc,s2,dma`).
    public var trace: Set<TraceKind> = []
    /// The SHA-256 each VM's image must hash to for `verify_vm_image` (`--vm-image VMID=…`);
    /// a VM without one fails verification (a hypervisor panic).
    public var vmImages: [VMImageOption] = []
    /// Record the run as a timeline for `--trace-perfetto` (`Machine.perfetto`).
    public var recordPerfetto = false
    public init() {}
}

/// What `--trace` can show: trapped SMMU accesses, hypercalls, host stage-2 faults and mappings,
/// DMA transactions through the SMMUs.
public enum TraceKind: String, CaseIterable, Sendable {
    case mmio, hvc, s2, dma
    /// Every instruction with its disassembly and the registers it changed (for small images).
    case insn

    /// The streams that are `TraceEvent`s (all but insn, which is text only): what
    /// `--trace-json` records when `--trace` does not narrow it.
    public static let events: Set<TraceKind> = [.mmio, .hvc, .s2, .dma]
}

/// How a run ended; `exitStatus` follows HARDWARE.md's command-line contract.
public struct RunResult {
    public var exitStatus: Int32
    public var reason: String
    public init(exitStatus: Int32, reason: String) {
        self.exitStatus = exitStatus
        self.reason = reason
    }
}

/// The emulated machine: RAM, UART, CPUs, and the native EL2 handler for PSCI.
///
/// CPUs are interleaved deterministically: the powered-on CPU with the lowest cycle count runs
/// next (ties: lowest index) for at most `quantum` cycles, so a run is reproducible bit for bit.
public final class Machine {
    public let configuration: MachineConfiguration
    public let ram: PhysicalMemory
    public let bus: PhysicalBus
    public let cpus: [CPU]
    public let image: ELFImage
    /// SMMU 0 and 1 (HARDWARE.md: 8 and 4 context banks) and the DMA engines behind them.
    public let smmus: [SMMU]
    public let dmaEngines: [DMAEngine]
    /// The EL2 software: host stage-2 table, SMMU emulation, hypercalls.
    public let kcore: KCore
    /// Where trace lines go (stderr for the CLI).
    public var traceSink: (String) -> Void = { _ in }
    /// Where `--trace-json` records go (one JSON object per line), if anywhere.
    public var traceJSONSink: ((String) -> Void)?
    lazy var disassembler = Disassembler()
    /// Distinct SMMU reachability findings so far, in the order they appeared.
    public internal(set) var smmuFindings: [String] = []
    /// KCore state invariants found broken so far (`--check-invariants`), each once, in order.
    public internal(set) var invariantViolations: [InvariantViolation] = []
    /// The KCore state after the previous handler once the machine has panicked, for the "a
    /// panicked machine changes nothing" check; nil before.
    var invariantBaseline: SpecState?
    /// How far `--check-invariants` has read the ownership journal (nil: nothing checked yet).
    var invariantPagesSeen: Int?
    /// The shadow tables' generation and the slots' owners at the last check.
    var invariantSPTSeen: (Int, [UInt32])?
    /// Per CPU: the last stage-2 fault and how often it came back with no instruction retired
    /// in between (a guest can livelock EL2, e.g. fetching from a device page it maps XN).
    var repeatedFaults: [RepeatedFault]
    /// Identical stage-2 faults in a row, no instruction retired, after which the run stops.
    static let livelockBound = 10_000
    /// Whether `SMMUReachability` has run once (later runs only follow handlers that can change it).
    var smmuReachabilityChecked = false
    /// Where warnings go (stderr for the CLI).
    public var warningSink: (String) -> Void = { _ in }
    /// Known spec-level/implementation-level divergences met during the run (with --check-refinement).
    public internal(set) var knownDivergences: [String] = []
    /// Cycles each CPU spent in EL2 handlers.
    public internal(set) var el2Cycles: [UInt64]
    /// EL2 calls and cycles per handler, for `--stats`.
    public internal(set) var el2Statistics = EL2Statistics()
    /// The timeline being recorded (with `recordPerfetto`); write it after `run`.
    public let perfetto: PerfettoTrace?
    /// The CPU executing now, if any: a device's side effects (a DMA copy) happen inside one of
    /// its instructions, and their trace events carry its index and clock.
    var runningCPU: CPU?
    static let quantum: UInt64 = 10_000
    /// `--lock-log`: the lock events of every EL2 handler, printed in cycle order.
    var lockLog: CycleOrderedLog?

    /// Sends every lock event (the spec's log: wait, pull, push, release, per CPU, with its
    /// cycle) to `sink`, one line each, in cycle order.
    public func logLocks(to sink: @escaping (String) -> Void) {
        lockLog = CycleOrderedLog(sink)
        installLockSink()
    }

    /// Lock waits of the handler running now, for the timeline (`recordHandler` takes them).
    var handlerLockWaits: [(cycle: UInt64, wait: LockWait)] = []

    /// One sink for KCore's lock events: the `--lock-log` printer and the timeline's lock waits.
    func installLockSink() {
        kcore.locks.sink = { [unowned self] e in
            lockLog?.add(e)
            if perfetto != nil, case .waitLock = e.event.kind, e.waited > 0 {
                handlerLockWaits.append((e.cycle, LockWait(lock: LockID.name(e.lock), offset: 0, cycles: e.waited)))
            }
        }
    }

    /// A machine running the ELF image at `imagePath`.
    public convenience init(imagePath: String, configuration: MachineConfiguration, output: @escaping (UInt8) -> Void) throws(ELFLoadError) {
        try self.init(configuration: configuration, output: output, imageName: URL(fileURLWithPath: imagePath).lastPathComponent) {
            ram throws(ELFLoadError) in try ELFImage(path: imagePath, into: ram)
        }
    }

    /// A machine whose guest `load` puts into RAM (an ELF file, or a host-action program);
    /// `imageName` names it in the timeline.
    public init(
        configuration: MachineConfiguration, output: @escaping (UInt8) -> Void, imageName: String = "host actions",
        load: (PhysicalMemory) throws(ELFLoadError) -> ELFImage
    ) throws(ELFLoadError) {
        self.configuration = configuration
        guard let ram = PhysicalMemory(base: configuration.ramBase, size: configuration.ramSize) else {
            throw .unreadable("cannot reserve \(configuration.ramSize) bytes of RAM")
        }
        self.ram = ram
        let bus = PhysicalBus(ram: ram)
        self.bus = bus
        bus.attach(PL011(sink: output), base: 0x0900_0000, size: 0x1000)
        let smmus = [SMMU(name: "SMMU0", contextBanks: 8, memory: ram), SMMU(name: "SMMU1", contextBanks: 4, memory: ram)]
        let dmas = smmus.enumerated().map { DMAEngine(name: "DMA\($0.offset)", smmu: $0.element, memory: ram) }
        for (i, s) in smmus.enumerated() { bus.attach(s, base: 0x0905_0000 + UInt64(i) * 0x1_0000, size: 0x1_0000) }
        for (i, d) in dmas.enumerated() { bus.attach(d, base: 0x0907_0000 + UInt64(i) * 0x1000, size: 0x1000) }
        self.smmus = smmus
        dmaEngines = dmas
        image = try load(ram)
        let monitor = GlobalMonitor()
        let costs = configuration.costs
        cpus = (0..<max(1, min(8, configuration.cpus))).map { CPU(index: $0, bus: bus, monitor: monitor, costs: costs) }
        var kc = KCore.Configuration()
        kc.ramBase = configuration.ramBase
        kc.ramSize = configuration.ramSize
        kc.handlers = configuration.handlers
        kc.checkRefinement = configuration.checkRefinement
        kc.costModel = configuration.el2Costs
        // Image verification: the configured digests, checked with swift-crypto's SHA-256.
        for v in configuration.vmImages { kc.vmImageHashes[v.vmid] = v.sha256 }
        kc.sha256 = VMImageOption.sha256
        let kcore = KCore(configuration: kc, memory: ram, smmu: BusSMMUHardware(bus: bus, bases: kc.smmuConf.physBase))
        for (i, seg) in image.segments.enumerated()
        where seg.start < kcore.carveOut.base + kcore.carveOut.size && kcore.carveOut.base < seg.end {
            throw .segmentInHypervisorMemory(index: i)
        }
        self.kcore = kcore
        el2Cycles = Array(repeating: 0, count: cpus.count)
        repeatedFaults = Array(repeating: RepeatedFault(), count: cpus.count)
        perfetto = configuration.recordPerfetto
            ? PerfettoTrace(image: imageName, cpus: cpus.count, smmus: smmus.map(\.name)) : nil
        // The host runs under stage 2 from reset (HCR_EL2.VM), with SMC trapped (HCR_EL2.TSC), as SeKVM sets it.
        for c in cpus {
            c.el2.hcr = 1 | 1 << 19
            c.el2.vttbr = kcore.vttbr
            c.el2.vtcr = kcore.vtcr
        }
        cpus[0].powerOn(entry: image.entry, context: 0)
        if configuration.trace.contains(.insn) { installInstructionTrace() }
        if configuration.trace.contains(.dma) || perfetto != nil { installDMATrace() }
        if perfetto != nil { installLockSink() }
    }

    /// `--trace insn`: the CPU calls the observer before each instruction; the observer prints
    /// the previous instruction of that CPU with what it changed, then remembers this one.
    func installInstructionTrace() {
        for cpu in cpus {
            var previous: (pc: UInt64, word: UInt32, cycle: UInt64)?
            var regs = [UInt64](repeating: 0, count: 32)
            cpu.traceInstructions = true
            cpu.instructionObserver = { [unowned self, unowned cpu] pc, word in
                if let p = previous {
                    var changes: [String] = []
                    for i in 0..<31 where cpu.x(i) != regs[i] { changes.append("x\(i)=0x" + String(cpu.x(i), radix: 16)) }
                    if cpu.nzcv != regs[31] { changes.append("nzcv=0x" + String(cpu.nzcv >> 28, radix: 16)) }
                    var line = "[\(p.cycle)] cpu\(cpu.index) insn \(self.image.symbolize(p.pc)) "
                    line += self.disassembler.disassemble(p.word, at: p.pc)
                    if !changes.isEmpty { line += " ; " + changes.joined(separator: " ") }
                    self.traceSink(line)
                }
                for i in 0..<31 { regs[i] = cpu.x(i) }
                regs[31] = cpu.nzcv
                previous = (pc, word, cpu.cycles)
            }
        }
    }

    var totalInstructions: UInt64 { cpus.reduce(0) { $0 &+ $1.instructionsRetired } }

    /// Runs until power-off, a limit, or a state no CPU can leave.
    public func run() -> RunResult {
        let result = runCPUs()
        lockLog?.finish()
        runningCPU = nil
        if let perfetto {
            let last = cpus.max { ($0.cycles, $1.index) < ($1.cycles, $0.index) } ?? cpus[0]
            perfetto.finish(cycles: cpus.map(\.cycles), instructions: cpus.map(\.instructionsRetired))
            perfetto.instant(cpu: last.index, name: "end of run", at: last.cycles,
                             arguments: [("exitStatus", .int(UInt64(max(0, result.exitStatus)))), ("reason", .string(result.reason))])
        }
        return result
    }

    /// The scheduler. A CPU that exits to EL2 stops there until it is the CPU with the lowest
    /// cycle count: EL2 handlers therefore run in the order their CPUs trapped (ties: lowest
    /// index), which is what makes ticket locks serve CPUs in arrival order (KCore's
    /// TicketLocks). Meanwhile no other CPU runs past the cycle of a pending trap.
    func runCPUs() -> RunResult {
        var waiting = Set<Int>()
        var pending: [Int: CPUExit] = [:]
        while true {
            let live = cpus.filter { $0.isPoweredOn && !waiting.contains($0.index) }
            guard let cpu = live.min(by: { ($0.cycles, $0.index) < ($1.cycles, $1.index) }) else {
                return RunResult(exitStatus: 5, reason: "every CPU is off or waiting for an interrupt that cannot come")
            }
            if let exit = pending.removeValue(forKey: cpu.index) {
                lockLog?.flush(before: cpu.cycles)
                runningCPU = cpu
                switch exit {
                case .stage2Abort:
                    if let end = handleStage2Abort(cpu) { return end }
                    cpu.returnFromEL2(ramWritten: false)
                default:
                    if let end = handleHypercall(cpu, smc: cpu.el2.esr >> 26 == 0x17) { return end }
                    cpu.returnFromEL2(ramWritten: false)
                    if !cpu.isPoweredOn { perfetto?.enter(cpu: cpu.index, nil, at: cpu.cycles, instructions: cpu.instructionsRetired) }
                    wake(&waiting, at: cpu.cycles)
                }
                continue
            }
            if cpu.cycles >= configuration.maxCycles {
                return RunResult(exitStatus: 4, reason: "cycle limit \(configuration.maxCycles) reached")
            }
            // The limit counts attempted instructions (retired, or faulted into an exception), so
            // a guest that only takes exceptions still reaches it.
            let done = cpus.reduce(0) { $0 &+ $1.instructionsAttempted }
            if done >= configuration.maxInstructions {
                return RunResult(exitStatus: 4, reason: "instruction limit \(configuration.maxInstructions) reached")
            }
            var limit = min(configuration.maxCycles, cpu.cycles &+ Machine.quantum)
            if let trap = pending.keys.map({ cpus[$0].cycles }).min() { limit = min(limit, max(trap, cpu.cycles &+ 1)) }
            runningCPU = cpu
            perfetto?.enter(cpu: cpu.index, .guest, at: cpu.cycles, instructions: cpu.instructionsRetired)
            let exit = cpu.run(cycleLimit: limit, instructionLimit: configuration.maxInstructions - done)
            switch exit {
            case .cycleLimit, .instructionLimit:
                continue
            case .waitForEvent:
                // WFE: give the other CPUs the next slot by moving this CPU's clock past theirs.
                perfetto?.enter(cpu: cpu.index, .waitForEvent, at: cpu.cycles, instructions: cpu.instructionsRetired)
                let next = cpus.filter { $0.isPoweredOn && $0 !== cpu }.map(\.cycles).min() ?? cpu.cycles
                cpu.cycles = max(cpu.cycles, next) &+ 1
                wake(&waiting, at: cpu.cycles)
            case .waitForInterrupt:
                perfetto?.enter(cpu: cpu.index, nil, at: cpu.cycles, instructions: cpu.instructionsRetired)
                waiting.insert(cpu.index)
            case .exceptionLivelock:
                return RunResult(exitStatus: 5, reason: "cpu\(cpu.index) makes no progress: \(CPU.exceptionLivelockBound) EL1 exceptions in a row at the first instruction of the vector, none retired (ELR_EL1 \(hex(cpu.readSystemRegister("ELR_EL1") ?? 0)), ESR_EL1 \(hex(cpu.readSystemRegister("ESR_EL1") ?? 0)), VBAR_EL1 \(hex(cpu.readSystemRegister("VBAR_EL1") ?? 0)))")
            case .hypervisorCall, .secureMonitorCall, .stage2Abort:
                pending[cpu.index] = exit  // handled when this CPU's cycle count is the lowest
            }
        }
    }

    /// CPUs in WFI wake up (a hypercall or an event may have given them work) at the cycle of
    /// the waking event: they idled until then, so their next trap cannot come before traps
    /// already handled (EL2 stays in cycle order).
    func wake(_ waiting: inout Set<Int>, at cycle: UInt64) {
        for i in waiting { cpus[i].cycles = max(cpus[i].cycles, cycle) }
        waiting.removeAll()
    }

    /// The PSCI function's name (DEN0022), for the timeline; nil for ids PSCI does not define here.
    static func psciFunctionName(_ fn: UInt64) -> String? {
        switch fn {
        case 0x8400_0000: "PSCI_VERSION"
        case 0x8400_0002: "CPU_OFF"
        case 0xC400_0003: "CPU_ON"
        case 0xC400_0004: "AFFINITY_INFO"
        case 0x8400_0008: "SYSTEM_OFF"
        case 0x8400_0009: "SYSTEM_RESET"
        default: nil
        }
    }

    /// PSCI over HVC #0 (HARDWARE.md). Returns a run result when the call ends the run.
    func psci(_ cpu: CPU) -> RunResult? {
        let fn = cpu.x(0) & 0xFFFF_FFFF
        switch fn {
        case 0x8400_0000: cpu.setX(0, 0x1_0001)  // PSCI_VERSION 1.1
        case 0x8400_0008: return RunResult(exitStatus: 0, reason: "guest powered off (PSCI SYSTEM_OFF)")
        case 0x8400_0009: return RunResult(exitStatus: 0, reason: "guest requested a reset (PSCI SYSTEM_RESET); the run ends")
        case 0x8400_0002: cpu.isPoweredOn = false  // CPU_OFF
        case 0xC400_0003:  // CPU_ON
            let target = Int(cpu.x(1) & 0xFF)
            if cpu.x(1) & ~0x8000_00FF != 0 || target >= cpus.count {
                cpu.setX(0, UInt64(bitPattern: -2))
            } else if cpus[target].isPoweredOn {
                cpu.setX(0, UInt64(bitPattern: -4))
            } else {
                cpus[target].powerOn(entry: cpu.x(2), context: cpu.x(3))
                cpus[target].cycles = cpu.cycles
                cpu.setX(0, 0)
            }
        case 0xC400_0004:  // AFFINITY_INFO
            let target = Int(cpu.x(1) & 0xFF)
            cpu.setX(0, target < cpus.count ? (cpus[target].isPoweredOn ? 0 : 1) : UInt64(bitPattern: -2))
        default:
            if fn >> 24 == 0x84 || fn >> 24 == 0xC4 { cpu.setX(0, UInt64(bitPattern: -1)) }
        }
        return nil
    }

    /// Per-CPU and total statistics for `--stats`.
    public func statistics() -> String {
        var lines: [String] = []
        var tc: UInt64 = 0, ti: UInt64 = 0
        for c in cpus {
            let ipc = c.cycles == 0 ? 0 : Double(c.instructionsRetired) / Double(c.cycles)
            let exc = c.stats.exceptionsToEL1.values.reduce(0, +), el2 = c.stats.exceptionsToEL2.values.reduce(0, +)
            let s2 = c.stats.exceptionsToEL2[0x24, default: 0] &+ c.stats.exceptionsToEL2[0x20, default: 0]
            lines.append("cpu\(c.index): cycles \(c.cycles) instructions \(c.instructionsRetired) IPC \(String(format: "%.3f", ipc)) exceptions-to-EL1 \(exc) exits-to-EL2 \(el2) (stage-2 aborts \(s2)) EL2-cycles \(el2Cycles[c.index]) lock-wait \(kcore.locks.waitByCPU[c.index, default: 0])")
            tc = max(tc, c.cycles)
            ti &+= c.instructionsRetired
        }
        lines.append("total: cycles \(tc) instructions \(ti)")
        lines += el2Statistics.lines
        lines.append("\(kcore.nptPoolUsage)")
        for (id, l) in kcore.locks.contention.sorted(by: { $0.key < $1.key }) {
            lines.append("lock \(LockID.name(id)): acquisitions \(l.acquisitions) contended \(l.contended) wait-cycles \(l.waitCycles)")
        }
        for s in smmus {
            let st = s.stats
            lines.append("\(s.name): translations \(st.translations) iotlb-hits \(st.tlbHits) misses \(st.tlbMisses) walks \(st.walks) context-faults \(st.contextFaults) global-faults \(st.globalFaults) bypassed \(st.bypassed)")
        }
        return lines.joined(separator: "\n")
    }
}
