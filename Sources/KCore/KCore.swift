import SMMUDevice
import Stage2

/// EL2: the stage-2 fault handler and the HVC dispatcher of SeKVM's KCore, at the selected level.
public final class KCore {
    public enum HandlerLevel: String, Sendable, CaseIterable { case impl, spec }

    public struct Configuration {
        public var ramBase: UInt64 = 0x4000_0000
        public var ramSize: UInt64 = 256 << 20
        public var smmuConf = SMMUConf.hardwareDefault
        /// Expected SHA-256 of each VM's image, by vmid.
        public var vmImageHashes: [UInt32: [UInt8]] = [:]
        /// SHA-256 (the machine plugs swift-crypto's `SHA256`); nil = verification always fails.
        public var sha256: (([UInt8]) -> [UInt8])? = nil
        public var handlers: HandlerLevel = .impl
        public var checkRefinement = false
        /// Known divergences a run may continue past.
        var allowList: Set<KnownDivergence> = Set(KnownDivergence.allCases)
        var nptLayout: NPTPoolLayout? = nil
        public var costModel = KCoreCostModel()
        public init() {}
    }

    public let configuration: Configuration
    public let carveOut: CarveOutLayout
    /// The implementation-level state. With `.spec` its EL2 data is not kept in step (a copy
    /// sharing the spec's storage would make every spec call copy it): only its tables in RAM
    /// are, materialized from the spec's. Internal: tools read EL2's state through the query
    /// API (KCore+Query.swift); `@testable` tests seed states no hypercall sequence reaches
    /// (e.g. a counted host page).
    var impl: ImplState
    /// The spec-level state: authoritative with `.spec`, the reference with `checkRefinement`.
    var spec: SpecState
    public internal(set) var refinementReports: [RefinementReport] = []
    /// The implementation's host NPT in the spec's terms, kept current from the words each
    /// call stores once something has asked for it (the refinement check, `abstractState`);
    /// nil until then. Re-reading the whole NPT after every call made a checked run quadratic.
    var implNPT: IncrementalNPTAbstraction?
    /// The oracles every call's context uses, made once: a closure made per call costs an
    /// allocation, and a trap round trip makes two contexts.
    let oracles: (readDevice: (Int, UInt64, Int) -> UInt64, pageContents: (UInt64) -> UInt64, hwTTBR: (Int, Int) -> UInt64)
    /// Call contexts for reuse (`makeContext`).
    private var contextPool: [CallContext] = []
    /// Counts the calls that wrote the shadow tables: a reader that saw the same value has
    /// seen the same tables (`--check-invariants` re-checks them only after a change).
    public internal(set) var sptGeneration = 0
    /// Spec-branch counters (`--coverage`); nil (the default) counts nothing.
    public var coverage: SpecCoverage?
    /// The ticket locks in time, shared by every timed call (contention, `--stats`, `--lock-log`).
    public let locks = TicketLocks()

    public var vttbr: UInt64 { impl.vttbr }
    public var vtcr: UInt64 { ImplState.vtcr }
    public var halted: Bool { configuration.handlers == .spec ? spec.data.halt : impl.data.halt }
    /// The EL2 data of the level that drives.
    public var data: EL2Data { configuration.handlers == .spec ? spec.data : impl.data }

    public init(configuration: Configuration, memory: PhysicalMemory, smmu: SMMUHardware) {
        self.configuration = configuration
        let layout = configuration.nptLayout ?? .coq
        carveOut = CarveOutLayout(ramBase: memory.base, ramSize: memory.size, nptLayout: layout)
        let d = EL2Data(s2page: S2PageTable(ramBase: memory.base, ramSize: memory.size, carveOutBase: carveOut.base))
        impl = ImplState(data: d, memory: memory, smmu: smmu, carve: carveOut)
        spec = SpecState(data: d, spt: AbstractSPT(), npt: AbstractNPT(layout: layout))
        let carve = carveOut
        oracles = ({ i, off, size in smmu.readRegister(smmu: i, offset: off, size: size) },
                   { pfn in fnv1a(memory.read(pfn << 12, count: 4096) ?? []) },
                   { carve.sptPA(KC.SMMU_TTBR($0, $1)) })
        memory.zero(carveOut.base, length: carveOut.size)
    }

    /// A call's context. `timed`: this call drives the machine, so its lock operations take
    /// tickets on `locks` at the trap's cycle (never for the shadow run of a refinement check).
    /// `level` names the level whose branches it counts (`--coverage`; nil: none).
    /// `copyingRegisters: false` leaves the host registers out (the caller moves them in:
    /// `makeDrivingContext`).
    func makeContext(_ h: HostContext, timed: Bool = false, level: HandlerLevel? = nil, copyingRegisters: Bool = true) -> CallContext {
        let ctx = reusableContext(h, copyingRegisters: copyingRegisters)
        if timed, let c = h.cycle {
            let start = c &+ configuration.costModel.trapEntry &+ h.bodyCycles
            // A pooled context keeps its clock on these locks: only its start changes (a new
            // clock retains the locks and releases the old one's).
            if ctx.clock?.unretainedLocks.toOpaque() == Unmanaged.passUnretained(locks).toOpaque() {
                ctx.clock!.start = start
            } else {
                ctx.clock = HandlerClock(start: start, locks: locks)
            }
        } else if ctx.clock != nil {
            ctx.clock = nil
        }
        if let coverage, let level { ctx.coverage = CoverageProbe(counters: coverage, level: level) }
        return ctx
    }

    /// A context no caller holds any more, reset for `h`, or a new one. A context is free when
    /// the pool's is its only reference (`isKnownUniquelyReferenced`), so one a caller still
    /// holds is never handed out twice; the pool stays as small as the most contexts ever
    /// alive at once (two per level of a trap, two more with the refinement check).
    private func reusableContext(_ h: HostContext, copyingRegisters: Bool) -> CallContext {
        let o = oracles
        for i in contextPool.indices where isKnownUniquelyReferenced(&contextPool[i]) {
            let ctx = contextPool[i]
            ctx.reset(cpu: h.cpu, conf: configuration.smmuConf, x: copyingRegisters ? h.x : nil, elr: h.elr, far: h.far, costs: configuration.costModel,
                      readDevice: o.readDevice, pageContents: o.pageContents, hwTTBR: o.hwTTBR)
            return ctx
        }
        let ctx = CallContext(
            cpu: h.cpu, conf: configuration.smmuConf, regs: HostRegisters(x: h.x, elr: h.elr, far: h.far),
            readDevice: o.readDevice, pageContents: o.pageContents, hwTTBR: o.hwTTBR)
        ctx.costs = configuration.costModel
        if contextPool.count < KCore.contextPoolLimit { contextPool.append(ctx) }
        return ctx
    }
    static let contextPoolLimit = 8

    /// PSCI SYSTEM_OFF from VM `vmid` (`set_vm_poweroff`): the only way to POWEROFF, which
    /// `el2_free_smmu_pgd` requires.
    func powerOffVM(_ vmid: UInt32, cpu: Int = 0) {
        guard vmid < 17 else { return }
        var ctx = makeContext(HostContext(cpu: cpu))
        VMBoot.set_vm_poweroff(&impl.data, &ctx, vmid: vmid)
        VMBoot.set_vm_poweroff(&spec.data, &ctx, vmid: vmid)
    }
}

/// 64-bit FNV-1a: the page-content oracle value written into `flatmem` by the seed's assign.
func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
}

/// "SMMU0.CB3.TTBR0"-style names for the registers the handlers decide on.
func smmuRegisterName(index: UInt32, offset: UInt64) -> String {
    // One register table for the device, the handlers and traces: SMMUDevice's.
    (index == KC.INVALID ? "SMMU?" : "SMMU\(index)") + "." + SMMURegisterMap.name(offset: offset)
}
