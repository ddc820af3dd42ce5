import SMMUDevice
import Stage2

extension KCore {
    /// The VM-boot HVCs: the same code on both levels' EL2 data.
    func vmCall(_ call: Hypercall, _ a1: UInt64, _ a2: UInt64, _ a3: UInt64, _ h: inout HostContext) -> TrapOutcome {
        var ctx = makeContext(h, timed: configuration.handlers == .impl)
        let vmid = UInt32(truncatingIfNeeded: a1)
        let both = configuration.handlers == .impl && configuration.checkRefinement
        let mem = impl.memory
        var result: UInt64? = nil
        func body(_ d: inout EL2Data, _ c: inout CallContext, revoke: (UInt64, inout CallContext) -> Void) -> UInt64? {
            switch call {
            case .register_kvm: return VMBoot.register_kvm(&d, &c)
            case .register_vcpu: VMBoot.register_vcpu(&d, &c, vmid: vmid, vcpu: Int(a2)); return nil
            case .set_boot_info: return VMBoot.set_boot_info(&d, &c, vmid: vmid, addr: a2, size: a3)
            case .remap_vm_image: VMBoot.remap_vm_image(&d, &c, vmid: vmid, pfn: a2, loadIdx: Int(a3)); return nil
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
        var specInvalidations: [UInt64] = []
        if configuration.handlers == .spec || both {
            var sc = makeContext(h, timed: configuration.handlers == .spec, level: .spec)
            defer { specInvalidations = sc.hostTLBInvalidations }
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
            if both { followImplementationNPT(ctx.nptWrites, specWrote: specInvalidations) }
            else if implNPT != nil && ctx.nptWritten { _ = updateImplNPT(writes: ctx.nptWrites) }
        }
        if let result, ctx.panic == nil { h.x[0] = result }
        return outcome(ctx, TrapDecision(handler: .hvc, target: .hypercall(call), action: .called, value: result), nil)
    }
}

extension KCore {
    /// After a VM call run at both levels: the levels ran the same boot code on their own EL2
    /// data and differ only in how they revoke host NPT entries, so the spec level continues
    /// from the implementation's NPT wherever the two disagree on an entry either wrote.
    func followImplementationNPT(_ writes: [UInt64], specWrote: [UInt64]) {
        let implTouched = updateImplNPT(writes: writes)
        guard let cached = implNPT?.npt else { return }
        let differ = implTouched.map { t in
            t.union(KCore.specNPTTouched(specWrote)).contains { p in
                p.level == 3 ? spec.npt.pt[p.prefix] != cached.pt[p.prefix] : spec.npt.hasTable(p) != cached.hasTable(p)
            }
        } ?? true
        if differ || spec.npt.pgdNext != cached.pgdNext || spec.npt.pudNext != cached.pudNext || spec.npt.pmdNext != cached.pmdNext {
            spec.npt = cached
        }
    }
}
