import Foundation
import Testing
@testable import Emulator

@Suite struct ScenarioTests {
    static let suite = SamplePaths.root.appendingPathComponent("Tests/Scenarios").path

    func write(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(.enabled(if: SamplePaths.has("smmu-dma") && SamplePaths.has("attack-scr0"), "make samples first"))
    func theShippedSuitePasses() {
        let files = ScenarioRunner.collect([ScenarioTests.suite])
        #expect(files.count >= 16)
        let results = ScenarioRunner.run(files: files, jobs: 2) { _ in }
        for r in results { #expect(r.failure == nil, "\(r.file): \(r.failure ?? "")") }
        let xml = ScenarioRunner.junit(results)
        #expect(xml.contains("<testsuite name=\"smmu-emu\" tests=\"\(files.count)\" failures=\"0\">"))
    }

    @Test(.enabled(if: SamplePaths.has("hello"), "make samples first"))
    func aFailingExpectationFailsWithTheFirstDifference() throws {
        let f = try write("image: \(SamplePaths.sample("hello"))\nexpect:\n  exit: 3\n")
        let r = ScenarioRunner.run(files: [f], jobs: 1) { _ in }
        #expect(r.first?.failure?.contains("exit status 0, expected 3") == true)
        let g = try write("image: \(SamplePaths.sample("hello"))\nexpect:\n  stdout-contains: [\"Goodbye\"]\n")
        #expect(ScenarioRunner.run(files: [g], jobs: 1) { _ in }.first?.failure?.contains("stdout lacks \"Goodbye\"") == true)
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
