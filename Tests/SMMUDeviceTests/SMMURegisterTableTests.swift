import Stage2
import Testing
@testable import SMMUDevice

/// The register table drives the device: reset values and writable bits read back as the table
/// says, and the table's values are the architecture's (IHI 0062 / MMU-500, as the detail doc and
/// Linux's arm-smmu.h give them).
@Suite struct SMMURegisterTableTests {
    /// Frame offset of instance 0 of a register in GR0, GR1 or context bank 0.
    func frameOffset(_ page: UInt64, _ r: SMMURegisterMap.Register) -> UInt64 { page << 12 | r.offset }

    @Test func everyReadWriteRegisterResetsAndTakesOnlyItsWritableBits() {
        for (page, table) in [(UInt64(0), SMMURegisterMap.gr0), (1, SMMURegisterMap.gr1), (8, SMMURegisterMap.contextBank)] {
            for r in table where r.access == .readWrite {
                let f = Fixture()
                let off = frameOffset(page, r)
                let size = r.width == 64 ? 8 : 4
                #expect(f.smmu.read(offset: off, size: size) == r.reset, "\(r.name) reset")
                let all: UInt64 = r.width == 64 ? .max : 0xFFFF_FFFF
                _ = f.smmu.write(offset: off, size: size, value: all)
                #expect(f.smmu.read(offset: off, size: size) == r.reset | r.writableMask, "\(r.name) all ones")
                _ = f.smmu.write(offset: off, size: size, value: 0)
                #expect(f.smmu.read(offset: off, size: size) == r.reset & ~r.writableMask, "\(r.name) zeros")
            }
        }
    }

    @Test func masksAreTheArchitecturalFieldLayouts() {
        let f = Fixture()
        f.w(0x800, 0xFFFF_FFFF)
        #expect(f.r(0x800) == 0xFFFF_7FFF)  // SMR: VALID[31], MASK[30:16], ID[14:0]; bit 15 reserved
        f.w(0x0, 0)
        #expect(f.r(0x0) == 1 << 21)  // sCR0.SMCFCFG is read-only 1 on MMU-500
        f.w(0x0, 1 << 31 | 1 << 3)
        #expect(f.r(0x0) == 1 << 21)  // VMID16EN and EXIDENABLE are RES0 (no VMID16, no EXIDS)
        f.w(0x1000, 0xFFFF_FFFF)
        #expect(f.r(0x1000) == 0x0003_F3FF)  // CBAR: VMID, BPSHCFG, MemAttr, TYPE; HYPC and IRPTNDX not
        f.w(0x1800, 0xFFFF_FFFF)
        #expect(f.r(0x1800) == 0x3)  // CBA2R: VA64, MONC; VMID16 RES0
    }

    @Test func idRegistersDescribeThisInstance() {
        let f = Fixture(banks: 4)
        let idr0 = f.r(0x20), idr1 = f.r(0x24), idr2 = f.r(0x28)
        #expect(idr0 >> 29 & 1 == 1 && idr0 >> 30 & 1 == 0)  // S2TS, no S1TS
        #expect(idr0 >> 27 & 1 == 1)  // SMS: stream matching
        #expect(idr0 >> 9 & 0xF == 15)  // NUMSIDB: 15-bit stream IDs, as SMR.ID
        #expect(idr0 >> 25 & 1 == 1)  // PTFS: no AArch32 table formats
        #expect(idr0 & 0xFF == 16)  // NUMSMRG
        #expect(idr1 >> 31 == 0)  // PAGESIZE = 4 KiB
        #expect(idr1 >> 28 & 7 == 2)  // NUMPAGENDXB: 8 pages of global space, CB0 at +0x8000
        #expect(idr1 >> 16 & 0xFF == 4 && idr1 & 0xFF == 4)  // NUMS2CB = NUMCB
        #expect(idr2 & 0xF == 2 && idr2 >> 4 & 0xF == 2)  // IAS = OAS = 40 bits
        #expect(idr2 >> 15 & 1 == 0)  // 8-bit VMIDs
        #expect(idr2 >> 12 & 1 == 1)  // 4 KiB granule
    }

    @Test func subWordAccesses() {
        let f = Fixture()
        #expect(f.smmu.read(offset: 0x2, size: 1) == 0x20)  // byte 2 of sCR0 0x0020_0001
        _ = f.smmu.write(offset: 0x800, size: 2, value: 0xFFFF)
        #expect(f.r(0x800) == 0)  // sub-word writes are ignored
        _ = f.smmu.write(offset: 0x9022, size: 4, value: 0xFFFF)
        #expect(f.smmu.read(offset: 0x9020, size: 8) == 0)  // unaligned writes are ignored
    }

    @Test func restoreRegistersSetFaultStatus() {
        let f = Fixture()
        f.w(0x4C, 0x2)  // sGFSRRESTORE
        #expect(f.r(0x48) == 0x2)
        f.w(0x905C, 1 << 3 | 1 << 31)  // CB1.FSRRESTORE
        #expect(f.r(0x9058) == 1 << 3 | 1 << 31)
        #expect(f.r(0x905C) == 0)  // write-only
    }

    @Test func namesComeFromTheTable() {
        #expect(SMMURegisterMap.name(offset: 0x48) == "GR0.sGFSR")
        #expect(SMMURegisterMap.name(offset: 0xC3C) == "GR0.S2CR15")
        #expect(SMMURegisterMap.name(offset: 0x1804) == "GR1.CBA2R1")
        #expect(SMMURegisterMap.name(offset: 0xF630) == "CB7.TLBIIPAS2")
        #expect(SMMURegisterMap.name(offset: 0x8064) == "CB0.FAR[63:32]")
        #expect(SMMURegisterMap.name(offset: 0x8618) == "CB0.TLBIALL")
        #expect(SMMURegisterMap.name(offset: 0x8002) == "reserved+0x8002")
        #expect(SMMURegisterMap.name(offset: 0x2000) == "reserved+0x2000")
    }
}

/// `SMMURegisterMap.locate` answers from per-page lookup tables; every word of the frame must
/// decode to the register the lists place there (the first that covers it), and words no
/// register covers to nil.
@Suite struct SMMURegisterLocateTests {
    @Test func everyWordOfTheFrameDecodesToTheRegisterTheListsPlaceThere() {
        var found = 0
        for off in stride(from: UInt64(0), to: 0x1_0000, by: 4) {
            let page = off >> 12, within = off & 0xFFF
            let table: [SMMURegisterMap.Register]
            switch page {
            case 0: table = SMMURegisterMap.gr0
            case 1: table = SMMURegisterMap.gr1
            case 8...15: table = SMMURegisterMap.contextBank
            default: table = []
            }
            var expected: (SMMURegisterMap.Name, Int, Bool)?
            for r in table {
                let words = UInt64(r.count > 1 ? r.count : r.width / 32)
                guard within >= r.offset && within < r.offset + words * 4 else { continue }
                expected = r.count > 1 ? (r.id, Int((within - r.offset) / 4), false) : (r.id, 0, within != r.offset)
                break
            }
            let l = SMMURegisterMap.locate(offset: off)
            #expect(l?.register.id == expected?.0 && l?.index == expected?.1 && l?.upperHalf == expected?.2,
                    "offset 0x\(String(off, radix: 16))")
            // The low two bits select a byte of the same word.
            #expect(SMMURegisterMap.locate(offset: off | 3)?.register.id == expected?.0)
            if expected != nil { found += 1 }
        }
        #expect(found > 1000)  // SMR, S2CR, CBAR... arrays and eight banks
    }
}
