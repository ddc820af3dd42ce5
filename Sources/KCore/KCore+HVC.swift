import SMMUDevice
import Stage2

extension KCore {
    /// The non-PSCI host hypercalls of HARDWARE.md (`Hypercall`), with the argument checks of
    /// SeKVM's `host_hvc_dispatcher` (a failed check panics; an unknown id changes no EL2 state and
    /// returns NOT_SUPPORTED).
    public func handleHVC(_ h: inout HostContext) -> TrapOutcome {
        h.bodyCycles = 0
        let id = h.x[0], a1 = h.x[1], a2 = h.x[2], a3 = h.x[3], a4 = h.x[4], a5 = h.x[5]
        if halted { return outcome(makeContext(h), TrapDecision(handler: .hvc, target: .halted, action: .ignored), nil) }
        guard let call = Hypercall(rawValue: id) else {
            // No EL2 state changes; x0 = NOT_SUPPORTED, as the SMC Calling Convention requires
            // of an unknown function id (HARDWARE.md), so a kernel probing one sees it missing.
            h.x[0] = UInt64(bitPattern: -1)
            return outcome(makeContext(h), TrapDecision(handler: .hvc, target: .unknownHypercall(id: id), action: .ignored), nil)
        }
        guard call.accepts(a1, a2, a3, a4, a5) else {
            let ctx = makeContext(h)
            if configuration.handlers == .spec { spec.data.halt = true } else { impl.data.halt = true; spec.data.halt = spec.data.halt || configuration.checkRefinement }
            ctx.panic = PanicReason(function: "host_hvc_dispatcher", condition: "\(call.name): argument out of range")
            return outcome(ctx, TrapDecision(handler: .hvc, target: .hypercall(call), action: .panic), nil)
        }
        let called = TrapDecision(handler: .hvc, target: .hypercall(call), action: .called)
        switch call {
        case .enable_s2:
            return outcome(makeContext(h), TrapDecision(handler: .hvc, target: .hypercall(call), action: .ignored), nil)
        case .el2_free_smmu_pgd:
            let (_, c, r) = run(call.name, "\(a1), \(a2)", &h,
                impl: { MmioOps.Impl.el2_free_smmu_pgd(&$0, &$1, cbndx: Int(a1), index: Int(a2)) },
                spec: { MmioOps.Spec.el2_free_smmu_pgd(&$0, &$1, cbndx: Int(a1), index: Int(a2)) })
            return outcome(c, called, r)
        case .el2_alloc_smmu_pgd:
            let free = data.smmuVmid[KC.smmu_id(Int(a3), Int(a1))] == KC.INVALID && Int(a1) < configuration.smmuConf.banks(Int(a3))
            let (_, c, r) = run(call.name, "\(a1), \(a2), \(a3)", &h, bank: (Int(a3), Int(a1)), known: free ? .D2 : nil,
                impl: { MmioOps.Impl.el2_alloc_smmu_pgd(&$0, &$1, cbndx: Int(a1), vmid: UInt32(a2), index: Int(a3)) },
                spec: { MmioOps.Spec.el2_alloc_smmu_pgd(&$0, &$1, cbndx: Int(a1), vmid: UInt32(a2), index: Int(a3)) })
            return outcome(c, called, r)
        case .el2_arm_lpae_map:
            return arm_lpae_map(iova: a1, paddr: a2, prot: a3, cbndx: Int(a4), index: Int(a5), &h)
        case .el2_arm_lpae_iova_to_phys:
            let (pa, c, r) = run(call.name, "0x\(String(a1, radix: 16)), \(a2), \(a3)", &h,
                impl: { MmioOps.Impl.el2_arm_lpae_iova_to_phys(&$0, &$1, iova: a1, cbndx: Int(a2), index: Int(a3)) },
                spec: { MmioOps.Spec.el2_arm_lpae_iova_to_phys(&$0, &$1, iova: a1, cbndx: Int(a2), index: Int(a3)) })
            h.x[0] = pa
            var d = called
            d.value = pa
            return outcome(c, d, r)
        case .el2_arm_lpae_clear:
            let (_, c, r) = run(call.name, "0x\(String(a1, radix: 16)), \(a2), \(a3)", &h, bank: (Int(a3), Int(a2)), iova: a1,
                impl: { MmioOps.Impl.el2_arm_lpae_clear(&$0, &$1, iova: a1, cbndx: Int(a2), index: Int(a3)) },
                spec: { MmioOps.Spec.el2_arm_lpae_clear(&$0, &$1, iova: a1, cbndx: Int(a2), index: Int(a3)) })
            return outcome(c, called, r)
        case .set_boot_info, .remap_vm_image, .verify_vm_image, .register_kvm, .register_vcpu:
            return vmCall(call, a1, a2, a3, &h)
        }
    }

    /// `el2_arm_lpae_map`: the seed's `smmu_assign_page` then, unless it panicked,
    /// `smmu_map_page` of the page with the access flag and inner-shareable bits set; one trap.
    func arm_lpae_map(iova: UInt64, paddr: UInt64, prot: UInt64, cbndx cb: Int, index ix: Int, _ h: inout HostContext) -> TrapOutcome {
        let pte = paddr | prot | KC.PTE_AF_OR_SH_IS
        let owner = data.smmuVmid[KC.smmu_id(ix, cb)]
        let vmBank = owner > 0 && owner < KC.COREVISOR
        let (_, c1, r1) = run("smmu_assign_page", "\(cb), \(ix), 0x\(String(paddr >> 12, radix: 16)), 0x\(String(iova >> 12, radix: 16))", &h,
            known: vmBank ? .D1 : nil,
            impl: { MmioOps.Impl.smmu_assign_page(&$0, &$1, cbndx: cb, index: ix, pfn: paddr >> 12, gfn: iova >> 12) },
            spec: { MmioOps.Spec.smmu_assign_page(&$0, &$1, cbndx: cb, index: ix, pfn: paddr >> 12, gfn: iova >> 12) })
        var o = outcome(c1, TrapDecision(handler: .hvc, target: .hypercall(.el2_arm_lpae_map), action: .called, value: pte), r1)
        if o.panic != nil { return o }
        let (_, c2, r2) = run("smmu_map_page", "\(cb), \(ix), 0x\(String(iova, radix: 16)), 0x\(String(pte, radix: 16))", &h,
            bank: (ix, cb), iova: iova,
            impl: { MmioOps.Impl.smmu_map_page(&$0, &$1, cbndx: cb, index: ix, iova: iova, pte: pte) },
            spec: { MmioOps.Spec.smmu_map_page(&$0, &$1, cbndx: cb, index: ix, iova: iova, pte: pte) })
        let o2 = outcome(c2, o.decision, r2 ?? r1)
        o.panic = o2.panic
        o.cycles &+= o2.cycles &- configuration.costModel.trapEntry &- configuration.costModel.eret
        o.lockWaitCycles &+= o2.lockWaitCycles
        o.tlbInvalidations += o2.tlbInvalidations
        o.specUndefined = o.specUndefined ?? o2.specUndefined
        o.refinement = o2.refinement
        if o.panic != nil { o.decision.action = .panic }
        return o
    }
}
