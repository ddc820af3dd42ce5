import Stage2

/// Exception classes (ESR_ELx.EC). A raw-value struct, so any guest-produced value round-trips.
public struct ExceptionClass: RawRepresentable, Hashable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let unknown = Self(rawValue: 0x00)
    public static let wfxTrap = Self(rawValue: 0x01)
    public static let fpAccess = Self(rawValue: 0x07)
    public static let illegalState = Self(rawValue: 0x0E)
    public static let svc64 = Self(rawValue: 0x15)
    public static let hvc64 = Self(rawValue: 0x16)
    public static let smc64 = Self(rawValue: 0x17)
    public static let msrTrap = Self(rawValue: 0x18)
    public static let instructionAbortLowerEL = Self(rawValue: 0x20)
    public static let instructionAbortSameEL = Self(rawValue: 0x21)
    public static let pcAlignment = Self(rawValue: 0x22)
    public static let dataAbortLowerEL = Self(rawValue: 0x24)
    public static let dataAbortSameEL = Self(rawValue: 0x25)
    public static let spAlignment = Self(rawValue: 0x26)
    public static let brk64 = Self(rawValue: 0x3C)
}

/// One AArch64 CPU running at EL1/EL0 under an EL2 that is modelled natively by the machine.
///
/// With SCTLR_EL1.M set, accesses are translated by the EL1&0 stage-1 regime (TTBR0/TTBR1_EL1,
/// TCR_EL1, MAIR_EL1; `Stage1Walker.swift`); with HCR_EL2.VM set, the IPA then goes through the
/// stage-2 regime described by VTTBR_EL2/VTCR_EL2. Both are walked from RAM and their combined
/// result is cached in a software TLB (`TLB.swift`).
public final class CPU {
    public let index: Int
    public var costs: CPUCostModel { didSet { adoptedCostsVersion = .max } }
    /// The decode cache's `costsVersion` when it last had this CPU's cost model (`.max`: not
    /// known), so that `run` compares the models only when either side changed.
    var adoptedCostsVersion: UInt64 = .max
    let bus: PhysicalBus
    let ram: PhysicalMemory
    /// The pages code was fetched from (`GlobalMonitor.codePages`, held here for the fetch path).
    let codePages: CodePages
    let monitor: GlobalMonitor

    /// X0–X30, then slot 31 that always reads as zero (XZR as a source) and slot 32 that absorbs
    /// writes to XZR: the pre-decoded instructions index these slots without testing for 31.
    let regs: UnsafeMutablePointer<UInt64>
    public var pc: UInt64 = 0
    /// NZCV in bits 31:28, as the NZCV system register shows it.
    public var nzcv: UInt64 = 0
    /// PSTATE.DAIF in bits 9:6, as the DAIF system register shows it.
    var daif: UInt64 = 0x3C0 { didSet { updateAttention() } }
    public var currentEL: Int = 1 {
        didSet {
            // EL0 and EL1 have different stage-1 permissions: the fetch page and the TLB's
            // permission bits are chosen by EL.
            if currentEL != oldValue {
                fetchPage = .max
                tlbPermShift = currentEL == 0 ? 3 : 0
            }
        }
    }
    var spsel: UInt64 = 1
    var spEL0: UInt64 = 0
    var spEL1: UInt64 = 0
    public var el2 = EL2Registers() {
        didSet {
            // Only the translation controls invalidate the fetch page: an exception's syndrome
            // and return state (every trap writes them) leave it as it was.
            if el2.hcr != oldValue.hcr || el2.vttbr != oldValue.vttbr || el2.vtcr != oldValue.vtcr { el2TranslationChanged(from: oldValue) }
        }
    }
    /// Out of line, so that the observer of every EL2 register write stays three compares.
    @inline(never)
    func el2TranslationChanged(from old: EL2Registers) {
        fetchPage = .max
        if el2.hcr & 1 != old.hcr & 1 || el2.vttbr != old.vttbr || el2.vtcr != old.vtcr {
            invalidateStage2TLB()
            updateTranslationRegime()
        }
    }
    public var isPoweredOn = false
    public var cycles: UInt64 = 0
    public var instructionsRetired: UInt64 = 0
    /// Exceptions taken to EL1 (synchronous or not). An instruction that faults to EL1 is not
    /// retired but is counted here, so `instructionsAttempted` grows even when a guest only
    /// takes exceptions.
    public internal(set) var exceptionsTakenToEL1: UInt64 = 0
    /// What `--max-instructions` bounds: instructions retired plus exceptions taken to EL1. A
    /// guest whose vector faults retires nothing but still reaches the limit. (Exits to EL2 do
    /// not count: the instruction is replayed after EL2 returns, and the machine detects a
    /// stage-2 fault that repeats without progress.)
    public var instructionsAttempted: UInt64 { instructionsRetired &+ exceptionsTakenToEL1 }
    public var stats = CPUStats()
    /// EL1/EL0 system registers without side effects, keyed by their MRS/MSR encoding.
    var sysregs: [UInt32: UInt64] = [:]
    /// V0–V31, FPCR, FPSR.
    public let simd = FPSIMDRegisters()

    /// When set, `instructionObserver` sees every executed (pc, word). `run` reads it once per
    /// call and hands over to the out-of-line `runTraced`: the fast loop has no trace test.
    public var traceInstructions = false
    public var instructionObserver: ((UInt64, UInt32) -> Void)?
    /// Data watchpoints (a debugger's); each data access tests `watching` only.
    public var dataWatchpoints: [DataWatchpoint] = [] { didSet { watching = !dataWatchpoints.isEmpty } }
    /// The first watchpoint an access hit since the debugger last cleared it.
    public var watchpointHit: DataWatchpoint?
    var watching = false

    /// The TLB every data access and fetch probes: direct-mapped on the VA page number, each
    /// entry the combined stage-1 and stage-2 result (see `TLBEntry`).
    static let tlbSize = 1024
    // Unsafe buffers, not arrays: no bounds checks or uniqueness checks on every access.
    let tlb: UnsafeMutablePointer<TLBEntry>
    /// 0 at EL1, 3 at EL0: shifts an access's permission bits to the EL's in `TLBEntry.perm`.
    var tlbPermShift: UInt8 = 0
    /// The ASID TLB entries of non-global translations are tagged with: TTBR0_EL1's or, with
    /// TCR_EL1.A1, TTBR1_EL1's, 8 or 16 bits (TCR_EL1.AS).
    var asid: UInt16 = 0
    /// SCTLR_EL1.M.
    var stage1Enabled = false
    /// True when neither stage translates (SCTLR_EL1.M = 0, HCR_EL2.VM = 0): VA = PA.
    var flatTranslation = true
    /// Software stage-2 TLB for TLB misses and stage-1 walks: direct-mapped on the IPA page number.
    static let s2tlbSize = 256
    let s2tlbTag: UnsafeMutablePointer<UInt64>
    let s2tlbPA: UnsafeMutablePointer<UInt64>
    let s2tlbPerm: UnsafeMutablePointer<UInt8>
    /// The pages of a data access that crosses a page boundary (see `CPU.splitWindow`).
    var splitVA: UInt64 = 0
    var splitPA1: UInt64 = 0
    var splitPA2: UInt64 = 0

    /// The page the CPU last fetched from: IPA page number and host pointer to its first byte.
    /// Sequential code costs one compare per fetch instead of a translation. Cleared whenever
    /// stage-2 translations may change (TLB invalidation, exception entry/return).
    var fetchPage: UInt64 = .max
    var fetchHost: UnsafeMutableRawPointer?
    /// Physical address of `fetchPage`.
    var fetchPA: UInt64 = 0

    /// True while SCTLR_EL1.M = 0 (data accesses are Device-nGnRnE, so any unaligned access
    /// faults) or SCTLR_EL1.A = 1 (alignment checking on). Cached: read on every access.
    var strictAlignment = true

    /// The instruction word of the last exit to EL2 (for traces: disassembled when printed).
    public internal(set) var exitInstruction: UInt32 = 0

    /// Set by an instruction that did not complete, telling `run` how to leave.
    var pendingExit: CPUExit?

    /// The interrupt controller's outputs to this CPU: bit 1 IRQ, bit 0 FIQ (the order of
    /// PSTATE.I and PSTATE.F in DAIF >> 6). `run` takes an unmasked one between instructions.
    public var interruptLines: UInt8 = 0 { didSet { updateAttention() } }
    /// IRQs and FIQs taken (`InterruptEntry.swift`).
    public internal(set) var interruptsTaken: UInt64 = 0
    /// The cycle at which a generic timer's condition next becomes true (.max: none). `run`
    /// stops there, so the machine raises the timer's interrupt at exactly that cycle.
    public internal(set) var timerDeadline: UInt64 = .max { didSet { updateAttention() } }
    /// `run`'s cycle limit and the cycle it must stop at for interrupts and timers: 0 while an
    /// unmasked interrupt line is asserted, else `timerDeadline` (`updateAttention` keeps it
    /// current when the lines, PSTATE.DAIF or a timer change). The run loop compares its clock
    /// with this one value, as it compared with its own limit before there were interrupts.
    var runLimit: UInt64 = .max
    var requestedRunLimit: UInt64 = .max
    /// Whether CNTP_CTL_EL0.ENABLE or CNTV_CTL_EL0.ENABLE is set: with both clear the timers'
    /// outputs are low and nothing is due, so the scheduler need not drive them after each run.
    public internal(set) var timersEnabled = false
    /// Told after an MSR to a timer register (the timer's output may have changed).
    public var timerChanged: ((CPU) -> Void)?

    /// How many EL1 exceptions in a row were taken at the first instruction of the previous
    /// exception's vector (ELR_EL1 = that vector, or the next instruction for an SVC there)
    /// with no instruction retired in between. See `exceptionLivelockBound`.
    public internal(set) var repeatedVectorExceptions = 0
    /// The vector address of the last EL1 exception, and `instructionsRetired` then.
    var lastVectorEntry: UInt64 = .max
    var retiredAtLastVectorEntry: UInt64 = 0
    /// The stage-2 livelock bound of the machine, for EL1 exceptions: no program makes progress
    /// through 10,000 exceptions that each fault on the vector's first instruction.
    public static let exceptionLivelockBound = 10_000

    public init(index: Int, bus: PhysicalBus, monitor: GlobalMonitor, costs: CPUCostModel = .init()) {
        self.index = index
        self.bus = bus
        self.ram = bus.ram
        self.monitor = monitor
        self.costs = costs
        regs = .allocate(capacity: 33)
        regs.initialize(repeating: 0, count: 33)
        tlb = .allocate(capacity: CPU.tlbSize)
        tlb.initialize(repeating: TLBEntry(), count: CPU.tlbSize)
        s2tlbTag = .allocate(capacity: CPU.s2tlbSize)
        s2tlbTag.initialize(repeating: .max, count: CPU.s2tlbSize)
        s2tlbPA = .allocate(capacity: CPU.s2tlbSize)
        s2tlbPA.initialize(repeating: 0, count: CPU.s2tlbSize)
        s2tlbPerm = .allocate(capacity: CPU.s2tlbSize)
        s2tlbPerm.initialize(repeating: 0, count: CPU.s2tlbSize)
        codePages = monitor.codePages(for: bus.ram)
        monitor.register(self)
    }

    deinit {
        monitor.unregister(self)
        regs.deallocate()
        tlb.deallocate()
        s2tlbTag.deallocate()
        s2tlbPA.deallocate()
        s2tlbPerm.deallocate()
    }

    /// Reads Xn (n = 31 reads as zero). Out-of-range n reads as zero.
    public func x(_ n: Int) -> UInt64 { (0..<31).contains(n) ? regs[n] : 0 }
    /// X0–X30 at once (an EL2 trap saves the whole register file).
    public var generalRegisters: [UInt64] { Array(UnsafeBufferPointer(start: regs, count: 31)) }
    /// Copies X0–X30 into the first 31 elements of `values` (as many as it has), reusing its
    /// storage: the EL2 trap path fills one array per trap instead of allocating one.
    public func copyGeneralRegisters(into values: inout [UInt64]) {
        let n = min(31, values.count)
        values.withUnsafeMutableBufferPointer { $0.baseAddress?.update(from: regs, count: n) }
    }
    /// Sets X0–X30 from `values` (its first 31).
    public func setGeneralRegisters(_ values: [UInt64]) {
        let n = min(31, values.count)
        values.withUnsafeBufferPointer { if let v = $0.baseAddress { regs.update(from: v, count: n) } }
    }
    /// Writes Xn (n in 0...30; anything else is ignored).
    public func setX(_ n: Int, _ value: UInt64) { if (0..<31).contains(n) { regs[n] = value } }

    /// The stack pointer selected by PSTATE.EL and PSTATE.SP.
    public var sp: UInt64 {
        get { currentEL == 0 || spsel == 0 ? spEL0 : spEL1 }
        set { if currentEL == 0 || spsel == 0 { spEL0 = newValue } else { spEL1 = newValue } }
    }

    /// PSTATE packed as SPSR: NZCV, DAIF, M[3:0] = EL and SP selection (AArch64).
    /// PSTATE as SPSR packs it (NZCV, DAIF, EL, SP): what a debugger shows as CPSR.
    public var pstate: UInt64 { pstateBits }
    var pstateBits: UInt64 { nzcv | daif | (UInt64(currentEL) << 2) | (currentEL == 0 ? 0 : spsel) }

    func restorePSTATE(_ spsr: UInt64) {
        nzcv = spsr & 0xF000_0000
        daif = spsr & 0x3C0
        let el = Int((spsr >> 2) & 3)
        currentEL = el >= 1 ? 1 : 0
        spsel = spsr & 1
    }

    /// Boot or PSCI CPU_ON: EL1h, DAIF masked, x0 = context, other registers zero.
    public func powerOn(entry: UInt64, context: UInt64) {
        for i in 0..<32 { regs[i] = 0 }
        regs[0] = context
        pc = entry
        nzcv = 0
        daif = 0x3C0
        currentEL = 1
        spsel = 1
        spEL0 = 0
        spEL1 = 0
        sysregs = [:]
        simd.reset()
        sysregs[SysReg.sctlrEL1] = 0x30D0_0800  // RES1 bits, MMU and caches off
        updateTranslationRegime()
        invalidateTLB()
        pendingExit = nil
        timerDeadline = .max
        timersEnabled = false
        repeatedVectorExceptions = 0
        lastVectorEntry = .max
        fetchPage = .max
        strictAlignment = true
        monitor.decoded.invalidateAll()  // the image or a test may have written code directly
        isPoweredOn = true
        monitor.clear(cpu: index)
    }

    /// ERET from EL2 back to EL1/EL0: PC from ELR_EL2, PSTATE from SPSR_EL2.
    /// ERET from EL2 to the host. `ramWritten`: EL2 may have written RAM where the host has
    /// code, so every decoded instruction is dropped. KCore's handlers write only EL2's own
    /// memory (its page tables in the carve-out, which no host stage-2 entry maps, so no
    /// decoded instruction comes from there): the machine passes false for them and a trap
    /// round trip keeps the guest's decoded code.
    /// The fetch page stays: EL2's changes to VTTBR, VTCR or HCR (`el2`), its NPT
    /// invalidations and a return to another EL (`currentEL`) each drop it when they happen.
    public func returnFromEL2(ramWritten: Bool = true) {
        if ramWritten { monitor.decoded.invalidateAll() }
        pc = el2.elr
        restorePSTATE(el2.spsr)
        cycles &+= costs.exceptionReturn
    }

    /// Drops every pre-decoded instruction (shared by all CPUs): for a debugger that wrote code.
    public func invalidateDecodedCode() { monitor.decoded.invalidateAll() }

    /// Drops every stage-2 translation (and so every combined one).
    public func invalidateStage2TLB() {
        fetchPage = .max
        for i in 0..<CPU.s2tlbSize { s2tlbTag[i] = .max }
        invalidateTLB()
    }

    /// Drops the stage-2 translation of the page holding `ipa`, and every combined translation
    /// whose output went through it.
    public func invalidateStage2TLB(ipa: UInt64) {
        fetchPage = .max
        let page = ipa >> 12
        let slot = Int(truncatingIfNeeded: page) & (CPU.s2tlbSize - 1)
        if s2tlbTag[slot] == page { s2tlbTag[slot] = .max }
        if !stage1Enabled {
            // VA = IPA: only the entry of that page can hold it.
            let e = tlb + (Int(truncatingIfNeeded: page) & (CPU.tlbSize - 1))
            if e.pointee.ipaPage == page { e.pointee.tag = .max }
            return
        }
        for i in 0..<CPU.tlbSize where tlb[i].ipaPage == page { tlb[i].tag = .max }
    }

    /// Runs until a limit or an exit to EL2.
    ///
    /// Semantics, per instruction: stop with `.cycleLimit` when `cycles >= cycleLimit` and with
    /// `.instructionLimit` after `instructionLimit` attempts, both checked before the instruction.
    /// The loop keeps exactly those semantics but checks them once per *run* (see `DecodeCache`):
    /// a run of n instructions whose static cost before its last instruction is c executes without
    /// any per-instruction check when `cycleLimit - cycles > c` and at least n attempts are left,
    /// because then none of the n checks could fire. A load or store may add cycles the static
    /// cost doesn't know (a stage-2 walk, a device) or drop cached code, so after one the rest of
    /// the run is re-checked the same way. A run that ends in a jump within the fetch page is
    /// followed by the next one without going round the outer loop, after the same checks. Near
    /// a limit instructions are stepped one at a time with the checks in place. With
    /// `traceInstructions` set, `runTraced` steps every instruction.
    public func run(cycleLimit requestedLimit: UInt64, instructionLimit: UInt64) -> CPUExit {
        guard isPoweredOn else { return .waitForInterrupt }
        let cache = monitor.decoded
        if adoptedCostsVersion != cache.costsVersion { adoptedCostsVersion = cache.adopt(costs) }
        // Tracing is decided once per call, outside the loop: the loop below has no trace test at
        // all, so tracing off costs nothing per instruction (measured in BENCHMARKS.md).
        if traceInstructions { return runTraced(cycleLimit: requestedLimit, instructionLimit: instructionLimit) }
        var budget = instructionLimit
        requestedRunLimit = requestedLimit
        updateAttention()
        instructions: while true {
            var cycleLimit = runLimit
            if cycles >= cycleLimit {
                // The limit, a timer deadline (the machine raises its PPI), or an interrupt.
                if cycles >= requestedRunLimit || !takeInterruptIfUnmasked() { return .cycleLimit }
                continue
            }
            // `budget == 0` is tested where it can be true: before a fetch that may fault, and
            // when the run does not fit (a run needs `budget >= runLength >= 1`).
            // Fast path: PC in the page fetched last (already translated, permission checked).
            if pc >> 12 != fetchPage {
                if budget == 0 { return .instructionLimit }
                guard fetchSlow() != nil else {
                    budget -= 1
                    if let e = pendingExit { pendingExit = nil; return e }
                    continue  // an EL1 exception was taken; go on at its vector
                }
            }
            let pa = fetchPA | (pc & 0xFFF)
            var entry = cache.slot(pa)
            if entry.pointee.tag != cache.tag(pa) { decodeRun(at: pa) }
            // Near a limit: one instruction (out of line), the checks run again before the next.
            // `cycles < cycleLimit` again: a fetch that walked the tables may have charged past
            // the limit checked above (the instruction still executes, as stepping does, but no
            // run may start; the wrapping difference alone would admit one).
            guard cycles < cycleLimit && cycleLimit &- cycles > entry.pointee.runCost
                && budget >= UInt64(entry.pointee.runLength) else {
                if budget == 0 { return .instructionLimit }
                budget -= 1
                if executeOutOfLine(entry) != .fault {
                    instructionsRetired &+= 1
                } else if let e = pendingExit {
                    pendingExit = nil
                    exitInstruction = entry.pointee.word
                    return e
                }
                continue
            }
            // The whole run fits in both limits: no checks until it ends. Every run ends in an
            // instruction that returns `.jump` or `.fault` (a branch or a generic instruction;
            // see `decodeRun`), so there is no length test either.
            // The `.next` forms (data processing) neither count cycles nor advance the PC: the
            // run charges them from the `runCost`s before the next form that does (`syncRun`),
            // which also sets the PC from the record's address; `charged` is the `runCost` from
            // the first one not charged yet.
            var first = entry
            let epoch = cache.epoch
            var runPC = pc
            var charged = entry.pointee.runCost
            var faulted = false
            // Two inlined copies of `execute` (it is transparent), each followed by its own
            // switch on the step so that both fold away: the first instruction of a run is
            // dispatched from its own indirect jump, whose history the host's branch predictor
            // keeps apart from that of the jump inside runs (measured: -3% CPU time on the bench;
            // a third copy, by parity inside the run, was 20% slower).
            execution: while true {
                switch execute(decoded: entry, inRun: true, charged: charged) {
                case .next:
                    entry += 1
                case .memory:
                    entry += 1
                    charged = entry.pointee.runCost
                    if !restFits(entry, epoch: epoch, cycleLimit: cycleLimit, cache: cache) { break execution }
                case .jump:
                    entry += 1
                    break execution
                case .fault:
                    faulted = true
                    break execution
                }
                while true {
                    switch execute(decoded: entry, inRun: true, charged: charged) {
                    case .next:
                        entry += 1
                    case .memory:
                        entry += 1
                        charged = entry.pointee.runCost
                        if !restFits(entry, epoch: epoch, cycleLimit: cycleLimit, cache: cache) { break execution }
                    case .jump:
                        entry += 1
                        // Chaining: a run that ends in a jump within the fetch page goes on to
                        // the run at the new PC here, when the outer loop would start it at once:
                        // its record valid (a loop that is one run goes back to `first`, valid
                        // already), the run fits in both limits, and no code dropped (a store
                        // into the run has ended it already; the epoch test covers the run's
                        // last instruction). Measured: -8% CPU time on the bench for one-run
                        // loops, another -5% for the other jumps within a page.
                        if pc >> 12 == fetchPage && cache.epoch == epoch {
                            // The run ended in its last instruction: all of it was executed.
                            let done = UInt64(first.pointee.runLength), limit = runLimit
                            let pa = fetchPA | (pc & 0xFFF)
                            let next = pc == runPC ? first : cache.slot(pa)
                            if (pc == runPC || next.pointee.tag == cache.tag(pa))
                                && cycles < limit && limit &- cycles > next.pointee.runCost
                                && budget &- done >= UInt64(next.pointee.runLength) {
                                budget &-= done
                                instructionsRetired &+= done
                                first = next
                                entry = next
                                runPC = pc
                                charged = next.pointee.runCost
                                cycleLimit = limit
                                continue execution
                            }
                        }
                        break execution
                    case .fault:
                        faulted = true
                        break execution
                    }
                }
            }
            if faulted {
                let attempted = CPU.count(from: first, to: entry) &+ 1
                budget &-= attempted
                instructionsRetired &+= attempted &- 1
                if let e = pendingExit {
                    pendingExit = nil
                    exitInstruction = entry.pointee.word
                    return e
                }
                continue instructions  // an EL1 exception was taken; go on at its vector
            }
            let done = CPU.count(from: first, to: entry)
            budget &-= done
            instructionsRetired &+= done
        }
    }

    /// After a form that may add cycles the static cost doesn't know or drop code (a load or
    /// store, a rare class executed out of line) inside a run: whether the rest of the run, from
    /// `next`, may go on without checks (no code dropped since `epoch`, and it still fits in the
    /// cycle limit); if not, the run ends and the outer loop checks afresh.
    @inline(__always)
    func restFits(_ next: UnsafeMutablePointer<DecodedInstruction>, epoch: UInt64, cycleLimit: UInt64, cache: DecodeCache) -> Bool {
        cache.epoch == epoch && cycles < cycleLimit && cycleLimit &- cycles > next.pointee.runCost
    }

    /// Records from `first` up to, not including, `entry` (entry >= first): an unsigned
    /// division by the 64-byte stride, which compiles to one shift.
    @inline(__always)
    static func count(from first: UnsafeMutablePointer<DecodedInstruction>, to entry: UnsafeMutablePointer<DecodedInstruction>) -> UInt64 {
        UInt64((UInt(bitPattern: entry) &- UInt(bitPattern: first)) / UInt(MemoryLayout<DecodedInstruction>.stride))
    }

    /// `run` with `instructionObserver` called before every instruction: the reference loop, one
    /// instruction at a time with both limits checked before each. Out of line, so the fast loop
    /// neither tests for tracing nor grows.
    @inline(never)
    func runTraced(cycleLimit requestedLimit: UInt64, instructionLimit: UInt64) -> CPUExit {
        var budget = instructionLimit
        let cache = monitor.decoded
        // Read on every instruction, so that `stopBeforeNextInstruction` ends this loop too.
        requestedRunLimit = requestedLimit
        while true {
            if cycles >= min(requestedRunLimit, timerDeadline) { return .cycleLimit }
            if budget == 0 { return .instructionLimit }
            if takeInterruptIfUnmasked() { continue }
            budget -= 1
            if pc >> 12 != fetchPage {
                guard fetchSlow() != nil else {
                    if let e = pendingExit { pendingExit = nil; return e }
                    continue
                }
            }
            let pa = fetchPA | (pc & 0xFFF)
            let entry = cache.slot(pa)
            if entry.pointee.tag != cache.tag(pa) { decodeRun(at: pa) }
            instructionObserver?(pc, entry.pointee.word)
            if executeOutOfLine(entry) != .fault {
                instructionsRetired &+= 1
            } else if let e = pendingExit {
                pendingExit = nil
                exitInstruction = entry.pointee.word
                return e
            }
        }
    }
}
