import Foundation
import Testing
@testable import Emulator

/// The `Debugger` library API without gdb: breakpoints, steps, state while stopped, determinism.
@Suite struct DebuggerTests {
    func machine(_ output: @escaping (UInt8) -> Void = { _ in }) throws -> Machine {
        try Machine(imagePath: SamplePaths.sample("hello"), configuration: MachineConfiguration(), output: output)
    }

    @Test(.enabled(if: SamplePaths.has("hello"), "make samples first"))
    func breakpointStepAndResumeGiveTheUndebuggedRun() throws {
        let reference = try machine()
        let expected = reference.run()
        let m = try machine()
        let main = try #require(m.image.symbols.first { $0.name == "main" }).address
        let d = Debugger(machine: m, holdAtReset: true)
        d.start()
        #expect(d.waitForStop(timeout: 30) == .interrupted(cpu: 0))
        #expect(m.cpus[0].pc == m.image.entry)
        d.insertBreakpoint(main)
        d.resume()
        #expect(d.waitForStop(timeout: 30) == .breakpoint(cpu: 0, pc: main))
        #expect(m.cpus[0].pc == main)
        let retired = m.cpus[0].instructionsRetired
        d.resume(step: 0)
        #expect(d.waitForStop(timeout: 30) == .step(cpu: 0))
        #expect(m.cpus[0].instructionsRetired == retired + 1)
        #expect(m.cpus[0].pc == main + 4)
        #expect(d.readMemory(cpu: 0, address: m.image.entry, count: 4, physical: false) == [0xc1, 0x01, 0x00, 0x58])
        #expect(d.readMemory(cpu: 0, address: 0x4ff0_0000, count: 4, physical: false).isEmpty, "EL2's pages are not the host's")
        #expect(d.monitor("owner 0x40080").hasPrefix("pfn 0x40080: owner host"))
        d.removeBreakpoint(main)
        d.resume()
        guard case .exited(let status, let reason) = d.waitForStop(timeout: 60) else {
            Issue.record("the run did not end")
            return
        }
        #expect(status == expected.exitStatus && reason == expected.reason)
        #expect(m.cpus.map(\.cycles) == reference.cpus.map(\.cycles))
        #expect(m.statistics() == reference.statistics())
    }

    @Test(.enabled(if: SamplePaths.has("bench"), "make samples first"))
    func interruptStopsARunningMachineAndDetachLetsItFinish() throws {
        var config = MachineConfiguration()
        config.maxInstructions = 200_000
        let m = try Machine(imagePath: SamplePaths.sample("bench"), configuration: config) { _ in }
        let d = Debugger(machine: m, holdAtReset: false)
        d.start()
        d.interrupt()
        let stop = d.waitForStop(timeout: 30)
        #expect(stop?.cpu == 0, "\(String(describing: stop))")
        #expect(m.image.segments.contains { $0.start <= m.cpus[0].pc && m.cpus[0].pc < $0.end })
        d.detach()
        #expect(d.waitForStop(timeout: 600) == .exited(status: 4, reason: "instruction limit 200000 reached"))
    }
}
