import Emulator
import Foundation
import KCore
import Testing

/// A sample image run in steps, with a hook that stops where EL2 emulates an SMMU access, and
/// the EL2 state looked at in between: what Emulator.docc's "Running a machine in steps" shows.
struct RunInStepsTests {
    /// firmware-samples/build/smmu-dma.elf of the repository this package sits in.
    static let image = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../firmware-samples/build/smmu-dma.elf").standardized.path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: image), "make samples first"))
    func pausesAtEachEmulatedSMMUAccessAndEndsAsOneRun() throws {
        var output: [UInt8] = []
        let machine = try Machine(imagePath: RunInStepsTests.image, configuration: MachineConfiguration()) { output.append($0) }
        var registers: [String] = []
        machine.el2Hook = { _, outcome in
            guard outcome.decision.handler == .emulate_mmio else { return .proceed }
            registers.append(outcome.decision.targetName)
            return .pause
        }
        var copies: [DMACopy] = []
        machine.dmaHook = { copies.append($0); return .proceed }
        var pauses = 0
        var result: RunResult?
        while result == nil {
            switch machine.run(for: .instructions(1_000)) {
            case .paused: pauses += 1
            case .ended(let r): result = r
            }
        }
        #expect(result?.exitStatus == 0)
        #expect(registers.contains("SMMU0.CB1.TTBR0"), "\(registers)")
        #expect(pauses >= registers.count)
        #expect(copies.first.map { $0.copied == $0.length && !$0.faulted } == true)
        // EL2 gave bank 1 of SMMU0 to VM 1, with a shadow table that maps the copy's source.
        #expect(machine.bankOwner(smmu: 0, cb: 1) == 1)
        let pa = try #require(machine.shadowTranslation(smmu: 0, cb: 1, iova: 0x1000_0000))
        #expect(machine.page(pfn: pa >> 12).owner == 1, "the copy's source is VM 1's page")

        // The same image in one run: the same output.
        var whole: [UInt8] = []
        let again = try Machine(imagePath: RunInStepsTests.image, configuration: MachineConfiguration()) { whole.append($0) }
        #expect(again.run().exitStatus == 0 && whole == output)
    }

    /// Emulator.docc's stepping snippet: to main, then one instruction.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: image), "make samples first"))
    func stepsFromABreakpointAtMain() throws {
        let machine = try Machine(imagePath: RunInStepsTests.image, configuration: MachineConfiguration()) { _ in }
        let mainAddress = try #require(machine.image.symbols.first { $0.name == "main" }).address
        if case .breakpoint(let cpu, _) = machine.run(toBreakpoints: [mainAddress]) {
            _ = machine.step(cpu: cpu)
        }
        #expect(machine.cpus[0].pc == mainAddress + 4)
    }
}
