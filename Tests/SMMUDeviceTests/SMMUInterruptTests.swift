import Stage2
import Testing
@testable import SMMUDevice

/// The SMMU's fault interrupts (ARM IHI 0062: global when sGFSR records a fault and sCR0.GFIE,
/// context bank n when its FSR records one and SCTLR.CFIE; write one to clear lowers them) and
/// the DMA engine's done/faulted line.
@Suite struct SMMUInterruptTests {
    final class Lines {
        var level: [Int: Bool] = [:]
        var changes = 0
    }

    func watch(_ s: SMMU) -> Lines {
        let l = Lines()
        s.interrupt = { line, high in l.level[line] = high; l.changes += 1 }
        return l
    }

    @Test func contextFaultRaisesTheBanksLineWithCFIEUntilFSRIsCleared() {
        let f = Fixture()
        let l = watch(f.smmu)
        f.program()  // SCTLR 0x67: CFIE set
        _ = f.smmu.translate(streamID: 5, iova: 0x1000_2000, write: false)  // unmapped: TF
        #expect(l.level[2] == true)  // line 1 + bank 1
        #expect(l.level[0] == nil)
        _ = f.smmu.translate(streamID: 5, iova: 0x1000_3000, write: false)  // MULTI: no new edge
        #expect(l.changes == 1)
        f.w(0x9058, 1 << 1)  // clear TF; MULTI still set
        #expect(l.level[2] == true)
        f.w(0x9058, 1 << 31)
        #expect(l.level[2] == false)
    }

    @Test func withoutCFIETheFaultIsRecordedButNoLineRises() {
        let f = Fixture()
        let l = watch(f.smmu)
        f.program()
        f.w(0x9000, 0x27)  // CFRE|AFE|TRE|M, CFIE clear
        _ = f.smmu.translate(streamID: 5, iova: 0x1000_2000, write: false)
        #expect(f.r(0x9058) != 0)
        #expect(l.changes == 0)
        f.w(0x9000, 0x67)  // enabling CFIE with a fault recorded raises it
        #expect(l.level[2] == true)
    }

    @Test func globalFaultLineFollowsGFIEAndSGFSR() {
        let f = Fixture()
        let l = watch(f.smmu)
        f.program()
        f.w(0x0, 0x0020_0400)  // USFCFG, GFIE clear
        _ = f.smmu.translate(streamID: 9, iova: 0x1000, write: false)
        #expect(l.level[0] == nil)
        f.w(0x0, 0x0020_0404)  // GFIE
        #expect(l.level[0] == true)
        f.w(0x48, f.r(0x48))  // write back sGFSR to clear
        #expect(l.level[0] == false)
    }

    @Test func dmaLineRisesWhenACopyEndsAndAWriteToSTATUSAcknowledges() {
        let f = Fixture()
        f.program()
        let d = DMAEngine(name: "DMA0", smmu: f.smmu, memory: f.ram)
        var levels: [Bool] = []
        d.interrupt = { levels.append($0) }
        _ = start(d, src: 0x1000_0000, dst: 0x1000_0800, len: 64)
        #expect(d.read(offset: 0x1C, size: 4) == 1 && levels == [true])
        _ = d.write(offset: 0x1C, size: 4, value: 0)
        #expect(levels == [true, false])
        #expect(d.read(offset: 0x1C, size: 4) == 1)  // STATUS keeps its value
        _ = start(d, src: 0x1000_2000, dst: 0x1000_0000, len: 64)  // faults
        #expect(d.read(offset: 0x1C, size: 4) == 2 && levels == [true, false, true])
        _ = start(d, src: 0x1000_0000, dst: 0x1000_0800, len: 64)  // the next start lowers it first
        #expect(levels == [true, false, true, false, true])
    }
}
