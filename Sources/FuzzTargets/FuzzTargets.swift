import AArch64
import Emulator
import KCore
import Platform
import SMMUDevice
import Stage2

/// The inputs a hostile guest or user controls, each as a function of raw bytes that must
/// never trap, hang or let the two handler levels disagree. libFuzzer drives them (`make
/// fuzz`, `smmu-fuzz` built with `-sanitize=fuzzer,address`); the test suite replays the
/// corpus and the saved findings through the same functions.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `ELFImage` over arbitrary bytes, then symbol lookups.
    case elf
    /// The scenario-file parser over arbitrary text.
    case scenario
    /// Raw ESR/HPFAR/FAR and register values into KCore's stage-2 fault handler
    /// (`emulate_mmio` for SMMU pages, `map_page_host` for the rest) over two real SMMU models.
    case mmio
    /// Arbitrary x0–x5 into KCore's hypercall dispatcher, on states the same input builds.
    case hvc
    /// The device-tree writer over what a user controls (`--cpus`, `--memory`, `--append`, the
    /// initrd's size), each blob checked by `DeviceTreeCheck`.
    case devicetree
    /// Arbitrary A64 code at EL1: the decoder, the executors and the run loop over words a
    /// hostile guest chooses, run stepped and through the run loop, which must agree.
    case a64

    /// Runs one input. A finding stops the process (`fatalError`): a refinement difference
    /// outside the allow-list, or a KCore invariant that breaks (other than the spec's own
    /// count-INVALID hole, which `--check-invariants` reports and Documentation/VMs.md explains).
    public func run(_ data: [UInt8]) {
        switch self {
        case .elf: FuzzTarget.elf(data)
        case .scenario: FuzzTarget.scenario(data)
        case .mmio: FuzzTarget.traps(data, hypercalls: false)
        case .hvc: FuzzTarget.traps(data, hypercalls: true)
        case .devicetree: FuzzTarget.deviceTree(data)
        case .a64: FuzzTarget.a64(data)
        }
    }

    /// CPUs 1–8 and memory 64 MiB–64 GiB (what `run` accepts), the rest of the input as the
    /// kernel command line (any bytes), and an initrd of any size that fits above the kernel.
    static func deviceTree(_ data: [UInt8]) {
        var r = Reader(bytes: data)
        let cpus = 1 + Int(r.byte() % 8)
        let memory = UInt64(64 << 20) << UInt64(r.byte() % 11)
        let initrdPages = UInt64(r.byte()) << 8 | UInt64(r.byte())
        let args = String(decoding: data.dropFirst(min(4, data.count)), as: UTF8.self)
        var machine = MachineDescription(ramSize: memory, cpus: cpus, carveOutSize: 36 << 20)
        machine.cpus = cpus
        let start = machine.ramBase &+ (16 << 20)  // above a small kernel; the host has ≥ 28 MiB
        let initrd = initrdPages == 0 ? nil : start..<(start &+ min(initrdPages << 12, machine.hostRAMSize &- (16 << 20)))
        let blob = MachineDeviceTree(machine: machine, bootArguments: args.isEmpty ? nil : args, initrd: initrd).blob
        if let p = DeviceTreeCheck.problem(blob) { fatalError("device tree: \(p)") }
    }

    static func elf(_ data: [UInt8]) {
        guard let ram = PhysicalMemory(base: 0x4000_0000, size: 16 << 20) else { return }
        guard let image = try? ELFImage(bytes: data, into: ram) else { return }
        for s in image.symbols.prefix(16) { _ = image.symbolize(s.address &+ 4) }
        _ = image.symbolize(image.entry)
    }

    /// The input seeds X0–X30, SP and the two limits; the rest (at most 16 KiB) is the code,
    /// at 0x4008_0000 in 1 MiB of RAM, run at EL1 from its first word. Two CPUs on two copies of
    /// that memory run it for the same limits, one stepped (the traced loop, one instruction at
    /// a time with every check) and one through the run loop (decoded runs, limits checked per
    /// run): a Swift trap in either, or any difference in the exit, PC, cycles, instruction
    /// count, PSTATE or registers, is a finding. The instruction limit's unused top bit turns
    /// the stage-1 MMU on over an identity map of the RAM in 4 KiB pages (`identityMap`), so
    /// that fetches and accesses walk tables and charge the walks (a fetch walk that crossed
    /// the cycle limit once let a run start past it).
    static func a64(_ data: [UInt8]) {
        var r = Reader(bytes: data)
        let registers = (0..<31).map { _ in r.argument() }
        let sp = r.argument()
        let limitBits = UInt64(r.byte()) << 8 | UInt64(r.byte())
        let instructionLimit = 1 &+ limitBits % 8192
        let mmuOn = limitBits >> 15 == 1
        let cycleLimit = 1 &+ (UInt64(r.byte()) << 8 | UInt64(r.byte())) << 2
        let code = Array(data[min(r.at, data.count)...].prefix(16 << 10))
        let base: UInt64 = 0x4008_0000
        func machine(stepped: Bool) -> CPU? {
            guard let ram = PhysicalMemory(base: 0x4000_0000, size: 1 << 20) else { return nil }
            code.withUnsafeBytes { _ = ram.write($0, at: base) }
            let cpu = CPU(index: 0, bus: PhysicalBus(ram: ram), monitor: GlobalMonitor())
            cpu.powerOn(entry: base, context: 0)
            if mmuOn { identityMap(cpu, ram) }
            cpu.setGeneralRegisters(registers)
            cpu.sp = sp
            cpu.traceInstructions = stepped
            return cpu
        }
        guard let a = machine(stepped: true), let b = machine(stepped: false) else { return }
        let exitA = a.run(cycleLimit: cycleLimit, instructionLimit: instructionLimit)
        let exitB = b.run(cycleLimit: cycleLimit, instructionLimit: instructionLimit)
        let same = exitA == exitB && a.pc == b.pc && a.cycles == b.cycles
            && a.instructionsRetired == b.instructionsRetired && a.pstate == b.pstate && a.sp == b.sp
            && a.generalRegisters == b.generalRegisters && a.el2.esr == b.el2.esr && a.el2.far == b.el2.far
        if !same {
            fatalError("a64: stepped \(exitA) pc \(a.pc) cycles \(a.cycles) retired \(a.instructionsRetired), run loop \(exitB) pc \(b.pc) cycles \(b.cycles) retired \(b.instructionsRetired)")
        }
    }

    /// Stage 1 on for `cpu`: every 4 KiB page of `ram` (1 MiB at 0x4000_0000) mapped to
    /// itself, Normal memory, read/write/execute at EL1, four levels of tables in its last
    /// four pages (which the code may overwrite, as a guest may).
    static func identityMap(_ cpu: CPU, _ ram: PhysicalMemory) {
        let tables: UInt64 = 0x400F_C000
        for page in 0..<4 { for i in 0..<512 { ram.store(tables + UInt64(page) * 0x1000 + UInt64(i) * 8, size: 8, value: 0) } }
        // 0x4000_0000: L0 index 0, L1 index 1, L2 index 0, L3 indices 0–255.
        ram.store(tables, size: 8, value: (tables + 0x1000) | 3)
        ram.store(tables + 0x1000 + 8, size: 8, value: (tables + 0x2000) | 3)
        ram.store(tables + 0x2000, size: 8, value: (tables + 0x3000) | 3)
        for i in 0..<256 {
            let pa = 0x4000_0000 + UInt64(i) << 12
            ram.store(tables + 0x3000 + UInt64(i) * 8, size: 8, value: pa | 1 << 10 | 3 << 8 | 3)  // AF, inner shareable, page
        }
        _ = cpu.writeSystemRegister("MAIR_EL1", 0xFF)  // AttrIndx 0: Normal write-back
        _ = cpu.writeSystemRegister("TCR_EL1", 16 | 16 << 16 | 2 << 30 | 5 << 32)  // 48-bit VAs, 4 KiB granules
        _ = cpu.writeSystemRegister("TTBR0_EL1", tables)
        _ = cpu.writeSystemRegister("SCTLR_EL1", (cpu.readSystemRegister("SCTLR_EL1") ?? 0) | 1)
    }

    static func scenario(_ data: [UInt8]) {
        _ = try? Scenario.parse(text: String(decoding: data, as: UTF8.self), path: "/nonexistent/fuzz.yaml")
    }

    /// Reads the input as a stream of little-endian values; zero past its end.
    struct Reader {
        let bytes: [UInt8]
        var at = 0
        var done: Bool { at >= bytes.count }
        mutating func byte() -> UInt8 {
            defer { at += 1 }
            return at < bytes.count ? bytes[at] : 0
        }
        mutating func u64() -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(byte()) << (8 * i) }
            return v
        }
        /// A value biased to the small numbers argument checks care about: a byte, a page
        /// number in RAM, an address in RAM or SMMU space, or any 64 bits.
        mutating func argument() -> UInt64 {
            switch byte() & 7 {
            case 0, 1, 2: return UInt64(byte() & 0x1F)
            case 3: return 0x40000 &+ UInt64(byte())  // a RAM pfn
            case 4: return 0x4000_0000 &+ (UInt64(byte()) << 12)  // a RAM address
            case 5: return UInt64(byte()) << 12  // an IOVA
            case 6: return 0x0905_0000 &+ (u64() & 0x1_FFFC)  // an SMMU register
            default: return u64()
            }
        }
    }

    /// The SMMU register frames of the machine, for KCore, over the device models.
    final class SMMUPair: SMMUHardware {
        let smmus: [SMMU]
        init(memory: PhysicalMemory) {
            smmus = [SMMU(name: "SMMU0", contextBanks: 8, memory: memory), SMMU(name: "SMMU1", contextBanks: 4, memory: memory)]
        }
        func readRegister(smmu: Int, offset: UInt64, size: Int) -> UInt64 {
            smmus.indices.contains(smmu) ? smmus[smmu].read(offset: offset, size: size) : 0
        }
        func writeRegister(smmu: Int, offset: UInt64, size: Int, value: UInt64) {
            if smmus.indices.contains(smmu) { _ = smmus[smmu].write(offset: offset, size: size, value: value) }
        }
    }

    /// Up to 24 traps from one input, at the implementation level with the spec checked
    /// against it (`--check-refinement`) and the invariants checked after every call. The
    /// first byte picks the level of the first VM calls so both paths get states to work on.
    static func traps(_ data: [UInt8], hypercalls: Bool) {
        guard let memory = PhysicalMemory(base: 0x4000_0000, size: 64 << 20) else { return }
        var conf = KCore.Configuration()
        conf.ramSize = 64 << 20
        conf.checkRefinement = true
        conf.vmImageHashes[1] = [UInt8](repeating: 0, count: 32)
        let k = KCore(configuration: conf, memory: memory, smmu: SMMUPair(memory: memory))
        var r = Reader(bytes: data)
        var calls = 0
        var before = k.abstractState
        while !r.done && calls < 24 && !k.data.halt {
            calls += 1
            let reports = k.refinementReports.count
            var h: HostContext
            if hypercalls || r.byte() & 3 == 0 {
                // Mostly ids of the table; sometimes PSCI-like or arbitrary ids.
                let pick = r.byte()
                let ids: [UInt64] = [6, 10, 11, 12, 13, 14, 23, 24, 25, 26, 27]
                let id = pick < 240 ? ids[Int(pick) % ids.count] : r.u64()
                var x = [UInt64](repeating: 0, count: 31)
                x[0] = id
                for i in 1...5 { x[i] = r.argument() }
                h = HostContext(cpu: Int(r.byte() & 7), x: x)
                _ = k.handleHVC(&h)
            } else {
                // A data abort as the CPU would report it, or raw syndrome bits.
                let ipa = r.argument() & ((1 << 48) - 1)
                let raw = r.byte() & 0x80 != 0
                let len = 1 << Int(r.byte() & 3)
                let rt = Int(r.byte() % 31)
                let write = r.byte() & 1 != 0
                var esr: UInt64 = 0x24 << 26 | 1 << 25 | 1 << 24 | UInt64(len.trailingZeroBitCount) << 22 | UInt64(rt) << 16 | (write ? 1 << 6 : 0)
                if raw { esr = r.u64() }
                var x = [UInt64](repeating: 0, count: 31)
                x[rt] = r.argument()
                h = HostContext(cpu: Int(r.byte() & 7), x: x, elr: 0x4008_0000, esr: esr, far: raw ? r.u64() : ipa & 0xFFF, hpfar: raw ? r.u64() : (ipa >> 12) << 4)
                _ = k.handleHostStage2Fault(&h)
            }
            for report in k.refinementReports.dropFirst(reports) where report.known == nil {
                fatalError("refinement difference: \(report)")
            }
            let after = k.abstractState
            for v in KCoreInvariants.check(before: before, after: after) where !v.detail.contains("count INVALID") {
                fatalError("invariant: \(v)")
            }
            before = after
        }
    }
}
