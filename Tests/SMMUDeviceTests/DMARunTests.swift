import TestSupport
import Stage2
import Testing
@testable import SMMUDevice

/// A DMA copy moves the beats that stay in one source and one destination page at once when
/// they all hit the IOTLB (`DMAEngine.copyRun`, the SMMU's per-stream micro-TLB). Nothing a
/// guest can observe may change: the reference is the beat-by-beat path, which a transaction
/// observer (`--trace dma`) forces. Two identical machines run the same random programs, one
/// observed and one not, and must agree on cycles, status, fault address, bytes copied, SMMU
/// counters, fault registers and memory.
@Suite struct DMARunTests {
    /// IOVA 0x1000_0000 + n pages → 0x4200_0000 + n pages for n < 8: pages 1 and 5 read-only,
    /// page 6 unmapped, page 7 outside RAM.
    func machine() -> (Fixture, DMAEngine) {
        let f = Fixture()
        let l3: UInt64 = 0x4100_3000
        for n in UInt64(2)..<8 where n != 6 {
            let pa: UInt64 = n == 7 ? 0x8000_0000 : 0x4200_0000 + n << 12
            f.ram.store(l3 + n * 8, size: 8, value: Stage2Descriptor.leaf(address: pa, level: 3, s2ap: n == 5 ? 1 : 3).rawValue)
        }
        for i in 0..<(8 * 4096 / 8) { f.ram.store(0x4200_0000 + UInt64(i) * 8, size: 8, value: UInt64(i) &* 0x9E37_79B9_7F4A_7C15) }
        f.program()
        return (f, DMAEngine(name: "DMA0", smmu: f.smmu, memory: f.ram))
    }

    struct Observed: Equatable {
        var cycles: UInt64, status: UInt64, faultIOVA: UInt64, copied: UInt64
        var stats: SMMUStats, fsr: UInt64, far: UInt64
    }

    func observe(_ f: Fixture, _ d: DMAEngine, _ cycles: UInt64) -> Observed {
        Observed(cycles: cycles, status: d.status, faultIOVA: d.faultIOVA, copied: d.bytesCopied,
                 stats: f.smmu.stats, fsr: f.r(0x9058), far: f.r(0x9060) | f.r(0x9064) << 32)
    }

    @Test func pageRunsChangeNothingTheBeatByBeatCopyShows() {
        var rng = SplitMix64(state: 0xD4A)
        let (fa, a) = machine(), (fb, b) = machine()
        var traced = 0
        a.transactionObserver = { _ in traced += 1 }
        for step in 0..<600 {
            switch rng.below(12) {
            case 0:
                // Invalidate, or change a leaf without invalidating (the IOTLB keeps the old one).
                if rng.below(2) == 0 {
                    for f in [fa, fb] { f.w(0x9618, 0) }  // CB1 TLBIALL
                } else {
                    let n = UInt64(rng.below(6))
                    let leaf = Stage2Descriptor.leaf(address: 0x4200_0000 + UInt64(rng.below(6)) << 12, level: 3, s2ap: rng.below(2) == 0 ? 1 : 3).rawValue
                    for f in [fa, fb] { f.ram.store(0x4100_3000 + n * 8, size: 8, value: leaf) }
                }
            case 1:
                for f in [fa, fb] { f.w(0x9058, 0xFFFF_FFFF) }  // clear FSR
            default:
                let src = 0x1000_0000 + UInt64(rng.below(8 * 4096)) & ~UInt64(rng.below(2) == 0 ? 0x3F : 0)
                let dst = 0x1000_0000 + UInt64(rng.below(8 * 4096)) & ~UInt64(rng.below(2) == 0 ? 0x3F : 0)
                let len = UInt64(rng.below(3 * 4096))
                let ca = start(a, src: src, dst: dst, len: len), cb = start(b, src: src, dst: dst, len: len)
                #expect(observe(fa, a, ca) == observe(fb, b, cb), "step \(step): copy 0x\(String(src, radix: 16)) → 0x\(String(dst, radix: 16)), \(len) bytes")
            }
            #expect(fa.ram.read(0x4200_0000, count: 8 * 4096) == fb.ram.read(0x4200_0000, count: 8 * 4096), "step \(step): memory")
        }
        #expect(traced > 0)
        // The runs did happen: far fewer lookups than transactions on the unobserved machine.
        #expect(fb.smmu.stats.translations == fa.smmu.stats.translations && fb.smmu.stats.tlbHits > 10_000)
    }

    /// A TLB invalidation or a register write ends the micro-TLB's entries: the next
    /// transaction walks again and sees the new leaf.
    @Test func theMicroTLBForgetsOnInvalidationAndRegisterWrites() {
        let (f, _) = machine()
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_2010, write: true).outcome == .address(0x4200_2010))
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_2020, write: true).outcome == .address(0x4200_2020))
        f.ram.store(0x4100_3000 + 2 * 8, size: 8, value: Stage2Descriptor.leaf(address: 0x4200_4000, level: 3).rawValue)
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_2000, write: false).outcome == .address(0x4200_2000))  // stale, as hardware
        f.w(0x9618, 0)  // TLBIALL
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_2000, write: false).outcome == .address(0x4200_4000))
        f.w(0x800, 0)  // SMR0 invalid: stream 5 no longer matches; sCR0.USFCFG = 0 → bypass
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_2000, write: false).bypass == .unmatchedStream)
        #expect(f.smmu.hitAddress(streamID: 5, iova: 0x1000_2000, write: false) == nil)
    }

    /// The engine reports every RAM range it writes (the machine drops decoded code there), on
    /// the page-run path and the beat-by-beat path alike; without a listener a write to the
    /// engine counts as a write to all of RAM.
    @Test func everyWrittenRangeIsReportedOnBothPaths() {
        for observed in [false, true] {
            let (_, d) = machine()
            #expect(d.writesMemory)
            var written: [(UInt64, UInt64)] = []
            d.memoryWritten = { written.append(($0, $1)) }
            #expect(!d.writesMemory)
            if observed { d.transactionObserver = { _ in } }
            // IOVA pages 2 and 3 → PA 0x4200_2000 and 0x4200_3000: 0x1800 bytes from the middle of page 2.
            _ = start(d, src: 0x1000_4000, dst: 0x1000_2800, len: 0x1800)
            #expect(d.status == 1, "observed: \(observed)")
            let sorted = written.sorted { $0.0 < $1.0 }
            #expect(sorted.first?.0 == 0x4200_2800 && sorted.map(\.1).reduce(0, +) == 0x1800, "observed: \(observed)")
            #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.0 + $0.1 == $1.0 }, "observed: \(observed): \(sorted)")
        }
    }
}
