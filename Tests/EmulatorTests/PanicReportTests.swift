import Foundation
import Testing
@testable import Emulator

/// A hypervisor panic stops the machine with exit status 3 and one line naming the handler, the
/// condition, the faulting PC and ESR_EL2 (issue 3). The syndrome is checked field by field
/// against what the sample's load must produce (ARM ARM ISS for a Data Abort).
@Suite struct PanicReportTests {
    @Test(.enabled(if: SamplePaths.has("el2-touch"), "make samples first"))
    func el2TouchPanicNamesHandlerConditionPCAndSyndrome() throws {
        let (_, r) = try runSample("el2-touch")
        #expect(r.exitStatus == 3)
        #expect(!r.reason.contains("\n"))
        // "hypervisor panic in map_page_host: host access to pfn 0x4ffff owned by EL2 (COREVISOR) (cpu0, pc 0x…, ESR_EL2 0x…)"
        #expect(r.reason.hasPrefix("hypervisor panic in map_page_host: host access to pfn 0x4ffff owned by EL2 (COREVISOR) (cpu0, pc 0x"))
        let fields = r.reason.split(separator: "(").last.map(String.init) ?? ""
        let parts = fields.dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(parts.count == 3)
        guard parts.count == 3, let pc = UInt64(parts[1].dropFirst(5), radix: 16), let esr = UInt64(parts[2].dropFirst(10), radix: 16) else {
            Issue.record("unparsable: \(r.reason)"); return
        }
        #expect(pc >= 0x4008_0000 && pc < 0x4010_0000, "PC inside the image")
        #expect(esr >> 26 == 0x24, "EC: data abort from EL1")
        #expect(esr >> 25 & 1 == 1, "IL")
        #expect(esr >> 24 & 1 == 1, "ISV: a single 64-bit register load")
        #expect(esr >> 22 & 3 == 3 && esr >> 15 & 1 == 1, "SAS = 8 bytes, SF")
        #expect(esr >> 6 & 1 == 0, "WnR: a read")
        #expect(esr & 0x3C == 0x4, "DFSC: a translation fault")
    }
}

/// SMC from EL1 trapped by HCR_EL2.TSC reaches the same dispatcher as HVC (SeKVM): PSCI ids
/// go to PSCI, other ids to KCore's hypercall dispatcher; unlike HVC, ELR_EL2 points at the SMC
/// itself, so the dispatcher steps over it.
@Suite struct SMCDispatchTests {
    @Test(.enabled(if: SamplePaths.has("hello"), "make samples first"))
    func trappedSMCIsDispatchedLikeHVCAndSkipped() throws {
        let m = try Machine(imagePath: SamplePaths.sample("hello"), configuration: MachineConfiguration()) { _ in }
        let cpu = m.cpus[0]
        #expect(cpu.el2.hcr & (1 << 19) != 0, "HCR_EL2.TSC is set from reset")
        cpu.setX(0, 0x8400_0000)  // PSCI_VERSION
        cpu.el2.esr = 0x5E00_0000
        cpu.el2.elr = 0x4008_0100
        #expect(m.handleHypercall(cpu, smc: true) == nil)
        #expect(cpu.x(0) == 0x1_0001)
        #expect(cpu.el2.elr == 0x4008_0104)
        cpu.setX(0, 99)  // not a SeKVM id: no EL2 state changes, x0 = NOT_SUPPORTED (HARDWARE.md)
        cpu.el2.elr = 0x4008_0200
        #expect(m.handleHypercall(cpu, smc: true) == nil)
        #expect(cpu.x(0) == UInt64(bitPattern: -1))
        #expect(cpu.el2.elr == 0x4008_0204)
        cpu.setX(0, 0x8000_0000)  // SMCCC_VERSION: 1.1
        #expect(m.handleHypercall(cpu, smc: true) == nil)
        #expect(cpu.x(0) == 0x1_0001)
        cpu.setX(0, 0x8400_000A)  // PSCI_FEATURES(SMCCC_VERSION): supported
        cpu.setX(1, 0x8000_0000)
        #expect(m.handleHypercall(cpu, smc: true) == nil)
        #expect(cpu.x(0) == 0)
        cpu.setX(0, 0x8000_0001)  // SMCCC_ARCH_FEATURES: not here
        #expect(m.handleHypercall(cpu, smc: true) == nil)
        #expect(cpu.x(0) == UInt64(bitPattern: -1))
        cpu.setX(0, 13)  // register_kvm through SMC: the first VM id
        #expect(m.handleHypercall(cpu, smc: true) == nil)
        #expect(cpu.x(0) == 1)
    }
}
