import Stage2
@testable import AArch64

/// Builds EL1&0 stage-1 tables (4 KiB granule, 48-bit VA: T0SZ = T1SZ = 16, start level 0) in a
/// test machine's RAM, descriptor bits as ARM DDI 0487 D5.3 gives them, so tests state mappings
/// instead of hand-written descriptors.
struct Stage1Tables {
    static let normal: UInt64 = 0  // AttrIndx 0: MAIR 0xFF, Normal write-back
    static let device: UInt64 = 1  // AttrIndx 1: MAIR 0x00, Device-nGnRnE
    /// MAIR_EL1 for the attribute indexes above (and 0x44, Normal non-cacheable, at index 2).
    static let mair: UInt64 = 0x44_00_FF
    /// TCR_EL1: T0SZ = T1SZ = 16, TG0 4 KiB, TG1 4 KiB (0b10), IPS 48 bits; `extra` ORed in.
    static func tcr(_ extra: UInt64 = 0) -> UInt64 { 16 | 16 << 16 | 2 << 30 | 5 << 32 | extra }

    let ram: PhysicalMemory
    var next: UInt64
    let root: UInt64

    /// Tables are allocated from `pool` upwards (4 KiB each).
    init(ram: PhysicalMemory, pool: UInt64 = 0x4200_0000) {
        self.ram = ram
        root = pool
        next = pool + 0x1000
        for i in 0..<512 { ram.store(root + UInt64(i) * 8, size: 8, value: 0) }
    }

    /// A leaf descriptor's attribute bits: AttrIndx, AP[2:1], AF, nG, PXN, UXN, SH = inner.
    static func attributes(attr: UInt64 = normal, ap: UInt64 = 0, af: Bool = true, nG: Bool = false, pxn: Bool = false, uxn: Bool = false) -> UInt64 {
        attr << 2 | ap << 6 | 3 << 8 | (af ? 1 << 10 : 0) | (nG ? 1 << 11 : 0) | (pxn ? 1 << 53 : 0) | (uxn ? 1 << 54 : 0)
    }

    /// The table at `level` + 1 under `va`, created when missing; `tableBits` are ORed into a
    /// new table descriptor (APTable, UXNTable, PXNTable).
    mutating func table(for va: UInt64, below level: Int, tableBits: UInt64 = 0) -> UInt64 {
        var t = root
        for l in 0...level {
            let slot = t + ((va >> UInt64(39 - 9 * l)) & 511) * 8
            let d = ram.load(slot, size: 8)!
            if d & 3 == 3 {
                t = d & 0x0000_FFFF_FFFF_F000
                if l == level { ram.store(slot, size: 8, value: d | tableBits) }
            } else {
                let n = next
                next += 0x1000
                for i in 0..<512 { ram.store(n + UInt64(i) * 8, size: 8, value: 0) }
                ram.store(slot, size: 8, value: n | 3 | (l == level ? tableBits : 0))
                t = n
            }
        }
        return t
    }

    /// Maps the 4 KiB page at `va` to `pa`.
    mutating func page(_ va: UInt64, _ pa: UInt64, _ attrs: UInt64 = attributes()) {
        let t = table(for: va, below: 2)
        ram.store(t + ((va >> 12) & 511) * 8, size: 8, value: pa | attrs | 3)
    }

    /// Maps a block at level 1 (1 GiB) or 2 (2 MiB).
    mutating func block(_ va: UInt64, _ pa: UInt64, level: Int, _ attrs: UInt64 = attributes()) {
        let t = table(for: va, below: level - 1)
        ram.store(t + ((va >> UInt64(39 - 9 * level)) & 511) * 8, size: 8, value: pa | attrs | 1)
    }

    /// Writes a raw descriptor at `level` for `va` (tables above created as needed).
    mutating func raw(_ va: UInt64, level: Int, _ d: UInt64) {
        let t = level == 0 ? root : table(for: va, below: level - 1)
        ram.store(t + ((va >> UInt64(39 - 9 * level)) & 511) * 8, size: 8, value: d)
    }
}

extension TestMachine {
    /// The code pages (0x4008_0000–0x4008_3FFF) mapped 1:1, read-only and executable at EL1 and
    /// EL0 (AP = 0b11), plus the caller's mappings; TTBR0_EL1 = the root (ASID 0), MAIR and TCR
    /// as `Stage1Tables` names them. The program turns the MMU on itself (`mmuOn` below).
    func stage1(_ build: (inout Stage1Tables) -> Void) -> Stage1Tables {
        var t = Stage1Tables(ram: ram)
        for i in 0..<4 { t.page(TestMachine.codeBase + UInt64(i) * 0x1000, TestMachine.codeBase + UInt64(i) * 0x1000, Stage1Tables.attributes(ap: 3)) }
        build(&t)
        return t
    }

    /// Assembly that installs the vectors at `vectors`, MAIR/TCR/TTBR0 (x-registers free) and
    /// sets SCTLR_EL1.M (A = 0, so Normal memory allows unaligned accesses).
    static func mmuOn(root: UInt64 = 0x4200_0000, tcr: UInt64 = Stage1Tables.tcr(), sctlr: UInt64 = 1) -> String {
        """
            adr x9, vectors
            msr vbar_el1, x9
            ldr x9, =\(Stage1Tables.mair)
            msr mair_el1, x9
            ldr x9, =\(tcr)
            msr tcr_el1, x9
            ldr x9, =\(root)
            msr ttbr0_el1, x9
            isb
            ldr x9, =\(sctlr)
            msr sctlr_el1, x9
            isb
        """
    }

    /// Vectors: `hvc #7` for the current EL with SP_ELx (+0x200), `hvc #8` from EL0 (+0x400).
    static let vectors = """
            .ltorg
            .balign 2048
            vectors:
            .skip 0x200
            hvc #7
            .skip 0x1FC
            hvc #8
        """
}
