import Testing
@testable import Stage2

/// Walker cases the audit of issue 3 found untested or wrong, each expectation from the ARM ARM
/// (DDI 0487) rather than from the walker: the level of an out-of-range IPA's fault when the walk
/// would start below level 0, XN without FEAT_XNX, and faults at every level of the 3-level
/// shadow regime (TCR/VTCR 0x8002_3558: 40-bit input, start level 1, two concatenated tables).
@Suite struct Stage2AuditTests {
    let ram = PhysicalMemory(base: 0x4000_0000, size: 64 << 20)!
    let shadow = Stage2Regime.fromVTCR(0x8002_3558, root: 0x4100_0000)!

    func put(_ pa: UInt64, _ d: Stage2Descriptor) { ram.store(pa, size: 8, value: d.rawValue) }

    /// AArch64.S2Translate: IPAIsOutOfRange → Fault_Translation, level 0, even though this regime
    /// starts at level 1; no descriptor is read.
    @Test func ipaBeyondTheInputSizeIsALevelZeroTranslationFault() {
        let w = Stage2Walker.walk(1 << 40, regime: shadow, memory: ram)
        #expect(w.result == .failure(Stage2Fault(.translation, level: 0)))
        #expect(w.descriptorReads == 0)
        #expect(Stage2Fault(.translation, level: 0).faultStatusCode == 0b000100)
    }

    /// Every level of the 3-level regime: invalid level-1 entry (level 1), invalid level-2
    /// entry (level 2), invalid level-3 entry (level 3); 1 GiB and 2 MiB blocks; a level-2 table
    /// pointing outside RAM is a synchronous external abort on the walk at level 3 (DFSC
    /// 0b0101_11).
    @Test func everyLevelOfTheShadowRegime() {
        #expect(Stage2Walker.walk(0x8000_0000, regime: shadow, memory: ram).result == .failure(Stage2Fault(.translation, level: 1)))
        put(0x4100_0000 + 2 * 8, .table(0x4100_2000))  // L1[2]: IPA 0x8000_0000..0xBFFF_FFFF
        #expect(Stage2Walker.walk(0x8000_0000, regime: shadow, memory: ram).result == .failure(Stage2Fault(.translation, level: 2)))
        put(0x4100_2000, .table(0x4100_3000))
        let l3 = Stage2Walker.walk(0x8000_0000, regime: shadow, memory: ram)
        #expect(l3.result == .failure(Stage2Fault(.translation, level: 3)))
        #expect(l3.descriptorReads == 3)
        put(0x4100_0000 + 3 * 8, .leaf(address: 0x4000_0000, level: 1))  // 1 GiB block at IPA 0xC000_0000
        #expect(Stage2Walker.walk(0xC000_1234, regime: shadow, memory: ram).result.map(\.physicalAddress) == .success(0x4000_1234))
        put(0x4100_2000 + 8, .leaf(address: 0x4020_0000, level: 2))  // 2 MiB block at IPA 0x8020_0000
        #expect(Stage2Walker.walk(0x803F_FFF8, regime: shadow, memory: ram).result.map(\.physicalAddress) == .success(0x403F_FFF8))
        put(0x4100_2000 + 16, .table(0x1000_0000))  // level-2 table pointing at no RAM
        #expect(Stage2Walker.walk(0x8040_0000, regime: shadow, memory: ram).result == .failure(Stage2Fault(.externalAbortOnWalk, level: 3)))
        #expect(Stage2Fault(.externalAbortOnWalk, level: 3).faultStatusCode == 0b010111)
    }

    /// A table base (VTTBR_EL2 / an SMMU TTBR0) with address bits at or above PS is an
    /// address-size fault at level 0, before any descriptor is read (ARMv8.0 pseudocode,
    /// TranslationTableWalk: !IsZero(baseregister<47:outputsize>)).
    @Test func aRootBeyondTheOutputSizeIsALevelZeroAddressSizeFault() {
        let ps40 = Stage2Regime.fromVTCR(0x8002_3558, root: 1 << 40 | 0x4100_0000)!
        let w = Stage2Walker.walk(0x8000_0000, regime: ps40, memory: ram)
        #expect(w.result == .failure(Stage2Fault(.addressSize, level: 0)))
        #expect(w.descriptorReads == 0)
        #expect(Stage2Fault(.addressSize, level: 0).faultStatusCode == 0b000000)
    }

    /// Without FEAT_XNX (ID_AA64MMFR1_EL1.XNX = 0) stage-2 XN is bit 54 alone; bit 53 is RES0.
    @Test func executeNeverIsBit54Alone() {
        put(0x4100_0000 + 2 * 8, .table(0x4100_2000))
        put(0x4100_2000, .table(0x4100_3000))
        for (xn, executable) in [(0, true), (1, true), (2, false), (3, false)] as [(UInt64, Bool)] {
            put(0x4100_3000, .leaf(address: 0x4200_0000, level: 3, xn: xn))
            guard case .success(let t) = Stage2Walker.walk(0x8000_0000, regime: shadow, memory: ram).result else {
                Issue.record("walk failed"); return
            }
            #expect(t.permissions.contains(.execute) == executable, "XN = \(xn)")
        }
    }

    /// Field decoding of a stage-2 page descriptor (ARM DDI 0487, D8.3): SeKVM's host device
    /// mapping PA | 0x0040_0000_0000_07C7 is a page (bits 1:0 = 11), MemAttr 0b0001
    /// (Device-nGnRE), S2AP 11, SH 11 (Inner Shareable), AF, XN (bit 54), output address bits 47:12.
    @Test func descriptorFields() {
        let d = Stage2Descriptor(rawValue: 0x0000_0009_0905_0000 | 0x0040_0000_0000_07C7)
        #expect(d.isValid && d.isTableOrPage)
        #expect(d.memAttr == 0b0001)
        #expect(d.s2ap == 0b11)
        #expect(d.sh == 0b11)
        #expect(d.af)
        #expect(d.executeNever)
        #expect(d.address == 0x0000_0009_0905_0000)
        #expect(Stage2Descriptor.leaf(address: 0x4020_0000, level: 2, s2ap: 1, memAttr: 0xF, sh: 3).rawValue == 0x4020_0000 | 0x7 << 8 | 1 << 6 | 0xF << 2 | 1)
    }

    /// Permission bits S2AP[7:6]: 00 none, 01 read, 10 write, 11 both (bit 6 read, bit 7 write).
    @Test func s2apEncodings() {
        put(0x4100_0000 + 2 * 8, .table(0x4100_2000))
        put(0x4100_2000, .table(0x4100_3000))
        let expected: [Stage2Permissions] = [[], [.read], [.write], [.read, .write]]
        for ap in 0..<4 {
            put(0x4100_3000, Stage2Descriptor(rawValue: 0x4200_0000 | UInt64(ap) << 6 | 1 << 10 | 1 << 54 | 3))
            guard case .success(let t) = Stage2Walker.walk(0x8000_0000, regime: shadow, memory: ram).result else {
                Issue.record("walk failed"); return
            }
            #expect(t.permissions == expected[ap], "S2AP = \(ap)")
        }
    }
}
