import Testing
@testable import Emulator

/// The attack images of firmware-samples/attack: each forbidden move of a hostile host ends in
/// the hypervisor panic the spec prescribes, at both handler levels.
@Suite struct AttackTests {
    static let cases: [(String, String, String)] = [
        ("cbar-vmid", "emulate_mmio", "CBAR1 write with type 0 / vmid 2"),
        ("cbar-type", "emulate_mmio", "CBAR1 write with type 1"),
        ("contextidr", "emulate_mmio", "CONTEXTIDR"),
        ("halfword", "emulate_mmio", "2-byte write"),
        ("scr0", "emulate_mmio", "SMCFCFG clear"),
        ("free-live-vm", "el2_free_smmu_pgd", "not POWEROFF"),
        ("map-el2-page", "smmu_assign_page", "owned by 16"),
        ("bad-cbndx", "el2_alloc_smmu_pgd", "cbndx 5"),
    ]

    @Test(arguments: cases.map(\.0), ["impl", "spec"])
    func attackEndsInTheSpecsPanic(name: String, level: String) throws {
        let sample = "attack-" + name
        try #require(SamplePaths.has(sample), "make samples first")
        let (_, handler, why) = AttackTests.cases.first { $0.0 == name }!
        let (out, r) = try runSample(sample) { $0.handlers = level == "spec" ? .spec : .impl }
        #expect(out.hasPrefix("setup done\n"))
        #expect(!out.contains("not stopped"))
        #expect(r.exitStatus == 3)
        if level == "impl" || handler != "smmu_assign_page" {
            #expect(r.reason.contains(handler), "\(r.reason)")
            #expect(r.reason.contains(why), "\(r.reason)")
        }
    }
}
