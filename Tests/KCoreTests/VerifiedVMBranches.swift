import Crypto
import Stage2
import Testing
@testable import KCore

// Branches of the seed functions that depend on a VM being VERIFIED or POWEROFF (issue 4), each
// reached at the spec level, the implementation level and with refinement checking, with the
// page ownership checked after it and the KCore invariants checked after every handler call.
//
// smmu_assign_page (bank owned by VM v):
//   A1 v VERIFIED, host page with count 0: seed assigns ((v, INVALID, gfn), host NPT entry
//      revoked, flatmem/data_log: D3); C panics "VERIFIED" (D1)
//   A2 v VERIFIED, host page with count > 0: seed panics "still shared"; C panics "VERIFIED"
//   A3 v VERIFIED, page v already owns: seed does nothing; C panics (D1)
//   A4 v VERIFIED, page of a third owner (EL2): seed panics "owned by 16"; C panics (D1)
//   A5 v POWEROFF: seed panics "not VERIFIED"; C assigns (D1)
// smmu_map_page:
//   M1 v VERIFIED: both panic, table frozen (before any ownership test)
//   M2 v POWEROFF, v's page at its gfn: both map; a VM page's count does not move
//   M3 v POWEROFF, v's page at another IOVA: both panic
// el2_arm_lpae_clear:
//   C1 v VERIFIED: both panic, mapped IOVA or not
//   C2 v POWEROFF: both clear; the page stays v's (not returned to the host); D5 (TrapHandler's
//      >= VERIFIED) is not between these two levels and is not reported
// el2_alloc_smmu_pgd:
//   L1 vmid VERIFIED, free slot: seed claims it; C claims it, then panics (D2)
//   L2 vmid VERIFIED, slot taken: both do nothing
//   L3 vmid POWEROFF, free slot: both claim; C also takes INFO(vmid) (D2, lock log only)
// el2_free_smmu_pgd (the other state-dependent call):
//   F1 owner VERIFIED: both panic;  F2 owner POWEROFF: both free the slot
// Around them: verification moves the image pages (V1), a wrong or missing hash panics (V2),
// the host touching a verified page panics in map_page_host (V3); each image page goes to the
// VM as assign_pfn_to_vm says (V4 host page still counted: panic; V5 the VM's own page at that
// gfn, SMMU marker count INVALID reset to 0; V6 EL2's page, or V7 the same page twice: panic;
// V8 more pages than RAM: panic before hashing);
// share counts of host pages
// mapped by a host bank go up, saturate at 16 and come down (H1), and such a page cannot be
// given to a VERIFIED VM (H2, = A2 reached without seeding).

/// Which handler level drives, or the implementation with the spec checked against it.
enum HandlerMode: String, CaseIterable, Sendable, CustomStringConvertible {
    case impl, spec, refinement
    var description: String { rawValue }
}

/// VM 1's image: 4 pages of known bytes at `base` in host RAM, `size` bytes of them the image.
enum VMImage {
    static let base: UInt64 = 0x4030_0000
    static let loadIPA: UInt64 = 0x1000_0000
    static let size: UInt64 = 3 * 4096 + 100
    static let pages: UInt64 = 4
    static let bytes: [UInt8] = (0..<Int(size)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 9)) }
    static var sha256: [UInt8] { Array(SHA256.hash(data: bytes)) }
    static func pfn(_ i: UInt64) -> UInt64 { (base >> 12) + i }
    static func gfn(_ i: UInt64) -> UInt64 { (loadIPA >> 12) + i }
    /// A host page outside the image, and the IOVA the tests map things at.
    static let hostPage: UInt64 = 0x4020_0000
    static let iova: UInt64 = 0x2000_0000
}

/// A machine-less KCore at `level` whose configuration expects VM 1's image (or `hash`).
func vmCore(_ level: HandlerMode, hash: [UInt8]? = VMImage.sha256) -> KCore {
    let mem = PhysicalMemory(base: 0x4000_0000, size: 64 << 20)!
    var c = KCore.Configuration()
    c.ramSize = 64 << 20
    c.handlers = level == .spec ? .spec : .impl
    c.checkRefinement = level == .refinement
    if let hash { c.vmImageHashes[1] = hash }
    c.sha256 = { Array(SHA256.hash(data: $0)) }
    VMImage.bytes.withUnsafeBytes { _ = mem.write($0, at: VMImage.base) }
    return KCore(configuration: c, memory: mem, smmu: FakeSMMU())
}

/// Calls into a KCore and checks the state invariants after each call.
final class CheckedCore {
    let k: KCore
    var violations: [InvariantViolation] = []
    init(_ k: KCore) { self.k = k }
    @discardableResult func hvc(_ args: UInt64...) -> (TrapOutcome, HostContext) {
        let before = k.abstractState
        var h = HostContext(cpu: 0, x: args)
        let o = k.handleHVC(&h)
        violations += KCoreInvariants.check(before: before, after: k.abstractState)
        return (o, h)
    }
    @discardableResult func touch(_ pa: UInt64) -> TrapOutcome {
        let before = k.abstractState
        let o = mmio(k, ipa: pa, len: 8, write: false).0
        violations += KCoreInvariants.check(before: before, after: k.abstractState)
        return o
    }
    func powerOff(_ vmid: UInt32) {
        let before = k.abstractState
        k.powerOffVM(vmid)
        violations += KCoreInvariants.check(before: before, after: k.abstractState)
    }

    /// register_kvm, register_vcpu, set_boot_info, remap_vm_image ×4; with `bank`, bank 1 of
    /// SMMU0 for the VM while it is READY; then verify_vm_image. The host first touches every
    /// image page when `touch` (so verification has host NPT entries to revoke).
    @discardableResult func boot(touch: Bool = true, bank: Bool = true, verify: Bool = true) -> TrapOutcome? {
        if touch { for i in 0..<VMImage.pages { self.touch(VMImage.base + i * 4096) } }
        #expect(hvc(13).1.x[0] == 1)
        hvc(14, 1, 0)
        #expect(hvc(10, 1, VMImage.loadIPA, VMImage.size).1.x[0] == 0)
        for i in 0..<VMImage.pages { hvc(11, 1, VMImage.pfn(i), 0) }
        if bank { hvc(24, 1, 1, 0) }
        return verify ? hvc(12, 1).0 : nil
    }
}

/// A fresh call context for direct calls of one level's function.
func directContext() -> CallContext {
    CallContext(cpu: 0, conf: .hardwareDefault, regs: HostRegisters(x: .init(repeating: 0, count: 31), elr: 0, far: 0))
}

/// Runs one seed function at both levels from the same state (`k` must keep both in step:
/// `.refinement`) and compares the results as `--check-refinement` does. The implementation
/// runs on a copy of `k`'s state over the same RAM: call it last in a test.
func bothLevels(
    _ k: KCore, spec: (inout SpecState, inout CallContext) -> Void, impl: (inout ImplState, inout CallContext) -> Void
) -> (spec: SpecState, specPanic: PanicReason?, impl: SpecState, implPanic: PanicReason?, diffs: [RefinementDifference]) {
    var s = k.spec, sc = directContext()
    spec(&s, &sc)
    var m = k.impl, ic = directContext()
    impl(&m, &ic)
    let a = m.abstraction()
    return (s, sc.panic, a, ic.panic, compareStates(s, a))
}


@Suite struct VerificationMovesPages {
    /// V1: the image pages become VM 1's at load gfn + i with count 0 (assign_pfn_to_vm), their
    /// host NPT entries are revoked, the VM is VERIFIED; nothing else moves.
    @Test(arguments: HandlerMode.allCases)
    func verifiedImagePagesLeaveTheHost(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        let o = c.boot(bank: false)
        #expect(o?.panic == nil)
        let k = c.k
        #expect(k.data.vminfos[1].state == .verified)
        for i in 0..<VMImage.pages {
            #expect(k.data.s2page[VMImage.pfn(i)] == S2Page(owner: 1, count: 0, gfn: VMImage.gfn(i)))
            #expect(KC.phys_page(k.abstractState.npt.entry(VMImage.pfn(i)).pte) == 0)
        }
        #expect(k.data.s2page[VMImage.pfn(4)].owner == KC.HOSTVISOR)
        #expect(o?.tlbInvalidations.count == Int(VMImage.pages))
        #expect(c.violations.isEmpty, "\(c.violations)")
        #expect(k.refinementReports.isEmpty)
    }

    /// V2: a wrong digest, or none configured for the VM, panics in verify_vm_image (exit 3
    /// on a machine); the pages stay the host's and the VM stays READY.
    @Test(arguments: HandlerMode.allCases, [[UInt8](repeating: 0, count: 32), nil])
    func aWrongOrMissingHashPanics(level: HandlerMode, hash: [UInt8]?) {
        let c = CheckedCore(vmCore(level, hash: hash))
        let o = c.boot(bank: false)
        #expect(o?.panic?.function == "verify_vm_image")
        #expect(o?.panic?.condition.contains("SHA-256") == true)
        #expect(c.k.data.vminfos[1].state == .ready)
        #expect(c.k.data.s2page[VMImage.pfn(0)].owner == KC.HOSTVISOR)
        #expect(c.violations.isEmpty, "\(c.violations)")
    }

    /// One changed byte in the remapped pages is enough.
    @Test func aChangedImageByteFailsVerification() {
        let c = CheckedCore(vmCore(.impl))
        _ = c.k.impl.memory.store(VMImage.base + 4096 * 3 + 99, size: 1, value: 0x5A ^ UInt64(VMImage.bytes[4096 * 3 + 99]))
        #expect(c.boot(bank: false)?.panic?.function == "verify_vm_image")
    }

    /// V3: after verification a host access to an image page faults, and map_page_host refuses
    /// it (the page is the VM's with count 0): panic, and nothing after it changes anything.
    @Test(arguments: HandlerMode.allCases)
    func theHostTouchingAVerifiedPagePanics(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot(bank: false)
        let o = c.touch(VMImage.base + 8)
        #expect(o.panic?.function == "map_page_host")
        #expect(o.panic?.condition.contains("vmid 1") == true)
        c.hvc(24, 2, 1, 0)
        c.touch(VMImage.base)
        #expect(c.violations.isEmpty, "\(c.violations)")
    }

    /// Boots VM 1 from the given pfns (one load of `size` bytes at the usual gfn) with the
    /// digest of exactly what they hold, so that the hash passes and ownership decides.
    func bootFrom(_ pfns: [UInt64], size: UInt64, level: HandlerMode, prepare: (CheckedCore) -> Void = { _ in }) -> (CheckedCore, TrapOutcome) {
        let probe = vmCore(level)
        var bytes: [UInt8] = []
        for p in pfns { bytes += probe.impl.memory.read(p << 12, count: 4096) ?? [] }
        let c = CheckedCore(vmCore(level, hash: Array(SHA256.hash(data: Array(bytes.prefix(Int(size)))))))
        prepare(c)
        c.hvc(13)
        c.hvc(14, 1, 0)
        c.hvc(10, 1, VMImage.loadIPA, size)
        for p in pfns { c.hvc(11, 1, p, 0) }
        return (c, c.hvc(12, 1).0)
    }

    /// V4: an image page some host bank still maps (share count > 0) cannot become the VM's:
    /// the pages before it have moved, it and the rest stay the host's, the VM stays READY.
    @Test(arguments: HandlerMode.allCases)
    func anImagePageStillCountedPanics(level: HandlerMode) {
        let pfns = (0..<VMImage.pages).map(VMImage.pfn)
        let (c, o) = bootFrom(pfns, size: VMImage.size, level: level) {
            $0.k.spec.data.s2page[VMImage.pfn(2)].count = 2
            $0.k.impl.data.s2page[VMImage.pfn(2)].count = 2
        }
        #expect(o.panic?.condition == "image page 0x\(String(VMImage.pfn(2), radix: 16)) is still shared with the host's devices (count 2)")
        #expect(c.k.data.s2page[VMImage.pfn(1)].owner == 1)
        #expect(c.k.data.s2page[VMImage.pfn(2)].owner == KC.HOSTVISOR && c.k.data.s2page[VMImage.pfn(3)].owner == KC.HOSTVISOR)
        #expect(c.k.data.vminfos[1].state == .ready)
        #expect(c.violations.isEmpty, "\(c.violations)")
    }

    /// V5: an image page the VM already owns at that gfn (mapped for its device before
    /// verification, count INVALID) is accepted and its count becomes 0.
    @Test(arguments: [HandlerMode.impl, .refinement])
    func anImagePageTheVMOwnsAtItsGFNIsKept(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot(verify: false)
        #expect(c.hvc(25, VMImage.gfn(0) << 12, VMImage.pfn(0) << 12, 3, 1, 0).0.panic == nil)
        #expect(c.k.data.s2page[VMImage.pfn(0)].count == KC.INVALID)
        #expect(c.hvc(12, 1).0.panic == nil)
        #expect(c.k.data.s2page[VMImage.pfn(0)] == S2Page(owner: 1, count: 0, gfn: VMImage.gfn(0)))
        #expect(c.hvc(26, VMImage.loadIPA | 4, 1, 0).1.x[0] == VMImage.base | 4)
        #expect(c.violations.isEmpty, "\(c.violations)")
    }

    /// V6: an EL2 page among the remapped ones (the hash of what it holds passes): panic.
    /// V7: the same host page remapped twice: the second gfn does not match the first: panic.
    @Test(arguments: HandlerMode.allCases)
    func foreignOrRepeatedImagePagesPanic(level: HandlerMode) {
        let el2 = vmCore(level).carveOut.base >> 12
        let (c, o) = bootFrom([VMImage.pfn(0), el2], size: 8192, level: level)
        #expect(o.panic?.condition == "image page 0x\(String(el2, radix: 16)) is owned by EL2 (COREVISOR)")
        #expect(c.violations.isEmpty, "\(c.violations)")
        let (d, p) = bootFrom([VMImage.pfn(0), VMImage.pfn(0)], size: 8192, level: level)
        #expect(p.panic?.condition == "image page 0x\(String(VMImage.pfn(0), radix: 16)) is owned by vmid 1 at gfn 0x10000")
        #expect(d.violations.isEmpty, "\(d.violations)")
    }

    /// V8: an image of more pages than RAM holds must repeat a page; verification stops before
    /// hashing it (the repeated page's assign would panic anyway).
    @Test func anImageLargerThanRAMPanicsBeforeHashing() {
        // 16 MiB of RAM: an image of more pages than that still fits EL2's 32 MiB remap window.
        let mem = PhysicalMemory(base: 0x4000_0000, size: 16 << 20)!
        var conf = KCore.Configuration()
        conf.ramSize = 16 << 20
        conf.vmImageHashes[1] = VMImage.sha256
        conf.sha256 = { Array(SHA256.hash(data: $0)) }
        let k = KCore(configuration: conf, memory: mem, smmu: FakeSMMU())
        let ramPages: UInt64 = (16 << 20) / 4096
        _ = hvc(k, 13)
        _ = hvc(k, 10, 1, VMImage.loadIPA, (ramPages + 1) * 4096)
        for _ in 0...ramPages { _ = hvc(k, 11, 1, VMImage.pfn(0), 0) }
        let o = hvc(k, 12, 1).0
        #expect(o.panic?.condition == "image of vmid 1 spans \(ramPages + 1) pages, more than RAM holds: a page repeats")
    }

    /// verify_vm_image twice: the VM is no longer READY, which panics.
    @Test func verifyingTwicePanics() {
        let c = CheckedCore(vmCore(.impl))
        c.boot(bank: false)
        #expect(c.hvc(12, 1).0.panic?.function == "verify_vm_image")
    }
}

@Suite struct AssignToVerifiedOrPoweroffVM {
    /// A1: at the spec level the assign succeeds (then the map panics: the seed never maps for
    /// a VM bank); at the implementation level the assign panics (D1); with the refinement
    /// check, D1 is reported with D3's fields (flatmem, data_log) among the differences.
    @Test(arguments: HandlerMode.allCases)
    func hostPageWithCountZero(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot()
        c.touch(VMImage.hostPage)
        let (o, _) = c.hvc(25, VMImage.iova, VMImage.hostPage, 3, 1, 0)
        let k = c.k
        switch level {
        case .spec:
            #expect(o.panic?.function == "smmu_map_page")
            #expect(o.panic?.condition.contains("frozen") == true)
            #expect(k.data.s2page[VMImage.hostPage >> 12] == S2Page(owner: 1, count: KC.INVALID, gfn: VMImage.iova >> 12))
            #expect(k.spec.npt.entry(VMImage.hostPage >> 12).pte == KC.PAGE_GUEST)
            #expect(k.data.flatmem[VMImage.hostPage >> 12] != nil && k.data.dataLog[1] == 1)
        case .impl, .refinement:
            #expect(o.panic?.function == "smmu_assign_page")
            #expect(o.panic?.condition == "vmid 1 is VERIFIED")
            #expect(k.data.s2page[VMImage.hostPage >> 12].owner == KC.HOSTVISOR)
        }
        if level == .refinement {
            #expect(o.refinement?.known == .D1)
            #expect(!o.refinementFailure)
            let fields = o.refinement?.differences.map(\.field) ?? []
            #expect(fields.contains("flatmem") && fields.contains("data_log"), "D3: \(fields)")
        }
        #expect(k.halted)
        #expect(c.violations.isEmpty, "\(c.violations)")
    }

    /// A2: a host page with a share count cannot go to the VM: the seed panics on the count, the
    /// C on the VM state; no ownership moves.
    @Test(arguments: HandlerMode.allCases)
    func hostPageWithCountAboveZero(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot()
        let pfn = VMImage.hostPage >> 12
        c.k.spec.data.s2page[pfn].count = 3
        c.k.impl.data.s2page[pfn].count = 3
        let o = c.hvc(25, VMImage.iova, VMImage.hostPage, 3, 1, 0).0
        #expect(o.panic?.function == "smmu_assign_page")
        #expect(o.panic?.condition == (level == .spec ? "host page 0x\(String(pfn, radix: 16)) still shared (count 3)" : "vmid 1 is VERIFIED"))
        #expect(c.k.data.s2page[pfn] == S2Page(owner: KC.HOSTVISOR, count: 3, gfn: pfn + KC.SMMU_HOST_OFFSET))
        if level == .refinement { #expect(o.refinement == nil || o.refinement?.known == .D1) }
    }

    /// A3: a page the VERIFIED VM already owns (an image page at its gfn): the seed's assign
    /// does nothing, then its map panics; the C's assign panics (D1).
    @Test(arguments: HandlerMode.allCases)
    func pageTheVMAlreadyOwns(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot()
        let o = c.hvc(25, VMImage.gfn(1) << 12, VMImage.pfn(1) << 12, 3, 1, 0).0
        #expect(o.panic?.function == (level == .spec ? "smmu_map_page" : "smmu_assign_page"))
        #expect(c.k.data.s2page[VMImage.pfn(1)] == S2Page(owner: 1, count: 0, gfn: VMImage.gfn(1)))
        if level == .refinement { #expect(o.refinement?.known == .D1) }
        #expect(c.violations.isEmpty, "\(c.violations)")
    }

    /// A4: a page of a third owner (EL2's carve-out): both panic, for different reasons.
    @Test(arguments: HandlerMode.allCases)
    func pageOfAThirdOwner(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot()
        let el2 = c.k.carveOut.base
        let o = c.hvc(25, VMImage.iova, el2, 3, 1, 0).0
        #expect(o.panic?.function == "smmu_assign_page")
        #expect(o.panic?.condition.contains(level == .spec ? "owned by 16" : "VERIFIED") == true)
        #expect(c.k.data.s2page[el2 >> 12].owner == KC.COREVISOR)
        #expect(c.violations.isEmpty, "\(c.violations)")
    }

    /// A5: a POWEROFF VM: the seed's assign panics (not VERIFIED); the C assigns and maps (D1).
    @Test(arguments: HandlerMode.allCases)
    func poweroffVM(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot()
        c.powerOff(1)
        c.touch(VMImage.hostPage)
        let o = c.hvc(25, VMImage.iova, VMImage.hostPage, 3, 1, 0).0
        if level == .spec {
            #expect(o.panic?.condition == "vmid 1 is POWEROFF, not VERIFIED")
            #expect(c.k.data.s2page[VMImage.hostPage >> 12].owner == KC.HOSTVISOR)
        } else {
            #expect(o.panic == nil)
            #expect(c.k.data.s2page[VMImage.hostPage >> 12] == S2Page(owner: 1, count: KC.INVALID, gfn: VMImage.iova >> 12))
            #expect(KC.phys_page(c.k.abstractState.npt.entry(VMImage.hostPage >> 12).pte) == 0)
            #expect(c.hvc(26, VMImage.iova | 0x44, 1, 0).1.x[0] == VMImage.hostPage | 0x44)
        }
        if level == .refinement {
            #expect(o.refinement?.known == .D1)
            #expect(c.k.refinementReports.allSatisfy { $0.known != nil })
        }
        #expect(c.violations.isEmpty, "\(c.violations)")
    }
}

@Suite struct MapAndClearOnVerifiedOrPoweroffVM {
    /// M1: smmu_map_page alone, VERIFIED VM, even of the VM's own page at its gfn: both levels
    /// panic before looking at the page, identically.
    @Test func mapOnAVerifiedVMPanicsAtBothLevels() {
        let c = CheckedCore(vmCore(.refinement))
        c.boot()
        let pte = VMImage.pfn(0) << 12 | 3 | KC.PTE_AF_OR_SH_IS
        let r = bothLevels(c.k,
            spec: { MmioOps.Spec.smmu_map_page(&$0, &$1, cbndx: 1, index: 0, iova: VMImage.loadIPA, pte: pte) },
            impl: { MmioOps.Impl.smmu_map_page(&$0, &$1, cbndx: 1, index: 0, iova: VMImage.loadIPA, pte: pte) })
        #expect(r.specPanic?.condition == "vmid 1 is VERIFIED: its SMMU tables are frozen")
        #expect(r.implPanic == r.specPanic)
        #expect(r.diffs.isEmpty, "\(r.diffs)")
        #expect(r.impl.spt.entry(KC.SMMU_TTBR(0, 1), VMImage.gfn(0)).pte == 0)
    }

    /// M2: POWEROFF: the VM's page at its gfn is mapped at both levels, its count stays 0 (only
    /// host pages are counted). M3: at another IOVA both panic.
    @Test func mapOnAPoweroffVMFollowsOwnership() {
        let c = CheckedCore(vmCore(.refinement))
        c.boot()
        c.powerOff(1)
        let pte = VMImage.pfn(2) << 12 | 3 | KC.PTE_AF_OR_SH_IS
        let ok = bothLevels(c.k,
            spec: { MmioOps.Spec.smmu_map_page(&$0, &$1, cbndx: 1, index: 0, iova: VMImage.gfn(2) << 12, pte: pte) },
            impl: { MmioOps.Impl.smmu_map_page(&$0, &$1, cbndx: 1, index: 0, iova: VMImage.gfn(2) << 12, pte: pte) })
        #expect(ok.specPanic == nil && ok.implPanic == nil)
        #expect(ok.diffs.isEmpty, "\(ok.diffs)")
        #expect(ok.spec.spt.entry(KC.SMMU_TTBR(0, 1), VMImage.gfn(2)).pte == pte)
        #expect(ok.spec.data.s2page[VMImage.pfn(2)] == S2Page(owner: 1, count: 0, gfn: VMImage.gfn(2)))
        #expect(KCoreInvariants.check(ok.impl).isEmpty)
        let bad = bothLevels(c.k,
            spec: { MmioOps.Spec.smmu_map_page(&$0, &$1, cbndx: 1, index: 0, iova: VMImage.iova, pte: pte) },
            impl: { MmioOps.Impl.smmu_map_page(&$0, &$1, cbndx: 1, index: 0, iova: VMImage.iova, pte: pte) })
        #expect(bad.specPanic?.function == "smmu_map_page" && bad.implPanic?.function == "smmu_map_page")
    }

    /// C1: el2_arm_lpae_clear on a VERIFIED VM's bank panics at every level, whether the IOVA
    /// is mapped or not; no refinement report.
    @Test(arguments: HandlerMode.allCases, [true, false])
    func clearOnAVerifiedVMPanics(level: HandlerMode, mapped: Bool) {
        let c = CheckedCore(vmCore(level))
        c.boot(verify: false)
        if mapped && level != .spec { #expect(c.hvc(25, VMImage.iova, VMImage.hostPage, 3, 1, 0).0.panic == nil) }
        c.hvc(12, 1)
        let o = c.hvc(27, VMImage.iova, 1, 0).0
        #expect(o.panic?.function == "el2_arm_lpae_clear")
        #expect(o.panic?.condition.contains("frozen") == true)
        #expect(o.refinement == nil)
        #expect(c.k.halted)
        #expect(c.hvc(26, VMImage.iova, 1, 0).1.x[0] == 26)  // halted: the call is ignored, x0 untouched
        #expect(c.violations.isEmpty, "\(c.violations)")
    }

    /// C2: POWEROFF: the clear removes the entry and the page stays the VM's; both levels agree
    /// (D5, TrapHandler's >= VERIFIED, is not between them).
    @Test(arguments: [HandlerMode.impl, .refinement])
    func clearOnAPoweroffVMKeepsThePageTheVMs(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot(verify: false)
        #expect(c.hvc(25, VMImage.iova, VMImage.hostPage, 3, 1, 0).0.panic == nil)
        c.hvc(12, 1)
        c.powerOff(1)
        let o = c.hvc(27, VMImage.iova, 1, 0).0
        #expect(o.panic == nil)
        #expect(o.refinement == nil)
        #expect(c.hvc(26, VMImage.iova | 8, 1, 0).1.x[0] == 8)
        #expect(c.k.data.s2page[VMImage.hostPage >> 12] == S2Page(owner: 1, count: KC.INVALID, gfn: VMImage.iova >> 12))
        #expect(c.violations.isEmpty, "\(c.violations)")
    }

    /// C2 at the spec level from the same state, directly (the seed cannot map for a VM bank).
    @Test func clearOnAPoweroffVMAtBothLevelsDirectly() {
        let c = CheckedCore(vmCore(.refinement))
        c.boot(verify: false)
        c.hvc(25, VMImage.iova, VMImage.hostPage, 3, 1, 0)
        c.hvc(12, 1)
        c.powerOff(1)
        let r = bothLevels(c.k,
            spec: { MmioOps.Spec.el2_arm_lpae_clear(&$0, &$1, iova: VMImage.iova, cbndx: 1, index: 0) },
            impl: { MmioOps.Impl.el2_arm_lpae_clear(&$0, &$1, iova: VMImage.iova, cbndx: 1, index: 0) })
        #expect(r.specPanic == nil && r.implPanic == nil)
        #expect(r.diffs.isEmpty, "\(r.diffs)")
        #expect(r.spec.spt.entry(KC.SMMU_TTBR(0, 1), VMImage.iova >> 12).pte == 0)
    }
}

@Suite struct AllocAndFreeForVerifiedOrPoweroffVM {
    /// L1: a free slot for a VERIFIED VM: the seed claims it; the C claims it and panics (D2).
    @Test(arguments: HandlerMode.allCases)
    func allocForAVerifiedVMOnAFreeSlot(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot(bank: false)
        let o = c.hvc(24, 3, 1, 0).0
        #expect(c.k.data.smmuVmid[3] == 1)
        if level == .spec {
            #expect(o.panic == nil)
        } else {
            #expect(o.panic?.function == "el2_alloc_smmu_pgd")
            #expect(o.panic?.condition == "vmid 1 is VERIFIED")
        }
        if level == .refinement { #expect(o.refinement?.known == .D2 && !o.refinementFailure) }
        #expect(c.violations.isEmpty, "\(c.violations)")
    }

    /// L2: the slot is taken: nothing happens at any level, and the levels agree.
    @Test(arguments: HandlerMode.allCases)
    func allocForAVerifiedVMOnATakenSlot(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot()
        let o = c.hvc(24, 1, 1, 0).0
        #expect(o.panic == nil && o.refinement == nil)
        #expect(c.k.data.smmuVmid[1] == 1)
    }

    /// L3: POWEROFF VM, free slot: both claim it and clear its table; the C's INFO lock is the
    /// only difference (D2).
    @Test(arguments: HandlerMode.allCases)
    func allocForAPoweroffVM(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot(bank: false)
        c.powerOff(1)
        let o = c.hvc(24, 2, 1, 0).0
        #expect(o.panic == nil)
        #expect(c.k.data.smmuVmid[2] == 1)
        if level == .refinement {
            #expect(o.refinement?.known == .D2)
            #expect(o.refinement?.differences.allSatisfy { $0.field.hasPrefix("log[INFO(1)]") } == true, "\(o.refinement?.description ?? "")")
        }
        #expect(c.violations.isEmpty, "\(c.violations)")
    }

    /// F1/F2: freeing a VERIFIED VM's bank panics; a POWEROFF VM's is freed.
    @Test(arguments: HandlerMode.allCases)
    func freeNeedsPoweroff(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot()
        c.powerOff(1)
        #expect(c.hvc(23, 1, 0).0.panic == nil)
        #expect(c.k.data.smmuVmid[1] == KC.INVALID)
        let d = CheckedCore(vmCore(level))
        d.boot()
        #expect(d.hvc(23, 1, 0).0.panic?.condition.contains("not POWEROFF") == true)
        #expect(c.violations.isEmpty && d.violations.isEmpty)
    }
}

@Suite struct HostPageShareCounts {
    /// H1: a host bank (vmid 0) can map a host page only where the page's gfn equals the IOVA's
    /// (pfn + 10^9 on a real host page, so never below 2^40); with the gfn seeded to an IOVA, each
    /// map counts the page (saturating at 16), each clear uncounts it, and the host keeps the
    /// page in its NPT while it is counted.
    @Test(arguments: HandlerMode.allCases)
    func hostBankMappingsCountTheHostPage(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        let pfn = VMImage.hostPage >> 12
        c.touch(VMImage.hostPage)
        c.k.spec.data.s2page[pfn].gfn = VMImage.iova >> 12
        c.k.impl.data.s2page[pfn].gfn = VMImage.iova >> 12
        c.hvc(24, 0, 0, 0)  // bank 0 of SMMU0 for the host
        for n in 1...17 {
            #expect(c.hvc(25, VMImage.iova, VMImage.hostPage, 3, 0, 0).0.panic == nil)
            #expect(c.k.data.s2page[pfn].count == UInt32(min(n, 16)))
        }
        c.hvc(27, VMImage.iova, 0, 0)
        #expect(c.k.data.s2page[pfn].count == 15)
        #expect(KC.phys_page(c.k.abstractState.npt.entry(pfn).pte) == VMImage.hostPage)
        #expect(c.k.refinementReports.allSatisfy { $0.known == .D2 })  // the host bank's alloc
        // The seeded gfn is not pfn + 10^9: the checker names exactly that, nothing else.
        #expect(Set(c.violations.map(\.kind)) == [.hostPageGFN])
    }

    /// H2: that page, counted, cannot be given to a VERIFIED VM (the seed panics on the count).
    @Test func aCountedHostPageCannotGoToAVerifiedVM() {
        let c = CheckedCore(vmCore(.spec))
        let pfn = VMImage.hostPage >> 12
        c.k.spec.data.s2page[pfn].gfn = VMImage.iova >> 12
        c.hvc(24, 0, 0, 0)
        c.hvc(25, VMImage.iova, VMImage.hostPage, 3, 0, 0)
        c.boot(touch: false)
        let o = c.hvc(25, VMImage.iova, VMImage.hostPage, 3, 1, 0).0
        #expect(o.panic?.condition == "host page 0x\(String(pfn, radix: 16)) still shared (count 1)")
    }

    /// The spec's trap 12 (detail/smmu-tables.md): a page smmu_assign_page gave a VM has count
    /// INVALID, and map_page_host's unsigned `count > 0` maps it for the host again. The C does
    /// it, the seed does it; the invariant checker names the page.
    @Test(arguments: [HandlerMode.impl, .refinement])
    func theHostRegainsAnSMMUAssignedPageAndTheCheckerSaysSo(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.boot(verify: false)
        c.touch(VMImage.hostPage)
        c.hvc(25, VMImage.iova, VMImage.hostPage, 3, 1, 0)
        #expect(c.violations.isEmpty)
        #expect(c.touch(VMImage.hostPage).panic == nil)
        #expect(KC.phys_page(c.k.abstractState.npt.entry(VMImage.hostPage >> 12).pte) == VMImage.hostPage)
        #expect(c.violations == [InvariantViolation(.vmPageInHostNPT, "host NPT maps VM 1's page 0x40200000 at IPA 0x40200000 (count INVALID)")])
        #expect(c.k.refinementReports.allSatisfy { $0.known != nil })
    }
}
