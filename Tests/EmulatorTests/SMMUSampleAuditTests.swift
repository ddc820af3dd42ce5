import Foundation
import Testing
@testable import Emulator

/// The Linux-style SMMU sample end to end (issue 5): probe of the ID registers and SMR masks,
/// reset, stage-2 bank, stream mapping, sCR0 read-modify-write, DMA, and the IOTLB keeping a
/// cleared page until the programmed TLBIIPAS2 + TLBSYNC. The `--stats` line is computed by hand
/// from the sample's four copies (64-byte beats, one IOTLB entry per 4 KiB page):
/// 1. 256 bytes 0x1000_0000 → 0x1000_1000: 4 beats, 8 translations, 2 misses (one walk per page), 6 hits;
/// 2. from unmapped 0x1000_5000: 1 translation, a miss, a walk, a context fault;
/// 3. after `el2_arm_lpae_clear` of 0x1000_1000, before any TLBI: 2 hits, the copy succeeds;
/// 4. after TLBIIPAS2(0x1000_1): the source hits, the destination misses, walks, faults.
/// Totals: 13 translations, 9 hits, 4 misses, 4 walks, 2 context faults.
@Suite struct SMMUSampleAuditTests {
    @Test(.enabled(if: SamplePaths.has("smmu-dma"), "make samples first"))
    func linuxStyleSampleShowsTheIOTLBUntilTheProgrammedInvalidation() throws {
        var out: [UInt8] = []
        let m = try Machine(imagePath: SamplePaths.sample("smmu-dma"), configuration: MachineConfiguration()) { out.append($0) }
        let r = m.run()
        let text = String(decoding: out, as: UTF8.self)
        #expect(r.exitStatus == 0, "\(r.reason)")
        #expect(text.contains("probe ok\n"))
        #expect(text.contains("dma after unmap, before TLBI: status 0x0000000000000001\n"))
        #expect(text.contains("dma after TLBIIPAS2: status 0x0000000000000002 fault iova 0x0000000010001000\n"))
        #expect(m.smmus[0].read(offset: 0, size: 4) == 0x0020_1806)  // sCR0 after Linux's read-modify-write
        #expect(m.statistics().contains("SMMU0: translations 13 iotlb-hits 9 misses 4 walks 4 context-faults 2 global-faults 0 bypassed 0"))
        #expect(m.statistics().contains("SMMU1: translations 0 iotlb-hits 0 misses 0 walks 0 context-faults 0 global-faults 0 bypassed 0"))
    }
}
