import SMMUDevice
import Stage2

/// The host's registers at a trap to EL2, as the machine hands them over.
public struct HostContext: Equatable, Sendable {
    public var cpu: Int
    /// x0…x30.
    public var x: [UInt64]
    public var elr: UInt64
    public var esr: UInt64
    public var far: UInt64
    public var hpfar: UInt64
    /// The CPU's cycle counter when it trapped. Locks are timed from it (TicketLocks.swift);
    /// nil (a caller with no clock, such as a unit test) leaves the call untimed: no ticket is
    /// taken and no contention is modelled, though lock operations are still charged.
    public var cycle: UInt64?
    /// Cycles the bodies of this trap's earlier calls took (the next call starts after them).
    var bodyCycles: UInt64 = 0
    public init(
        cpu: Int, x: [UInt64] = .init(repeating: 0, count: 31), elr: UInt64 = 0, esr: UInt64 = 0, far: UInt64 = 0, hpfar: UInt64 = 0,
        cycle: UInt64? = nil
    ) {
        self.cpu = cpu
        self.cycle = cycle
        self.x = x.count >= 31 ? x : x + [UInt64](repeating: 0, count: 31 - x.count)
        self.elr = elr
        self.esr = esr
        self.far = far
        self.hpfar = hpfar
    }
}

/// What a handler decided, for traces.
public struct TrapDecision: Equatable, Sendable, CustomStringConvertible {
    public enum Action: String, Sendable { case emulated, rewritten, ignored, mapped, called, panic }
    public var handler: String
    /// The SMMU register or HVC the trap targeted ("SMMU0.CB3.TTBR0", "el2_arm_lpae_map").
    public var target: String
    public var action: Action
    public var value: UInt64?
    public var description: String { "\(handler) \(target) \(action.rawValue)" + (value.map { " 0x" + String($0, radix: 16) } ?? "") }
}

/// The result of one trap handled at EL2.
public struct TrapOutcome: Equatable, Sendable {
    /// Non-nil when the hypervisor panicked (exit status 3).
    public var panic: PanicReason?
    /// Cycles spent in EL2, from `KCoreCostModel`, lock waits included.
    public var cycles: UInt64
    /// The part of `cycles` spent waiting for ticket locks held by other CPUs.
    public var lockWaitCycles: UInt64 = 0
    /// Host IPAs (page aligned) whose stage-2 entry changed: invalidate the CPUs' TLBs for them.
    public var tlbInvalidations: [UInt64]
    public var decision: TrapDecision
    /// Set when a guest-reachable `rely` failed (the spec does not define the case).
    public var specUndefined: String?
    /// With `checkRefinement`: the differences found on this call (nil if none).
    public var refinement: RefinementReport?
    /// True when `refinement` holds a difference outside the allow-list: the run should stop.
    public var refinementFailure: Bool { refinement != nil && refinement?.known == nil }
}

/// EL2: the stage-2 fault handler and the HVC dispatcher of SeKVM's KCore, at the selected level.
public final class KCore {
    public enum HandlerLevel: String, Sendable { case impl, spec }

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
        public var allowList: Set<KnownDivergence> = Set(KnownDivergence.allCases)
        public var nptLayout: NPTPoolLayout? = nil
        public var costModel = KCoreCostModel()
        public init() {}
    }

    public let configuration: Configuration
    public let carveOut: CarveOutLayout
    /// The implementation-level state. Settable inside the module (and by `@testable` tests,
    /// which seed states no hypercall sequence reaches, e.g. a counted host page).
    public internal(set) var impl: ImplState
    /// The spec-level state: authoritative with `.spec`, the reference with `checkRefinement`.
    public internal(set) var spec: SpecState
    public private(set) var refinementReports: [RefinementReport] = []
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
        let layout = configuration.nptLayout ?? .forRAM(size: memory.size)
        carveOut = CarveOutLayout(ramBase: memory.base, ramSize: memory.size, nptLayout: layout)
        let d = EL2Data(s2page: S2PageTable(ramBase: memory.base, ramSize: memory.size, carveOutBase: carveOut.base))
        impl = ImplState(data: d, memory: memory, smmu: smmu, carve: carveOut)
        spec = SpecState(data: d, spt: AbstractSPT(), npt: AbstractNPT(layout: layout))
        memory.zero(carveOut.base, length: carveOut.size)
    }

    /// A call's context. `timed`: this call drives the machine, so its lock operations take
    /// tickets on `locks` at the trap's cycle (never for the shadow run of a refinement check).
    /// `level` names the level whose branches it counts (`--coverage`; nil: none).
    private func makeContext(_ h: HostContext, timed: Bool = false, level: HandlerLevel? = nil) -> CallContext {
        let carve = carveOut
        let mem = impl.memory
        var ctx = CallContext(
            cpu: h.cpu, conf: configuration.smmuConf, regs: HostRegisters(x: h.x, elr: h.elr, far: h.far),
            readDevice: { [smmu = impl.smmu] i, off, size in smmu.readRegister(smmu: i, offset: off, size: size) },
            pageContents: { pfn in fnv1a(mem.read(pfn << 12, count: 4096) ?? []) },
            hwTTBR: { carve.sptPA(KC.SMMU_TTBR($0, $1)) })
        ctx.costs = configuration.costModel
        if timed, let c = h.cycle {
            ctx.clock = HandlerClock(start: c &+ configuration.costModel.trapEntry &+ h.bodyCycles, locks: locks)
        }
        if let coverage, let level { ctx.coverage = CoverageProbe(counters: coverage, level: level) }
        return ctx
    }

    /// Runs one seed-level call at the configured level(s). `implBody`/`specBody` are the two
    /// levels of the same function; `bank`/`iova` say which shadow entry the call may change.
    private func run<R: Equatable>(
        _ name: String, _ args: String, _ h: inout HostContext, bank: (Int, Int)? = nil, iova: UInt64? = nil,
        known: KnownDivergence? = nil,
        impl implBody: (inout ImplState, inout CallContext) -> R, spec specBody: (inout SpecState, inout CallContext) -> R
    ) -> (R, CallContext, RefinementReport?) {
        if configuration.handlers == .spec {
            var ctx = makeContext(h, timed: true, level: .spec)
            let r = specBody(&spec, &ctx)
            h.bodyCycles &+= ctx.costs.body(ctx)
            // The spec records the device writes SeKVM's C performs; the hardware must see them.
            for a in ctx.deviceAccesses where a.isWrite {
                impl.smmu.writeRegister(smmu: a.smmu, offset: a.offset, size: a.size, value: a.value)
            }
            impl.data = spec.data
            if let bank { impl.materializeSPT(bank: (bank.0, bank.1), from: spec.spt, iova: iova) }
            impl.materializeNPT(gfns: ctx.hostTLBInvalidations, from: spec.npt)
            apply(ctx.regs, to: &h)
            return (r, ctx, nil)
        }
        var ictx = makeContext(h, timed: true, level: .impl)
        guard configuration.checkRefinement else {
            let r = implBody(&impl, &ictx)
            h.bodyCycles &+= ictx.costs.body(ictx)
            apply(ictx.regs, to: &h)
            return (r, ictx, nil)
        }
        let pre = spec
        let r = implBody(&impl, &ictx)
        h.bodyCycles &+= ictx.costs.body(ictx)
        var reads = ictx.deviceAccesses.filter { !$0.isWrite }.map(\.value)[...]
        var sctx = makeContext(h, level: .spec)
        sctx.readDevice = { _, _, _ in reads.popFirst() ?? 0 }
        sctx.pageContents = ictx.pageContents
        var s = pre
        let sr = specBody(&s, &sctx)
        // The implementation's abstraction: its EL2 data, and its tables re-read from memory
        // where this call wrote them; elsewhere they are what they were before the call, which
        // `pre` holds (`spec` is set to the abstraction after every checked call). Re-reading
        // only written regions keeps a check O(call) for the read-only majority of calls.
        var abs = s
        abs.data = impl.data
        abs.spt = ictx.sptWritten ? impl.abstractSPT() : pre.spt
        abs.npt = ictx.nptWritten ? impl.abstractNPT() : pre.npt
        var diffs = compareStates(s, abs, logsFrom: pre.data.locks.eventsEver)
        if sr != r { diffs.append(.init(field: "return value", spec: "\(sr)", impl: "\(r)")) }
        if sctx.regs != ictx.regs { diffs.append(.init(field: "host registers", spec: "\(sctx.regs)", impl: "\(ictx.regs)")) }
        if sctx.deviceAccesses != ictx.deviceAccesses {
            diffs.append(.init(field: "device accesses", spec: "\(sctx.deviceAccesses)", impl: "\(ictx.deviceAccesses)"))
        }
        spec = abs  // continue from the implementation's state
        apply(ictx.regs, to: &h)
        guard !diffs.isEmpty else { return (r, ictx, nil) }
        let k = known.flatMap { configuration.allowList.contains($0) ? $0 : nil }
        let rep = RefinementReport(function: name, arguments: args, differences: diffs, known: k)
        refinementReports.append(rep)
        return (r, ictx, rep)
    }

    /// `run` for functions without a result.
    private func run(
        _ name: String, _ args: String, _ h: inout HostContext, bank: (Int, Int)? = nil, iova: UInt64? = nil,
        known: KnownDivergence? = nil,
        impl implBody: (inout ImplState, inout CallContext) -> Void, spec specBody: (inout SpecState, inout CallContext) -> Void
    ) -> ((), CallContext, RefinementReport?) {
        let (_, c, r) = run(name, args, &h, bank: bank, iova: iova, known: known,
            impl: { implBody(&$0, &$1); return 0 }, spec: { specBody(&$0, &$1); return 0 })
        return ((), c, r)
    }

    private func apply(_ r: HostRegisters, to h: inout HostContext) {
        for i in 0..<31 { h.x[i] = r.x[i] }
        if let pc = r.skipTo { h.elr = pc }
    }

    private func outcome(_ ctx: CallContext, _ d: TrapDecision, _ rep: RefinementReport?) -> TrapOutcome {
        var d = d
        if ctx.panic != nil { d.action = .panic }
        return TrapOutcome(
            panic: ctx.panic, cycles: configuration.costModel.cycles(ctx), lockWaitCycles: ctx.lockWaitCycles,
            tlbInvalidations: ctx.hostTLBInvalidations, decision: d, specUndefined: ctx.undefined, refinement: rep)
    }

    // MARK: Stage-2 fault

    /// SeKVM's `handle_host_stage2_fault`: the fault IPA from HPFAR_EL2[39:4] (the architecture;
    /// Coq masks HPFAR with 0xFFFF, Q31), `emulate_mmio`, and `map_page_host` when it returns
    /// INVALID. An emulated access writes the host register and advances ELR by 4.
    public func handleHostStage2Fault(_ h: inout HostContext) -> TrapOutcome {
        h.bodyCycles = 0
        let page = ((h.hpfar >> 4) & ((1 << 36) - 1)) << 12
        let hsr = UInt32(truncatingIfNeeded: h.esr)
        let ipa = page | (h.far & 0xFFF)
        let (res, ctx, rep) = run(
            "emulate_mmio", "0x\(String(page, radix: 16)), 0x\(String(hsr, radix: 16))", &h,
            impl: { MmioOps.Impl.emulate_mmio(&$0, &$1, addr: page, hsr: hsr) },
            spec: { MmioOps.Spec.emulate_mmio(&$0, &$1, addr: page, hsr: hsr) })
        if res != KC.INVALID || ctx.panic != nil {
            let target = smmuRegisterName(index: isSMMURange(configuration.smmuConf, page), offset: ipa & 0xFFFF)
            let acc = ctx.deviceAccesses.last
            // The host's value: Xt, or zero for Rt = 31 (the trap frame's XZR slot), so that a
            // `str wzr` is "emulated", not "rewritten".
            let hostValue = ctx.regs.get(KC.host_dabt_get_rd(hsr))
            let rewritten = acc.map { $0.isWrite && $0.value != (hostValue & ($0.size == 4 ? 0xFFFF_FFFF : .max)) } ?? false
            return outcome(ctx, TrapDecision(handler: "emulate_mmio", target: target, action: rewritten ? .rewritten : .emulated, value: acc?.value), rep)
        }
        var o = outcome(ctx, TrapDecision(handler: "emulate_mmio", target: "IPA 0x\(String(ipa, radix: 16))", action: .ignored, value: nil), rep)
        let (_, mctx, mrep) = run(
            "map_page_host", "0x\(String(page, radix: 16))", &h,
            impl: { $0.map_page_host(page, &$1) }, spec: { MmioOps.Spec.map_page_host(&$0, &$1, addr: page) })
        let m = outcome(mctx, TrapDecision(handler: "map_page_host", target: "IPA 0x\(String(page, radix: 16))", action: .mapped, value: page), mrep ?? rep)
        o.panic = m.panic
        o.cycles &+= m.cycles &- configuration.costModel.trapEntry &- configuration.costModel.eret
        o.lockWaitCycles &+= m.lockWaitCycles
        o.tlbInvalidations = m.tlbInvalidations
        o.decision = m.decision
        o.specUndefined = o.specUndefined ?? m.specUndefined
        o.refinement = m.refinement
        return o
    }

    // MARK: HVC

    /// The non-PSCI host hypercalls of HARDWARE.md, with the argument checks of SeKVM's
    /// `host_hvc_dispatcher` (a failed check panics; an unknown id does nothing).
    public func handleHVC(_ h: inout HostContext) -> TrapOutcome {
        h.bodyCycles = 0
        let id = h.x[0], a1 = h.x[1], a2 = h.x[2], a3 = h.x[3], a4 = h.x[4], a5 = h.x[5]
        func argPanic(_ name: String) -> TrapOutcome {
            var ctx = makeContext(h)
            if configuration.handlers == .spec { spec.data.halt = true } else { impl.data.halt = true; spec.data.halt = spec.data.halt || configuration.checkRefinement }
            ctx.panic = PanicReason(function: "host_hvc_dispatcher", condition: "\(name): argument out of range")
            return outcome(ctx, TrapDecision(handler: "hvc", target: name, action: .panic, value: nil), nil)
        }
        if halted { return outcome(makeContext(h), TrapDecision(handler: "hvc", target: "halted", action: .ignored, value: nil), nil) }
        switch id {
        case 6:
            return outcome(makeContext(h), TrapDecision(handler: "hvc", target: "enable_s2", action: .ignored, value: nil), nil)
        case 23:
            guard a1 < 8, a2 < 2 else { return argPanic("el2_free_smmu_pgd") }
            let (_, c, r) = run("el2_free_smmu_pgd", "\(a1), \(a2)", &h,
                impl: { MmioOps.Impl.el2_free_smmu_pgd(&$0, &$1, cbndx: Int(a1), index: Int(a2)) },
                spec: { MmioOps.Spec.el2_free_smmu_pgd(&$0, &$1, cbndx: Int(a1), index: Int(a2)) })
            return outcome(c, TrapDecision(handler: "hvc", target: "el2_free_smmu_pgd", action: .called, value: nil), r)
        case 24:
            guard a1 < 8, a2 < 16, a3 < 2 else { return argPanic("el2_alloc_smmu_pgd") }
            let free = data.smmuVmid[KC.smmu_id(Int(a3), Int(a1))] == KC.INVALID && Int(a1) < configuration.smmuConf.banks(Int(a3))
            let (_, c, r) = run("el2_alloc_smmu_pgd", "\(a1), \(a2), \(a3)", &h, bank: (Int(a3), Int(a1)), known: free ? .D2 : nil,
                impl: { MmioOps.Impl.el2_alloc_smmu_pgd(&$0, &$1, cbndx: Int(a1), vmid: UInt32(a2), index: Int(a3)) },
                spec: { MmioOps.Spec.el2_alloc_smmu_pgd(&$0, &$1, cbndx: Int(a1), vmid: UInt32(a2), index: Int(a3)) })
            return outcome(c, TrapDecision(handler: "hvc", target: "el2_alloc_smmu_pgd", action: .called, value: nil), r)
        case 25:
            guard a1 < KC.KVM_PHYS_SIZE, a2 < KC.KVM_PHYS_SIZE, a3 < (1 << 63) - 1, KC.phys_page(a3) == 0, a4 < 8, a5 < 2
            else { return argPanic("el2_arm_lpae_map") }
            let cb = Int(a4), ix = Int(a5)
            let pte = a2 | a3 | KC.PTE_AF_OR_SH_IS
            let owner = data.smmuVmid[KC.smmu_id(ix, cb)]
            let vmBank = owner > 0 && owner < KC.COREVISOR
            let (_, c1, r1) = run("smmu_assign_page", "\(cb), \(ix), 0x\(String(a2 >> 12, radix: 16)), 0x\(String(a1 >> 12, radix: 16))", &h,
                known: vmBank ? .D1 : nil,
                impl: { MmioOps.Impl.smmu_assign_page(&$0, &$1, cbndx: cb, index: ix, pfn: a2 >> 12, gfn: a1 >> 12) },
                spec: { MmioOps.Spec.smmu_assign_page(&$0, &$1, cbndx: cb, index: ix, pfn: a2 >> 12, gfn: a1 >> 12) })
            var o = outcome(c1, TrapDecision(handler: "hvc", target: "el2_arm_lpae_map", action: .called, value: pte), r1)
            if o.panic != nil { return o }
            let (_, c2, r2) = run("smmu_map_page", "\(cb), \(ix), 0x\(String(a1, radix: 16)), 0x\(String(pte, radix: 16))", &h,
                bank: (ix, cb), iova: a1,
                impl: { MmioOps.Impl.smmu_map_page(&$0, &$1, cbndx: cb, index: ix, iova: a1, pte: pte) },
                spec: { MmioOps.Spec.smmu_map_page(&$0, &$1, cbndx: cb, index: ix, iova: a1, pte: pte) })
            let o2 = outcome(c2, o.decision, r2 ?? r1)
            o.panic = o2.panic
            o.cycles &+= o2.cycles &- configuration.costModel.trapEntry &- configuration.costModel.eret
            o.lockWaitCycles &+= o2.lockWaitCycles
            o.tlbInvalidations += o2.tlbInvalidations
            o.specUndefined = o.specUndefined ?? o2.specUndefined
            o.refinement = o2.refinement
            if o.panic != nil { o.decision.action = .panic }
            return o
        case 26:
            guard a1 < KC.KVM_PHYS_SIZE, a2 < 8, a3 < 2 else { return argPanic("el2_arm_lpae_iova_to_phys") }
            let (pa, c, r) = run("el2_arm_lpae_iova_to_phys", "0x\(String(a1, radix: 16)), \(a2), \(a3)", &h,
                impl: { MmioOps.Impl.el2_arm_lpae_iova_to_phys(&$0, &$1, iova: a1, cbndx: Int(a2), index: Int(a3)) },
                spec: { MmioOps.Spec.el2_arm_lpae_iova_to_phys(&$0, &$1, iova: a1, cbndx: Int(a2), index: Int(a3)) })
            h.x[0] = pa
            return outcome(c, TrapDecision(handler: "hvc", target: "el2_arm_lpae_iova_to_phys", action: .called, value: pa), r)
        case 27:
            guard a1 < KC.KVM_PHYS_SIZE, a2 < 8, a3 < 2 else { return argPanic("el2_arm_lpae_clear") }
            let (_, c, r) = run("el2_arm_lpae_clear", "0x\(String(a1, radix: 16)), \(a2), \(a3)", &h, bank: (Int(a3), Int(a2)), iova: a1,
                impl: { MmioOps.Impl.el2_arm_lpae_clear(&$0, &$1, iova: a1, cbndx: Int(a2), index: Int(a3)) },
                spec: { MmioOps.Spec.el2_arm_lpae_clear(&$0, &$1, iova: a1, cbndx: Int(a2), index: Int(a3)) })
            return outcome(c, TrapDecision(handler: "hvc", target: "el2_arm_lpae_clear", action: .called, value: nil), r)
        case 10, 11, 12, 13, 14:
            return vmCall(id, a1, a2, a3, &h)
        default:
            return outcome(makeContext(h), TrapDecision(handler: "hvc", target: "unknown id \(id)", action: .ignored, value: nil), nil)
        }
    }

    /// The VM-boot HVCs: the same code on both levels' EL2 data.
    private func vmCall(_ id: UInt64, _ a1: UInt64, _ a2: UInt64, _ a3: UInt64, _ h: inout HostContext) -> TrapOutcome {
        let isVM = a1 > 0 && a1 < 16
        let names: [UInt64: String] = [10: "set_boot_info", 11: "remap_vm_image", 12: "verify_vm_image", 13: "register_kvm", 14: "register_vcpu"]
        let name = names[id] ?? "?"
        let ok: Bool
        switch id {
        case 10: ok = isVM && a2 < KC.KVM_PHYS_SIZE && a3 < KC.KVM_PHYS_SIZE && a2 + a3 < KC.KVM_PHYS_SIZE
        case 11: ok = isVM && a2 < KC.KVM_PFN_SPACE && a3 < KC.MAX_LOAD_INFO_NUM
        case 12: ok = isVM
        case 14: ok = isVM && a2 < KC.VCPU_PER_VM
        default: ok = true
        }
        var ctx = makeContext(h, timed: configuration.handlers == .impl)
        guard ok else {
            if configuration.handlers == .spec { spec.data.halt = true } else { impl.data.halt = true }
            spec.data.halt = spec.data.halt || configuration.checkRefinement
            ctx.panic = PanicReason(function: "host_hvc_dispatcher", condition: "\(name): argument out of range")
            return outcome(ctx, TrapDecision(handler: "hvc", target: name, action: .panic, value: nil), nil)
        }
        let vmid = UInt32(truncatingIfNeeded: a1)
        let both = configuration.handlers == .impl && configuration.checkRefinement
        let mem = impl.memory
        var result: UInt64? = nil
        func body(_ d: inout EL2Data, _ c: inout CallContext, revoke: (UInt64, inout CallContext) -> Void) -> UInt64? {
            switch id {
            case 13: return VMBoot.register_kvm(&d, &c)
            case 14: VMBoot.register_vcpu(&d, &c, vmid: vmid, vcpu: Int(a2)); return nil
            case 10: return VMBoot.set_boot_info(&d, &c, vmid: vmid, addr: a2, size: a3)
            case 11: VMBoot.remap_vm_image(&d, &c, vmid: vmid, pfn: a2, loadIdx: Int(a3)); return nil
            default:
                guard let pages = VMBoot.verify_check(&d, &c, vmid: vmid, expected: configuration.vmImageHashes[vmid],
                    digest: configuration.sha256, read: { mem.read($0 << 12, count: 4096) }) else { return nil }
                VMBoot.verify_commit(&d, &c, vmid: vmid, pages: pages, revoke: revoke)
                return nil
            }
        }
        if configuration.handlers == .spec || both {
            var sc = makeContext(h, timed: configuration.handlers == .spec, level: .spec)
            var s = spec
            var tmp = spec  // the NPT revocations run on this copy; their lock events are not logged
            result = body(&s.data, &sc) { pfn, c in
                tmp.data.tstate = 0
                _ = MmioOps.Spec.clear_pfn_host(&tmp, &c, pfn: pfn)
            }
            s.npt = tmp.npt
            spec = s
            if configuration.handlers == .spec {
                impl.data = spec.data
                impl.materializeNPT(gfns: sc.hostTLBInvalidations, from: spec.npt)
                ctx = sc
            }
        }
        if configuration.handlers == .impl {
            if let coverage { ctx.coverage = CoverageProbe(counters: coverage, level: .impl) }
            var m = impl
            var tmp = impl  // shares the RAM; its pool pointers are copied back
            result = body(&m.data, &ctx) { pfn, c in
                tmp.data.tstate = 0
                tmp.clear_pfn_host(pfn, &c)
            }
            m.nptPgdNext = tmp.nptPgdNext
            m.nptPudNext = tmp.nptPudNext
            m.nptPmdNext = tmp.nptPmdNext
            impl = m
            if both { spec = impl.abstraction() }
        }
        if let result, ctx.panic == nil { h.x[0] = result }
        return outcome(ctx, TrapDecision(handler: "hvc", target: name, action: .called, value: result), nil)
    }

    /// PSCI SYSTEM_OFF from VM `vmid` (`set_vm_poweroff`): the only way to POWEROFF, which
    /// `el2_free_smmu_pgd` requires.
    public func powerOffVM(_ vmid: UInt32, cpu: Int = 0) {
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
