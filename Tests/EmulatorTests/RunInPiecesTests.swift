import AArch64
import Foundation
import KCore
import Testing
@testable import Emulator

/// `Machine.run(for:)`: a run cut into pieces of instructions or cycles ends exactly as one run
/// does (same exit, output, cycles, instructions per CPU, EL2 statistics), on samples with
/// several CPUs, traps to EL2, timer interrupts and WFI; and the hooks see and may pause.
@Suite struct RunInPiecesTests {
    struct Ending: Equatable {
        var status: Int32, reason: String, output: [UInt8]
        var cycles: [UInt64], retired: [UInt64], el2: [String]
    }

    func machine(_ sample: String, _ output: @escaping (UInt8) -> Void) throws -> Machine {
        var config = MachineConfiguration()
        config.cpus = 2
        return try Machine(imagePath: SamplePaths.sample(sample), configuration: config, output: output)
    }

    /// Runs `sample` with `step` deciding each piece (nil: one `run()`).
    func ending(_ sample: String, pieces budget: RunBudget?) throws -> (Ending, pieces: Int) {
        var out: [UInt8] = []
        let m = try machine(sample) { out.append($0) }
        var pieces = 0
        var result = RunResult(exitStatus: -1, reason: "")
        if let budget {
            while true {
                pieces += 1
                if case .ended(let r) = m.run(for: budget) {
                    result = r
                    break
                }
                if pieces > 1_000_000 {
                    Issue.record("\(sample) \(budget): no end after a million pieces")
                    break
                }
            }
        } else {
            result = m.run()
        }
        let e = Ending(status: result.exitStatus, reason: result.reason, output: out, cycles: m.cpus.map(\.cycles),
                       retired: m.cpus.map(\.instructionsRetired), el2: m.el2Statistics.lines)
        return (e, pieces)
    }

    @Test(.enabled(if: SamplePaths.has("smmu-smp") && SamplePaths.has("gic-timer") && SamplePaths.has("smmu-dma"), "make samples first"),
          arguments: ["smmu-smp", "gic-timer", "smmu-dma"])
    func piecesEndAsOneRunDoes(sample: String) throws {
        let (whole, _) = try ending(sample, pieces: nil)
        #expect(!whole.output.isEmpty && whole.retired.reduce(0, +) > 1000, "\(sample): \(whole.reason)")
        for budget in [RunBudget.instructions(997), .instructions(10_007), .cycles(1_009), .cycles(50_021)] {
            let (cut, pieces) = try ending(sample, pieces: budget)
            // Budgets smaller than the run: it really was cut.
            let total = whole.retired.reduce(0, +), cycles = whole.cycles.max() ?? 0
            let size: UInt64 = switch budget { case .instructions(let n): n; case .cycles(let n): n }
            let smaller = switch budget { case .instructions: size < total; case .cycles: size < cycles }
            #expect(!smaller || pieces >= 2, "\(sample) \(budget): \(pieces) pieces")
            #expect(cut == whole, "\(sample) \(budget)")
        }
    }

    @Test(.enabled(if: SamplePaths.has("smmu-smp"), "make samples first"))
    func aHookPausesAfterTheTrapItSaw() throws {
        let (whole, _) = try ending("smmu-smp", pieces: nil)
        var out: [UInt8] = []
        let m = try machine("smmu-smp") { out.append($0) }
        var seen: [TrapDecision.Handler] = []
        m.el2Hook = { _, outcome in
            seen.append(outcome.decision.handler)
            return outcome.decision.handler == .emulate_mmio ? .pause : .proceed
        }
        var pauses = 0
        var result: RunResult?
        while result == nil {
            switch m.run(for: .instructions(.max / 2)) {
            case .paused:
                pauses += 1
                #expect(seen.last == .emulate_mmio)
            case .ended(let r):
                result = r
            }
        }
        #expect(pauses > 0 && pauses == seen.filter { $0 == .emulate_mmio }.count)
        #expect(result?.exitStatus == whole.status && out == whole.output && m.cpus.map(\.cycles) == whole.cycles)
        // A budget of .max runs to the end (it saturates), as `run()` does through a hook's pauses.
        let big = try machine("smmu-smp") { _ in }
        _ = big.run(for: .instructions(10))
        if case .ended(let r) = big.run(for: .instructions(.max)) { #expect(r.exitStatus == whole.status) } else { Issue.record("paused") }
        let late = try machine("smmu-smp") { _ in }
        _ = late.run(for: .cycles(10))
        if case .ended(let r) = late.run(for: .cycles(.max)) { #expect(r.exitStatus == whole.status) } else { Issue.record("paused") }
        let n = try machine("smmu-smp") { _ in }
        n.el2Hook = { _, _ in .pause }
        #expect(n.run().exitStatus == whole.status)
    }

    @Test(.enabled(if: SamplePaths.has("smmu-dma"), "make samples first"))
    func theDMAHookSeesEveryCopy() throws {
        let m = try machine("smmu-dma") { _ in }
        var copies: [DMACopy] = []
        m.dmaHook = { copies.append($0); return .proceed }
        _ = m.run()
        // The sample's copies: 256 bytes through SMMU0's bank 1, a read that faults, a copy
        // through the stale IOTLB entry, then a write that faults after the invalidation.
        #expect(copies.first == DMACopy(engine: 0, streamID: 5, source: 0x1000_0000, destination: 0x1000_1000, length: 256,
                                        copied: 256, faulted: false, faultIOVA: 0), "\(copies)")
        #expect(copies.contains { $0.faulted && $0.faultIOVA == 0x1000_5000 })
        #expect(copies.last?.faulted == true)
    }

    /// A DMA hook that pauses stops the run right after the store that started the copy (the
    /// CTRL write's instruction retired, nothing after it), and the run then ends as one run does.
    @Test(.enabled(if: SamplePaths.has("smmu-dma"), "make samples first"))
    func aDMAHookPausesRightAfterTheStartingStore() throws {
        let (whole, _) = try ending("smmu-dma", pieces: nil)
        for traced in [false, true] {
            var out: [UInt8] = []
            let m = try machine("smmu-dma") { out.append($0) }
            if traced { m.cpus[0].instructionObserver = { _, _ in } ; m.cpus[0].traceInstructions = true }
            var copies = 0
            m.dmaHook = { _ in
                copies += 1
                return .pause
            }
            var pauses = 0, result: RunResult?
            while result == nil {
                switch m.run(for: .instructions(.max)) {
                case .paused:
                    pauses += 1
                    // The store that started the copy (`R32(DMA0 + 0x18) = 1`: a 32-bit STR whose
                    // address is DMA0's CTRL, 0x0907_0018) is the last instruction that ran.
                    let word = UInt32(truncatingIfNeeded: m.ram.load(m.cpus[0].pc - 4, size: 4) ?? 0)
                    let base = m.cpus[0].x(Int((word >> 5) & 31)) &+ UInt64((word >> 10) & 0xFFF) * 4
                    #expect(word & 0xFFC0_0000 == 0xB900_0000 && base == 0x0907_0018,
                            "traced: \(traced): 0x\(String(word, radix: 16)) before pc 0x\(String(m.cpus[0].pc, radix: 16))")
                case .ended(let r): result = r
                }
            }
            #expect(pauses == copies && copies >= 3, "traced: \(traced)")
            #expect(result?.exitStatus == whole.status && out == whole.output && m.cpus.map(\.cycles) == whole.cycles, "traced: \(traced)")
        }
    }
}
