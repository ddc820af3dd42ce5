import Foundation
import FuzzTargets
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
}
