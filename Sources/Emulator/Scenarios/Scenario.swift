import Foundation
import KCore
import Yams

/// One regression scenario (YAML, schema in Documentation/Scenarios.md; parsed by
/// `ScenarioFile`):
///
/// ```yaml
/// name: smmu-dma under the implementation level
/// image: ../firmware-samples/build/smmu-dma.elf   # relative to the scenario file; or actions:
/// options: { cpus: 1, handlers: impl, check-refinement: true, trace: [mmio, hvc], max-instructions: 1000000 }
/// expect:
///   exit: 0
///   stdout: "exact text"                 # or stdout-contains: [...], stdout-matches: [regex, ...]
///   panic-contains: "smmu_assign_page"   # the hypervisor panic reason
///   trace-contains: ["SMMU0.CB1.TTBR0 rewritten"]
///   trace-not-contains: ["panic"]
///   divergences: [D1]                     # known spec/impl divergences that must be reported
///   state: [{pfn: 0x40200, owner: vm 1}]  # final-state queries
/// ```
public struct Scenario {
    public var file: String
    public var name: String
    /// What runs: an ELF image, or host actions performed by a generated guest program.
    public enum Guest {
        case image(String)
        case actions(HostActionProgram)
    }
    public var guest: Guest
    public var configuration: MachineConfiguration
    public var expectations: [Expectation]

    public enum Expectation {
        case exit(Int32)
        case stdout(String)
        case stdoutContains(String)
        /// A regular expression (ICU syntax, as NSRegularExpression) that must match somewhere
        /// in the UART output: for output with run-dependent parts such as addresses or counts.
        case stdoutMatches(pattern: String, NSRegularExpression)
        case panicContains(String)
        case traceContains(String)
        case traceNotContains(String)
        case divergence(String)
        case state(StateQuery)
    }

    /// Why a scenario file was rejected: file, and line where there is one.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func load(path: String) throws -> Scenario { try ScenarioFile.parse(path: path) }
    /// Parses scenario text as if read from `path` (messages name it; relative image paths are
    /// taken from its folder).
    public static func parse(text: String, path: String) throws -> Scenario { try ScenarioFile.parse(text: text, path: path) }

    /// Builds the scenario's machine and runs it, expectations aside: the run's result (exit
    /// status 2 with the reason when the image or program was rejected).
    public func runMachine() -> RunResult {
        do {
            let machine: Machine
            switch guest {
            case .image(let path):
                machine = try Machine(imagePath: path, configuration: configuration) { _ in }
            case .actions(let program):
                machine = try Machine(configuration: configuration, output: { _ in }) { ram throws(ELFLoadError) in
                    try program.load(into: ram)
                }
            }
            return machine.run()
        } catch {
            return RunResult(exitStatus: 2, reason: "\(error)")
        }
    }

    /// Runs the scenario; returns the first failed expectation, or nil when all hold. The run's
    /// spec-branch counts go to `coverage` when one is given.
    public func run(coverage: SpecCoverage? = nil) -> String? {
        var out: [UInt8] = []
        let machine: Machine
        do {
            switch guest {
            case .image(let path):
                machine = try Machine(imagePath: path, configuration: configuration) { out.append($0) }
            case .actions(let program):
                machine = try Machine(configuration: configuration, output: { out.append($0) }) { ram throws(ELFLoadError) in
                    try program.load(into: ram)
                }
            }
        } catch {
            // A rejected image is a result too (exit 2), which `exit: 2` can expect.
            return check(exit: 2, stdout: "", reason: "\(error)", trace: [], divergences: [], machine: nil)
        }
        machine.kcore.coverage = coverage
        var trace: [String] = []
        machine.traceSink = { trace.append($0) }
        machine.warningSink = { trace.append($0) }
        let r = machine.run()
        if case .actions(let program) = guest, let f = Scenario.checkActions(program, machine, r) { return f }
        return check(exit: r.exitStatus, stdout: String(decoding: out, as: UTF8.self), reason: r.reason, trace: trace,
                     divergences: machine.knownDivergences, machine: machine)
    }

    /// The actions' expected values against what the program recorded, in order.
    static func checkActions(_ p: HostActionProgram, _ machine: Machine, _ r: RunResult) -> String? {
        let outcomes = p.outcomes(in: machine.ram)
        for (i, a) in p.actions.enumerated() {
            guard let want = a.expect else { continue }
            let what = "action \(i + 1) (line \(a.line): \(a.label))"
            switch outcomes[i] {
            case .notCompleted: return "\(what) did not complete: \(r.reason)"
            case .exceptionAtEL1(let esr): return "\(what) took an exception at EL1 (ESR_EL1 0x\(String(esr, radix: 16))), expected 0x\(String(want, radix: 16))"
            case .value(let got) where got != want:
                let reg = if case .hvc = a.kind { "x0" } else { "read" }
                return "\(what): \(reg) 0x\(String(got, radix: 16)), expected 0x\(String(want, radix: 16))"
            case .value: continue
            }
        }
        return nil
    }

    func check(exit: Int32, stdout: String, reason: String, trace: [String], divergences: [String], machine: Machine?) -> String? {
        let view = machine.map { MachineStateView(machine: $0, reason: reason) }
        for e in expectations {
            switch e {
            case .exit(let n) where n != exit: return "exit status \(exit), expected \(n) (\(reason))"
            case .stdout(let s) where s != stdout: return "stdout \(stdout.debugDescription), expected \(s.debugDescription)"
            case .stdoutContains(let s) where !stdout.contains(s): return "stdout lacks \(s.debugDescription)"
            case .stdoutMatches(let p, let re)
            where re.firstMatch(in: stdout, range: NSRange(stdout.startIndex..., in: stdout)) == nil:
                return "stdout \(stdout.debugDescription) does not match /\(p)/"
            case .panicContains(let s) where exit != 3 || !reason.contains(s):
                return "expected a hypervisor panic containing \(s.debugDescription), got exit \(exit): \(reason)"
            case .traceContains(let s) where !trace.contains(where: { $0.contains(s) }): return "no trace line contains \(s.debugDescription)"
            case .traceNotContains(let s):
                if let l = trace.first(where: { $0.contains(s) }) { return "trace line contains \(s.debugDescription): \(l)" }
            case .divergence(let d) where !divergences.contains(where: { $0.contains("[known \(d)]") }):
                return "known divergence \(d) was not reported"
            case .state(let q):
                guard let view else { return "state (line \(q.line)): no machine to query (\(reason))" }
                if let f = view.check(q) { return "state (line \(q.line)): \(f)" }
            default: continue
            }
        }
        return nil
    }
}
