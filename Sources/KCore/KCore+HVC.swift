import SMMUDevice
import Stage2

extension KCore {
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
}
