import Foundation
import AArch64
import Devices
import KCore
import Platform
import SMMUDevice
import Stage2

/// The emulated machine: RAM, UART, CPUs, and the native EL2 handler for PSCI.
///
/// CPUs are interleaved deterministically: the powered-on CPU with the lowest cycle count runs
/// next (ties: lowest index) for at most `quantum` cycles, so a run is reproducible bit for bit.
public final class Machine {
    /// A debugger may change `trace` while the machine is stopped (gdb's `monitor trace`).
    public internal(set) var configuration: MachineConfiguration {
        didSet { traceMask = TraceKind.mask(configuration.trace) }
    }
    /// `configuration.trace` as bits (`TraceKind.bit`): every trap asks whether it is traced,
    /// and a set lookup retains and releases the set's storage.
    private(set) var traceMask: UInt8 = 0
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
    /// Sees every trap EL2's software handled, once its effects are applied, and may pause the
    /// run: `.pause` ends the current `run(for:)` call right after this trap with `.paused`
    /// (`run()` runs on). Sees every emulated MMIO access, stage-2 fault mapped, hypercall and
    /// panic (an outcome with `panic` set; the run then ends).
    public var el2Hook: ((CPU, TrapOutcome) -> HookVerdict)?
    /// Told of every DMA copy when it ends (done or faulted), after its memory was written;
    /// `.pause` ends the current `run(for:)` call right after the store that started the copy.
    public var dmaHook: ((DMACopy) -> HookVerdict)? {
        didSet {
            for (i, e) in dmaEngines.enumerated() {
                e.copyEnded = dmaHook == nil ? nil : { [unowned self] e in
                    let copy = DMACopy(engine: i, streamID: UInt32(truncatingIfNeeded: e.sid), source: e.src, destination: e.dst,
                                       length: e.len, copied: e.bytesCopied, faulted: e.status == 2, faultIOVA: e.faultIOVA)
                    if self.dmaHook?(copy) == .pause {
                        self.pauseRequested = true
                        self.runningCPU?.stopBeforeNextInstruction()
                    }
                }
            }
        }
    }
    /// The scheduler's state between the calls of a run cut into pieces (`run(for:)`).
    var schedule: Schedule?
    /// How the run ended, once it has (later calls return it again).
    var finalResult: RunResult?
    /// Set by a hook that asked to pause: the scheduler stops after the trap being handled.
    var pauseRequested = false
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
    /// The host context of the trap being handled, kept between traps so that its register
    /// array is filled in place rather than allocated per trap (`loadHostContext`).
    var trapContext = HostContext(cpu: 0)
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
    var runningCPU: CPU? {
        didSet {
            if let c = runningCPU {
                gicDistributor.currentCPU = c.index
                gicCPUInterface.currentCPU = c.index
            }
        }
    }
    /// The interrupt controller (HARDWARE.md: GICv2 as QEMU virt has it) and its two register
    /// frames, whose banked registers follow `runningCPU`.
    public let gic: GICv2
    let gicDistributor: GICv2Distributor
    let gicCPUInterface: GICv2CPUInterface
    /// The PL011 at 0x0900_0000 (its interrupt: INTID 33).
    public let uart: PL011
    /// What the PL011 receives (`--serial stdio`); nil: nothing, ever.
    public var serialInput: SerialInput?
    /// The generic timers' PPIs (physical, virtual), from the machine description.
    let timerInterrupts: (physical: UInt32, virtual: UInt32)
    static let quantum: UInt64 = 10_000
    /// Where an `Image` boot put the device tree (x0 of CPU 0); nil for an ELF image.
    public internal(set) var deviceTreeAddress: UInt64?
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
    /// An arm64 Linux `Image` (told apart by its header's magic) boots per the Linux boot
    /// protocol instead (`Machine+LinuxBoot.swift`).
    public convenience init(imagePath: String, configuration: MachineConfiguration, output: @escaping (UInt8) -> Void) throws(ELFLoadError) {
        guard let data = FileManager.default.contents(atPath: imagePath) else { throw .unreadable("no such file: \(imagePath)") }
        let bytes = [UInt8](data)
        let name = URL(fileURLWithPath: imagePath).lastPathComponent
        if let header = LinuxImageHeader(bytes) {
            try self.init(linuxImage: bytes, header: header, configuration: configuration, output: output, imageName: name)
            return
        }
        try self.init(configuration: configuration, output: output, imageName: name) {
            ram throws(ELFLoadError) in try ELFImage(bytes: bytes, into: ram)
        }
    }

    /// A machine whose guest `load` puts into RAM (an ELF file, or a host-action program);
    /// `imageName` names it in the timeline.
    public init(
        configuration: MachineConfiguration, output: @escaping (UInt8) -> Void, imageName: String = "host actions",
        load: (PhysicalMemory) throws(ELFLoadError) -> ELFImage
    ) throws(ELFLoadError) {
        self.configuration = configuration
        traceMask = TraceKind.mask(configuration.trace)
        guard let ram = PhysicalMemory(base: configuration.ramBase, size: configuration.ramSize) else {
            throw .unreadable("cannot reserve \(configuration.ramSize) bytes of RAM")
        }
        self.ram = ram
        let bus = PhysicalBus(ram: ram)
        self.bus = bus
        let platform = configuration.platform
        var flashContents: [UInt8] = []
        if let path = configuration.flashFile {
            guard let d = FileManager.default.contents(atPath: path) else { throw .unreadable("no such flash file: \(path)") }
            guard UInt64(d.count) <= platform.flashSize else { throw .unreadable("flash file \(path) is larger than the \(platform.flashSize >> 20) MiB flash") }
            flashContents = [UInt8](d)
        }
        bus.attach(Flash(size: platform.flashSize, contents: flashContents), base: platform.flashBase, size: platform.flashSize)
        let gic = GICv2(cpus: max(1, min(8, configuration.cpus)))
        self.gic = gic
        timerInterrupts = (platform.timerPhysicalInterrupt, platform.timerVirtualInterrupt)
        gicDistributor = GICv2Distributor(gic: gic)
        gicCPUInterface = GICv2CPUInterface(gic: gic)
        bus.attach(gicDistributor, base: platform.gicDistributorBase, size: platform.gicRegionSize)
        bus.attach(gicCPUInterface, base: platform.gicCPUInterfaceBase, size: platform.gicRegionSize)
        let uart = PL011(sink: output)
        self.uart = uart
        uart.interrupt = { [unowned gic] high in gic.setLevel(platform.uartInterrupt, high: high) }
        bus.attach(uart, base: platform.uartBase, size: platform.uartSize)
        let smmus = platform.smmus.enumerated().map { SMMU(name: "SMMU\($0.offset)", contextBanks: $0.element.contextBanks, memory: ram) }
        let dmas = platform.dmaEngines.enumerated().map { DMAEngine(name: "DMA\($0.offset)", smmu: smmus[$0.element.smmu], memory: ram) }
        for (s, d) in zip(smmus, platform.smmus) { bus.attach(s, base: d.base, size: d.size) }
        for (e, d) in zip(dmas, platform.dmaEngines) { bus.attach(e, base: d.base, size: d.size) }
        self.smmus = smmus
        dmaEngines = dmas
        image = try load(ram)
        let monitor = GlobalMonitor()
        let costs = configuration.costs
        cpus = (0..<max(1, min(8, configuration.cpus))).map { CPU(index: $0, bus: bus, monitor: monitor, costs: costs) }
        // A copy drops the CPUs' decoded code only when it writes a page code came from.
        for e in dmas { e.memoryWritten = { pa, length in monitor.noteMemoryWritten(pa, length: length) } }
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
        connectInterrupts()
        cpus[0].powerOn(entry: image.entry, context: 0)
        if configuration.trace.contains(.insn) { installInstructionTrace() }
        if configuration.trace.contains(.dma) || perfetto != nil { installDMATrace() }
        if perfetto != nil { installLockSink() }
    }
}
