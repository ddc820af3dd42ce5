import Dispatch
import Foundation
import KCore

/// Runs suites of scenario files in parallel and reports them (`smmu-emu test`).
public struct ScenarioRunner {
    public struct Result {
        public var file: String
        public var name: String
        /// nil: passed. Otherwise the first failed expectation or why the file was rejected.
        public var failure: String?
        public var seconds: Double
    }

    /// Every `.yaml`/`.yml` file under the given paths, sorted, so runs are reproducible.
    public static func collect(_ paths: [String]) -> [String] {
        var files: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else { files.append(p); continue }
            if !isDir.boolValue { files.append(p); continue }
            let e = FileManager.default.enumerator(atPath: p)
            while let f = e?.nextObject() as? String {
                if f.hasSuffix(".yaml") || f.hasSuffix(".yml") { files.append((p as NSString).appendingPathComponent(f)) }
            }
        }
        return files.sorted()
    }

    /// Loads and runs every file, `jobs` at a time; `override` adjusts each scenario's options.
    /// With `coverage`, every scenario's spec-branch counts are added to it.
    public static func run(
        files: [String], jobs: Int, coverage: SpecCoverage? = nil, override: @escaping (inout MachineConfiguration) -> Void
    ) -> [Result] {
        /// Results by file index, filled in by the workers under `lock`.
        final class Slots: @unchecked Sendable { var results: [Result?]; init(_ n: Int) { results = .init(repeating: nil, count: n) } }
        let slots = Slots(files.count)
        let lock = NSLock()
        let queue = DispatchQueue(label: "scenarios", attributes: .concurrent)
        let group = DispatchGroup()
        let gate = DispatchSemaphore(value: max(1, jobs))
        for (i, f) in files.enumerated() {
            gate.wait()
            group.enter()
            queue.async {
                let start = Date()
                var r: Result
                do {
                    var s = try Scenario.load(path: f)
                    override(&s.configuration)
                    let mine = coverage == nil ? nil : SpecCoverage()
                    r = Result(file: f, name: s.name, failure: s.run(coverage: mine), seconds: 0)
                    if let mine {
                        lock.lock()
                        coverage?.add(mine)
                        lock.unlock()
                    }
                } catch {
                    r = Result(file: f, name: (f as NSString).lastPathComponent, failure: "rejected: \(error)", seconds: 0)
                }
                r.seconds = Date().timeIntervalSince(start)
                lock.lock()
                slots.results[i] = r
                lock.unlock()
                gate.signal()
                group.leave()
            }
        }
        group.wait()
        return slots.results.compactMap { $0 }
    }

    /// JUnit XML for CI systems.
    public static func junit(_ results: [Result]) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let failed = results.filter { $0.failure != nil }.count
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<testsuite name=\"smmu-emu\" tests=\"\(results.count)\" failures=\"\(failed)\">\n"
        for r in results {
            x += "  <testcase classname=\"\(esc(r.file))\" name=\"\(esc(r.name))\" time=\"\(String(format: "%.3f", r.seconds))\""
            if let f = r.failure { x += ">\n    <failure message=\"\(esc(f))\"/>\n  </testcase>\n" } else { x += "/>\n" }
        }
        return x + "</testsuite>\n"
    }
}
