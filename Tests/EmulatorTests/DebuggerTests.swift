import Foundation
import Testing
import AArch64
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

    /// A read watchpoint on main's saved frame pointer: the epilogue's LDP reads it, and the
    /// machine stops before the next instruction (the access completed); then the run ends as
    /// an undebugged one does.
    @Test(.enabled(if: SamplePaths.has("hello"), "make samples first"))
    func readWatchpointStopsAfterTheAccess() throws {
        let reference = try machine()
        _ = reference.run()
        let m = try machine()
        let main = try #require(m.image.symbols.first { $0.name == "main" }).address
        let d = Debugger(machine: m, holdAtReset: true)
        d.start()
        #expect(d.waitForStop(timeout: 30) == .interrupted(cpu: 0))
        d.insertBreakpoint(main + 4)  // after `stp x29, x30, [sp, #-16]!`
        d.resume()
        #expect(d.waitForStop(timeout: 30) == .breakpoint(cpu: 0, pc: main + 4))
        d.removeBreakpoint(main + 4)
        let w = DataWatchpoint(address: m.cpus[0].sp, length: 8, kind: .read)
        d.insertWatchpoint(w)
        d.insertWatchpoint(DataWatchpoint(address: 0x4008_0000, length: 4, kind: .write))  // code: never written
        d.resume()
        #expect(d.waitForStop(timeout: 30) == .watchpoint(cpu: 0, w))
        #expect(m.cpus[0].pc == main + 0x1c, "after `ldp x29, x30, [sp], #16` at main+0x18")
        d.removeWatchpoint(w)
        d.resume()
        guard case .exited = d.waitForStop(timeout: 60) else {
            Issue.record("the run did not end")
            return
        }
        #expect(m.cpus.map(\.cycles) == reference.cpus.map(\.cycles))
    }

    /// `breakOnEL2` stops when the named hypercall returns, with EL2's decision in the report.
    @Test(.enabled(if: SamplePaths.has("smmu-dma"), "make samples first"))
    func breakOnEL2StopsWhenTheHypercallReturns() throws {
        let m = try Machine(imagePath: SamplePaths.sample("smmu-dma"), configuration: MachineConfiguration()) { _ in }
        let d = Debugger(machine: m, holdAtReset: true)
        d.start()
        #expect(d.waitForStop(timeout: 30) == .interrupted(cpu: 0))
        #expect(!d.breakOnEL2("no_such_handler"))
        #expect(d.breakOnEL2("el2_arm_lpae_map"))
        d.resume()
        guard case .el2(0, let report) = d.waitForStop(timeout: 30) else {
            Issue.record("no EL2 stop")
            return
        }
        #expect(report.contains("EL2 hvc el2_arm_lpae_map returned to cpu0"), "\(report)")
        #expect(m.el2Statistics.byHandler["hvc el2_arm_lpae_map"]?.calls == 1, "stopped at the first map")
        d.detach()
        #expect(d.waitForStop(timeout: 60) == .exited(status: 0, reason: "guest powered off (PSCI SYSTEM_OFF)"))
    }
}
