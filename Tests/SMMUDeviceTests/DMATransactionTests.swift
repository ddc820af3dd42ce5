import Stage2
import Testing
@testable import SMMUDevice

/// What a translation says beyond its outcome (the bank, the fault's status-bit name, the bypass
/// route), and the transactions a DMA engine reports to its observer: what `--trace dma` shows.
@Suite struct DMATransactionTests {
    @Test func translationsNameTheirBankFaultAndRoute() {
        let f = Fixture()
        f.program()
        let ok = f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false)
        #expect(ok.contextBank == 1 && ok.fault == nil && ok.bypass == nil)
        let tf = f.smmu.translate(streamID: 5, iova: 0x1000_5000, write: false)
        #expect(tf.contextBank == 1 && tf.fault == .translation)
        // A second fault while FSR is busy only sets MULTI, but the transaction still says why.
        let again = f.smmu.translate(streamID: 5, iova: 0x1000_6000, write: false)
        #expect(again.fault == .translation && f.r(0x9058) == 1 << 1 | 1 << 31)
        f.w(0xC04, 1 << 16)  // S2CR1 bypass; SMR1 unused: stream 9 is unmatched
        #expect(f.smmu.translate(streamID: 9, iova: 0x7000, write: false).bypass == .unmatchedStream)
        f.w(0x0, 0x0020_0400)  // USFCFG = 1
        let usf = f.smmu.translate(streamID: 9, iova: 0x7000, write: true)
        #expect(usf.fault == .unidentifiedStream && usf.contextBank == nil && usf.fault?.isGlobal == true)
        f.w(0x9000, 0x66)  // CB1 SCTLR.M = 0
        #expect(f.smmu.translate(streamID: 5, iova: 0x1000_0000, write: false).bypass == .contextDisabled)
    }

    @Test func statusBitsAreTheRegistersBits() {
        let context: [UInt64] = [2, 4, 8, 0x10, 0x80], global: [UInt64] = [1, 2, 4, 8]  // FSR TF…ASF, sGFSR ICF…UCBF
        #expect(SMMUFault.allCases.filter { !$0.isGlobal }.map(\.statusBit) == context)
        #expect(SMMUFault.allCases.filter(\.isGlobal).map(\.statusBit) == global)
    }

    @Test func theObserverSeesEveryTransactionInOrderWithItsOffset() {
        let f = Fixture()
        f.program()
        let d = DMAEngine(name: "DMA0", smmu: f.smmu, memory: f.ram)
        var seen: [DMATransaction] = []
        d.transactionObserver = { seen.append($0) }
        let cycles = start(d, src: 0x1000_1000, dst: 0x1000_0000, len: 128)
        #expect(seen.map(\.write) == [false, true, false, true])
        let iovas: [UInt64] = [0x1000_1000, 0x1000_0000, 0x1000_1040, 0x1000_0040]
        #expect(seen.map(\.iova) == iovas)
        #expect(seen.allSatisfy { $0.size == 64 && $0.streamID == 5 && $0.contextBank == 1 && $0.fault == nil })
        let pas: [UInt64?] = [0x4200_1000, 0x4200_0000, 0x4200_1040, 0x4200_0040]
        #expect(seen.map(\.physicalAddress) == pas)
        // Offsets accumulate translation and beat cycles: each starts where the last one ended.
        #expect(seen[0].startOffset == 0 && seen[1].startOffset == seen[0].cycles)
        #expect(seen[2].startOffset == seen[1].startOffset + seen[1].cycles + d.cyclesPerBeat)
        #expect(seen[3].startOffset + seen[3].cycles + d.cyclesPerBeat == cycles)
        seen = []
        _ = start(d, src: 0x1000_5000, dst: 0x1000_0000, len: 64)
        #expect(seen.count == 1 && seen[0].fault == .translation && seen[0].physicalAddress == nil)
    }
}
