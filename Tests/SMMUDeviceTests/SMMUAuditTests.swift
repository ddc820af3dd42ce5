import Stage2
import Testing
@testable import SMMUDevice

/// Gaps the audit of issue 5 found (Documentation/Audit-issue3-issue5.md). Expectations are
/// computed by hand from IHI 0062 / MMU-500's register map (the detail doc's §9 tables and the
/// Stratix 10 HPS listing of MMU-500's SMMU_NSCR0), not read back from the model.
@Suite struct SMMUAuditTests {
    /// MMU-500's Non-secure sCR0: CLIENTPD[0], GFRE[1], GFIE[2], TRANSIENTCFG[7:6], USFCFG[10],
    /// VMIDPNE[11], PTM[12], FB[13], BSU[15:14], MemAttr[19:16], MTCFG[20], SHCFG[23:22],
    /// RACFG[25:24], WACFG[27:26] read/write; SMCFCFG[21] RO 1; GCFGFRE[4], GCFGFIE[5],
    /// STALLD[8], GSE[9] RO 0; bits 3, 28–31 reserved. All ones therefore reads 0x0FFF_FCC7.
    @Test func scr0TakesOnlyMMU500sNonSecureFields() {
        let f = Fixture()
        f.w(0x0, 0xFFFF_FFFF)
        #expect(f.r(0x0) == 0x0FFF_FCC7)
        // What Linux's arm_smmu_device_reset writes on MMU-500 (read-modify-write of the reset
        // value: + GFRE|GFIE|GCFGFRE|GCFGFIE|VMIDPNE|PTM, − CLIENTPD): GCFGFRE/GCFGFIE drop.
        f.w(0x0, (0x0020_0001 | 0x2 | 0x4 | 0x10 | 0x20 | 0x800 | 0x1000) & ~1)
        #expect(f.r(0x0) == 0x0020_1806)
    }

    /// The layout a driver derives from IDR1 is the frame's (Linux's arm_smmu_device_cfg_probe):
    /// page size 4 KiB (PAGESIZE = 0), NUMPAGE = 2^(NUMPAGENDXB + 1) = 8 pages of global space, so
    /// context bank n at (NUMPAGE + n) × 4 KiB, a 2 × NUMPAGE × 4 KiB = 64 KiB frame, NUMCB banks.
    @Test func idr1DescribesTheFrameLayout() {
        for banks in [8, 4] {
            let f = Fixture(banks: banks)
            let idr1 = f.r(0x24)
            let pageSize: UInt64 = idr1 >> 31 == 0 ? 0x1000 : 0x1_0000
            let numPage = UInt64(1) << ((idr1 >> 28 & 7) + 1)
            #expect(2 * numPage * pageSize == 0x1_0000)
            let numCB = idr1 & 0xFF
            #expect(numCB == UInt64(banks))
            // The last bank's TTBR0 is live, the next bank's page is not.
            let last = (numPage + numCB - 1) * pageSize + 0x20
            _ = f.smmu.write(offset: last, size: 8, value: 0x4100_0000)
            #expect(f.smmu.read(offset: last, size: 8) == 0x4100_0000)
            if numCB < 8 {
                _ = f.smmu.write(offset: last + pageSize, size: 8, value: 0x4100_0000)
                #expect(f.smmu.read(offset: last + pageSize, size: 8) == 0)
            }
        }
    }

    /// Each 64-bit register by halves and whole: a 32-bit write changes only its half, a 32-bit
    /// read at +4 gives bits 63:32. PAR is read-only.
    @Test func everySixtyFourBitRegisterTakesEitherHalf() {
        for off: UInt64 in [0x40, 0x9020, 0x9028, 0x9060] {  // sGFAR, CB1.TTBR0, CB1.TTBR1, CB1.FAR
            let f = Fixture()
            f.w(off + 4, 0xDEAD_BEEF)
            f.w(off, 0x1234_5678)
            #expect(f.smmu.read(offset: off, size: 8) == 0xDEAD_BEEF_1234_5678, "0x\(String(off, radix: 16))")
            f.w(off, 0x0000_1000)
            #expect(f.r(off + 4) == 0xDEAD_BEEF && f.r(off) == 0x1000, "0x\(String(off, radix: 16)) low half only")
            _ = f.smmu.write(offset: off, size: 8, value: 0x0000_00AB_CDEF_0000)
            #expect(f.r(off + 4) == 0xAB && f.r(off) == 0xCDEF_0000)
        }
        let f = Fixture()
        _ = f.smmu.write(offset: 0x9050, size: 8, value: .max)
        f.w(0x9054, 0xFFFF_FFFF)
        #expect(f.smmu.read(offset: 0x9050, size: 8) == 0)  // PAR: no ATOS, read-only
    }

    /// Offsets no register occupies on this instance read as zero and ignore writes of every
    /// size: secure-only and unimplemented GR0 words, SMRs/S2CRs beyond NUMSMRG = 16, GR1
    /// arrays beyond NUMCB, the GID/PM/SSD pages, the gap between global space and CB0, unused
    /// words of a bank, and whole banks beyond NUMCB = 4.
    @Test func reservedOffsetsAreRAZWI() {
        let f = Fixture(banks: 4)
        let reserved: [UInt64] = [
            0x04, 0x0C, 0x18, 0x60, 0x78, 0x400, 0x7FC, 0x840, 0xC40, 0xFFC,  // GR0
            0x1010, 0x1410, 0x1810, 0x1C00,  // GR1: CBAR4, CBFRSYNRA4, CBA2R4 of a 4-bank SMMU
            0x2000, 0x3000, 0x7FFC,  // other global pages
            0x8014, 0x8040, 0x8070, 0x8600, 0x8FFC,  // CB0: unused words, IPAFAR, TLBIVA
            0xC000, 0xC020, 0xF058,  // CB4..CB7 do not exist
        ]
        for off in reserved {
            for size in [4, 8] { _ = f.smmu.write(offset: off, size: size, value: .max) }
            #expect(f.smmu.read(offset: off, size: 4) == 0, "0x\(String(off, radix: 16))")
            #expect(f.smmu.read(offset: off, size: 1) == 0, "0x\(String(off, radix: 16)) byte")
        }
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000, write: false).outcome == .address(0x1000))  // still reset state
    }

    /// S2CR.TYPE 3 is reserved: the model routes it as fault (an ICF global fault), never as
    /// translate or bypass. An SMR with VALID clear never matches, so it cannot conflict.
    @Test func reservedS2CRTypeFaultsAndInvalidSMRsNeverConflict() {
        let f = Fixture()
        f.program()
        f.w(0x804, 5)  // SMR1: ID 5 but VALID = 0
        f.w(0xC04, 1)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).outcome == .address(0x4200_0000))
        f.w(0xC00, 3 << 16 | 1)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).outcome == .globalFault)
        #expect(f.r(0x48) == 1)  // ICF
        // Mask bits are don't-care on both sides: SMR ID 0x7FFF with MASK 0x7FFF matches stream 0.
        let g = Fixture()
        g.program(sid: 0x7FFF, mask: 0x7FFF)
        #expect(g.smmu.translate(streamID: 0, iova: 0x1000_0000, write: false).outcome == .address(0x4200_0000))
    }

    /// An IOVA at or beyond 2^(64 − T0SZ) = 2^40 is a translation fault at level 0 (no walk):
    /// FSR.TF, FAR = IOVA, FSYNR0.PLVL = 0, WNR = 0.
    @Test func iovaBeyondTheInputSizeFaultsAtLevelZero() {
        let f = Fixture()
        f.program()
        #expect(f.smmu.translate(streamID: 5, iova: 1 << 40 | 0x123, write: false).outcome == .contextFault(contextBank: 1))
        #expect(f.r(0x9058) == 1 << 1)
        #expect(f.smmu.read(offset: 0x9060, size: 8) == 1 << 40 | 0x123)
        #expect(f.r(0x9068) == 0)
    }

    /// TTBR0 with an address bit at or above OAS = 40 (here bit 40, written as the upper half
    /// by a 32-bit access): address-size fault at level 0, FSR.ASF, FSYNR0.PLVL = 0. Bits 63:48
    /// are no address bits and are ignored.
    @Test func ttbr0BeyondOASIsAnAddressSizeFaultAtLevelZero() {
        let f = Fixture()
        f.program()
        f.w(0x9024, 0x100)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).outcome == .contextFault(contextBank: 1))
        #expect(f.r(0x9058) == 1 << 7)
        #expect(f.r(0x9068) == 0)
        f.w(0x9058, 0xFFFF_FFFF)
        f.w(0x9024, 0xFFFF_0000)  // TTBR0[63:48] only
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).outcome == .address(0x4200_0000))
    }

    /// Context faults at each level of the shadow regime set FSYNR0.PLVL to that level, and a
    /// walk that reads no RAM sets FSR.EF; 1 GiB and 2 MiB blocks translate.
    @Test func walksForEveryLevelAndFaultKind() {
        let f = Fixture()
        f.program()
        func fault(_ iova: UInt64) -> (UInt64, UInt64) {
            f.w(0x9058, 0xFFFF_FFFF)
            _ = f.smmu.translate(streamID: 5, iova: iova, write: false)
            return (f.r(0x9058), f.r(0x9068))
        }
        #expect(fault(0x4000_0000) == (1 << 1, 1))  // L1 entry 1 invalid
        #expect(fault(0x1020_0000) == (1 << 1, 2))  // L2 entry 129 invalid
        #expect(fault(0x1000_2000) == (1 << 1, 3))  // L3 entry 2 invalid
        f.ram.store(Fixture.root + 2 * 8, size: 8, value: Stage2Descriptor.leaf(address: 0x4000_0000, level: 1).rawValue)
        #expect(f.smmu.translate(streamID: 5, iova: 0x8012_3456, write: true).outcome == .address(0x4012_3456))
        f.ram.store(0x4100_2000 + 130 * 8, size: 8, value: Stage2Descriptor.leaf(address: 0x4060_0000, level: 2).rawValue)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1041_0008, write: false).outcome == .address(0x4061_0008))
        f.ram.store(0x4100_2000 + 131 * 8, size: 8, value: Stage2Descriptor.table(0x2000_0000).rawValue)
        #expect(fault(0x1060_0000) == (1 << 4, 3))  // EF: the level-3 read hits no RAM
    }

    /// SCTLR.CFRE = 0: the fault is recorded but the client gets no abort; the DMA engine sees a
    /// completed transaction (zeros read, write dropped) and finishes with STATUS = 1.
    @Test func unreportedContextFaultsAreReadAsZeroWriteIgnored() {
        let f = Fixture()
        f.program()
        f.w(0x9000, 0x47)  // SCTLR = CFIE|AFE|TRE|M, CFRE = 0
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_2000, write: false).abortsClient == false)
        f.w(0x9058, 0xFFFF_FFFF)
        for i in 0..<64 { f.ram.store(0x4200_0000 + UInt64(i), size: 1, value: 0xEE) }
        let d = DMAEngine(name: "DMA0", smmu: f.smmu, memory: f.ram)
        _ = d.write(offset: 0x00, size: 8, value: 0x1000_2000)  // unmapped source
        _ = d.write(offset: 0x08, size: 8, value: 0x1000_0000)
        _ = d.write(offset: 0x10, size: 4, value: 64)
        _ = d.write(offset: 0x14, size: 4, value: 5)
        _ = d.write(offset: 0x18, size: 4, value: 1)
        #expect(d.read(offset: 0x1C, size: 4) == 1)
        #expect(f.ram.read(0x4200_0000, count: 64) == [UInt8](repeating: 0, count: 64))
        #expect(f.r(0x9058) == 1 << 1)  // TF recorded all the same
        #expect(f.smmu.read(offset: 0x9060, size: 8) == 0x1000_2000)
        f.w(0x9000, 0x67)  // CFRE = 1: the same copy now stops
        _ = d.write(offset: 0x18, size: 4, value: 1)
        #expect(d.read(offset: 0x1C, size: 4) == 2)
        #expect(d.read(offset: 0x20, size: 8) == 0x1000_2000)
    }

    /// sCR0.GFRE decides whether a global fault aborts the client.
    @Test func globalFaultsAbortOnlyWithGFRE() {
        let f = Fixture()
        f.program()
        f.w(0x0, 0x0020_0400)  // USFCFG, GFRE = 0
        #expect(f.smmu.translate(streamID: 9, iova: 0x1000, write: false).abortsClient == false)
        f.w(0x0, 0x0020_0402)  // USFCFG, GFRE = 1
        #expect(f.smmu.translate(streamID: 9, iova: 0x1000, write: false).abortsClient == true)
        #expect(f.r(0x48) == 1 << 1 | 1 << 31)  // USF, then MULTI
    }
}
