import Testing
@testable import SMMUDevice

/// `register(named:)` is the inverse of `name(offset:)` over the whole frame, so a scenario
/// names a register exactly as a trace prints it.
@Suite struct SMMURegisterNameTests {
    @Test func everyNamedOffsetRoundTrips() {
        var named = 0
        for off in stride(from: UInt64(0), to: 0x1_0000, by: 4) {
            let name = SMMURegisterMap.name(offset: off)
            if name.hasPrefix("reserved") { continue }
            named += 1
            let r = SMMURegisterMap.register(named: name)
            #expect(r?.offset == off, "\(name)")
        }
        #expect(named > 1000)
    }

    @Test func widthsCaseAndUnknownNames() {
        #expect(SMMURegisterMap.register(named: "CB1.TTBR0") == .init(offset: 0x9020, size: 8))
        #expect(SMMURegisterMap.register(named: "CB1.TTBR0[63:32]") == .init(offset: 0x9024, size: 4))
        #expect(SMMURegisterMap.register(named: "gr0.scr0") == .init(offset: 0, size: 4))
        #expect(SMMURegisterMap.register(named: "GR1.CBAR7") == .init(offset: 0x101C, size: 4))
        for bad in ["GR0.sCR9", "GR1.CBAR256", "GR1.CBAR-1", "GR1.CBAR01", "CB8.TTBR0", "CB1.TCR[63:32]", "sCR0", "GR2.sCR0", ""] {
            #expect(SMMURegisterMap.register(named: bad) == nil, "\(bad)")
        }
    }
}
