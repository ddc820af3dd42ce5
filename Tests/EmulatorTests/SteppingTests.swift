import Testing
import AArch64
@testable import Emulator

/// `Machine.step(cpu:)` and `run(toBreakpoints:)` on the 4-CPU smmu-smp sample: the stops are
/// where they say, and the run then ends exactly as an uninterrupted one.
@Suite struct SteppingTests {
    final class Output: @unchecked Sendable { var bytes: [UInt8] = [] }

    func machine(_ out: Output) throws -> Machine {
        var c = MachineConfiguration()
        c.cpus = 4
        return try Machine(imagePath: SamplePaths.sample("smmu-smp"), configuration: c) { out.bytes.append($0) }
    }

    @Test(.enabled(if: SamplePaths.has("smmu-smp"), "make samples first"))
    func breakpointThenStepThenTheUninterruptedRun() throws {
        let (o1, o2) = (Output(), Output())
        let reference = try machine(o1)
        let expected = reference.run()
        let m = try machine(o2)
        let main = try #require(m.image.symbols.first { $0.name == "main" }).address
        guard case .breakpoint(let cpu, let pc) = m.run(toBreakpoints: [main]) else {
            Issue.record("main not reached")
            return
        }
        #expect(pc == main && m.cpus[cpu].pc == main)
        let attempted = m.cpus[cpu].instructionsAttempted
        #expect(m.step(cpu: cpu) == .stepped(cpu: cpu))
        #expect(m.cpus[cpu].instructionsAttempted == attempted + 1 && m.cpus[cpu].pc == main + 4)
        #expect(m.run() == expected)
        #expect(o1.bytes == o2.bytes)
        #expect(m.cpus.map(\.cycles) == reference.cpus.map(\.cycles))
        #expect(m.statistics() == reference.statistics())
        #expect(m.step(cpu: 0) == .ended(expected))
    }
}
