import AArch64
import Foundation
import KCore
import Yams

/// Why a cost-model file was rejected (exit status 2).
public struct CostModelError: Error, CustomStringConvertible {
    public var description: String
}

/// `--cost-model FILE`: YAML with two optional sections whose keys are the fields of
/// `CPUCostModel` (section `cpu`) and `KCoreCostModel` (section `el2`), each a cycle count.
/// Documented with the defaults in Documentation/CostModel.md. Unknown keys are errors, so a
/// typo never silently leaves a default in place.
///
/// ```yaml
/// cpu: { load: 3, divide: 20 }
/// el2: { trapEntry: 60 }
/// ```
public enum CostModelFile {
    static let cpuKeys: [String: WritableKeyPath<CPUCostModel, UInt64>] = [
        "alu": \.alu, "multiply": \.multiply, "divide": \.divide, "branch": \.branch, "load": \.load,
        "store": \.store, "atomic": \.atomic, "barrier": \.barrier, "system": \.system,
        "exceptionEntry": \.exceptionEntry, "exceptionReturn": \.exceptionReturn,
        "stage2WalkPerLevel": \.stage2WalkPerLevel, "stage1WalkPerLevel": \.stage1WalkPerLevel, "mmio": \.mmio,
    ]
    static let el2Keys: [String: WritableKeyPath<KCoreCostModel, UInt64>] = [
        "trapEntry": \.trapEntry, "primitiveStep": \.primitiveStep, "tableAccess": \.tableAccess,
        "deviceAccess": \.deviceAccess, "eret": \.eret, "lockAcquire": \.lockAcquire, "lockRelease": \.lockRelease,
        "lockHandoff": \.lockHandoff,
    ]

    /// Applies the file's values to `config`.
    public static func apply(path: String, to config: inout MachineConfiguration) throws(CostModelError) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CostModelError(description: "cost model \(path): cannot read the file")
        }
        try apply(yaml: text, name: path, to: &config)
    }

    public static func apply(yaml text: String, name: String, to config: inout MachineConfiguration) throws(CostModelError) {
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch {
            throw CostModelError(description: "cost model \(name): not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        guard let top = root as? [String: Any] else {
            throw CostModelError(description: "cost model \(name): expected a mapping with sections cpu and el2")
        }
        for (section, body) in top.sorted(by: { $0.key < $1.key }) {
            guard let fields = body as? [String: Any] else {
                throw CostModelError(description: "cost model \(name): section \(section) must be a mapping of names to cycles")
            }
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                guard let n = value as? Int, n >= 0, n <= 1_000_000 else {
                    throw CostModelError(description: "cost model \(name): \(section).\(key) must be a whole number of cycles from 0 to 1000000")
                }
                switch section {
                case "cpu":
                    guard let kp = cpuKeys[key] else { throw unknown(name, section, key, cpuKeys.keys) }
                    config.costs[keyPath: kp] = UInt64(n)
                case "el2":
                    guard let kp = el2Keys[key] else { throw unknown(name, section, key, el2Keys.keys) }
                    config.el2Costs[keyPath: kp] = UInt64(n)
                default:
                    throw CostModelError(description: "cost model \(name): unknown section \(section) (expected cpu or el2)")
                }
            }
        }
    }

    static func unknown(_ name: String, _ section: String, _ key: String, _ keys: Dictionary<String, some Any>.Keys) -> CostModelError {
        CostModelError(description: "cost model \(name): unknown key \(section).\(key) (known: \(keys.sorted().joined(separator: ", ")))")
    }
}
