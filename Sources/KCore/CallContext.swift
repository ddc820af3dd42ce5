/// Why the hypervisor panicked (the spec's `halt`): the handler and the condition.
public struct PanicReason: Equatable, Sendable, CustomStringConvertible {
    public var function: String
    var condition: String
    init(function: String, condition: String) {
        self.function = function
        self.condition = condition
    }
    public var description: String { "\(function): \(condition)" }
}

/// The static SMMU configuration (`smmu_conf`: `smmu_num`, `smmu_phys_base`, `smmu_size`,
/// `smmu_dev_context_banks`).
public struct SMMUConf: Equatable, Sendable {
    public var physBase: [UInt64]
    public var size: [UInt64]
    var contextBanks: [Int]
    init(physBase: [UInt64], size: [UInt64], contextBanks: [Int]) {
        self.physBase = physBase
        self.size = size
        self.contextBanks = contextBanks
    }
    /// HARDWARE.md defaults: SMMU0 at 0x0905_0000 with 8 banks, SMMU1 at 0x0906_0000 with 4.
    public static let hardwareDefault = SMMUConf(
        physBase: [0x0905_0000, 0x0906_0000], size: [0x10000, 0x10000], contextBanks: [8, 4])
    public var num: Int { physBase.count }
    func banks(_ index: Int) -> Int { index >= 0 && index < contextBanks.count ? contextBanks[index] : 0 }
}

/// The host registers an EL2 handler reads and writes (the `ctxt_regs`/shadow context fields
/// that the seed touches).
struct HostRegisters: Equatable, Sendable {
    /// x0…x30.
    public var x: [UInt64]
    public var elr: UInt64
    public var far: UInt64
    /// The PC the host resumes at when the handler skipped the faulting instruction. The spec
    /// stores `ELR_EL2 + 4` into a field named `esr_el2` (quirk Q1); this is that value.
    var skipTo: UInt64?
    init(x: [UInt64], elr: UInt64, far: UInt64) {
        self.x = x
        self.elr = elr
        self.far = far
    }
    /// Register `rt` as a load/store sees it: 31 is XZR (reads 0, ignores writes; quirk Q10).
    func get(_ rt: Int) -> UInt64 { rt >= 0 && rt < 31 && rt < x.count ? x[rt] : 0 }
    mutating func set(_ rt: Int, _ v: UInt64) { if rt >= 0 && rt < 31 && rt < x.count { x[rt] = v } }
}

/// One access that reaches an SMMU register frame.
struct DeviceAccess: Equatable, Sendable, CustomStringConvertible {
    var smmu: Int
    /// Offset inside the SMMU's 64 KiB frame.
    var offset: UInt64
    public var size: Int
    var isWrite: Bool
    /// Written value, or the value the device returned for a read.
    public var value: UInt64
    init(smmu: Int, offset: UInt64, size: Int, isWrite: Bool, value: UInt64) {
        self.smmu = smmu
        self.offset = offset
        self.size = size
        self.isWrite = isWrite
        self.value = value
    }
    public var description: String {
        "SMMU\(smmu)+0x\(String(offset, radix: 16)) \(isWrite ? "W" : "R")\(size * 8) 0x\(String(value, radix: 16))"
    }
}

/// The per-call environment of a handler at either level: which CPU runs it, the static
/// configuration, the host registers (in/out), the oracles, and what the call produced besides
/// the state (panic reason, "spec undefined" note, device accesses, step counts for the cost
/// model, TLB invalidations).
///
/// A class: one is made per call and handed down by reference. As a struct of some fifteen
/// reference-counted fields it was copied and destroyed field by field on its way through the
/// level runner, a third of a trap round trip.
final class CallContext {
    public var cpu: Int
    var conf: SMMUConf { didSet { confReplaced = true } }
    var regs: HostRegisters
    /// The device-read oracle (`doracle(0, n)`): the value the SMMU returns for a read.
    var readDevice: (_ smmu: Int, _ offset: UInt64, _ size: Int) -> UInt64 { didSet { oraclesReplaced = true } }
    /// The page-content oracle (`doracle(vmid, n)`) used by the seed's assign (D3).
    var pageContents: (_ pfn: UInt64) -> UInt64 { didSet { oraclesReplaced = true } }
    /// `get_smmu_cfg_hw_ttbr` as the hardware sees it: the real address of a bank's shadow root.
    var hwTTBR: (_ index: Int, _ cbndx: Int) -> UInt64 { didSet { oraclesReplaced = true } }
    /// Whether an oracle was replaced since `init` or `reset` (the refinement check's spec run
    /// replays the implementation's device reads): `reset` then puts the given ones back.
    private var oraclesReplaced = false
    /// Whether `conf` was assigned since `init` or `reset`: a pooled context is made with
    /// KCore's (a `let` configuration), so `reset` reassigns it only then (comparing its three
    /// arrays cost more than the rest of the reset).
    private var confReplaced = false

    public var panic: PanicReason?
    /// Set when a guest-reachable `rely` failed: the spec does not define the case, and the
    /// handler did what SeKVM's C does.
    var undefined: String?
    var deviceAccesses: [DeviceAccess] = []
    /// Primitive steps and table-entry accesses, charged by `KCoreCostModel`.
    var steps = 0
    var tableAccesses = 0
    /// Whether the implementation level wrote the shadow tables / the host NPT in memory: the
    /// refinement check re-reads (abstracts) a table region only after a call wrote it.
    var sptWritten = false
    /// Physical addresses of the host-NPT words the implementation stored: the refinement
    /// check and the invariant view update their NPT abstraction from just these.
    var nptWrites: [UInt64] = []
    var nptWritten: Bool { !nptWrites.isEmpty }
    /// Host IPAs whose NPT entry changed (the machine invalidates its TLBs for them).
    var hostTLBInvalidations: [UInt64] = []
    /// Lock operations and the cycles spent waiting for locks, charged by `KCoreCostModel`.
    var lockAcquires = 0
    var lockReleases = 0
    var lockWaitCycles: UInt64 = 0
    /// The prices of the work above (for `now`, the cycle a lock operation happens at).
    var costs = KCoreCostModel()
    /// Lock timing (HandlerClock.swift); nil when the call is untimed: the shadow run of a
    /// refinement check, or a caller that gave no cycle.
    var clock: HandlerClock?
    /// Branch counters and this call's level (`--coverage`); nil when coverage is off.
    public var coverage: CoverageProbe?

    init(
        cpu: Int, conf: SMMUConf, regs: HostRegisters,
        readDevice: @escaping (Int, UInt64, Int) -> UInt64 = { _, _, _ in 0 },
        pageContents: @escaping (UInt64) -> UInt64 = { _ in 0 },
        hwTTBR: @escaping (Int, Int) -> UInt64 = { KC.SMMU_TTBR($0, $1) }
    ) {
        self.cpu = cpu
        self.conf = conf
        self.regs = regs
        self.readDevice = readDevice
        self.pageContents = pageContents
        self.hwTTBR = hwTTBR
    }

    func flagUndefined(_ why: String) { if undefined == nil { undefined = why } }

    /// Makes this context what `init` would have made for a new call, keeping the storage of its
    /// arrays. Contexts are reused (`KCore.makeContext`): allocating and tearing one down, with
    /// its register array and lists, cost more than the handler of a trapped SMMU read. Every
    /// stored property is set here; `CallContextReuseTests` holds a reused context to a new one.
    /// The oracles are assigned only if one was replaced: a context from the pool was made with
    /// the same ones (`KCore.oracles`), and reassigning three closures costs six reference-count
    /// operations per call. `conf` likewise.
    /// `x` nil: the registers are left as they are, for a caller that moves the host's in.
    func reset(
        cpu: Int, conf: SMMUConf, x: [UInt64]?, elr: UInt64, far: UInt64, costs: KCoreCostModel,
        readDevice: @escaping (Int, UInt64, Int) -> UInt64, pageContents: @escaping (UInt64) -> UInt64,
        hwTTBR: @escaping (Int, Int) -> UInt64
    ) {
        self.cpu = cpu
        if confReplaced {
            self.conf = conf
            confReplaced = false
        }
        regs.elr = elr
        regs.far = far
        regs.skipTo = nil
        if let x {
            if regs.x.count == x.count {
                // Copied into the array this context owns, so a handler's register write does
                // not copy it.
                copyRegisters(x, into: &regs.x)
            } else {
                regs.x = x
            }
        }
        if oraclesReplaced {
            self.readDevice = readDevice
            self.pageContents = pageContents
            self.hwTTBR = hwTTBR
            oraclesReplaced = false
        }
        if panic != nil { panic = nil }
        if undefined != nil { undefined = nil }
        // One `removeLast` per access (a call makes a few): `removeAll(keepingCapacity:)` is a
        // generic range replacement, several times dearer for one element.
        while !deviceAccesses.isEmpty { deviceAccesses.removeLast() }
        steps = 0
        tableAccesses = 0
        sptWritten = false
        if !nptWrites.isEmpty { nptWrites.removeAll(keepingCapacity: true) }
        if !hostTLBInvalidations.isEmpty { hostTLBInvalidations.removeAll(keepingCapacity: true) }
        lockAcquires = 0
        lockReleases = 0
        lockWaitCycles = 0
        self.costs = costs
        // `clock` is set (or cleared) by `KCore.makeContext`, the only caller.
        coverage = nil
    }
}

/// Which SMMU window holds `addr` (`is_smmu_range`): the last match wins (quirk Q14).
func isSMMURange(_ conf: SMMUConf, _ addr: UInt64) -> UInt32 {
    var res = KC.INVALID
    for i in 0..<conf.num where addr >= conf.physBase[i] && addr &- conf.physBase[i] < conf.size[i] {
        res = UInt32(i)
    }
    return res
}

/// Outcome of the write-validation rules (`handle_smmu_write`, MmioCore/MmioCoreAux).
enum WriteCheck: Equatable {
    case allow
    /// Allowed; the device receives the bank's shadow root instead (TTBR0, cbndx).
    case ttbr0(cbndx: Int)
    case reject(String)
    /// A `rely` failed (the spec is undefined); the C rejects.
    case undefinedReject(String)
}

/// The write rules of §3.5, shared by both levels (the pair is proven equal in MmioCore).
func smmuWriteCheck(offset off: UInt64, data: UInt64, index: Int, smmuVmid: [UInt32], _ ctx: inout CallContext) -> WriteCheck {
    if off < KC.SMMU_GLOBAL_BASE {
        if off <= KC.ARM_SMMU_GR1_BASE {  // inclusive: CBAR0 at 0x1000 lands here (quirk Q3)
            if off == KC.ARM_SMMU_GR0_sCR0 {
                let clear = (data >> KC.sCR0_SMCFCFG_SHIFT) & 1 == 0
                ctx.hit(clear ? .emulateSCR0SMCFCFGClear : .emulateSCR0)
                return clear ? .reject("sCR0 write with SMCFCFG clear") : .allow
            }
            if off == KC.ARM_SMMU_GR0_sCR2 {
                ctx.hit(data & 0xFF == 0 ? .emulateSCR2 : .emulateSCR2BPVMID)
                return data & 0xFF == 0 ? .allow : .reject("sCR2 write with non-zero BPVMID")
            }
            ctx.hit(.emulateGlobalOther)
            return .allow
        }
        if off < KC.ARM_SMMU_GR1_END {
            let n = Int((off - KC.ARM_SMMU_GR1_BASE) / 4)
            guard n < KC.SMMU_NUM_CTXT_BANKS else {
                ctx.hit(.emulateCBARNonexistent)
                return .undefinedReject("CBAR write for bank \(n), which does not exist (rely cbndx < 8)")
            }
            let owner = smmuVmid[KC.smmu_id(index, n)]
            let type = data >> KC.CBAR_TYPE_SHIFT  // not masked (quirk Q6)
            let tvmid = data & KC.CBAR_VMID_MASK
            if owner == KC.HOSTVISOR { ctx.hit(.emulateCBARHostBank); return .allow }
            if type == 0 && UInt64(owner) == tvmid { ctx.hit(.emulateCBARVMMatch); return .allow }
            if owner == KC.INVALID {
                ctx.hit(.emulateCBARUnallocated)
                return .undefinedReject("CBAR\(n) write for an unallocated bank (rely is_vmid owner)")
            }
            ctx.hit(.emulateCBARMismatch)
            return .reject("CBAR\(n) write with type \(type) / vmid \(tvmid) for a bank owned by VM \(owner)")
        }
        ctx.hit(.emulateGlobalHigh)
        return .allow
    }
    let cbOff = (off - KC.SMMU_GLOBAL_BASE) & KC.ARM_SMMU_PGSHIFT_MASK
    if cbOff == KC.ARM_SMMU_CB_TTBR0 {
        ctx.hit(.emulateTTBR0)
        return .ttbr0(cbndx: Int((off - KC.SMMU_GLOBAL_BASE) >> KC.ARM_SMMU_PGSHIFT))
    }
    if cbOff == KC.ARM_SMMU_CB_CONTEXTIDR { ctx.hit(.emulateCONTEXTIDR); return .reject("CONTEXTIDR write") }
    ctx.hit(.emulateCBOther)
    return .allow
}

/// Copies the registers of `src` into `dst` (both 31 long), keeping `dst`'s storage.
@inline(__always)
func copyRegisters(_ src: [UInt64], into dst: inout [UInt64]) {
    let n = min(src.count, dst.count)
    src.withUnsafeBufferPointer { s in
        dst.withUnsafeMutableBufferPointer { d in
            if let sb = s.baseAddress, let db = d.baseAddress { db.update(from: sb, count: n) }
        }
    }
}
