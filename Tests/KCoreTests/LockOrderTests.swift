import Stage2
import Testing
@testable import KCore

/// The order in which each seed function takes and gives back its locks, at both levels, read
/// off the timed lock events (`+X` = OPULL of lock X, `-X` = REL_LOCK). Both levels take the
/// locks in the same order; the C (implementation level) releases them in reverse, the atomic
/// specs in the order they took them. The spec compares logs per lock, so both orders refine
/// each other; what matters per lock is that every pull has its push and release by the same
/// CPU (checked here and by `LockTable.validate` everywhere else).
@Suite struct LockOrderTests {
    /// VM 1: bank (0,0), a one-page image (pfn 0x40300 at gfn 0x80000), verified then powered
    /// off. VM 2: bank (0,1), READY. VM 3: bank (0,3), a one-page image, VERIFIED.
    func fixture() -> KCore {
        let mem = PhysicalMemory(base: 0x4000_0000, size: 64 << 20)!
        var c = KCore.Configuration()
        c.ramSize = 64 << 20
        c.sha256 = { _ in [7] }
        c.vmImageHashes = [1: [7], 3: [7]]
        let k = KCore(configuration: c, memory: mem, smmu: FakeSMMU())
        for (vm, cb) in [(1, 0), (2, 1), (3, 3)] as [(UInt64, UInt64)] {
            _ = hvc(k, 13)
            _ = hvc(k, 24, cb, vm, 0)
        }
        for (vm, pfn) in [(1, 0x40300), (3, 0x40310)] as [(UInt64, UInt64)] {
            _ = hvc(k, 10, vm, 0x8000_0000, 4096)
            _ = hvc(k, 11, vm, pfn, 0)
            _ = hvc(k, 12, vm)
        }
        k.powerOffVM(1)
        #expect(!k.halted)
        return k
    }

    enum Call: String, CaseIterable, CustomTestStringConvertible {
        case emulate_mmio, el2_free_smmu_pgd, el2_alloc_smmu_pgd, smmu_assign_page, smmu_map_page,
            el2_arm_lpae_iova_to_phys, el2_arm_lpae_clear, map_page_host
        var testDescription: String { rawValue }
    }

    /// Runs `call` at `level` on a fresh fixture with a timed context; returns the +/- tokens.
    func order(_ call: Call, _ level: KCore.HandlerLevel) -> (tokens: [String], panic: PanicReason?) {
        let k = fixture()
        let locks = TicketLocks()
        var tokens: [String] = []
        locks.sink = { e in
            switch e.event.kind {
            case .pull: tokens.append("+" + LockID.name(e.lock))
            case .release: tokens.append("-" + LockID.name(e.lock))
            default: break
            }
        }
        let hsr = UInt32(esr(len: 4, rt: 1, write: false))
        var ctx = CallContext(cpu: 2, conf: .hardwareDefault, regs: HostRegisters(x: .init(repeating: 0, count: 31), elr: 0x4008_0000, far: 0x20))
        ctx.clock = HandlerClock(start: 100, locks: locks)
        if level == .spec {
            var s = k.impl.abstraction()
            switch call {
            case .emulate_mmio: _ = MmioOps.Spec.emulate_mmio(&s, &ctx, addr: 0x0905_0000, hsr: hsr)
            case .el2_free_smmu_pgd: MmioOps.Spec.el2_free_smmu_pgd(&s, &ctx, cbndx: 0, index: 0)
            case .el2_alloc_smmu_pgd: MmioOps.Spec.el2_alloc_smmu_pgd(&s, &ctx, cbndx: 2, vmid: 2, index: 0)
            case .smmu_assign_page: MmioOps.Spec.smmu_assign_page(&s, &ctx, cbndx: 3, index: 0, pfn: 0x40400, gfn: 0x10)
            case .smmu_map_page: MmioOps.Spec.smmu_map_page(&s, &ctx, cbndx: 0, index: 0, iova: 0x8000_0000, pte: 0x4030_0000 | 3)
            case .el2_arm_lpae_iova_to_phys: _ = MmioOps.Spec.el2_arm_lpae_iova_to_phys(&s, &ctx, iova: 0x8000_0000, cbndx: 0, index: 0)
            case .el2_arm_lpae_clear: MmioOps.Spec.el2_arm_lpae_clear(&s, &ctx, iova: 0x8000_0000, cbndx: 0, index: 0)
            case .map_page_host: MmioOps.Spec.map_page_host(&s, &ctx, addr: 0x4050_0000)
            }
        } else {
            var m = k.impl
            switch call {
            case .emulate_mmio: _ = MmioOps.Impl.emulate_mmio(&m, &ctx, addr: 0x0905_0000, hsr: hsr)
            case .el2_free_smmu_pgd: MmioOps.Impl.el2_free_smmu_pgd(&m, &ctx, cbndx: 0, index: 0)
            case .el2_alloc_smmu_pgd: MmioOps.Impl.el2_alloc_smmu_pgd(&m, &ctx, cbndx: 2, vmid: 2, index: 0)
            // The C assigns to a VM not VERIFIED (D1): VM 2's bank.
            case .smmu_assign_page: MmioOps.Impl.smmu_assign_page(&m, &ctx, cbndx: 1, index: 0, pfn: 0x40400, gfn: 0x10)
            case .smmu_map_page: MmioOps.Impl.smmu_map_page(&m, &ctx, cbndx: 0, index: 0, iova: 0x8000_0000, pte: 0x4030_0000 | 3)
            case .el2_arm_lpae_iova_to_phys: _ = MmioOps.Impl.el2_arm_lpae_iova_to_phys(&m, &ctx, iova: 0x8000_0000, cbndx: 0, index: 0)
            case .el2_arm_lpae_clear: MmioOps.Impl.el2_arm_lpae_clear(&m, &ctx, iova: 0x8000_0000, cbndx: 0, index: 0)
            case .map_page_host: m.map_page_host(0x4050_0000, &ctx)
            }
        }
        return (tokens, ctx.panic)
    }

    /// Acquisition order, shared by both levels (the VM-info lock is INFO(vmid) of the bank's VM).
    static let taken: [Call: [String]] = [
        .emulate_mmio: ["SMMU"],
        .el2_free_smmu_pgd: ["SMMU", "INFO(1)"],
        .smmu_map_page: ["SMMU", "INFO(1)", "S2PAGE", "SPT"],
        .el2_arm_lpae_iova_to_phys: ["SPT"],
        .el2_arm_lpae_clear: ["SMMU", "INFO(1)", "S2PAGE", "SPT"],
        .map_page_host: ["S2PAGE", "NPT(0)"],
    ]

    @Test(arguments: Call.allCases) func locksAreTakenAndGivenBackInTheSpecsOrder(_ call: Call) {
        for level in [KCore.HandlerLevel.impl, .spec] {
            let (tokens, panic) = order(call, level)
            #expect(panic == nil, "\(call) \(level)")
            var expected: [String]
            switch (call, level) {
            case (.el2_alloc_smmu_pgd, .impl): expected = ["+SMMU", "+INFO(2)", "+SPT", "-SPT", "-INFO(2)", "-SMMU"]  // D2: the C takes INFO
            case (.el2_alloc_smmu_pgd, .spec): expected = ["+SMMU", "+SPT", "-SMMU", "-SPT"]
            case (.smmu_assign_page, .impl): expected = ["+SMMU", "+INFO(2)", "+S2PAGE", "+NPT(0)", "-NPT(0)", "-S2PAGE", "-INFO(2)", "-SMMU"]
            case (.smmu_assign_page, .spec): expected = ["+SMMU", "+INFO(3)", "+S2PAGE", "+NPT(0)", "-SMMU", "-INFO(3)", "-S2PAGE", "-NPT(0)"]
            case (.el2_free_smmu_pgd, _):
                // Both levels give INFO back at once (the VM's state is all they read under it).
                expected = ["+SMMU", "+INFO(1)", "-INFO(1)", "-SMMU"]
            default:
                let t = Self.taken[call]!
                expected = t.map { "+" + $0 } + (level == .impl ? t.reversed() : t).map { "-" + $0 }
            }
            #expect(tokens == expected, "\(call) at \(level)")
        }
    }
}
