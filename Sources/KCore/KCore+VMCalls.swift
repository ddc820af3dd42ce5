import SMMUDevice
import Stage2

extension KCore {
    /// The VM-boot HVCs: the same code on both levels' EL2 data.
    func vmCall(_ id: UInt64, _ a1: UInt64, _ a2: UInt64, _ a3: UInt64, _ h: inout HostContext) -> TrapOutcome {
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
        // Each level's EL2 data is updated in place: a copy of it that shared storage with the
        // original would be copied whole (lock logs, page owners, image pages) on its first
        // write, making every call cost as much as the state is large. The NPT revocations of
        // verification run on a scratch state (their lock events are not logged) that holds
        // only what `clear_pfn_host` touches: the NPT (moved in and out) and its pool pointers.
        if configuration.handlers == .spec || both {
            var sc = makeContext(h, timed: configuration.handlers == .spec, level: .spec)
            var scratch = SpecState(data: EL2Data(s2page: spec.data.s2page), spt: AbstractSPT(), npt: spec.npt)
            spec.npt = AbstractNPT(layout: scratch.npt.layout)
            result = body(&spec.data, &sc) { pfn, c in
                scratch.data.tstate = 0
                _ = MmioOps.Spec.clear_pfn_host(&scratch, &c, pfn: pfn)
            }
            spec.npt = scratch.npt
            if configuration.handlers == .spec {
                impl.materializeNPT(gfns: sc.hostTLBInvalidations, from: spec.npt)
                ctx = sc
            }
        }
        if configuration.handlers == .impl {
            if let coverage { ctx.coverage = CoverageProbe(counters: coverage, level: .impl) }
            var scratch = ImplState(data: EL2Data(s2page: impl.data.s2page), memory: impl.memory, smmu: impl.smmu, carve: carveOut)
            scratch.data.halt = impl.data.halt
            scratch.nptPgdNext = impl.nptPgdNext
            scratch.nptPudNext = impl.nptPudNext
            scratch.nptPmdNext = impl.nptPmdNext
            result = body(&impl.data, &ctx) { pfn, c in
                scratch.data.tstate = 0
                scratch.clear_pfn_host(pfn, &c)
            }
            impl.nptPgdNext = scratch.nptPgdNext
            impl.nptPudNext = scratch.nptPudNext
            impl.nptPmdNext = scratch.nptPmdNext
            if both { spec = impl.abstraction() }
        }
        if let result, ctx.panic == nil { h.x[0] = result }
        return outcome(ctx, TrapDecision(handler: "hvc", target: name, action: .called, value: result), nil)
    }
}
