import Testing
@testable import KCore

/// The refinement check compares only the lock-log events a call appended. A call that makes a
/// log pass its bound drops the log's oldest half; the events it appended must still be
/// compared (they were skipped when the start was counted in the kept array).
@Suite struct RefinementLogTrimTests {
    func state() -> SpecState {
        var d = EL2Data(s2page: S2PageTable(ramBase: 0x4000_0000, ramSize: 16 << 20, carveOutBase: 0x40C0_0000))
        d.locks.maxEventsPerLock = 8
        return SpecState(data: d, spt: AbstractSPT(), npt: AbstractNPT(layout: .coq))
    }

    @Test func differencesInACallThatTrimsTheLogAreReported() {
        var pre = state()
        for _ in 0..<2 {  // 6 events: wait, pull, push, release... per acquire/release pair
            _ = pre.data.locks.acquire(LockID.smmu, cpu: 0)
            _ = pre.data.locks.release(LockID.smmu, cpu: 0, pushing: .smmu)
        }
        let before = pre.data.locks.eventsEver
        var a = pre, b = pre
        // The same call on both levels, but one releases with another object: the log passes
        // its bound of 8 during the call and drops its oldest half on both sides.
        for _ in 0..<2 {
            _ = a.data.locks.acquire(LockID.smmu, cpu: 0)
            _ = a.data.locks.release(LockID.smmu, cpu: 0, pushing: .smmu)
            _ = b.data.locks.acquire(LockID.smmu, cpu: 0)
            _ = b.data.locks.release(LockID.smmu, cpu: 0, pushing: .spt)
        }
        #expect(a.data.locks.droppedEvents[LockID.smmu, default: 0] > 0)
        let diffs = compareStates(a, b, logsFrom: before)
        #expect(diffs.contains { $0.field.hasPrefix("log[SMMU]") }, "\(diffs)")
        // And a call whose events agree reports nothing.
        #expect(compareStates(a, a, logsFrom: before).isEmpty)
    }
}
