import Stage2
import Testing
@testable import KCore

/// A handler call costs the same however long the run has been going: it updates EL2 data in
/// place instead of copying the lock logs or a VM's image page list on every call. Counted, not
/// timed: the storage of an array that a call copies moves on every call, while an array
/// appended to in place moves only when it grows its capacity (O(log n) times).
@Suite struct HandlerCostTests {
    /// Storage address and capacity of an array, read through a temporary copy.
    func storage<T>(_ a: [T]?) -> (Int, Int) {
        guard let a else { return (0, 0) }
        return (a.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) }, a.capacity)
    }

    @Test func aLongRunOfRemapCallsCopiesNeitherLogNorPageList() {
        let k = vmCore(.impl)
        var h = HostContext(cpu: 0, x: [13])
        _ = k.handleHVC(&h)
        #expect(h.x[0] == 1)
        h = HostContext(cpu: 0, x: [10, 1, VMImage.loadIPA, 16 << 20])  // 4096 pages: within the remap window
        _ = k.handleHVC(&h)
        let n = 4000
        var logMoves = 0, pagesMoves = 0
        var log = storage(k.impl.data.locks.log[LockID.info(1)])
        var pages = storage(k.impl.data.vminfos[1].loads.first?.remappedPFNs)
        for i in 0..<n {
            h = HostContext(cpu: 0, x: [11, 1, 0x40000 + UInt64(i), 0])
            let o = k.handleHVC(&h)
            #expect(o.panic == nil)
            let l = storage(k.impl.data.locks.log[LockID.info(1)])
            let p = storage(k.impl.data.vminfos[1].loads.first?.remappedPFNs)
            if l.0 != log.0 { logMoves += 1 }
            if p.0 != pages.0 { pagesMoves += 1 }
            log = l
            pages = p
        }
        #expect(k.impl.data.vminfos[1].loads[0].remappedPFNs.count == n)
        // 4000 appends grow an array about log2(4000) ≈ 12 times.
        #expect(logMoves <= 24, "the INFO lock log moved \(logMoves) times in \(n) calls")
        #expect(pagesMoves <= 24, "the page list moved \(pagesMoves) times in \(n) calls")
    }

    @Test func aLongRunOfSeedCallsCopiesNoLog() {
        for level in [HandlerMode.impl, .spec] {
            let k = vmCore(level)
            var moves = 0
            var log = storage(k.data.locks.log[LockID.spt])
            for i in 0..<4000 {
                var h = HostContext(cpu: 0, x: [26, 0x1000 &* UInt64(i), 1, 0])
                _ = k.handleHVC(&h)
                let l = storage(k.data.locks.log[LockID.spt])
                if l.0 != log.0 { moves += 1 }
                log = l
            }
            #expect(moves <= 24, "\(level): the SPT lock log moved \(moves) times in 4000 calls")
        }
    }

    @Test func theRevocationsOfAVerificationLeaveTheNPTAndLogsInPlace() {
        // Verification revokes host NPT entries on a scratch state; the NPT pool pointers it
        // advanced come back, its lock events do not.
        for level in [HandlerMode.impl, .spec, .refinement] {
            let c = CheckedCore(vmCore(level))
            let o = c.boot()
            #expect(o?.panic == nil, "\(level)")
            #expect(c.violations.isEmpty, "\(level): \(c.violations)")
            #expect(c.k.data.vminfos[1].state == .verified, "\(level)")
        }
    }
}
