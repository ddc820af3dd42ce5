/// Every SMMUv2 register this model implements, named once (ARM IHI 0062, as Linux's arm-smmu.h
/// names them), for reads, writes, traces ("GR1.CBAR2", "CB3.TTBR0") and the EL2 handlers.
///
/// Layout (HARDWARE.md, IDR1.PAGESIZE = 0, NUMPAGENDXB = 2): GR0 at +0x0000, GR1 at +0x1000,
/// context bank n at +0x8000 + n·0x1000 in a 64 KiB frame.
public enum SMMURegisterMap {
    /// A register: its name, offset in its page (GR0, GR1 or a context bank) and width in bits.
    public struct Register: Hashable {
        public let name: String
        public let offset: UInt64
        public let width: Int
    }

    public static let gr0: [Register] = [
        .init(name: "sCR0", offset: 0x00, width: 32), .init(name: "sCR2", offset: 0x08, width: 32),
        .init(name: "IDR0", offset: 0x20, width: 32), .init(name: "IDR1", offset: 0x24, width: 32),
        .init(name: "IDR2", offset: 0x28, width: 32), .init(name: "IDR3", offset: 0x2C, width: 32),
        .init(name: "IDR4", offset: 0x30, width: 32), .init(name: "IDR5", offset: 0x34, width: 32),
        .init(name: "IDR6", offset: 0x38, width: 32), .init(name: "IDR7", offset: 0x3C, width: 32),
        .init(name: "sGFAR", offset: 0x40, width: 64), .init(name: "sGFSR", offset: 0x48, width: 32),
        .init(name: "sGFSRRESTORE", offset: 0x4C, width: 32), .init(name: "sGFSYNR0", offset: 0x50, width: 32),
        .init(name: "sGFSYNR1", offset: 0x54, width: 32), .init(name: "sGFSYNR2", offset: 0x58, width: 32),
        .init(name: "TLBIVMID", offset: 0x64, width: 32), .init(name: "TLBIALLNSNH", offset: 0x68, width: 32),
        .init(name: "TLBIALLH", offset: 0x6C, width: 32), .init(name: "sTLBGSYNC", offset: 0x70, width: 32),
        .init(name: "sTLBGSTATUS", offset: 0x74, width: 32),
    ]

    public static let contextBank: [Register] = [
        .init(name: "SCTLR", offset: 0x00, width: 32), .init(name: "ACTLR", offset: 0x04, width: 32),
        .init(name: "RESUME", offset: 0x08, width: 32), .init(name: "TCR2", offset: 0x10, width: 32),
        .init(name: "TTBR0", offset: 0x20, width: 64), .init(name: "TTBR1", offset: 0x28, width: 64),
        .init(name: "TCR", offset: 0x30, width: 32), .init(name: "CONTEXTIDR", offset: 0x34, width: 32),
        .init(name: "MAIR0", offset: 0x38, width: 32), .init(name: "MAIR1", offset: 0x3C, width: 32),
        .init(name: "PAR", offset: 0x50, width: 64), .init(name: "FSR", offset: 0x58, width: 32),
        .init(name: "FSRRESTORE", offset: 0x5C, width: 32), .init(name: "FAR", offset: 0x60, width: 64),
        .init(name: "FSYNR0", offset: 0x68, width: 32), .init(name: "FSYNR1", offset: 0x6C, width: 32),
        .init(name: "TLBIALL", offset: 0x618, width: 32), .init(name: "TLBIIPAS2", offset: 0x630, width: 64),
        .init(name: "TLBIIPAS2L", offset: 0x638, width: 64), .init(name: "TLBSYNC", offset: 0x7F0, width: 32),
        .init(name: "TLBSTATUS", offset: 0x7F4, width: 32),
    ]

    static func find(_ table: [Register], _ off: UInt64) -> String? {
        for r in table {
            if r.offset == off { return r.name }
            if r.width == 64 && r.offset + 4 == off { return r.name + "[63:32]" }
        }
        return nil
    }

    /// The trace name of a frame offset: "GR0.sCR0", "GR0.SMR3", "GR1.CBAR2", "CB3.TTBR0",
    /// "CB3.TTBR0[63:32]", or "reserved+0x…" for offsets no register occupies.
    public static func name(offset: UInt64) -> String {
        let off = offset & 0xFFFF
        if off < 0x1000 {
            if (0x800..<0xC00).contains(off) && off & 3 == 0 { return "GR0.SMR\((off - 0x800) / 4)" }
            if (0xC00..<0x1000).contains(off) && off & 3 == 0 { return "GR0.S2CR\((off - 0xC00) / 4)" }
            if let n = find(gr0, off) { return "GR0.\(n)" }
        } else if off < 0x2000 {
            let o = off - 0x1000
            if o < 0x400 && o & 3 == 0 { return "GR1.CBAR\(o / 4)" }
            if (0x400..<0x800).contains(o) && o & 3 == 0 { return "GR1.CBFRSYNRA\((o - 0x400) / 4)" }
            if (0x800..<0xC00).contains(o) && o & 3 == 0 { return "GR1.CBA2R\((o - 0x800) / 4)" }
        } else if off >= 0x8000 {
            let cb = (off - 0x8000) >> 12
            if let n = find(contextBank, off & 0xFFF) { return "CB\(cb).\(n)" }
        }
        return "reserved+0x" + String(off, radix: 16)
    }
}
