import Foundation
import KCore

/// `--coverage` output: per seed function and per lower primitive, how often each spec branch
/// was taken at each level, and which were never reached. Text for people (stderr), JSON for
/// tools (`--coverage-json FILE`, schema version 1 in Documentation/Scenarios.md).
public struct CoverageReport {
    public let coverage: SpecCoverage
    /// Runs summed into `coverage` (1 for `run`, the scenario count for `test`).
    public let runs: Int

    public init(coverage: SpecCoverage, runs: Int) {
        self.coverage = coverage
        self.runs = runs
    }

    /// The branch counters a run fills (KCore's `SpecCoverage`), named for callers that do not
    /// import KCore (the CLI).
    public typealias Counters = SpecCoverage
    /// Fresh zeroed counters.
    public static func counters() -> Counters { SpecCoverage() }

    /// The functions in report order, each with its kind and branches in table order.
    static var groups: [(name: String, kind: String, branches: [SpecBranch])] {
        let seed = SpecBranch.seedFunctions.map { f in (f, "seed", SpecBranch.allCases.filter { $0.info.function == f }) }
        let prim = SpecBranch.primitives.map { f in (f, "primitive", SpecBranch.allCases.filter { $0.info.function == f }) }
        return seed + prim
    }

    func cell(_ b: SpecBranch, _ l: KCore.HandlerLevel) -> String { b.exists(at: l) ? String(coverage.count(b, at: l)) : "n/a" }

    /// Human-readable report; "n/a" marks a branch the level does not have.
    public var text: String {
        var lines = ["spec-branch coverage over \(runs) run\(runs == 1 ? "" : "s") (times taken at the spec / impl level)"]
        for g in CoverageReport.groups {
            var reached: [String] = []
            for l in [KCore.HandlerLevel.spec, .impl] {
                let have = g.branches.filter { $0.exists(at: l) }
                reached.append("\(l) \(have.filter { coverage.count($0, at: l) > 0 }.count)/\(have.count)")
            }
            lines.append("\(g.name) (\(g.kind)): \(reached.joined(separator: ", ")) branches reached")
            for b in g.branches {
                let c = [cell(b, .spec), cell(b, .impl)].map { $0.leftPad(9) }.joined()
                lines.append("\(c)  \(b.info.id.rightPad(20)) \(b.info.description)")
            }
        }
        let never = coverage.unreached()
        lines.append(never.isEmpty ? "every branch was reached at every level it exists at" : "never reached:")
        for (b, l) in never { lines.append("  \(b.info.function) \(b.info.id) (\(l))") }
        return lines.joined(separator: "\n")
    }

    /// The same as JSON (keys sorted, so equal counts give equal bytes).
    public var json: String {
        func count(_ b: SpecBranch, _ l: KCore.HandlerLevel) -> Any { b.exists(at: l) ? coverage.count(b, at: l) : NSNull() }
        let functions: [[String: Any]] = CoverageReport.groups.map { g in
            ["name": g.name, "kind": g.kind,
             "branches": g.branches.map { b in
                ["id": b.info.id, "description": b.info.description, "spec": count(b, .spec), "impl": count(b, .impl)] as [String: Any]
             }]
        }
        let never: [[String: Any]] = coverage.unreached().map { ["function": $0.0.info.function, "branch": $0.0.info.id, "level": $0.1.rawValue] }
        let doc: [String: Any] = ["version": 1, "runs": runs, "functions": functions, "unreached": never]
        guard let data = try? JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
    fileprivate func rightPad(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
