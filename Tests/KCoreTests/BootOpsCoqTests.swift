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
