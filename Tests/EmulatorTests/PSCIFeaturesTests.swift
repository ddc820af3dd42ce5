import Testing
@testable import Emulator

/// PSCI_FEATURES (DEN0022 5.1.14): 0 for each PSCI function this machine serves,
/// NOT_SUPPORTED (-1) for any other id, including SMC32 CPU_ON, which it does not serve.
@Suite struct PSCIFeaturesTests {
    @Test(.enabled(if: SamplePaths.has("hello"), "make samples first"))
    func featuresAnswerForServedFunctionsOnly() throws {
        let m = try Machine(imagePath: SamplePaths.sample("hello"), configuration: MachineConfiguration()) { _ in }
        let cpu = m.cpus[0]
        func features(_ fn: UInt64) -> UInt64 {
            cpu.setX(0, 0x8400_000A)
            cpu.setX(1, fn)
            #expect(m.handleHypercall(cpu, smc: false) == nil)
            return cpu.x(0)
        }
        for fn: UInt64 in [0x8400_0000, 0x8400_0002, 0xC400_0003, 0xC400_0004, 0x8400_0008, 0x8400_0009, 0x8400_000A, 0x8000_0000] {
            #expect(features(fn) == 0, "0x\(String(fn, radix: 16))")
        }
        for fn: UInt64 in [0x8400_0003, 0xC400_0001, 0x8400_0012, 0x8000_0001, 0x1_8400_0000] {
            #expect(features(fn) == UInt64(bitPattern: -1), "0x\(String(fn, radix: 16))")
        }
        #expect(cpu.isPoweredOn)
    }
}
