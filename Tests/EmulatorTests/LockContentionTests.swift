import Foundation
@testable import KCore
import Testing
@testable import Emulator

/// Ticket-lock contention on the machine: the smmu-smp sample on 1, 4 and 8 CPUs, its waits in
/// `--stats`, and its lock log.
@Suite struct LockContentionTests {
    func run(cpus: Int, handlers: KCore.HandlerLevel = .impl, log: Bool = false) throws -> (Machine, String, RunResult, [String]) {
        var config = MachineConfiguration()
        config.cpus = cpus
        config.handlers = handlers
        var out: [UInt8] = []
        let m = try Machine(imagePath: SamplePaths.sample("smmu-smp"), configuration: config) { out.append($0) }
        var lines: [String] = []
        if log { m.logLocks { lines.append($0) } }
        let r = m.run()
        return (m, String(decoding: out, as: UTF8.self), r, lines)
    }

    @Test(.enabled(if: SamplePaths.has("smmu-smp"), "make samples first"))
    func oneCPUNeverWaits() throws {
        let (m, out, r, _) = try run(cpus: 1)
        #expect(r.exitStatus == 0 && out == "cpus 1 rounds 50 ok\n")
        #expect(m.kcore.locks.totalWaitCycles == 0)
        #expect(m.kcore.locks.contention.values.allSatisfy { $0.contended == 0 })
    }

    /// The figures `--stats` prints for 4 and 8 CPUs, pinned: they change only when the cost
    /// model, the sample or the scheduler does (then update them, and say why in the commit).
    @Test(.enabled(if: SamplePaths.has("smmu-smp"), "make samples first"), arguments: [4, 8])
    func waitsAreVisibleAndPinned(cpus: Int) throws {
        let (m, out, r, _) = try run(cpus: cpus)
        #expect(r.exitStatus == 0 && out == "cpus \(cpus) rounds 50 ok\n")
        let smmu = m.kcore.locks.contention[LockID.smmu] ?? LockContention()
        let spt = m.kcore.locks.contention[LockID.spt] ?? LockContention()
        let pinned: [Int: [UInt64]] = [
            4: [612, 562, 239941, 404, 197, 44920],
            8: [1220, 1210, 1300237, 808, 399, 279736],
        ]
        #expect([smmu.acquisitions, smmu.contended, smmu.waitCycles, spt.acquisitions, spt.contended, spt.waitCycles] == pinned[cpus]!)
        // Every CPU waited, and the per-CPU waits add up to the per-lock waits.
        #expect((0..<cpus).allSatisfy { m.kcore.locks.waitByCPU[$0, default: 0] > 0 })
        #expect(m.kcore.locks.totalWaitCycles == m.kcore.locks.contention.values.reduce(0) { $0 + $1.waitCycles })
        let stats = m.statistics()
        #expect(stats.contains("lock SMMU: acquisitions \(smmu.acquisitions) contended \(smmu.contended) wait-cycles \(smmu.waitCycles)"))
        #expect(stats.contains("lock-wait \(m.kcore.locks.waitByCPU[0, default: 0])"))
    }

    @Test(.enabled(if: SamplePaths.has("smmu-smp"), "make samples first"))
    func moreCPUsWaitLonger() throws {
        let w = try [2, 4, 8].map { try run(cpus: $0).0.kcore.locks.totalWaitCycles }
        #expect(w[0] < w[1] && w[1] < w[2])
    }

    /// The spec level takes the same locks in the same order for these calls, so it contends
    /// as well (with other figures: its alloc does not walk 1024 root entries one by one).
    @Test(.enabled(if: SamplePaths.has("smmu-smp"), "make samples first"))
    func theSpecLevelContendsToo() throws {
        let (m, out, r, _) = try run(cpus: 8, handlers: .spec)
        #expect(r.exitStatus == 0 && out == "cpus 8 rounds 50 ok\n")
        #expect(m.kcore.locks.contention[LockID.smmu]!.contended > 0)
    }

    /// The lock log: in cycle order, deterministic, each lock's events a valid ticket-lock
    /// history (wait, pull, push, release by one CPU at a time), and in time each CPU pulls a
    /// lock only after the previous holder released it.
    @Test(.enabled(if: SamplePaths.has("smmu-smp"), "make samples first"))
    func theLockLogIsInCycleOrderAndWellFormed() throws {
        let (_, _, _, lines) = try run(cpus: 8, log: true)
        let (_, _, _, again) = try run(cpus: 8, log: true)
        #expect(lines == again)
        #expect(lines.count > 4 * 1220)
        let re = try Regex(#"^\[(\d+)\] cpu(\d) (\S+) TEVENT (\d) \((.*?)\)( ticket (\d+) wait (\d+))?$"#)
        var last: UInt64 = 0
        var perLock: [String: [(cycle: UInt64, cpu: Int, what: String)]] = [:]
        for line in lines {
            guard let m = line.wholeMatch(of: re) else {
                Issue.record("unparsable: \(line)")
                return
            }
            func group(_ i: Int) -> String { m.output[i].substring.map(String.init) ?? "" }
            let cycle = UInt64(group(1))!
            #expect(cycle >= last, "\(line)")
            last = cycle
            #expect(group(2) == group(4))
            perLock[group(3), default: []].append((cycle, Int(group(2))!, group(5)))
        }
        for (lock, events) in perLock where lock != "FLATMEM" {
            var holder: Int?
            var released: UInt64 = 0
            for e in events.sorted(by: { $0.cycle < $1.cycle }) where !e.what.hasPrefix("TTICKET (WAIT_LOCK") {
                if e.what.hasPrefix("TSHARED (OPULL") {
                    #expect(holder == nil, "\(lock): cpu\(e.cpu) pulls at \(e.cycle) while cpu\(holder ?? -1) holds it")
                    #expect(e.cycle >= released)
                    holder = e.cpu
                } else if e.what == "TTICKET REL_LOCK" {
                    #expect(holder == e.cpu)
                    holder = nil
                    released = e.cycle
                } else {
                    #expect(holder == e.cpu, "\(lock): push by cpu\(e.cpu) not holding it")
                }
            }
            #expect(holder == nil, "\(lock) still held at the end")
        }
    }
}
