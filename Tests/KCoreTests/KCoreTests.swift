import Testing
import Stage2
@testable import KCore

/// A register file that remembers writes and answers reads with a fixed pattern.
final class FakeSMMU: SMMUHardware {
    var writes: [(Int, UInt64, Int, UInt64)] = []
    func readRegister(smmu: Int, offset: UInt64, size: Int) -> UInt64 { 0xA5A5_0000_0000_0000 | offset }
    func writeRegister(smmu: Int, offset: UInt64, size: Int, value: UInt64) { writes.append((smmu, offset, size, value)) }
}

func makeCore(_ level: KCore.HandlerLevel = .impl, check: Bool = false) -> (KCore, FakeSMMU, PhysicalMemory) {
    let mem = PhysicalMemory(base: 0x4000_0000, size: 64 << 20)!
    let smmu = FakeSMMU()
    var c = KCore.Configuration()
    c.ramSize = 64 << 20
    c.handlers = level
    c.checkRefinement = check
    return (KCore(configuration: c, memory: mem, smmu: smmu), smmu, mem)
}

func hvc(_ k: KCore, _ args: UInt64..., cpu: Int = 0) -> (TrapOutcome, HostContext) {
    var h = HostContext(cpu: cpu, x: args)
    let o = k.handleHVC(&h)
    return (o, h)
}

/// ESR for a data abort: SAS = log2(len), SRT = rt, WnR.
func esr(len: Int, rt: Int, write: Bool) -> UInt64 {
    let sas: UInt64 = len == 8 ? 3 : len == 4 ? 2 : len == 2 ? 1 : 0
    return (0x24 << 26) | (1 << 24) | (sas << 22) | (UInt64(rt) << 16) | (write ? 64 : 0)
}

func mmio(_ k: KCore, ipa: UInt64, len: Int, rt: Int = 1, write: Bool, value: UInt64 = 0) -> (TrapOutcome, HostContext) {
    var x = [UInt64](repeating: 0, count: 31)
    x[rt % 31] = value
    var h = HostContext(cpu: 0, x: x, elr: 0x4008_0000, esr: esr(len: len, rt: rt, write: write), far: ipa & 0xFFF, hpfar: (ipa >> 12) << 4)
    let o = k.handleHostStage2Fault(&h)
    return (o, h)
}

@Suite struct EmulateMMIOBranches {
    // Branches of emulate_mmio: not SMMU → INVALID → map_page_host (RAM, device, EL2 → panic);
    // read len 4 / 8 / other; write: sCR0 SMCFCFG clear / set, sCR2, CBAR0 at 0x1000 (Q3),
    // CBAR n owned by VM ok / bad, CBAR of unallocated bank (undefined), CBAR n ≥ 8 (undefined),
    // TTBR0 rewritten, CONTEXTIDR panic, bad length; halted → nothing.
    @Test func readOfEightBytesLoadsDeviceValueAndAdvancesPC() {
        let (k, _, _) = makeCore()
        let (o, h) = mmio(k, ipa: 0x0905_0020, len: 8, rt: 3, write: false)
        #expect(o.panic == nil)
        #expect(h.x[3] == 0xA5A5_0000_0000_0020)
        #expect(h.elr == 0x4008_0004)
        #expect(k.data.dataLog[0] == 1)
    }
    @Test func fourByteReadZeroExtends() {
        let (k, _, _) = makeCore()
        let (_, h) = mmio(k, ipa: 0x0905_0024, len: 4, rt: 2, write: false)
        #expect(h.x[2] == 0x24)
    }
    @Test func twoByteReadPanicsAndKeepsSMMULock() {
        let (k, _, _) = makeCore()
        let (o, h) = mmio(k, ipa: 0x0905_0000, len: 2, write: false)
        #expect(o.panic != nil)
        #expect(h.elr == 0x4008_0000)
        #expect(k.data.locks.holder[LockID.smmu] == 0)
        #expect(k.data.tstate == 0)
    }
    @Test func sCR0WithoutSMCFCFGPanics() {
        let (k, s, _) = makeCore()
        #expect(mmio(k, ipa: 0x0905_0000, len: 4, write: true, value: 0).0.panic != nil)
        #expect(s.writes.isEmpty)
    }
    @Test func sCR0WithSMCFCFGIsForwarded() {
        let (k, s, _) = makeCore()
        #expect(mmio(k, ipa: 0x0905_0000, len: 4, write: true, value: 1 << 21).0.panic == nil)
        #expect(s.writes.first?.3 == 1 << 21)
    }
    @Test func sCR2WithBPVMIDPanics() {
        let (k, _, _) = makeCore()
        #expect(mmio(k, ipa: 0x0905_0008, len: 4, write: true, value: 5).0.panic != nil)
    }
    @Test func cbar0AtExactly0x1000IsNotChecked() {
        let (k, _, _) = makeCore()
        #expect(mmio(k, ipa: 0x0905_1000, len: 4, write: true, value: 0xFFFF_FFFF).0.panic == nil)
    }
    @Test func cbarOfUnallocatedBankPanicsAsUndefined() {
        let (k, _, _) = makeCore()
        let o = mmio(k, ipa: 0x0905_1004, len: 4, write: true, value: 1).0
        #expect(o.panic != nil)
        #expect(o.specUndefined != nil)
    }
    @Test func cbarOfNonexistentBankPanicsAsUndefined() {
        let (k, _, _) = makeCore()
        let o = mmio(k, ipa: 0x0905_1020, len: 4, write: true, value: 0).0
        #expect(o.panic != nil && o.specUndefined != nil)
    }
    @Test func cbarMatchingOwnerVMIDIsAllowedAndOtherVMIDPanics() {
        let (k, _, _) = makeCore()
        _ = hvc(k, 13)  // vmid 1
        _ = hvc(k, 24, 1, 1, 0)
        #expect(mmio(k, ipa: 0x0905_1004, len: 4, write: true, value: 1).0.panic == nil)
        #expect(mmio(k, ipa: 0x0905_1004, len: 4, write: true, value: 2).0.panic != nil)
    }
    @Test func ttbr0WriteIsRewrittenToShadowRoot() {
        let (k, s, _) = makeCore()
        let o = mmio(k, ipa: 0x0905_B020, len: 8, write: true, value: 0x1234_5000).0
        #expect(o.decision.action == .rewritten)
        #expect(s.writes.first?.3 == k.carveOut.sptPA(KC.SMMU_TTBR(0, 3)))
    }
    @Test func contextIDRWritePanics() {
        let (k, _, _) = makeCore()
        #expect(mmio(k, ipa: 0x0905_8034, len: 4, write: true).0.panic != nil)
    }
    @Test func nonSMMUPageIsMappedForHostAndEL2PagePanics() {
        let (k, _, mem) = makeCore()
        let o = mmio(k, ipa: 0x4010_0000, len: 8, write: false).0
        #expect(o.panic == nil && o.decision.action == .mapped)
        let w = Stage2Walker.walk(0x4010_0008, regime: Stage2Regime.fromVTCR(k.vtcr, root: k.vttbr)!, memory: mem)
        #expect(try! w.result.get().physicalAddress == 0x4010_0008)
        #expect(mmio(k, ipa: 0x0900_0000, len: 4, write: true).0.panic == nil)  // UART: device mapping
        #expect(mmio(k, ipa: k.carveOut.base, len: 8, write: false).0.panic != nil)
    }
}

@Suite struct PageTableCallBranches {
    /// Registers VM 1, allocates bank (0, 0) for it, returns the core.
    func vmBank(_ level: KCore.HandlerLevel = .impl, check: Bool = false) -> KCore {
        let (k, _, _) = makeCore(level, check: check)
        _ = hvc(k, 13)
        _ = hvc(k, 24, 0, 1, 0)
        return k
    }
    @Test func allocBeyondBankCountPanics() {
        let (k, _, _) = makeCore()
        #expect(hvc(k, 24, 5, 1, 1).0.panic != nil)  // SMMU1 has 4 banks
    }
    @Test func allocTakenSlotDoesNothingAndFreeNeedsPoweroff() {
        let k = vmBank()
        _ = hvc(k, 24, 0, 2, 0)
        #expect(k.data.smmuVmid[0] == 1)
        #expect(hvc(k, 23, 0, 0).0.panic != nil)
        #expect(k.data.tstate == 1)  // quirk Q24
    }
    @Test func freeAfterPoweroffReleasesSlot() {
        let k = vmBank()
        k.powerOffVM(1)
        #expect(hvc(k, 23, 0, 0).0.panic == nil)
        #expect(k.data.smmuVmid[0] == KC.INVALID)
    }
    @Test func implAssignsToUnverifiedVMAndMapsAndTranslates() {
        let k = vmBank()
        let pa: UInt64 = 0x4020_0000, iova: UInt64 = 0x1_0000_0000
        #expect(hvc(k, 25, iova, pa, 0x40 | 3, 0, 0).0.panic == nil)
        #expect(k.data.s2page[pa >> 12] == S2Page(owner: 1, count: KC.INVALID, gfn: iova >> 12))
        let (_, h) = hvc(k, 26, iova | 0x123, 0, 0)
        #expect(h.x[0] == pa | 0x123)
        _ = hvc(k, 27, iova, 0, 0)
        #expect(hvc(k, 26, iova | 0x123, 0, 0).1.x[0] == 0x123)  // Q16
    }
    @Test func specPanicsWhenAssigningToUnverifiedVM_D1() {
        let k = vmBank(.spec)
        #expect(hvc(k, 25, 0x1000, 0x4020_0000, 3, 0, 0).0.panic != nil)
    }
    @Test func refinementCheckReportsD1AndD2() {
        let k = vmBank(.impl, check: true)
        #expect(k.refinementReports.contains { $0.known == .D2 })
        let o = hvc(k, 25, 0x1000, 0x4020_0000, 3, 0, 0).0
        #expect(o.refinement?.known == .D1)
        #expect(!o.refinementFailure)
    }
    @Test func mapOfPageNotOwnedPanics() {
        let k = vmBank()
        _ = hvc(k, 13)  // vmid 2
        _ = hvc(k, 24, 1, 2, 0)
        _ = hvc(k, 25, 0x1000, 0x4020_0000, 3, 0, 0)
        #expect(hvc(k, 25, 0x2000, 0x4020_0000, 3, 1, 0).0.panic != nil)
    }
    @Test func outOfRangeArgumentPanicsAndUnknownIdIsIgnored() {
        let (k, _, _) = makeCore()
        #expect(hvc(k, 99).0.panic == nil)
        #expect(hvc(k, 23, 8, 0).0.panic != nil)
        #expect(k.halted)
        #expect(hvc(k, 24, 0, 1, 0).0.panic == nil)  // halted: nothing happens
    }
}

func ProcessInfo_env(_ k: String) -> String? {
    guard let p = getenv(k) else { return nil }
    return String(cString: p)
}
#if canImport(Glibc)
import Glibc
#endif
