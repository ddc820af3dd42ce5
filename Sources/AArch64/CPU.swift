import Stage2

/// Why `CPU.run` returned control to the machine.
public enum CPUExit: Equatable {
    /// The CPU's cycle counter reached the limit passed to `run`.
    case cycleLimit
    /// The CPU retired the number of instructions passed to `run`.
    case instructionLimit
    /// HVC at EL1 (ESR_EL2.EC = 0x16, ISS = imm16). ELR_EL2 = next instruction, SPSR_EL2 = PSTATE.
    case hypervisorCall(imm: UInt16)
    /// SMC at EL1 trapped by HCR_EL2.TSC (EC = 0x17). ELR_EL2 = the SMC instruction itself.
    case secureMonitorCall(imm: UInt16)
    /// A stage-2 fault: data abort (EC 0x24) or instruction abort (EC 0x20) to EL2 with ESR_EL2,
    /// FAR_EL2, HPFAR_EL2 and ELR_EL2 (= the faulting instruction) set.
    case stage2Abort
    /// WFI with no interrupt source that could wake the CPU.
    case waitForInterrupt
    /// WFE: the CPU gives up the rest of its slice until another CPU's store or SEV.
    case waitForEvent
    /// EL1 exceptions taken over and over at the first instruction of their vector with no
    /// instruction retired in between (a vector that holds an undefined instruction, an SVC or
    /// a faulting access): `CPU.exceptionLivelockBound` times in a row. Nothing can end it, so
    /// the machine stops (exit status 5) with ELR_EL1 and ESR_EL1 of the last one.
    case exceptionLivelock
}

/// EL2 system registers the hardware writes on a trap and the hypervisor reads/writes.
public struct EL2Registers: Equatable {
    public var esr: UInt64 = 0    // ESR_EL2
    public var far: UInt64 = 0    // FAR_EL2
    public var hpfar: UInt64 = 0  // HPFAR_EL2
    public var elr: UInt64 = 0    // ELR_EL2
    public var spsr: UInt64 = 0   // SPSR_EL2
    public var hcr: UInt64 = 0    // HCR_EL2 (VM bit 0, TSC bit 19, ...)
    public var vttbr: UInt64 = 0  // VTTBR_EL2
    public var vtcr: UInt64 = 0   // VTCR_EL2
    public init() {}
}

/// Cycle costs per instruction class. Defaults model a simple in-order core; see
/// Documentation/CostModel.md. Every field can be overridden from a cost-model file.
public struct CPUCostModel: Equatable {
    public var alu: UInt64 = 1
    public var multiply: UInt64 = 3
    public var divide: UInt64 = 12
    public var branch: UInt64 = 1
    public var load: UInt64 = 4
    public var store: UInt64 = 1
    public var atomic: UInt64 = 20
    public var barrier: UInt64 = 10
    public var system: UInt64 = 5
    public var exceptionEntry: UInt64 = 30
    public var exceptionReturn: UInt64 = 20
    /// Extra cost of a stage-2 table walk, per descriptor read.
    public var stage2WalkPerLevel: UInt64 = 10
    /// Extra cost of a stage-1 table walk, per descriptor read (its stage-2 walks cost extra).
    public var stage1WalkPerLevel: UInt64 = 10
    /// Extra cost of an MMIO access (device round trip).
    public var mmio: UInt64 = 20
    public init() {}
}

/// Counters the CPU keeps for `--stats`.
public struct CPUStats: Equatable {
    /// Exceptions taken to EL1, by exception class (ESR_EL1.EC).
    public var exceptionsToEL1 = ExceptionCounts()
    /// Exits to EL2, by exception class (ESR_EL2.EC).
    public var exceptionsToEL2 = ExceptionCounts()
    public var stage2Walks: UInt64 = 0
    public var loads: UInt64 = 0
    public var stores: UInt64 = 0
    public init() {}
}

/// The exclusive monitors of all CPUs (ARM DDI 0487, B2.9): a store by any CPU to a granule
/// another CPU has marked exclusive clears that CPU's reservation, so LDXR/STXR spinlocks work
/// across CPUs. Granule = 64 bytes here.
public final class GlobalMonitor {
    /// Reserved granule address per CPU index, or nil.
    var reservations: [UInt64?] = Array(repeating: nil, count: 8)
    /// Count of live reservations; stores skip the scan when zero (the common case).
    var live = 0
    /// Pre-decoded instructions, shared by the CPUs like the memory they come from.
    let decoded = DecodeCache()
    /// The CPUs sharing this monitor: the Inner Shareable domain a broadcast TLBI reaches.
    /// Held without a reference count (a CPU holds its monitor, so a strong reference would be
    /// a cycle) and not `weak`: a weakly referenced object keeps its counts in a side table,
    /// which made every retain and release of a CPU (four per trip to EL2) take the slow path.
    /// A CPU leaves the list in its `deinit`, so no member is ever a dangling reference.
    private var members: [Unmanaged<CPU>] = []
    public init() {}

    /// The RAM pages the CPUs fetched code from (made for the first CPU's RAM).
    private var sharedCodePages: CodePages?

    /// The code-page set of the CPUs sharing this monitor. CPUs on another RAM (only a test
    /// would do that) make it answer "code" for every write.
    func codePages(for ram: PhysicalMemory) -> CodePages {
        guard let c = sharedCodePages else {
            let c = CodePages(ram: ram)
            sharedCodePages = c
            return c
        }
        if !c.covers(ram) { c.assumeCodeEverywhere() }
        return c
    }

    /// Something other than a CPU (a DMA copy) wrote `[pa, pa + length)` of RAM: the decoded
    /// code the CPUs share is dropped if any of it may come from there.
    public func noteMemoryWritten(_ pa: UInt64, length: UInt64) {
        if sharedCodePages?.intersects(pa, length: length) ?? false { decoded.invalidateAll() }
    }

    func register(_ cpu: CPU) { members.append(.passUnretained(cpu)) }
    func unregister(_ cpu: CPU) {
        let me = Unmanaged.passUnretained(cpu).toOpaque()
        members.removeAll { $0.toOpaque() == me }
    }
    /// Every live CPU of the Inner Shareable domain (for TLBI ...IS).
    var shareableDomain: [CPU] { members.map { $0.takeUnretainedValue() } }
    /// `body` on every live CPU of the Inner Shareable domain, without building that list.
    @inline(__always) func forEachShareable(_ body: (CPU) -> Void) {
        for m in members { body(m.takeUnretainedValue()) }
    }

    @inline(__always) func reserve(cpu: Int, pa: UInt64) {
        if reservations[cpu] == nil { live += 1 }
        reservations[cpu] = pa & ~63
    }
    @inline(__always) func clear(cpu: Int) {
        if reservations[cpu] != nil { live -= 1; reservations[cpu] = nil }
    }
    @inline(__always) func holds(cpu: Int, pa: UInt64) -> Bool { reservations[cpu] == pa & ~63 }
    /// A store by any CPU: clears every other CPU's reservation of the granule.
    @inline(__always) func noteStore(by cpu: Int, pa: UInt64) {
        guard live > 0 else { return }
        let g = pa & ~63
        for i in 0..<reservations.count where i != cpu && reservations[i] == g { clear(cpu: i) }
    }
}

/// A counter per exception class (ESR.EC, 6 bits), read and written like a dictionary keyed by
/// class. Every exception and every exit to EL2 counts one: an array, not a hashed dictionary.
public struct ExceptionCounts: Equatable, Sendable {
    private var counts = [UInt64](repeating: 0, count: 64)
    public init() {}
    /// The count for class `ec` (classes beyond 6 bits count nothing and read as `d`).
    public subscript(ec: UInt32, default d: UInt64) -> UInt64 {
        get { ec < 64 ? counts[Int(ec)] : d }
        set { if ec < 64 { counts[Int(ec)] = newValue } }
    }
    /// The non-zero counts, by class.
    public var values: [UInt64] { counts.filter { $0 != 0 } }
}
