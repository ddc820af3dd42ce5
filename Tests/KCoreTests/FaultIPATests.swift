import Stage2
import Testing
@testable import KCore

/// `handle_host_stage2_fault` forms the fault IPA from HPFAR_EL2.FIPA (bits 39:4 = IPA[47:12])
/// and the page offset from FAR_EL2[11:0], as the architecture says: FAR_EL2 holds the *virtual*
/// address, which with stage 1 on need not equal the IPA above bit 11.
@Suite struct FaultIPATests {
    @Test func mapPageHostMapsTheIPAFromHPFARNotTheVA() {
        let (k, _, mem) = makeCore()
        var h = HostContext(cpu: 0, elr: 0x4008_0000, esr: esr(len: 8, rt: 1, write: false),
                            far: 0xFFFF_8000_1234_5678, hpfar: (0x4010_0000 >> 12) << 4)
        let o = k.handleHostStage2Fault(&h)
        #expect(o.panic == nil && o.decision.action == .mapped)
        #expect(o.decision.value == 0x4010_0000)
        let regime = Stage2Regime.fromVTCR(k.vtcr, root: k.vttbr)!
        #expect((try? Stage2Walker.walk(0x4010_0678, regime: regime, memory: mem).result.get().physicalAddress) == 0x4010_0678)
        #expect((try? Stage2Walker.walk(0x4234_5000, regime: regime, memory: mem).result.get()) == nil)
        #expect(h.elr == 0x4008_0000, "a mapped page re-executes the access")
    }

    /// An SMMU access: the register offset is FAR_EL2[15:0] (SeKVM's `handle_host_mmio`), the
    /// SMMU is found from the HPFAR page; bits of HPFAR_EL2 above FIPA (RES0) are ignored.
    @Test func emulatedAccessUsesHPFARPageAndFAROffset() {
        let (k, _, _) = makeCore()
        var h = HostContext(cpu: 0, x: [], elr: 0x4008_0000, esr: esr(len: 4, rt: 2, write: false),
                            far: 0x0905_0024, hpfar: (0x0905_0000 >> 12) << 4 | 0xF << 44)
        let o = k.handleHostStage2Fault(&h)
        #expect(o.panic == nil && o.decision.action == .emulated)
        #expect(o.decision.targetName == "SMMU0.GR0.IDR1")
        #expect(h.x[2] == 0x24)  // FakeSMMU answers offset-tagged values; a 4-byte read zero-extends
        #expect(h.elr == 0x4008_0004)
    }
}
