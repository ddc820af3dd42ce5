import Emulator
import Testing

/// A VM's SMMU context bank set up by the host's hypercalls, as a regression test in Swift.
struct ShadowMappingTests {
    /// The host registers VM 1, gives it SMMU0's context bank 1 and maps IOVA 0x10000000 to a
    /// host page: EL2's shadow table must then translate the IOVA to that page, the bank must
    /// belong to VM 1 and the page to the VM.
    @Test func hostHypercallsMapAnIOVAInTheShadowTable() throws {
        let scenario = try Scenario.parse(text: """
            name: VM 1's bank maps IOVA 0x10000000
            actions:
              - hvc: register_kvm
                expect: 1
              - hvc: el2_alloc_smmu_pgd
                args: {cbndx: 1, vmid: 1, index: 0}
              - hvc: el2_arm_lpae_map
                args: {iova: 0x10000000, paddr: 0x40300000, prot: 0xc0, cbndx: 1, index: 0}
              - hvc: el2_arm_lpae_iova_to_phys
                args: {iova: 0x10000010, cbndx: 1, index: 0}
                expect: 0x40300010
            options: {check-invariants: true, check-refinement: true}
            expect:
              exit: 0
              state:
                - {smmu: 0, cb: 1, vmid: 1}
                - {smmu: 0, cb: 1, iova: 0x10000000, maps-to: 0x40300000}
                - {smmu: 0, cb: 1, iova: 0x10001000, unmapped: true}
                - {pfn: 0x40300, owner: vm 1}
            """, path: "example.yaml")
        #expect(scenario.run() == nil)
    }

    /// The same expectation must fail when it is wrong: the check is real.
    @Test func aWrongMappingIsReported() throws {
        let scenario = try Scenario.parse(text: """
            actions:
              - hvc: register_kvm
              - hvc: el2_alloc_smmu_pgd
                args: {cbndx: 1, vmid: 1, index: 0}
            expect:
              state:
                - {smmu: 0, cb: 1, iova: 0x10000000, maps-to: 0x40300000}
            """, path: "wrong.yaml")
        let failure = try #require(scenario.run())
        #expect(failure.contains("unmapped"), "\(failure)")
    }
}
