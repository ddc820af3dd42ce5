/// A GICv2 without the Security Extensions, as QEMU's `-M virt,gic-version=2` has it (ARM IHI
/// 0048B): 288 interrupts (SGIs 0–15 and PPIs 16–31 banked per CPU, SPIs 32–287), eight
/// priority bits, groups 0 and 1, one CPU interface per CPU. The distributor and CPU interface
/// register frames are `GICv2Distributor` and `GICv2CPUInterface`; this class holds the state
/// and the rules both frames share (which interrupt a CPU interface signals, acknowledge,
/// priority drop, deactivation).
///
/// Interrupt inputs are levels (`setLevel`); an edge-triggered interrupt latches its pending
/// state on a rising edge, a level-sensitive one is pending while its input is high or while
/// software set it pending. After every change the IRQ and FIQ outputs of each CPU interface
/// are recomputed and handed to `signal` (CPU index, bit 1 IRQ, bit 0 FIQ: the order of
/// PSTATE.I and PSTATE.F).
public final class GICv2 {
    /// INTIDs: 16 SGIs, 16 PPIs, 256 SPIs (QEMU virt: 256 external interrupts).
    public static let interruptCount = 288
    public static let spurious: UInt32 = 1023
    /// Returned by GICC_IAR for a Group 1 interrupt while GICC_CTLR.AckCtl is clear.
    public static let spuriousGroup1: UInt32 = 1022
    /// Idle running priority.
    public static let idlePriority: UInt8 = 0xFF

    public let cpuCount: Int
    /// Where the outputs go: (CPU, bit 1 IRQ | bit 0 FIQ).
    public var signal: (Int, UInt8) -> Void = { _, _ in }
    /// Guest misuse (reserved offsets, unsupported access sizes, UNPREDICTABLE writes): the
    /// access is ignored as the GIC architecture allows and a line goes here.
    public var guestError: (String) -> Void = { _ in }
    /// The last outputs given to `signal`, per CPU.
    public private(set) var outputs: [UInt8]

    // Distributor state. Slots 0..<cpuCount*32 are the banked SGIs and PPIs of each CPU, the SPIs
    // follow (`slot`).
    var distributorControl: UInt32 = 0  // GICD_CTLR: EnableGrp0 (0), EnableGrp1 (1)
    var group: [Bool]
    var enabled: [Bool]
    /// Pending state latched by an edge, a set-pending write, or (SGIs) `sgiSources`.
    var pendingLatch: [Bool]
    var active: [Bool]
    /// The input line's level (PPIs and SPIs).
    var level: [Bool]
    /// ICFGR bit 1 of the interrupt's field: edge-triggered.
    var edge: [Bool]
    var priority: [UInt8]
    /// GICD_ITARGETSR of each SPI: a CPU mask.
    var targets: [UInt8]
    /// Per target CPU and SGI, the CPUs that sent it and are still pending (GICD_SPENDSGIR).
    var sgiSources: [UInt8]

    // CPU interface state, per CPU.
    var cpuControl: [UInt32]
    var priorityMask: [UInt8]
    var binaryPoint: [UInt8]
    var aliasedBinaryPoint: [UInt8]
    /// Active priorities (GICC_APRn): bit n set while a group priority 2n is active.
    var activePriorities: [(UInt64, UInt64)]

    public init(cpus: Int) {
        cpuCount = max(1, min(8, cpus))
        let slots = cpuCount * 32 + GICv2.interruptCount - 32
        group = Array(repeating: false, count: slots)
        enabled = Array(repeating: false, count: slots)
        pendingLatch = Array(repeating: false, count: slots)
        active = Array(repeating: false, count: slots)
        level = Array(repeating: false, count: slots)
        edge = Array(repeating: false, count: slots)
        priority = Array(repeating: 0, count: slots)
        targets = Array(repeating: 0, count: GICv2.interruptCount - 32)
        sgiSources = Array(repeating: 0, count: cpuCount * 16)
        cpuControl = Array(repeating: 0, count: cpuCount)
        priorityMask = Array(repeating: 0, count: cpuCount)
        binaryPoint = Array(repeating: GICv2.minimumBinaryPoint, count: cpuCount)
        aliasedBinaryPoint = Array(repeating: GICv2.minimumBinaryPoint + 1, count: cpuCount)
        activePriorities = Array(repeating: (0, 0), count: cpuCount)
        outputs = Array(repeating: 0, count: cpuCount)
        for c in 0..<cpuCount {
            for id in 0..<16 { edge[c * 32 + id] = true; enabled[c * 32 + id] = true }
        }
    }

    /// With eight priority bits the smallest binary point is 0 (group priority bits 7:1).
    static let minimumBinaryPoint: UInt8 = 0

    /// The state slot of `id` as CPU `cpu` sees it (banked below 32), nil beyond the implemented INTIDs.
    @inline(__always)
    func slot(_ cpu: Int, _ id: Int) -> Int? {
        guard id >= 0, id < GICv2.interruptCount, cpu >= 0, cpu < cpuCount else { return nil }
        return id < 32 ? cpu * 32 + id : cpuCount * 32 + id - 32
    }

    func isPending(_ cpu: Int, _ id: Int, _ s: Int) -> Bool {
        if id < 16 { return sgiSources[cpu * 16 + id] != 0 }
        return pendingLatch[s] || (!edge[s] && level[s])
    }

    // MARK: Inputs

    /// Drives a PPI of `cpu` (16–31) or an SPI (32 up; `cpu` ignored) to `high`.
    public func setLevel(_ id: UInt32, cpu: Int = 0, high: Bool) {
        guard id >= 16, let s = slot(id < 32 ? cpu : 0, Int(id)) else { return }
        if level[s] == high { return }
        level[s] = high
        if high && edge[s] { pendingLatch[s] = true }
        // A disabled interrupt cannot change what the CPU interfaces present (enabling it
        // recomputes them); devices toggle their lines far more often than guests enable them.
        if enabled[s] { update() }
    }

    /// Whether an interrupt's input line is high (`cpu` for PPIs).
    public func inputLevel(_ id: UInt32, cpu: Int = 0) -> Bool {
        guard let s = slot(id < 32 ? cpu : 0, Int(id)) else { return false }
        return level[s]
    }

    /// GICD_SGIR: sends SGI `id` from `source` to the CPUs in `targetList`.
    func sendSGI(_ id: Int, from source: Int, to targetList: UInt8) {
        for c in 0..<cpuCount where targetList & (1 << c) != 0 {
            sgiSources[c * 16 + (id & 15)] |= UInt8(1 << source)
        }
        update()
    }

    // MARK: Priority rules

    /// The group priority mask for an interrupt of `isGroup1` on `cpu` (ARM IHI 0048B 3.3.3):
    /// Group 0, or Group 1 with GICC_CTLR.CBPR, uses GICC_BPR n (bits 7:n+1); Group 1 otherwise
    /// uses GICC_ABPR n (bits 7:n).
    func groupPriorityMask(_ cpu: Int, group1: Bool) -> UInt8 {
        if group1 && cpuControl[cpu] & CPUInterfaceControl.cbpr == 0 {
            return UInt8(truncatingIfNeeded: 0xFF << Int(aliasedBinaryPoint[cpu]))
        }
        return UInt8(truncatingIfNeeded: 0xFF << (Int(binaryPoint[cpu]) + 1))
    }

    /// GICC_RPR: the group priority of the highest-priority active interrupt, 0xFF when idle.
    public func runningPriority(_ cpu: Int) -> UInt8 {
        let (lo, hi) = activePriorities[cpu]
        if lo != 0 { return UInt8(lo.trailingZeroBitCount * 2) }
        if hi != 0 { return UInt8((64 + hi.trailingZeroBitCount) * 2) }
        return GICv2.idlePriority
    }

    /// The highest-priority interrupt that is enabled, pending, not active, targets `cpu` and
    /// whose group the distributor forwards (lowest INTID among equals), if any.
    func highestPending(_ cpu: Int) -> (id: Int, slot: Int)? {
        var best: (id: Int, slot: Int)?
        var bestPriority = 0x100
        for id in 0..<GICv2.interruptCount {
            let s = id < 32 ? cpu * 32 + id : cpuCount * 32 + id - 32
            guard enabled[s], !active[s], Int(priority[s]) < bestPriority else { continue }
            if id >= 32 && targets[id - 32] & UInt8(1 << cpu) == 0 { continue }
            guard isPending(cpu, id, s) else { continue }
            guard distributorControl & (group[s] ? 2 : 1) != 0 else { continue }
            best = (id, s)
            bestPriority = Int(priority[s])
        }
        return best
    }

    /// The interrupt CPU interface `cpu` presents: the highest pending one if its priority is
    /// above GICC_PMR and its group is enabled in GICC_CTLR (QEMU's `current_pending`).
    func presented(_ cpu: Int) -> (id: Int, slot: Int)? {
        guard let p = highestPending(cpu), priority[p.slot] < priorityMask[cpu] else { return nil }
        guard cpuControl[cpu] & (group[p.slot] ? CPUInterfaceControl.enableGroup1 : CPUInterfaceControl.enableGroup0) != 0 else { return nil }
        return p
    }

    /// Recomputes every CPU interface's outputs: the presented interrupt is signalled when its
    /// group priority is higher than the running priority (preemption), as FIQ for Group 0
    /// with GICC_CTLR.FIQEn, as IRQ otherwise.
    public func update() {
        for c in 0..<cpuCount {
            var out: UInt8 = 0
            if let p = presented(c) {
                let g1 = group[p.slot]
                if priority[p.slot] & groupPriorityMask(c, group1: g1) < runningPriority(c) {
                    out = !g1 && cpuControl[c] & CPUInterfaceControl.fiqEnable != 0 ? 1 : 2
                }
            }
            if out != outputs[c] {
                outputs[c] = out
                signal(c, out)
            }
        }
    }

    // MARK: Acknowledge, priority drop, deactivation

    /// GICC_IAR: acknowledges the presented interrupt if it would preempt, making it active and
    /// raising the running priority; an SGI's value carries its source CPU in bits 12:10.
    func acknowledge(_ cpu: Int) -> UInt32 {
        guard let p = presented(cpu) else { return GICv2.spurious }
        let g1 = group[p.slot]
        let groupPriority = priority[p.slot] & groupPriorityMask(cpu, group1: g1)
        guard groupPriority < runningPriority(cpu) else { return GICv2.spurious }
        if g1 && cpuControl[cpu] & CPUInterfaceControl.ackControl == 0 { return GICv2.spuriousGroup1 }
        var value = UInt32(p.id)
        if p.id < 16 {
            let sources = sgiSources[cpu * 16 + p.id]
            let source = sources.trailingZeroBitCount
            sgiSources[cpu * 16 + p.id] = sources & (sources &- 1)
            value |= UInt32(source) << 10
        } else {
            pendingLatch[p.slot] = false
        }
        active[p.slot] = true
        let bit = Int(groupPriority >> 1)
        if bit < 64 { activePriorities[cpu].0 |= 1 << UInt64(bit) } else { activePriorities[cpu].1 |= 1 << UInt64(bit - 64) }
        update()
        return value
    }

    /// GICC_EOIR: drops the running priority (the highest active priority) and, with
    /// GICC_CTLR.EOImode clear, deactivates the interrupt.
    func endOfInterrupt(_ cpu: Int, _ value: UInt32) {
        let id = Int(value & 0x3FF)
        guard id < GICv2.interruptCount else { return }  // spurious INTIDs: no effect
        var (lo, hi) = activePriorities[cpu]
        if lo != 0 { lo &= lo &- 1 } else if hi != 0 { hi &= hi &- 1 } else {
            guestError("GICC_EOIR \(id) on cpu\(cpu) with no active interrupt")
        }
        activePriorities[cpu] = (lo, hi)
        if cpuControl[cpu] & CPUInterfaceControl.eoiMode == 0 { deactivate(cpu, id) }
        update()
    }

    /// GICC_DIR: deactivates an interrupt (meaningful with GICC_CTLR.EOImode set only).
    func deactivateInterrupt(_ cpu: Int, _ value: UInt32) {
        guard cpuControl[cpu] & CPUInterfaceControl.eoiMode != 0 else {
            guestError("GICC_DIR write on cpu\(cpu) with GICC_CTLR.EOImode clear")
            return
        }
        deactivate(cpu, Int(value & 0x3FF))
        update()
    }

    func deactivate(_ cpu: Int, _ id: Int) {
        guard let s = slot(cpu, id) else { return }
        active[s] = false
    }
}

/// GICC_CTLR bits without the Security Extensions (ARM IHI 0048B 4.4.1).
enum CPUInterfaceControl {
    static let enableGroup0: UInt32 = 1 << 0
    static let enableGroup1: UInt32 = 1 << 1
    static let ackControl: UInt32 = 1 << 2
    static let fiqEnable: UInt32 = 1 << 3
    static let cbpr: UInt32 = 1 << 4
    /// Bypass-disable bits 8:5: stored, no effect (there is no legacy bypass signal).
    /// EOImodeS (9): what QEMU applies to both groups when there are no Security Extensions.
    static let eoiMode: UInt32 = 1 << 9
    /// EOImodeNS (10): stored.
    static let writable: UInt32 = 0x7FF
}
