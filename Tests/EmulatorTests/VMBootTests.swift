import Crypto
import Foundation
@testable import KCore
import Testing
@testable import Emulator

/// VMs end to end (issue 4): the machine configuration names each image's SHA-256, the vm-boot
/// sample brings VM 1 to VERIFIED with a pass-through device, and the VM attacks end in the
/// spec's panic.
@Suite struct VMBootTests {
    static let blob = SamplePaths.root.appendingPathComponent("firmware-samples/build/vm-boot.img").path
    static var built: Bool { SamplePaths.has("vm-boot") && FileManager.default.fileExists(atPath: blob) }

    func config(_ level: String = "impl", image: String = VMBootTests.blob) throws -> MachineConfiguration {
        var c = MachineConfiguration()
        c.handlers = level == "spec" ? .spec : .impl
        c.vmImages = [try VMImageOption.parse("1=" + image)]
        return c
    }

    /// The digest the Makefile wrote with sha256sum is the one swift-crypto computes.
    @Test(.enabled(if: built, "make samples first"))
    func theBuildsDigestIsSwiftCryptos() throws {
        let line = try String(contentsOfFile: VMBootTests.blob.replacingOccurrences(of: ".img", with: ".sha256"), encoding: .utf8)
        let hex = String(line.prefix(64))
        let fromFile = try VMImageOption.parse("1=" + VMBootTests.blob)
        #expect(fromFile.hex == hex)
        #expect(try VMImageOption.parse("1=" + hex.uppercased()) == fromFile)
    }

    @Test func badValuesAreRefused() throws {
        for bad in ["1", "0=" + String(repeating: "0", count: 64), "16=x", "x=1", "1=", "1=/nonexistent/image",
                    "1=" + String(repeating: "g", count: 64)] {
            #expect(throws: VMImageOption.ParseError.self, "\(bad)") { try VMImageOption.parse(bad) }
        }
        let dir = FileManager.default.temporaryDirectory.path
        let name = "vm-image-\(UUID().uuidString).bin"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/" + name))
        #expect(try VMImageOption.parse("7=\(name)", relativeTo: dir).sha256 == Array(SHA256.hash(data: [1, 2, 3])))
    }

    /// The whole boot at the implementation level with the invariants checked after every
    /// handler: the output, then the final ownership of every page involved.
    @Test(.enabled(if: built, "make samples first"))
    func vmBootReachesVerifiedAndTheDeviceStillWorks() throws {
        var c = try config()
        c.checkInvariants = true
        var out: [UInt8] = []
        let m = try Machine(imagePath: SamplePaths.sample("vm-boot"), configuration: c) { out.append($0) }
        let r = m.run()
        let text = String(decoding: out, as: UTF8.self)
        #expect(r.exitStatus == 0, "\(r.reason)")
        #expect(text.contains("verify_vm_image: VERIFIED"))
        #expect(text.contains("dma dst -> src after verification: status 0x0000000000000001"))
        #expect(m.invariantViolations.isEmpty, "\(m.invariantViolations)")
        let d = m.kcore.data
        #expect(d.vminfos[1].state == .verified)
        let image = m.image.symbols.first { $0.name == "vm_image" }.map { $0.address >> 12 }
        let src = m.image.symbols.first { $0.name == "buf_src" }.map { $0.address >> 12 }
        let image0 = try #require(image), src0 = try #require(src)
        for i in UInt64(0)..<4 { #expect(d.s2page[image0 + i] == S2Page(owner: 1, count: 0, gfn: 0x10000 + i)) }
        #expect(d.s2page[image0 + 4].owner == KC.HOSTVISOR)
        #expect(d.s2page[src0] == S2Page(owner: 1, count: KC.INVALID, gfn: 0x20000))
        let npt = m.kcore.abstractState.npt
        for pfn in [image0, image0 + 3, src0] { #expect(KC.phys_page(npt.entry(pfn).pte) == 0) }
    }

    @Test(.enabled(if: built, "make samples first"))
    func aWrongDigestPanicsVerification() throws {
        var c = try config()
        c.vmImages = [try VMImageOption.parse("1=" + String(repeating: "ab", count: 32))]
        let m = try Machine(imagePath: SamplePaths.sample("vm-boot"), configuration: c) { _ in }
        let r = m.run()
        #expect(r.exitStatus == 3)
        #expect(r.reason.contains("verify_vm_image: SHA-256 of vmid 1's image does not match"))
        #expect(m.kcore.data.vminfos[1].state == .ready)
    }

    static let attacks: [(String, String, String)] = [
        ("touch-vm-page", "impl", "map_page_host: host access to pfn"),
        ("touch-vm-page", "spec", "map_page_host: host access to pfn"),
        ("map-verified", "impl", "smmu_assign_page: vmid 1 is VERIFIED"),
        ("map-verified", "spec", "smmu_map_page: vmid 1 is VERIFIED: its SMMU tables are frozen"),
        ("clear-verified", "impl", "el2_arm_lpae_clear: vmid 1 is VERIFIED: its SMMU tables are frozen"),
        ("clear-verified", "spec", "el2_arm_lpae_clear: vmid 1 is VERIFIED: its SMMU tables are frozen"),
    ]

    /// Each VM attack is verified first (the image check passes), then stopped by the spec's panic.
    @Test(arguments: attacks.indices)
    func vmAttackEndsInTheSpecsPanic(index: Int) throws {
        let (name, level, why) = VMBootTests.attacks[index]
        try #require(SamplePaths.has("attack-" + name) && VMBootTests.built, "make samples first")
        let c = try config(level)
        var out: [UInt8] = []
        let m = try Machine(imagePath: SamplePaths.sample("attack-" + name), configuration: c) { out.append($0) }
        let r = m.run()
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.contains("setup done\nverified; "))
        #expect(!text.contains("not stopped"))
        #expect(r.exitStatus == 3)
        #expect(r.reason.contains(why), "\(r.reason)")
    }

    @Test(.enabled(if: CommandLineTests.binary != nil, "build smmu-emu first"))
    func vmImageUsageErrorsExit64() throws {
        let cli = CommandLineTests()
        #expect(try cli.run(["run", "x.elf", "--vm-image", "1"]).0 == 64)
        #expect(try cli.run(["run", "x.elf", "--vm-image", "99=" + String(repeating: "0", count: 64)]).0 == 64)
        #expect(try cli.run(["run", "x.elf", "--vm-image", "1=/nonexistent"]).0 == 64)
        let twice = try cli.run(["run", "x.elf", "--vm-image", "1=" + String(repeating: "0", count: 64), "--vm-image", "1=" + String(repeating: "1", count: 64)])
        #expect(twice.0 == 64 && twice.2.contains("given twice"))
    }

    @Test(.enabled(if: CommandLineTests.binary != nil && built, "build smmu-emu and the samples first"))
    func theCLIVerifiesWithAFileOrAHexDigest() throws {
        let cli = CommandLineTests()
        let (code, out, _) = try cli.run(["run", SamplePaths.sample("vm-boot"), "--vm-image", "1=" + VMBootTests.blob])
        #expect(code == 0 && out.contains("vm-boot done"))
        #expect(try cli.run(["run", SamplePaths.sample("vm-boot")]).0 == 3)
    }

    @Test func scenarioVMImagesAreValidated() throws {
        for (yaml, why) in [
            ("image: a.elf\noptions: { vm-images: \"1=00\" }\nexpect: { exit: 0 }\n", "options.vm-images must be a list"),
            ("image: a.elf\noptions: { vm-images: [\"1=missing.img\"] }\nexpect: { exit: 0 }\n", "neither 64 hex digits nor a readable file"),
            ("image: a.elf\noptions: { vm-images: [\"1=\(String(repeating: "0", count: 64))\", \"1=\(String(repeating: "1", count: 64))\"] }\nexpect: { exit: 0 }\n", "VM 1 given twice"),
        ] {
            let f = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).yaml").path
            try yaml.write(toFile: f, atomically: true, encoding: .utf8)
            #expect { _ = try Scenario.load(path: f) } throws: { "\($0)".contains(why) }
        }
    }
}
