import AArch64
import Foundation
@testable import FuzzTargets
import Platform
import Stage2
import Testing

/// Every committed fuzz input (the seeds and the saved findings once fixed, Tests/Fuzz) runs
/// through its target again, without the sanitizers: a fixed finding stays fixed. And a small
/// soak runs with both checks on.
@Suite struct FuzzCorpusTests {
    static func inputs(_ folder: String) -> [(FuzzTarget, String)] {
        FuzzTarget.allCases.flatMap { t -> [(FuzzTarget, String)] in
            let dir = SamplePaths.root.appendingPathComponent("Tests/Fuzz/\(folder)/\(t.rawValue)").path
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            return files.sorted().map { (t, dir + "/" + $0) }
        }
    }

    @Test func theSeedsAndRegressionsRunThroughTheirTargets() throws {
        let all = Self.inputs("corpus") + Self.inputs("regressions")
        #expect(all.count >= 6)
        for (t, path) in all { t.run([UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))) }
    }

    /// The a64 target's MMU mode (`identityMap`) maps its RAM to itself: code runs and loads
    /// what it would with the MMU off, and the fetch and the load each walk the four levels.
    @Test func theA64TargetsIdentityMapTranslatesEveryRAMPage() throws {
        let ram = try #require(PhysicalMemory(base: 0x4000_0000, size: 1 << 20))
        // add x0, x0, #1; ldr x1, [x2]; hvc #0
        for (i, w) in [0x9100_0400, 0xF940_0041, 0xD400_0002].enumerated() {
            ram.store(0x4008_0000 + UInt64(4 * i), size: 4, value: UInt64(w))
        }
        ram.store(0x400F_B000, size: 8, value: 0x1234)
        let cpu = CPU(index: 0, bus: PhysicalBus(ram: ram), monitor: GlobalMonitor())
        cpu.powerOn(entry: 0x4008_0000, context: 0)
        FuzzTarget.identityMap(cpu, ram)
        #expect(cpu.readSystemRegister("SCTLR_EL1").map { $0 & 1 } == 1)
        #expect(cpu.readSystemRegister("TTBR0_EL1") == 0x400F_C000)
        #expect(!cpu.writeSystemRegister("NOT_A_REGISTER_EL1", 1))
        cpu.setGeneralRegisters([0, 0, 0x400F_B000] + Array(repeating: 0, count: 28))
        #expect(cpu.run(cycleLimit: .max, instructionLimit: 10) == .hypervisorCall(imm: 0))
        #expect(cpu.generalRegisters[0] == 1)
        #expect(cpu.generalRegisters[1] == 0x1234)
        #expect(cpu.cycles >= 2 * 4 * cpu.costs.stage1WalkPerLevel, "a fetch walk and a data walk")
    }

    /// Random bytes, and every prefix of a seed, through each target.
    @Test(arguments: FuzzTarget.allCases)
    func randomInputsNeverTrap(target: FuzzTarget) {
        var state: UInt64 = 0x5EED
        for n in 0..<200 {
            var bytes: [UInt8] = []
            for _ in 0..<(n * 7 % 300) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(UInt8(truncatingIfNeeded: state >> 33))
            }
            target.run(bytes)
        }
    }

    @Test(.enabled(if: SamplePaths.has("hello") && SamplePaths.has("vm-boot")))
    func aSmallSoakStaysInsideTheContract() {
        var soak = Soak(seed: 7, images: 20, scenarios: 20, samples: ["hello", "selftest", "vm-boot"].map(SamplePaths.sample))
        // A debug build on a shared CI core: a mutant that livelocks for 10,000 checked stage-2
        // faults takes ~10 s here (0.1 s in release, where `make soak` keeps the 10 s bound).
        soak.slowSeconds = 120
        let r = soak.run()
        #expect(r.runs == 40)
        #expect(r.findings.isEmpty, "\(r)")
        #expect(r.statuses.keys.allSatisfy { [0, 2, 3, 4, 5].contains($0) })
    }

    /// The device-tree target's oracle accepts what the writer makes and rejects a blob with a
    /// wrong size, an unclosed node, a property name outside the strings block, a bad token.
    @Test func theDeviceTreeCheckRejectsBrokenBlobs() {
        let good = MachineDeviceTree(machine: MachineDescription(cpus: 2, carveOutSize: 36 << 20), bootArguments: "console=ttyAMA0").blob
        #expect(DeviceTreeCheck.problem(good) == nil)
        #expect(DeviceTreeCheck.problem(Array(good.dropLast(4))) != nil)
        func be(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3]) }
        let structEnd = be(good, 8) + be(good, 36)
        var unclosed = good
        unclosed.replaceSubrange((structEnd - 8)..<(structEnd - 4), with: [0, 0, 0, 4])  // the root's END_NODE → NOP
        #expect(DeviceTreeCheck.problem(unclosed) != nil)
        var badToken = good
        badToken[be(good, 8) + 3] = 7
        #expect(DeviceTreeCheck.problem(badToken) != nil)
        var badName = good
        let firstProp = be(good, 8) + 8  // after the root's BEGIN_NODE and its empty name
        #expect(be(good, firstProp) == 3)  // FDT_PROP: token, len, nameoff
        badName.replaceSubrange((firstProp + 8)..<(firstProp + 12), with: [0x7F, 0xFF, 0xFF, 0xF0])
        #expect(DeviceTreeCheck.problem(badName) != nil)
    }
}
