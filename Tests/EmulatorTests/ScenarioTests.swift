import Foundation
import Testing
@testable import Emulator
@testable import KCore

@Suite struct ScenarioTests {
    static let suite = SamplePaths.root.appendingPathComponent("Tests/Scenarios").path

    func write(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Seed-function branches the shipped suite cannot reach, each with why. Everything else
    /// must be reached at every level it exists at.
    static let knownUnreached: Set<String> = {
        var s: Set<String> = []
        // A run stops at the first hypervisor panic, so no handler is ever entered halted
        // (KCoreTests' aPanickedMachineChangesNothingAfterwards pins the halted behaviour).
        for f in SpecBranch.seedFunctions { s.insert("\(f) halted spec"); s.insert("\(f) halted impl") }
        // A VM reaches POWEROFF only by its own PSCI SYSTEM_OFF; the machine runs no VM code,
        // and no host call powers a VM off (KCore tests call powerOffVM directly).
        s.formUnion(["el2_free_smmu_pgd poweroff spec", "el2_free_smmu_pgd poweroff impl"])
        // el2_arm_lpae_map runs the C's assign first, which panics for a VERIFIED VM (D1): the
        // C's map never sees one. (The spec's map does: vm-verified-own-page-spec.)
        s.insert("smmu_map_page vm-verified impl")
        // The spec's policy: a host page's s2_gfn is pfn + 10^9, no IOVA page (< 2^28), so
        // smmu_map_page never maps a host page and no host page ever has a share count.
        s.formUnion([
            "smmu_assign_page host-page-shared spec", "smmu_assign_page host-page-shared impl",
            "smmu_map_page host-count-up spec", "smmu_map_page host-count-up impl",
            "el2_arm_lpae_clear host-count-down spec", "el2_arm_lpae_clear host-count-down impl",
        ])
        // By construction: a present shadow entry's tables exist, so clearing it allocates
        // nothing; the host NPT maps pages only (no 2 MiB block) and revoking a mapped page
        // needs no new table.
        s.formUnion([
            "el2_arm_lpae_clear pool-exhausted spec", "el2_arm_lpae_clear pool-exhausted impl",
            "smmu_assign_page revoke-failed spec",
        ])
        return s
    }()

    @Test(.enabled(if: SamplePaths.has("smmu-dma") && SamplePaths.has("attack-scr0"), "make samples first"))
    func theShippedSuitePassesAndReachesEverySeedBranch() {
        let files = ScenarioRunner.collect([ScenarioTests.suite])
        #expect(files.count >= 55)
        let coverage = SpecCoverage()
        let results = ScenarioRunner.run(files: files, jobs: 2, coverage: coverage) { _ in }
        for r in results { #expect(r.failure == nil, "\(r.file): \(r.failure ?? "")") }
        let xml = ScenarioRunner.junit(results)
        #expect(xml.contains("<testsuite name=\"smmu-emu\" tests=\"\(files.count)\" failures=\"0\">"))
        let unreached = coverage.unreached().filter { SpecBranch.seedFunctions.contains($0.0.info.function) }
            .map { "\($0.0.info.function) \($0.0.info.id) \($0.1)" }
        for u in unreached where !ScenarioTests.knownUnreached.contains(u) { Issue.record("seed branch never reached: \(u)") }
        // The known list stays current: a branch it names that the suite now reaches must leave it.
        for k in ScenarioTests.knownUnreached where !unreached.contains(k) { Issue.record("reached now, drop it from knownUnreached: \(k)") }
    }

    @Test(.enabled(if: SamplePaths.has("hello"), "make samples first"))
    func aFailingExpectationFailsWithTheFirstDifference() throws {
        let f = try write("image: \(SamplePaths.sample("hello"))\nexpect:\n  exit: 3\n")
        let r = ScenarioRunner.run(files: [f], jobs: 1) { _ in }
        #expect(r.first?.failure?.contains("exit status 0, expected 3") == true)
        let g = try write("image: \(SamplePaths.sample("hello"))\nexpect:\n  stdout-contains: [\"Goodbye\"]\n")
        #expect(ScenarioRunner.run(files: [g], jobs: 1) { _ in }.first?.failure?.contains("stdout lacks \"Goodbye\"") == true)
    }

    /// `stdout-matches`: a regular expression anywhere in the output (^/$ at lines) passes; one
    /// that matches nothing fails with the output and the pattern.
    @Test(.enabled(if: SamplePaths.has("hello"), "make samples first"))
    func stdoutPatternsMatchOrFailWithThePattern() throws {
        let ok = try write("image: \(SamplePaths.sample("hello"))\nexpect:\n  stdout-matches: [\"^Hello from [a-z-]+ guest$\"]\n")
        #expect(ScenarioRunner.run(files: [ok], jobs: 1) { _ in }.first?.failure == nil)
        let bad = try write("image: \(SamplePaths.sample("hello"))\nexpect:\n  stdout-matches: \"^Goodbye [0-9]+$\"\n")
        let failure = ScenarioRunner.run(files: [bad], jobs: 1) { _ in }.first?.failure
        #expect(failure?.contains("does not match /^Goodbye [0-9]+$/") == true, "\(failure ?? "passed")")
    }

    @Test(.enabled(if: SamplePaths.has("smmu-dma"), "make samples first"))
    func overridesApplyToEveryScenario() throws {
        let f = try write("image: \(SamplePaths.sample("smmu-dma"))\nexpect:\n  exit: 0\n")
        #expect(ScenarioRunner.run(files: [f], jobs: 1) { _ in }.first?.failure == nil)
        let spec = ScenarioRunner.run(files: [f], jobs: 1) { $0.handlers = .spec }
        #expect(spec.first?.failure?.contains("smmu_assign_page") == true)
    }

    @Test(arguments: [
        ("image: [unclosed\n", "line 1, column 8"),
        ("name: x\n", "'image'"),
        ("image: a.elf\nexpect: { exit: 0 }\nbogus: 1\n", "unknown key 'bogus'"),
        ("image: a.elf\noptions: { cpus: 99 }\nexpect: { exit: 0 }\n", "options.cpus"),
        ("image: a.elf\noptions: { trace: [everything] }\nexpect: { exit: 0 }\n", "options.trace"),
        ("image: a.elf\nexpect: { exitt: 0 }\n", "unknown expectation 'exitt'"),
        ("image: a.elf\n", "'expect'"),
        ("- a list\n", "a scenario is a mapping"),
        ("image: a.elf\nexpect:\n  stdout-matches: [\"(unclosed\"]\n", ":3: expect.stdout-matches: \"(unclosed\" is not a valid regular expression"),
    ])
    func badScenarioFilesAreRejectedWithTheFileName(yaml: String, why: String) throws {
        let f = try write(yaml)
        #expect {
            _ = try Scenario.load(path: f)
        } throws: { error in
            let d = "\(error)"
            return d.hasPrefix(f) && d.contains(why)
        }
    }

    @Test func invalidYAMLNamesTheLine() throws {
        let f = try write("image: a.elf\nexpect:\n  exit: 0\n  stdout: \"unterminated\n")
        #expect {
            _ = try Scenario.load(path: f)
        } throws: { "\($0)".contains("in line 4") }
    }
}
