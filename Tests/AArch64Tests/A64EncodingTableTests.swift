import TestSupport
import Foundation
import Stage2
import Testing
@testable import AArch64

/// The encoding table against the interpreter: every word of a row marked not implemented, and
/// every word no row claims, must raise what the architecture requires of an instruction that
/// does not exist here (EC 0x00, or EC 0x07 for trapped FP/SIMD), so the table never claims
/// less than the interpreter does; and the not-implemented list in Interpreter.md is the table's.
@Suite struct A64EncodingTableTests {
    static let seed: UInt64 = 0xA64

    /// A CPU at EL1 on RAM, ready to execute single words.
    static func makeCPU() -> CPU {
        let ram = PhysicalMemory(base: 0x4000_0000, size: 16 << 20)!
        let cpu = CPU(index: 0, bus: PhysicalBus(ram: ram), monitor: GlobalMonitor())
        cpu.powerOn(entry: 0x4008_0000, context: 0)
        _ = cpu.writeSysReg(SysReg.vbarEL1, 0x4000_0000)
        return cpu
    }

    /// Executes `w` at EL1 and returns ESR_EL1.EC, or nil if it retired or left for EL2.
    static func exceptionClass(_ cpu: CPU, _ w: UInt32) -> UInt64? {
        cpu.powerOn(entry: 0x4008_0000, context: 0)
        cpu.sysregs[SysReg.esrEL1] = 0xFFFF_FFFF
        if cpu.execute(w) || cpu.pendingExit != nil { return nil }
        return (cpu.sysregs[SysReg.esrEL1] ?? 0) >> 26
    }

    @Test func patternsAreWellFormed() {
        for row in A64EncodingTable.rows {
            #expect(row.value & ~row.mask == 0, "\(row.name)")
            #expect(!row.name.isEmpty && row.section.hasPrefix("C4.1"), "\(row.name)")
        }
        // A word of each class is classified as that class (a row is not shadowed by an earlier
        // one): the pattern's own value, or, for a catch-all row whose value a more specific row
        // above takes, one of a few thousand seeded random words of it.
        var rng = SplitMix64(state: A64EncodingTableTests.seed)
        for row in A64EncodingTable.rows {
            var reached = A64EncodingTable.encodingClass(of: row.value)?.name == row.name
            for _ in 0..<4096 where !reached {
                let w = UInt32(truncatingIfNeeded: rng.next()) & ~row.mask | row.value
                reached = A64EncodingTable.encodingClass(of: w)?.name == row.name
            }
            #expect(reached, "\(row.name) is shadowed")
        }
    }

    /// Each row lies inside its group of the ARM ARM's top-level table (C4.1, op0 = bits 28:25):
    /// its pattern fixes the op0 bits that select the group, so no word of another group can be
    /// classified as it. (The SIMD&FP register load/store row once left bit 25 free and so
    /// claimed the Advanced SIMD scalar instructions with U = 1.)
    @Test func everyRowLiesInItsTopLevelGroup() {
        // section: (mask, value) of bits 28:25 that the group's op0 fixes.
        let groups: [String: (UInt32, UInt32)] = [
            "C4.1.86": (0b1110, 0b1000),  // data processing, immediate: op0 = 100x
            "C4.1.87": (0b1110, 0b1010),  // branches, exception generating and system: 101x
            "C4.1.88": (0b0101, 0b0100),  // loads and stores: x1x0
            "C4.1.90": (0b0111, 0b0101),  // data processing, register: x101
            "C4.1.95": (0b0111, 0b0111),  // scalar floating point and Advanced SIMD: x111
            "C4.1.96": (0b0111, 0b0111),
        ]
        for row in A64EncodingTable.rows {
            guard let (op0Mask, op0Value) = groups[row.section] else { continue }
            let mask = op0Mask << 25, value = op0Value << 25
            #expect(row.mask & mask == mask && row.value & mask == value,
                    "\(row.name) (\(row.section)): op0 bits not fixed to its group's")
        }
    }

    @Test func notImplementedRowsAreUndefined() {
        var rng = SplitMix64(state: A64EncodingTableTests.seed)
        let cpu = A64EncodingTableTests.makeCPU()
        for row in A64EncodingTable.notImplemented {
            var tried = 0
            for _ in 0..<20_000 where tried < 500 {
                let w = UInt32(truncatingIfNeeded: rng.next()) & ~row.mask | row.value
                guard A64EncodingTable.encodingClass(of: w)?.name == row.name else { continue }
                tried += 1
                let ec = A64EncodingTableTests.exceptionClass(cpu, w)
                let expected: UInt64 = 0x00
                #expect(ec == expected, "\(row.name): \(String(w, radix: 16)) gave EC \(String(describing: ec)) (seed \(A64EncodingTableTests.seed))")
                if ec != expected { return }
            }
            #expect(tried > 0, "\(row.name): no word classified as it")
        }
    }

    @Test func enabledFPSIMDIsUndefined() {
        var rng = SplitMix64(state: A64EncodingTableTests.seed)
        let cpu = A64EncodingTableTests.makeCPU()
        for row in A64EncodingTable.fpsimdRows where row.status != .implemented {
            var tried = 0
            for _ in 0..<2_000 where tried < 200 {
                let w = UInt32(truncatingIfNeeded: rng.next()) & ~row.mask | row.value
                guard A64EncodingTable.encodingClass(of: w)?.name == row.name else { continue }  // an executed row above
                tried += 1
                cpu.powerOn(entry: 0x4008_0000, context: 0)
                _ = cpu.writeSysReg(SysReg.cpacrEL1, 3 << 20)
                cpu.sysregs[SysReg.esrEL1] = 0xFFFF_FFFF
                #expect(!cpu.execute(w))
                #expect((cpu.sysregs[SysReg.esrEL1] ?? 0) >> 26 == 0, "\(row.name): \(String(w, radix: 16))")
            }
        }
    }

    @Test func wordsNoRowClaimsAreUndefined() {
        var rng = SplitMix64(state: A64EncodingTableTests.seed &+ 1)
        let cpu = A64EncodingTableTests.makeCPU()
        var tried = 0
        for _ in 0..<200_000 where tried < 5_000 {
            let w = UInt32(truncatingIfNeeded: rng.next())
            guard A64EncodingTable.encodingClass(of: w) == nil else { continue }
            tried += 1
            let ec = A64EncodingTableTests.exceptionClass(cpu, w)
            #expect(ec == 0, "unallocated \(String(w, radix: 16)) gave EC \(String(describing: ec)) (seed \(A64EncodingTableTests.seed &+ 1))")
            if ec != 0 { return }
        }
        #expect(tried > 1000)
    }

    /// Documentation/Interpreter.md carries the table's not-implemented list verbatim.
    @Test func interpreterDocumentationListsWhatIsNotImplemented() throws {
        let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Documentation/Interpreter.md")
        let text = try String(contentsOf: doc, encoding: .utf8)
        for line in A64EncodingTable.notImplementedReport.split(separator: "\n") {
            #expect(text.contains("- " + line), "Interpreter.md lacks: \(line)")
        }
    }
}
