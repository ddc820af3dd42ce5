/// Every SMMUv2 register this model implements, named once (ARM IHI 0062, as Linux's arm-smmu.h
/// names them) with its offset, width, reset value and writable bits. The device (`SMMU`) takes
/// its reset values and write masks from here, traces take their names ("GR1.CBAR2",
/// "CB3.TTBR0") from here, and the EL2 handlers print the same names.
///
/// Layout (HARDWARE.md, IDR1.PAGESIZE = 0, NUMPAGENDXB = 2): GR0 at +0x0000, GR1 at +0x1000,
/// context bank n at +0x8000 + n·0x1000 in a 64 KiB frame.
public enum SMMURegisterMap {
    /// How a write acts on a register.
    public enum Access: Hashable {
        /// Ordinary register: a write replaces the bits of `writableMask`.
        case readWrite
        /// Reads give state the device computes (ID registers, TLB status); writes are ignored.
        case readOnly
        /// Write 1 to clear (fault status registers).
        case writeOneToClear
        /// A write is a command (TLB invalidation, sync); reads as zero.
        case command
    }

    /// One register, or one array of registers (`count` instances, 4 bytes apart).
    /// Every register's name, as Linux's arm-smmu.h spells it (without the SMMU_/ARM_SMMU_
    /// prefixes). An enum, so the device decodes an access with a switch on an integer rather
    /// than by comparing strings.
    public enum Name: String, Hashable, Sendable {
        case sCR0, sCR2, IDR0, IDR1, IDR2, IDR3, IDR4, IDR5, IDR6, IDR7, sGFAR, sGFSR, sGFSRRESTORE, sGFSYNR0, sGFSYNR1, sGFSYNR2, TLBIVMID, TLBIALLNSNH, TLBIALLH, sTLBGSYNC, sTLBGSTATUS, SMR, S2CR, CBAR, CBFRSYNRA, CBA2R, SCTLR, ACTLR, RESUME, TCR2, TTBR0, TTBR1, TCR, CONTEXTIDR, MAIR0, MAIR1, PAR, FSR, FSRRESTORE, FAR, FSYNR0, FSYNR1, TLBIALL, TLBIIPAS2, TLBIIPAS2L, TLBSYNC, TLBSTATUS
    }

    public struct Register: Hashable {
        public let id: Name
        public var name: String { id.rawValue }
        /// Offset within its 4 KiB page (GR0, GR1 or a context bank).
        public let offset: UInt64
        /// 32 or 64 bits; 64-bit registers also take 32-bit accesses to either half.
        public let width: Int
        public let reset: UInt64
        /// The bits a write can change (bits outside it are reserved or read-only).
        public let writableMask: UInt64
        public let access: Access
        /// Instances of an arrayed register (SMRn, S2CRn, CBARn…): the device limits the live
        /// ones to NUMSMRG or NUMCB; the rest read as zero.
        public let count: Int

        init(_ id: Name, _ offset: UInt64, width: Int = 32, reset: UInt64 = 0, mask: UInt64 = 0xFFFF_FFFF,
             _ access: Access = .readWrite, count: Int = 1) {
            self.id = id
            self.offset = offset
            self.width = width
            self.reset = reset
            self.writableMask = access == .readWrite || access == .writeOneToClear ? mask : 0
            self.access = access
            self.count = count
        }
    }

    /// Global register space 0 (page 0).
    public static let gr0: [Register] = [
        // sCR0 as MMU-500's Non-secure view has it (SMMU_NSCR0 in the Stratix 10 / Agilex HPS
        // register maps of MMU-500): CLIENTPD, GFRE, GFIE, TRANSIENTCFG, USFCFG, VMIDPNE, PTM,
        // FB, BSU, MemAttr, MTCFG, SHCFG, RACFG, WACFG are read/write; SMCFCFG[21] reads as 1;
        // GCFGFRE[4], GCFGFIE[5], STALLD[8], GSE[9] read as 0 (MMU-500 has no global
        // fault-model override, and no separate configuration-fault controls); EXIDENABLE[3] and
        // VMID16EN[31] are RES0 (IDR0.EXIDS = IDR2.VMID16 = 0); NSCFG[29:28] is Secure-only.
        .init(.sCR0, 0x00, reset: 0x0020_0001, mask: 0x0FDF_FCC7),
        .init(.sCR2, 0x08, mask: 0xFF),  // BPVMID[7:0]
        .init(.IDR0, 0x20, .readOnly), .init(.IDR1, 0x24, .readOnly),
        .init(.IDR2, 0x28, .readOnly), .init(.IDR3, 0x2C, .readOnly),
        .init(.IDR4, 0x30, .readOnly), .init(.IDR5, 0x34, .readOnly),
        .init(.IDR6, 0x38, .readOnly), .init(.IDR7, 0x3C, .readOnly),
        .init(.sGFAR, 0x40, width: 64, mask: 0xFFFF_FFFF_FFFF_FFFF),
        .init(.sGFSR, 0x48, mask: 0x8000_017F, .writeOneToClear),  // ICF..EF[6:0], UUT[8], MULTI[31]
        .init(.sGFSRRESTORE, 0x4C, .command),
        .init(.sGFSYNR0, 0x50, mask: 0x3E),  // WNR[1], PNU[2], IND[3], NSSTATE[4], NSATTR[5]
        .init(.sGFSYNR1, 0x54, mask: 0x7FFF),  // stream ID
        .init(.sGFSYNR2, 0x58, mask: 0),
        .init(.TLBIVMID, 0x64, .command), .init(.TLBIALLNSNH, 0x68, .command),
        .init(.TLBIALLH, 0x6C, .command), .init(.sTLBGSYNC, 0x70, .command),
        .init(.sTLBGSTATUS, 0x74, .readOnly),
        .init(.SMR, 0x800, mask: 0xFFFF_7FFF, count: 256),  // VALID[31], MASK[30:16], ID[14:0]
        // S2CR: TRANSIENTCFG..TYPE[29:16], MemAttr[15:12], MTCFG[11], SHCFG[9:8], CBNDX[7:0].
        .init(.S2CR, 0xC00, reset: 2 << 16, mask: 0x3FFF_FBFF, count: 256),
    ]

    /// Global register space 1 (page 1).
    public static let gr1: [Register] = [
        .init(.CBAR, 0x000, reset: 2 << 16, mask: 0x0003_F3FF, count: 256),  // VMID, BPSHCFG, MemAttr, TYPE
        .init(.CBFRSYNRA, 0x400, mask: 0x7FFF, count: 256),  // stream ID of the last context fault
        .init(.CBA2R, 0x800, mask: 0x3, count: 256),  // VA64[0], MONC[1]; VMID16 RES0
    ]

    /// A translation context bank's page (stage 2 only: stage-1 registers are kept as plain
    /// storage so a driver's writes read back, but translation ignores them).
    public static let contextBank: [Register] = [
        .init(.SCTLR, 0x00, mask: 0x1FFF), .init(.ACTLR, 0x04),
        .init(.RESUME, 0x08, .command), .init(.TCR2, 0x10),
        .init(.TTBR0, 0x20, width: 64, mask: 0xFFFF_FFFF_FFFF_FFFF),
        .init(.TTBR1, 0x28, width: 64, mask: 0xFFFF_FFFF_FFFF_FFFF),
        .init(.TCR, 0x30), .init(.CONTEXTIDR, 0x34),
        .init(.MAIR0, 0x38), .init(.MAIR1, 0x3C),
        .init(.PAR, 0x50, width: 64, .readOnly),
        .init(.FSR, 0x58, mask: 0xC000_07FE, .writeOneToClear),  // TF..UUT[8:1], Format[10:9], SS[30], MULTI[31]
        .init(.FSRRESTORE, 0x5C, .command),
        .init(.FAR, 0x60, width: 64, mask: 0xFFFF_FFFF_FFFF_FFFF),
        .init(.FSYNR0, 0x68, mask: 0x00FF_0F73), .init(.FSYNR1, 0x6C),
        .init(.TLBIALL, 0x618, .command),
        .init(.TLBIIPAS2, 0x630, width: 64, .command), .init(.TLBIIPAS2L, 0x638, width: 64, .command),
        .init(.TLBSYNC, 0x7F0, .command), .init(.TLBSTATUS, 0x7F4, .readOnly),
    ]

    /// Which page of the frame an offset falls in.
    public enum Space: Hashable {
        case gr0, gr1
        case contextBank(Int)
    }

    /// A decoded register access: the register, the instance of an arrayed one, and whether the
    /// access is to the upper half of a 64-bit register.
    public struct Location: Hashable {
        public let space: Space
        public let register: Register
        public let index: Int
        public let upperHalf: Bool
    }

    /// The register at a frame offset (word-aligned: the low two bits are ignored), or nil for
    /// reserved offsets. Every trapped SMMU access of the host decodes its offset here: one
    /// index into a per-page table of the page's 1024 words, built once from the lists above.
    public static func locate(offset: UInt64) -> Location? {
        let off = offset & 0xFFFC
        let page = off >> 12, word = Int(truncatingIfNeeded: (off & 0xFFF) >> 2)
        // Each page's tables are read where they are (held in locals, the two arrays were
        // retained and released on every access).
        switch page {
        case 0: return location(word, .gr0, gr0Slots[word], gr0)
        case 1: return location(word, .gr1, gr1Slots[word], gr1)
        case 8...15: return location(word, .contextBank(Int(page - 8)), contextBankSlots[word], contextBank)
        default: return nil
        }
    }

    @inline(__always)
    private static func location(_ word: Int, _ space: Space, _ slot: Int32, _ table: [Register]) -> Location? {
        guard slot >= 0 else { return nil }
        let r = table[Int(slot >> 16)]
        let within = UInt64(word) << 2
        if r.count > 1 { return Location(space: space, register: r, index: Int((within - r.offset) / 4), upperHalf: false) }
        return Location(space: space, register: r, index: 0, upperHalf: slot & 1 != 0)
    }

    /// For each word of a page: the index of its register in `table` (bits 31:16) and 1 for the
    /// upper half of a 64-bit register, or -1 where no register is.
    private static func slots(_ table: [Register]) -> [Int32] {
        var slots = [Int32](repeating: -1, count: 1024)
        for (i, r) in table.enumerated() {
            let first = Int(r.offset >> 2)
            if r.count > 1 {
                for w in first..<min(1024, first + r.count) where slots[w] < 0 { slots[w] = Int32(i) << 16 }
            } else {
                if slots[first] < 0 { slots[first] = Int32(i) << 16 }
                if r.width == 64 && first + 1 < 1024 && slots[first + 1] < 0 { slots[first + 1] = Int32(i) << 16 | 1 }
            }
        }
        return slots
    }
    private static let gr0Slots = slots(gr0)
    private static let gr1Slots = slots(gr1)
    private static let contextBankSlots = slots(contextBank)

    /// The trace name of a frame offset: "GR0.sCR0", "GR0.SMR3", "GR1.CBAR2", "CB3.TTBR0",
    /// "CB3.TTBR0[63:32]", or "reserved+0x…" for offsets no register occupies.
    public static func name(offset: UInt64) -> String {
        let off = offset & 0xFFFF
        guard off & 3 == 0, let l = locate(offset: off) else { return "reserved+0x" + String(off, radix: 16) }
        let prefix: String
        switch l.space {
        case .gr0: prefix = "GR0."
        case .gr1: prefix = "GR1."
        case .contextBank(let n): prefix = "CB\(n)."
        }
        let index = l.register.count > 1 ? String(l.index) : ""
        return prefix + l.register.name + index + (l.upperHalf ? "[63:32]" : "")
    }
}
