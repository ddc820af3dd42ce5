import Foundation
import Testing
@testable import Emulator

/// `--trace dma`: one line per DMA transaction, stamped with the CPU that started the copy, and
/// combinable with the other streams.
@Suite struct DMATraceTests {
    func trace(_ sample: String, _ kinds: Set<TraceKind>) throws -> ([String], Machine) {
        var config = MachineConfiguration()
        config.trace = kinds
        let m = try Machine(imagePath: SamplePaths.sample(sample), configuration: config) { _ in }
        var lines: [String] = []
        m.traceSink = { lines.append($0) }
        _ = m.run()
        return (lines, m)
    }

    @Test(.enabled(if: SamplePaths.has("smmu-dma"), "make samples first"))
    func everyTranslationOfTheCopiesIsALine() throws {
        let (lines, m) = try trace("smmu-dma", [.dma])
        #expect(lines.count == Int(m.smmus[0].stats.translations))
        #expect(lines.allSatisfy { $0.contains(" cpu0 dma main+") && $0.contains(" SMMU0.CB1 sid 5 ") })
        // 256 bytes: 4 beats of a read and a write; the first of each walks, then the IOTLB hits.
        // Then a read of an unmapped IOVA faults; after el2_arm_lpae_clear of the destination
        // page the stale IOTLB still translates a copy (both hits), and after TLBIIPAS2 + TLBSYNC
        // the read hits and the write walks and faults.
        #expect(lines.first?.hasSuffix("SMMU0.CB1 sid 5 R64 IOVA 0x10000000 -> 0x40082000 translated smmu 60") == true)
        #expect(lines.filter { $0.hasSuffix("translated smmu 2") }.count == 9)
        #expect(lines.count == 13)
        #expect(lines.count == 13 && lines[8].contains("R64 IOVA 0x10005000 fault TF smmu"))
        #expect(lines.last?.contains("W64 IOVA 0x10001000 fault TF smmu") == true)
        // Cycle stamps run forward within a copy.
        let stamps = lines.compactMap { UInt64($0.dropFirst().prefix { $0 != "]" }) }
        #expect(stamps == stamps.sorted() && stamps.count == lines.count)
    }

    @Test(.enabled(if: SamplePaths.has("attack-dma-bypass"), "make samples first"))
    func bypassNamesTheRegisterThatLetItThrough() throws {
        let (lines, _) = try trace("attack-dma-bypass", [.dma])
        #expect(lines.count == 2)
        #expect(lines.allSatisfy { $0.contains("SMMU0 sid 5 ") && $0.contains("bypassed (S2CR.TYPE)") })
    }

    @Test(.enabled(if: SamplePaths.has("smmu-dma"), "make samples first"))
    func combinesWithTheOtherStreamsInRunOrder() throws {
        let (all, _) = try trace("smmu-dma", [.mmio, .hvc, .s2, .insn, .dma])
        let (dmaOnly, _) = try trace("smmu-dma", [.dma])
        let (traps, _) = try trace("smmu-dma", [.mmio, .hvc, .s2])
        func kind(_ line: String) -> Substring { line.split(separator: " ").dropFirst(2).first ?? "" }
        #expect(all.filter { kind($0) == "dma" } == dmaOnly)
        #expect(all.filter { ["mmio", "hvc", "s2"].contains(kind($0)) } == traps)
        #expect(all.contains { kind($0) == "insn" })
        // The copy's lines come right after the instruction before the CTRL store.
        let first = try #require(all.firstIndex { kind($0) == "dma" })
        #expect(kind(all[first - 1]) == "insn")
    }

    /// The machine listens to its DMA engines' writes, so a copy drops the CPUs' decoded code
    /// only when it writes a page code came from (CodePagesTests checks that part).
    @Test(.enabled(if: SamplePaths.has("smmu-dma"), "make samples first"))
    func theMachineListensToEveryDMAEngine() throws {
        let (_, m) = try trace("smmu-dma", [])
        #expect(!m.dmaEngines.isEmpty && m.dmaEngines.allSatisfy { !$0.writesMemory })
    }
}
