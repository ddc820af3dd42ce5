import Testing
import KCore
@testable import Emulator

/// The state queries on `Machine` (what scenarios and `monitor` ask): checked against what EL2
/// must have done on the smmu-smp sample, and against the device.
@Suite struct MachineQueryTests {
    @Test(.enabled(if: SamplePaths.has("smmu-smp"), "make samples first"))
    func banksEL2AssignedPointAtTheirShadowRoots() throws {
        var c = MachineConfiguration()
        c.cpus = 4
        let m = try Machine(imagePath: SamplePaths.sample("smmu-smp"), configuration: c) { _ in }
        // Pause after the first bank allocation, then look.
        m.el2Hook = { _, o in o.decision.targetName == "el2_alloc_smmu_pgd" ? .pause : .proceed }
        guard case .paused = m.run(for: .instructions(.max / 2)) else {
            Issue.record("no pause at el2_alloc_smmu_pgd")
            return
        }
        var assigned = 0
        for smmu in m.smmus.indices {
            for cb in 0..<m.smmus[smmu].contextBankCount {
                let owner = try #require(m.bankOwner(smmu: smmu, cb: cb))
                guard owner != KC.INVALID else { continue }
                assigned += 1
                let root = try #require(m.shadowRoot(smmu: smmu, cb: cb))
                #expect(root != 0)
                #expect(m.page(pfn: root >> 12).owner == KC.COREVISOR, "shadow tables are EL2's pages")
                #expect(m.shadowTranslation(smmu: smmu, cb: cb, iova: 0x1000_0000) == nil)
            }
        }
        #expect(assigned == 1)
        #expect(m.bankRegisters(smmu: 0, cb: 99) == nil && m.bankRegisters(smmu: 9, cb: 0) == nil)
        #expect(m.bankOwner(smmu: 9, cb: 0) == nil)
        // The page the host runs its code from is mapped in the host NPT, to itself.
        let entry = m.image.entry
        #expect(m.hostNPTTranslation(ipa: entry + 4) == entry + 4)
        #expect(m.hostNPTEntry(ipa: entry) & 1 == 1)
        #expect(m.hostNPTTranslation(ipa: m.configuration.ramBase + m.configuration.ramSize - 4096) == nil, "EL2's carve-out")
        #expect(!m.hypervisorPanicked)
    }
}
