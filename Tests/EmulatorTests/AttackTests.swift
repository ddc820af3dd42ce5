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
        ("npt-exhaust", "map_page_host", "exhausted"),
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

/// What the proofs do not see: DMA rerouted by an S2CR bypass reads EL2 memory. The spec's
/// handlers allow every write involved; `--check-invariants` names the route, `--strict-smmu`
/// stops the machine.
@Suite struct SMMURerouteTests {
    @Test func s2crBypassLeaksEL2MemoryUnlessChecked() throws {
        try #require(SamplePaths.has("attack-dma-bypass"), "make samples first")
        let (out, r) = try runSample("attack-dma-bypass")
        #expect(r.exitStatus == 0)
        #expect(out.contains("dma status 0x0000000000000001, leaked EL2 word 0x"))
        #expect(!out.contains("leaked EL2 word 0x0000000000000000"))

        var config = MachineConfiguration()
        config.checkInvariants = true
        let m = try Machine(imagePath: SamplePaths.sample("attack-dma-bypass"), configuration: config) { _ in }
        var warnings: [String] = []
        m.warningSink = { warnings.append($0) }
        #expect(m.run().exitStatus == 0)
        #expect(warnings.contains { $0.contains("SMMU0 SMR0 (ID 0x5 MASK 0x0): S2CR bypass, reaches EL2 memory") })
        #expect(warnings.contains { $0.contains("SMMU0: sCR0.CLIENTPD = 1") })

        let (_, strict) = try runSample("attack-dma-bypass") { $0.strictSMMU = true }
        #expect(strict.exitStatus == 3)
        #expect(strict.reason.contains("strict-smmu"))
    }

    /// A correctly routed VM bank raises no finding of its own.
    @Test func aProperlyRoutedBankIsClean() throws {
        try #require(SamplePaths.has("smmu-dma"), "make samples first")
        var config = MachineConfiguration()
        config.checkInvariants = true
        let m = try Machine(imagePath: SamplePaths.sample("smmu-dma"), configuration: config) { _ in }
        var warnings: [String] = []
        m.warningSink = { warnings.append($0) }
        #expect(m.run().exitStatus == 0)
        #expect(!warnings.contains { $0.contains("CB1") })
    }
}
