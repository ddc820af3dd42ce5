/// The static branch table of the seed functions and the primitives under them: one row per
/// Coq `if` / `halt` / `INVALID` point (MmioOps.v and the layers it calls), with the names the
/// branch tests use (Tests/KCoreTests: EmulateMMIOBranches, PageTableCallBranches,
/// PageTableEdgeBranches). `--coverage` counts how often each row was taken at each level.
///
/// A row that exists at one level only says so in `levels` (D1/D2 make the two levels branch on
/// different conditions). Rows are ordered as the Coq definitions are.
public enum SpecBranch: Int, CaseIterable, Sendable {
    // emulate_mmio (MmioOps, MmioOpsAux, MmioCore, MmioCoreAux)
    case emulateHalted, emulateNotSMMU, emulateRead32, emulateRead64, emulateReadBadLen
    case emulateSCR0SMCFCFGClear, emulateSCR0, emulateSCR2BPVMID, emulateSCR2, emulateGlobalOther
    case emulateCBARNonexistent, emulateCBARHostBank, emulateCBARVMMatch, emulateCBARUnallocated, emulateCBARMismatch
    case emulateGlobalHigh, emulateTTBR0, emulateCONTEXTIDR, emulateCBOther, emulateWriteBadLen, emulateWrite32, emulateWrite64
    // el2_free_smmu_pgd
    case freeHalted, freeUnowned, freePoweroff, freeNotPoweroff
    // el2_alloc_smmu_pgd
    case allocHalted, allocClaim, allocTaken, allocCbndxBeyond, allocVMVerified
    // smmu_assign_page
    case assignHalted, assignUnowned, assignHostBank, assignVMNotVerified, assignVMVerified
    case assignHostPage, assignHostPageShared, assignOwnPage, assignForeignPage, assignRevokeFailed
    // smmu_map_page
    case mapHalted, mapUnowned, mapVMVerified, mapPageMatch, mapPageMismatch, mapPoolExhausted, mapHostCountUp
    // el2_arm_lpae_iova_to_phys
    case iovaToPhysHalted, iovaToPhysMapped, iovaToPhysUnmapped
    // el2_arm_lpae_clear
    case clearHalted, clearUnowned, clearVMVerified, clearUnmapped, clearMapped, clearPoolExhausted, clearHostCountDown
    // map_page_host (MemManager)
    case mapHostDevice, mapHostHost, mapHostShared, mapHostDenied
    // local_mmap (NPTWalk; the implementation's set_npt and pool allocation)
    case nptMapped, nptBlock, nptPoolExhausted
    // clear_pfn_host (NPTOps)
    case clearPFNHostMapped, clearPFNHostUnmapped
    // local_spt_map (MmioSPTWalk; the implementation's set_smmu_pt, walk_smmu_pgd/pmd, alloc_smmu_*_page)
    case sptNewLevel2, sptNewLevel3, sptPgdPoolExhausted, sptPmdPoolExhausted, sptStored

    /// The seven functions of MmioOps.v, in the file's order.
    public static let seedFunctions = [
        "emulate_mmio", "el2_free_smmu_pgd", "el2_alloc_smmu_pgd", "smmu_assign_page", "smmu_map_page",
        "el2_arm_lpae_iova_to_phys", "el2_arm_lpae_clear",
    ]
    /// The primitives below them that have branches of their own.
    public static let primitives = ["map_page_host", "local_mmap", "clear_pfn_host", "local_spt_map"]

    /// Which levels have the branch: both, or one (a divergence).
    enum Levels: Sendable { case both, specOnly, implOnly }

    public struct Info: Sendable {
        /// The Coq function the branch belongs to.
        public let function: String
        /// Short stable name inside the function ("not-smmu").
        public let id: String
        let levels: Levels
        /// What the branch does, in the spec's words.
        public let description: String
    }

    public var info: Info {
        func b(_ f: String, _ id: String, _ d: String, _ l: Levels = .both) -> Info { Info(function: f, id: id, levels: l, description: d) }
        let em = "emulate_mmio", fr = "el2_free_smmu_pgd", al = "el2_alloc_smmu_pgd", asg = "smmu_assign_page"
        let mp = "smmu_map_page", i2p = "el2_arm_lpae_iova_to_phys", cl = "el2_arm_lpae_clear"
        let halted = "halt set on entry: nothing happens"
        switch self {
        case .emulateHalted: return b(em, "halted", halted)
        case .emulateNotSMMU: return b(em, "not-smmu", "page in no SMMU window: INVALID, the fault handler maps it (map_page_host)")
        case .emulateRead32: return b(em, "read-32", "4-byte read: device value zero-extended into Xt, PC + 4")
        case .emulateRead64: return b(em, "read-64", "8-byte read: device value into Xt, PC + 4")
        case .emulateReadBadLen: return b(em, "read-bad-len", "read of another length (1, 2; SAS 0 of LDP/writeback): panic")
        case .emulateSCR0SMCFCFGClear: return b(em, "scr0-smcfcfg-clear", "sCR0 write with SMCFCFG (bit 21) clear: panic")
        case .emulateSCR0: return b(em, "scr0", "sCR0 write with SMCFCFG set: allowed")
        case .emulateSCR2BPVMID: return b(em, "scr2-bpvmid", "sCR2 write with a non-zero BPVMID (bits 7:0): panic")
        case .emulateSCR2: return b(em, "scr2", "sCR2 write with BPVMID 0: allowed")
        case .emulateGlobalOther: return b(em, "global-other", "other global write at offset <= 0x1000 (CBAR0 included, Q3): allowed")
        case .emulateCBARNonexistent: return b(em, "cbar-nonexistent", "CBARn write for n >= 8: rely cbndx fails, panic (undefined)")
        case .emulateCBARHostBank: return b(em, "cbar-host-bank", "CBARn write for a host-owned bank (vmid 0): allowed")
        case .emulateCBARVMMatch: return b(em, "cbar-vm-match", "CBARn write for a VM's bank with TYPE 0 and its VMID: allowed")
        case .emulateCBARUnallocated: return b(em, "cbar-unallocated", "CBARn write for an unallocated bank: rely is_vmid fails, panic (undefined)")
        case .emulateCBARMismatch: return b(em, "cbar-mismatch", "CBARn write for a VM's bank with another TYPE or VMID: panic")
        case .emulateGlobalHigh: return b(em, "global-high", "global write at 0x1800-0x7FFF: allowed")
        case .emulateTTBR0: return b(em, "ttbr0", "context-bank TTBR0 write: allowed, the device gets the shadow root")
        case .emulateCONTEXTIDR: return b(em, "contextidr", "context-bank CONTEXTIDR write: panic")
        case .emulateCBOther: return b(em, "cb-other", "other context-bank write: allowed")
        case .emulateWriteBadLen: return b(em, "write-bad-len", "allowed write of another length (1, 2): panic")
        case .emulateWrite32: return b(em, "write-32", "4-byte write reaches the device")
        case .emulateWrite64: return b(em, "write-64", "8-byte write reaches the device")

        case .freeHalted: return b(fr, "halted", halted)
        case .freeUnowned: return b(fr, "unowned", "slot INVALID: nothing")
        case .freePoweroff: return b(fr, "poweroff", "owner VM is POWEROFF: slot freed (INVALID)")
        case .freeNotPoweroff: return b(fr, "not-poweroff", "owner not POWEROFF (the host never is): panic")

        case .allocHalted: return b(al, "halted", halted)
        case .allocClaim: return b(al, "claim", "cbndx within the SMMU's banks, slot INVALID: claimed for vmid, shadow root cleared")
        case .allocTaken: return b(al, "taken", "slot already claimed: nothing")
        case .allocCbndxBeyond: return b(al, "cbndx-beyond", "cbndx >= this SMMU's bank count: panic")
        case .allocVMVerified: return b(al, "vm-verified", "the C's alloc_smmu panics for a VERIFIED VM (D2)", .implOnly)

        case .assignHalted: return b(asg, "halted", halted)
        case .assignUnowned: return b(asg, "unowned", "slot INVALID: nothing")
        case .assignHostBank: return b(asg, "host-bank", "slot owner is not a VM (the host): nothing")
        case .assignVMNotVerified: return b(asg, "vm-not-verified", "VM not VERIFIED: spec panics (D1); impl goes on to the page checks")
        case .assignVMVerified: return b(asg, "vm-verified", "VM VERIFIED: spec goes on to the page checks; impl panics (D1)")
        case .assignHostPage: return b(asg, "host-page", "host page, share count 0: becomes the VM's at gfn (count INVALID)")
        case .assignHostPageShared: return b(asg, "host-page-shared", "host page with share count > 0: panic")
        case .assignOwnPage: return b(asg, "own-page", "page already the VM's: nothing")
        case .assignForeignPage: return b(asg, "foreign-page", "page of another VM, EL2 or not RAM: panic")
        case .assignRevokeFailed: return b(asg, "revoke-failed", "host NPT revocation fails (2 MiB block or pool empty): panic", .specOnly)

        case .mapHalted: return b(mp, "halted", halted)
        case .mapUnowned: return b(mp, "unowned", "slot INVALID: nothing")
        case .mapVMVerified: return b(mp, "vm-verified", "slot's VM is VERIFIED (tables frozen): panic")
        case .mapPageMatch: return b(mp, "page-match", "page owned by the slot's vmid at gfn = iova/4096: pte stored")
        case .mapPageMismatch: return b(mp, "page-mismatch", "any other page (host pages: gfn = pfn + 10^9): panic")
        case .mapPoolExhausted: return b(mp, "pool-exhausted", "a new table page is needed and its pool is empty: panic")
        case .mapHostCountUp: return b(mp, "host-count-up", "the page is the host's: share count + 1 (below 16)")

        case .iovaToPhysHalted: return b(i2p, "halted", halted)
        case .iovaToPhysMapped: return b(i2p, "mapped", "shadow entry present: its page + the IOVA's offset")
        case .iovaToPhysUnmapped: return b(i2p, "unmapped", "no shadow entry: the IOVA's page offset alone (Q16)")

        case .clearHalted: return b(cl, "halted", halted)
        case .clearUnowned: return b(cl, "unowned", "slot INVALID: nothing")
        case .clearVMVerified: return b(cl, "vm-verified", "slot's VM is VERIFIED (tables frozen): panic")
        case .clearUnmapped: return b(cl, "unmapped", "no shadow entry: tables unchanged, pfn 0 examined (Q21)")
        case .clearMapped: return b(cl, "mapped", "shadow entry cleared")
        case .clearPoolExhausted: return b(cl, "pool-exhausted", "clearing needs a new table page and the pool is empty: panic")
        case .clearHostCountDown: return b(cl, "host-count-down", "the page is the host's with share count > 0: count - 1")

        case .mapHostDevice: return b("map_page_host", "device", "no owner (not RAM): device mapping")
        case .mapHostHost: return b("map_page_host", "host", "host page: normal mapping")
        case .mapHostShared: return b("map_page_host", "shared", "another owner's page with count > 0 (VM SMMU pages: INVALID): normal mapping")
        case .mapHostDenied: return b("map_page_host", "denied", "EL2's or a VM's page with count 0: panic")

        case .nptMapped: return b("local_mmap", "mapped", "level-3 leaf written in the host NPT")
        case .nptBlock: return b("local_mmap", "block", "the IPA lies in a 2 MiB block: panic")
        case .nptPoolExhausted: return b("local_mmap", "pool-exhausted", "a pgd/pud/pmd pool is empty: panic")

        case .clearPFNHostMapped: return b("clear_pfn_host", "mapped", "the host maps the page: entry replaced by PAGE_GUEST")
        case .clearPFNHostUnmapped: return b("clear_pfn_host", "unmapped", "the host does not map the page: nothing")

        case .sptNewLevel2: return b("local_spt_map", "new-level2", "a level-2 table page is taken from the pgd pool")
        case .sptNewLevel3: return b("local_spt_map", "new-level3", "a level-3 table page is taken from the pmd pool")
        case .sptPgdPoolExhausted: return b("local_spt_map", "pgd-pool-exhausted", "the pgd pool (256 pages) is empty: panic")
        case .sptPmdPoolExhausted: return b("local_spt_map", "pmd-pool-exhausted", "the pmd pool (256 pages) is empty: panic")
        case .sptStored: return b("local_spt_map", "stored", "leaf stored in the shadow table")
        }
    }

    /// Whether the branch exists at `level`.
    public func exists(at level: KCore.HandlerLevel) -> Bool {
        switch info.levels {
        case .both: return true
        case .specOnly: return level == .spec
        case .implOnly: return level == .impl
        }
    }
}
