import TestSupport
import Emulator
import Foundation
import Stage2

/// The soak: many whole runs of hostile inputs through the machine with both checks on
/// (`--check-refinement --check-invariants`): sample images with random bytes changed, and
/// random host-action scenarios. Every run must end with a status of the command-line contract
/// (0, 2, 3, 4, 5) within its limits; anything else, or a run that takes too long, is listed.
public struct Soak {
    public var seed: UInt64
    public var images: Int
    public var scenarios: Int
    /// The sample images to mutate (paths).
    public var samples: [String]
    /// Limits of every run: what the contract says ends it.
    public var maxInstructions: UInt64 = 200_000
    public var maxCycles: UInt64 = 50_000_000
    /// A run slower than this is reported (it cannot be stopped from inside the process; the
    /// limits above must end it).
    public var slowSeconds = 10.0

    public init(seed: UInt64, images: Int, scenarios: Int, samples: [String]) {
        self.seed = seed
        self.images = images
        self.scenarios = scenarios
        self.samples = samples
    }

    public struct Report: CustomStringConvertible {
        public var runs = 0
        public var statuses: [Int32: Int] = [:]
        public var seconds = 0.0
        public var slowest = 0.0
        /// Runs outside the contract or slower than `slowSeconds`: what, with the seed and
        /// index that replay it.
        public var findings: [String] = []
        public var description: String {
            let s = statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            return "\(runs) runs in \(String(format: "%.1f", seconds)) s (\(String(format: "%.2f", seconds / Double(max(runs, 1)) * 1000)) ms a run, slowest \(String(format: "%.2f", slowest)) s); exit statuses {\(s)}; \(findings.count) findings"
                + findings.map { "\n  " + $0 }.joined()
        }
    }

    var configuration: MachineConfiguration {
        var c = MachineConfiguration()
        c.maxInstructions = maxInstructions
        c.maxCycles = maxCycles
        c.checkRefinement = true
        c.checkInvariants = true
        return c
    }

    /// Runs everything; `progress` gets the report every 500 runs.
    public func run(progress: (Report) -> Void = { _ in }) -> Report {
        var report = Report()
        let originals = samples.compactMap { FileManager.default.contents(atPath: $0).map { ($0, [UInt8]($0)) } }
        func record(_ what: String, _ start: Date, _ r: RunResult) {
            let t = Date().timeIntervalSince(start)
            report.runs += 1
            report.seconds += t
            report.slowest = max(report.slowest, t)
            report.statuses[r.exitStatus, default: 0] += 1
            if ![0, 2, 3, 4, 5].contains(r.exitStatus) { report.findings.append("\(what): exit status \(r.exitStatus): \(r.reason)") }
            if t > slowSeconds { report.findings.append("\(what): took \(String(format: "%.1f", t)) s (\(r.reason))") }
            if report.runs % 500 == 0 { progress(report) }
        }
        for i in 0..<images where !originals.isEmpty {
            var rng = SplitMix64(state: seed &+ UInt64(i) &* 0x1_0000_0001)
            var bytes = originals[rng.below(originals.count)].1
            let flips = 1 + rng.below(16)
            for _ in 0..<flips {
                // Mostly the code and data past the headers, sometimes the headers themselves.
                let at = rng.below(8) == 0 ? rng.below(min(bytes.count, 256)) : rng.below(bytes.count)
                bytes[at] = rng.below(4) == 0 ? 0 : UInt8(truncatingIfNeeded: rng.next())
            }
            var config = configuration
            config.handlers = rng.below(2) == 0 ? .impl : .spec
            config.cpus = 1 + rng.below(4)
            let start = Date()
            let r: RunResult
            do {
                let m = try Machine(configuration: config, output: { _ in }, imageName: "mutant") { ram throws(ELFLoadError) in
                    try ELFImage(bytes: bytes, into: ram)
                }
                r = m.run()
            } catch {
                r = RunResult(exitStatus: 2, reason: "\(error)")
            }
            record("image \(i) (seed 0x\(String(seed, radix: 16)))", start, r)
        }
        for i in 0..<scenarios {
            var rng = SplitMix64(state: ~seed &+ UInt64(i) &* 0x1_0000_0001)
            let text = Soak.randomScenario(&rng, maxInstructions: maxInstructions)
            let start = Date()
            let r: RunResult
            do {
                var s = try Scenario.parse(text: text, path: "/soak/scenario-\(i).yaml")
                s.configuration.maxCycles = maxCycles
                s.configuration.checkRefinement = true
                s.configuration.checkInvariants = true
                r = s.runMachine()
            } catch {
                r = RunResult(exitStatus: 2, reason: "\(error)")
                report.findings.append("scenario \(i): the generated text was rejected: \(error)")
            }
            record("scenario \(i) (seed 0x\(String(seed, radix: 16)))", start, r)
        }
        return report
    }

    static let registers = [
        "SMMU0.GR0.sCR0", "SMMU0.GR0.sCR2", "SMMU0.GR0.S2CR5", "SMMU0.GR0.SMR5", "SMMU0.GR1.CBAR1", "SMMU0.GR1.CBAR2",
        "SMMU0.GR1.CBA2R1", "SMMU0.CB1.TTBR0", "SMMU0.CB1.TCR", "SMMU0.CB1.SCTLR", "SMMU0.CB1.CONTEXTIDR",
        "SMMU0.CB2.TTBR0", "SMMU1.CB3.TTBR0", "SMMU1.GR1.CBAR3", "SMMU0.GR0.IDR0", "SMMU0.CB1.FSR",
    ]

    /// A host-action scenario of 1–24 random hypercalls (by name, arguments biased to valid
    /// ranges) and SMMU register accesses, with handlers at either level.
    static func randomScenario(_ rng: inout SplitMix64, maxInstructions: UInt64) -> String {
        func value(_ rng: inout SplitMix64) -> String {
            switch rng.below(6) {
            case 0, 1: return String(rng.below(16))
            case 2: return "0x" + String(0x4010_0000 + UInt64(rng.below(256)) << 12, radix: 16)
            case 3: return "0x" + String(UInt64(rng.below(64)) << 12, radix: 16)
            case 4: return "0x" + String(0x40100 + UInt64(rng.below(256)), radix: 16)
            default: return "0x" + String(rng.next() & 0xFF_FFFF_FFFF, radix: 16)
            }
        }
        var lines = ["name: soak", "actions:"]
        for _ in 0..<(1 + rng.below(24)) {
            if rng.below(3) == 0 {
                let reg = registers[rng.below(registers.count)]
                if rng.below(2) == 0 {
                    lines.append("  - read: \(reg)")
                } else {
                    // 32-bit registers but TTBR0, which scenarios write as 64 bits.
                    let v = value(&rng)
                    let fits = reg.hasSuffix("TTBR0") || UInt64(v.hasPrefix("0x") ? String(v.dropFirst(2)) : v, radix: v.hasPrefix("0x") ? 16 : 10).map { $0 <= 0xFFFF_FFFF } == true
                    lines.append("  - write: \(reg)")
                    lines.append("    value: \(fits ? v : "0x" + String(rng.next() & 0xFFFF_FFFF, radix: 16))")
                }
            } else {
                let call = HostCall.table[rng.below(HostCall.table.count)]
                lines.append("  - hvc: \(call.name)")
                if !call.args.isEmpty {
                    lines.append("    args: {" + call.args.map { "\($0): \(value(&rng))" }.joined(separator: ", ") + "}")
                }
            }
        }
        lines.append("options: { handlers: \(rng.below(2) == 0 ? "impl" : "spec"), max-instructions: \(maxInstructions) }")
        lines.append("expect:")
        lines.append("  exit: 0")
        return lines.joined(separator: "\n") + "\n"
    }
}
