import Crypto
import Stage2
import Testing
@testable import KCore

/// The VM-boot calls as the Coq text has them (`sekvm/BootOps/Spec.v`, `BootCore/Spec.v`,
/// `Constants.v`), at both levels and with the refinement check, with the KCore invariants
/// checked after every call.
@Suite struct BootOpsCoqTests {
    /// remap_vm_image_spec: the state test's else branch halts. A VM that was never registered
    /// (UNUSED) or is already VERIFIED cannot have pages remapped.
    @Test(arguments: HandlerMode.allCases)
    func remappingForAVMThatIsNotReadyPanics(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        let o = c.hvc(11, 3, VMImage.pfn(0), 0).0
        #expect(o.panic == PanicReason(function: "remap_vm_image", condition: "vmid 3 is UNUSED, not READY"))
        #expect(c.violations.isEmpty, "\(c.violations)")

        let d = CheckedCore(vmCore(level))
        #expect(d.boot(bank: false)?.panic == nil)
        let p = d.hvc(11, 1, VMImage.pfn(4), 0).0
        #expect(p.panic?.function == "remap_vm_image")
        #expect(p.panic?.condition == "vmid 1 is VERIFIED, not READY")
        #expect(d.k.refinementReports.isEmpty)
    }

    /// Out-of-range load indices and a load already fully remapped change nothing, as in Coq
    /// (the two inner else branches release the lock and return).
    @Test(arguments: HandlerMode.allCases)
    func remappingBeyondALoadChangesNothing(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.hvc(13)
        c.hvc(10, 1, VMImage.loadIPA, 4096)
        #expect(c.hvc(11, 1, VMImage.pfn(0), 0).0.panic == nil)
        let before = c.k.data.vminfos[1]
        #expect(c.hvc(11, 1, VMImage.pfn(1), 0).0.panic == nil)  // the load has 1 page
        #expect(c.hvc(11, 1, VMImage.pfn(1), 3).0.panic == nil)  // no load 3
        #expect(c.k.data.vminfos[1] == before)
        #expect(c.k.refinementReports.isEmpty)
    }

    /// verify_and_load_images_spec: the load loop runs vm_next_load_info times; with no load
    /// it runs zero times, no image is checked (no digest needed), and the VM is VERIFIED.
    @Test(arguments: HandlerMode.allCases, [VMImage.sha256, nil])
    func verifyingAReadyVMWithNoLoadsMakesItVerified(level: HandlerMode, hash: [UInt8]?) {
        let c = CheckedCore(vmCore(level, hash: hash))
        #expect(c.hvc(13).1.x[0] == 1)
        let o = c.hvc(12, 1).0
        #expect(o.panic == nil)
        #expect(c.k.data.vminfos[1].state == .verified)
        #expect(c.k.data.s2page[VMImage.pfn(0)].owner == KC.HOSTVISOR)
        #expect(c.violations.isEmpty, "\(c.violations)")
        #expect(c.k.refinementReports.isEmpty)
    }

    /// set_boot_info_spec / alloc_remap_addr_spec: each load reserves its pages in EL2's remap
    /// window (REMAP_START = 32 MiB, REMAP_END = 64 MiB), in order and across VMs; a load whose
    /// end would reach REMAP_END panics (CORE and INFO locks kept).
    @Test(arguments: HandlerMode.allCases)
    func loadsMustFitEL2sRemapWindow(level: HandlerMode) {
        let c = CheckedCore(vmCore(level))
        c.hvc(13)
        c.hvc(13)
        #expect(c.hvc(10, 1, VMImage.loadIPA, 4097).1.x[0] == 0)  // 2 pages
        #expect(c.hvc(10, 2, VMImage.loadIPA, 8192 * 4096 - 3 * 4096).1.x[0] == 0)  // 8189 pages
        #expect(c.k.data.vminfos[1].loads[0].remapAddress == KC.REMAP_START)
        #expect(c.k.data.vminfos[2].loads[0].remapAddress == KC.REMAP_START + 2 * 4096)
        #expect(c.k.data.nextRemapPtr == KC.REMAP_END - 4096)
        // 1 page would end exactly at REMAP_END: Coq's test is `remap + pgnum·4096 < REMAP_END`.
        let o = c.hvc(10, 1, 0, 1).0
        #expect(o.panic?.function == "set_boot_info")
        #expect(o.panic?.condition.contains("does not fit EL2's remap window") == true)
        #expect(c.k.data.locks.isHeld(LockID.core))
        #expect(c.violations.isEmpty, "\(c.violations)")
        #expect(c.k.refinementReports.isEmpty)
    }

    /// The load that `SET_BOOT_INFO(v, 0, 2^39)` asks for, the largest the dispatcher lets
    /// through, and exactly the window's size all panic instead of succeeding.
    @Test(arguments: [UInt64(1) << 39, (UInt64(1) << 40) - 1, KC.REMAP_SIZE])
    func hugeLoadsPanic(size: UInt64) {
        let c = CheckedCore(vmCore(.refinement))
        c.hvc(13)
        #expect(c.hvc(10, 1, 0, size).0.panic?.function == "set_boot_info")
        #expect(c.k.refinementReports.isEmpty)
    }

    /// A sixth load is beyond MAX_LOAD_INFO_NUM: Coq returns the index, reserves nothing and
    /// does not panic.
    @Test func aSixthLoadIsIgnored() {
        let c = CheckedCore(vmCore(.refinement))
        c.hvc(13)
        for i in 0..<5 { #expect(c.hvc(10, 1, 0, 4096).1.x[0] == UInt64(i)) }
        let ptr = c.k.data.nextRemapPtr
        let r = c.hvc(10, 1, 0, 4096)
        #expect(r.0.panic == nil && r.1.x[0] == 5)
        #expect(c.k.data.nextRemapPtr == ptr)
        #expect(c.k.data.vminfos[1].loads.count == 5)
    }
}

/// The host NPT's page-table pool is Coq's (Constants.v), not sized from RAM.
@Suite struct NPTPoolCoqLayoutTests {
    func core(ram: UInt64, level: HandlerMode) -> KCore {
        let mem = PhysicalMemory(base: 0x4000_0000, size: ram)!  // sparse: untouched RAM costs nothing
        var c = KCore.Configuration()
        c.ramSize = ram
        c.handlers = level == .spec ? .spec : .impl
        c.checkRefinement = level == .refinement
        return KCore(configuration: c, memory: mem, smmu: FakeSMMU())
    }

    /// With 16 GiB of RAM, one page touched in each GiB needs 16 level-2 tables and 16 level-3
    /// tables; Coq's pool (2048 and 5887 of them) keeps mapping.
    @Test(arguments: HandlerMode.allCases)
    func oneTouchPerGiBOf16GiBIsMapped(level: HandlerMode) {
        let k = core(ram: 16 << 30, level: level)
        #expect(k.carveOut.nptLayout == .coq)
        for g in UInt64(1)...16 {
            let o = mmio(k, ipa: g << 30, len: 8, write: false).0
            #expect(o.panic == nil, "GiB \(g): \(String(describing: o.panic))")
        }
        // IPA bits 47:39 are zero: one level-1 table; a level-2 and a level-3 table per GiB.
        #expect(k.nptPoolUsage.pgdUsed == 1 && k.nptPoolUsage.pudUsed == 16 && k.nptPoolUsage.pmdUsed == 16)
        #expect(k.refinementReports.isEmpty)
    }

    /// Device pages in 5887 distinct 2 MiB regions fill the level-3 pool; the next region
    /// panics in map_page_host, as Coq's local_mmap fails there.
    @Test func the5888thRegionExhaustsThePool() {
        let k = core(ram: 64 << 20, level: .impl)
        let before = k.nptPoolUsage.pmdUsed
        var region: UInt64 = 0
        var ipa: UInt64 = 0x80_0000_0000
        while k.nptPoolUsage.pmdUsed < 5887 && region < 10_000 {
            ipa -= 0x20_0000
            region += 1
            #expect(mmio(k, ipa: ipa, len: 4, write: false).0.panic == nil)
        }
        #expect(region == UInt64(5887 - before))
        ipa -= 0x20_0000
        let o = mmio(k, ipa: ipa, len: 4, write: false).0
        #expect(o.panic?.function == "map_page_host")
        #expect(o.panic?.condition.contains("pool exhausted") == true)
    }
}

/// Two places where the implementation level deliberately writes something other than the Coq
/// text's literal value (Documentation/SpecMapping.md, "Decisions"), pinned.
@Suite struct SpecLiteralDecisionTests {
    /// smmu_pt_clear: Coq's spec0 loop rewrites the root's first word 1024 times; the
    /// implementation zeroes all 1024 words of the 8 KiB root, which is what the loop is for
    /// and what the atomic spec (an empty table) assumes. A stale entry anywhere in the root
    /// is gone after el2_alloc_smmu_pgd, at both levels, and the levels agree.
    @Test(arguments: HandlerMode.allCases)
    func allocClearsTheWholeShadowRoot(level: HandlerMode) {
        let k = vmCore(level)
        let root = k.carveOut.sptPA(KC.SMMU_TTBR(0, 1))
        // A stale level-1 table entry in word 300 (IOVA 300 GiB) and the last word.
        _ = k.impl.memory.store(root + 300 * 8, size: 8, value: 0x4020_0003)
        _ = k.impl.memory.store(root + 1023 * 8, size: 8, value: 0x4020_0003)
        let c = CheckedCore(k)
        c.hvc(13)
        #expect(c.hvc(24, 1, 1, 0).0.panic == nil)
        if level != .spec {
            #expect(k.impl.memory.load(root + 300 * 8, size: 8) == 0)
            #expect(k.impl.memory.load(root + 1023 * 8, size: 8) == 0)
        }
        #expect(c.hvc(26, 300 << 30, 1, 0).1.x[0] == 0)
        // Only D2 (the C-shaped alloc also takes INFO(vmid): lock log only) may be reported.
        #expect(k.refinementReports.allSatisfy { $0.known == .D2 }, "\(k.refinementReports)")
        #expect(c.violations.isEmpty, "\(c.violations)")
    }

    /// map_page_host's normal-page leaf: Coq's PAGE_S2_KERNEL is 0xFFF, whose bit 11 is RES0
    /// in a VMSAv8-64 stage-2 descriptor; KCore writes 0x7FF (Normal write-back, read/write,
    /// inner shareable, AF) at both levels.
    @Test(arguments: [HandlerMode.impl, .spec])
    func hostNormalPagesAreMappedWith0x7FF(level: HandlerMode) {
        let k = vmCore(level)
        #expect(mmio(k, ipa: VMImage.hostPage + 8, len: 8, write: false).0.panic == nil)
        let e = k.abstractState.npt.entry(VMImage.hostPage >> 12)
        #expect(e.pte == VMImage.hostPage | 0x7FF)
        #expect(e.pte & (1 << 11) == 0)
    }
}
