import Foundation
import Yams

/// One regression scenario (YAML, schema in Documentation/Scenarios.md):
///
/// ```yaml
/// name: smmu-dma under the implementation level
/// image: ../firmware-samples/build/smmu-dma.elf   # relative to the scenario file
/// options: { cpus: 1, handlers: impl, check-refinement: true, trace: [mmio, hvc], max-instructions: 1000000 }
/// expect:
///   exit: 0
///   stdout: "exact text"                 # or stdout-contains: [...]
///   panic-contains: "smmu_assign_page"   # the hypervisor panic reason
///   trace-contains: ["SMMU0.CB1.TTBR0 rewritten"]
///   trace-not-contains: ["panic"]
///   divergences: [D1]                     # known spec/impl divergences that must be reported
/// ```
public struct Scenario {
    public var file: String
    public var name: String
    public var image: String
    public var configuration: MachineConfiguration
    public var expectations: [Expectation]

    public enum Expectation {
        case exit(Int32)
        case stdout(String)
        case stdoutContains(String)
        case panicContains(String)
        case traceContains(String)
        case traceNotContains(String)
        case divergence(String)
    }

    /// Why a scenario file was rejected: file, and line where YAML gives one.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func load(path: String) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw LoadError(description: "\(path): cannot read the file")
        }
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch let e as YamlError {
            throw LoadError(description: "\(path): \(String(describing: e).split(separator: "\n").first ?? "invalid YAML")")
        } catch {
            throw LoadError(description: "\(path): invalid YAML")
        }
        guard let top = root as? [String: Any] else { throw LoadError(description: "\(path): a scenario is a mapping (name, image, options, expect)") }
        func fail(_ why: String) -> LoadError { LoadError(description: "\(path): \(why)") }
        for key in top.keys where !["name", "image", "options", "expect"].contains(key) { throw fail("unknown key '\(key)'") }
        guard let image = top["image"] as? String else { throw fail("'image' (a path to an ELF) is required") }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let base = URL(fileURLWithPath: absolute).deletingLastPathComponent()
        let imagePath = image.hasPrefix("/") ? image : base.appendingPathComponent(image).standardized.path
        var config = MachineConfiguration()
        if let opts = top["options"] {
            guard let o = opts as? [String: Any] else { throw fail("'options' must be a mapping") }
            for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                switch k {
                case "cpus":
                    guard let n = v as? Int, (1...8).contains(n) else { throw fail("options.cpus must be 1 to 8") }
                    config.cpus = n
                case "handlers":
                    guard let h = v as? String, h == "impl" || h == "spec" else { throw fail("options.handlers must be impl or spec") }
                    config.handlers = h == "spec" ? .spec : .impl
                case "check-refinement":
                    guard let b = v as? Bool else { throw fail("options.check-refinement must be true or false") }
                    config.checkRefinement = b
                case "check-invariants":
                    guard let b = v as? Bool else { throw fail("options.check-invariants must be true or false") }
                    config.checkInvariants = b
                case "strict-smmu":
                    guard let b = v as? Bool else { throw fail("options.strict-smmu must be true or false") }
                    config.strictSMMU = b
                case "max-instructions":
                    guard let n = v as? Int, n > 0 else { throw fail("options.max-instructions must be a positive number") }
                    config.maxInstructions = UInt64(n)
                case "max-cycles":
                    guard let n = v as? Int, n > 0 else { throw fail("options.max-cycles must be a positive number") }
                    config.maxCycles = UInt64(n)
                case "trace":
                    guard let list = v as? [String], list.allSatisfy({ TraceKind(rawValue: $0) != nil }) else {
                        throw fail("options.trace must be a list of: \(TraceKind.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    config.trace = Set(list.compactMap(TraceKind.init(rawValue:)))
                case "vm-images":
                    // ["VMID=SHA256HEX" or "VMID=FILE"], FILE relative to the scenario (issue 4).
                    guard let list = v as? [String] else { throw fail("options.vm-images must be a list of \"VMID=SHA256HEX\" or \"VMID=FILE\"") }
                    for item in list {
                        do {
                            let o = try VMImageOption.parse(item, relativeTo: base.path)
                            guard !config.vmImages.contains(where: { $0.vmid == o.vmid }) else { throw fail("options.vm-images: VM \(o.vmid) given twice") }
                            config.vmImages.append(o)
                        } catch let e as VMImageOption.ParseError {
                            throw fail("options.vm-images: \(e)")
                        }
                    }
                default: throw fail("unknown option '\(k)'")
                }
            }
        }
        // Scenarios are bounded even when they do not say so.
        if config.maxInstructions == .max { config.maxInstructions = 50_000_000 }
        var expectations: [Expectation] = []
        guard let ex = top["expect"] as? [String: Any], !ex.isEmpty else { throw fail("'expect' must be a non-empty mapping") }
        func strings(_ k: String, _ v: Any) throws -> [String] {
            if let s = v as? String { return [s] }
            guard let l = v as? [String] else { throw fail("expect.\(k) must be a string or a list of strings") }
            return l
        }
        for (k, v) in ex.sorted(by: { $0.key < $1.key }) {
            switch k {
            case "exit":
                guard let n = v as? Int else { throw fail("expect.exit must be a number") }
                expectations.append(.exit(Int32(truncatingIfNeeded: n)))
            case "stdout":
                guard let s = v as? String else { throw fail("expect.stdout must be a string") }
                expectations.append(.stdout(s))
            case "stdout-contains": expectations += try strings(k, v).map(Expectation.stdoutContains)
            case "panic-contains": expectations += try strings(k, v).map(Expectation.panicContains)
            case "trace-contains": expectations += try strings(k, v).map(Expectation.traceContains)
            case "trace-not-contains": expectations += try strings(k, v).map(Expectation.traceNotContains)
            case "divergences": expectations += try strings(k, v).map(Expectation.divergence)
            default: throw fail("unknown expectation '\(k)'")
            }
        }
        return Scenario(file: path, name: (top["name"] as? String) ?? URL(fileURLWithPath: path).lastPathComponent,
                        image: imagePath, configuration: config, expectations: expectations)
    }

    /// Runs the scenario; returns the first failed expectation, or nil when all hold.
    public func run() -> String? {
        var out: [UInt8] = []
        let machine: Machine
        do {
            machine = try Machine(imagePath: image, configuration: configuration) { out.append($0) }
        } catch {
            // A rejected image is a result too (exit 2), which `exit: 2` can expect.
            return check(exit: 2, stdout: "", reason: "\(error)", trace: [], divergences: [])
        }
        var trace: [String] = []
        machine.traceSink = { trace.append($0) }
        machine.warningSink = { trace.append($0) }
        let r = machine.run()
        return check(exit: r.exitStatus, stdout: String(decoding: out, as: UTF8.self), reason: r.reason, trace: trace,
                     divergences: machine.knownDivergences)
    }

    func check(exit: Int32, stdout: String, reason: String, trace: [String], divergences: [String]) -> String? {
        for e in expectations {
            switch e {
            case .exit(let n) where n != exit: return "exit status \(exit), expected \(n) (\(reason))"
            case .stdout(let s) where s != stdout: return "stdout \(stdout.debugDescription), expected \(s.debugDescription)"
            case .stdoutContains(let s) where !stdout.contains(s): return "stdout lacks \(s.debugDescription)"
            case .panicContains(let s) where exit != 3 || !reason.contains(s):
                return "expected a hypervisor panic containing \(s.debugDescription), got exit \(exit): \(reason)"
            case .traceContains(let s) where !trace.contains(where: { $0.contains(s) }): return "no trace line contains \(s.debugDescription)"
            case .traceNotContains(let s):
                if let l = trace.first(where: { $0.contains(s) }) { return "trace line contains \(s.debugDescription): \(l)" }
            case .divergence(let d) where !divergences.contains(where: { $0.contains("[known \(d)]") }):
                return "known divergence \(d) was not reported"
            default: continue
            }
        }
        return nil
    }
}
