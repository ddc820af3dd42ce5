import Stage2
import Testing
@testable import KCore

/// Ticket locks in cycles (TicketLocks.swift, HandlerClock.swift) and the lock state a panic
/// leaves behind, at both handler levels.
@Suite struct TicketLockTests {
    /// A 4-byte read of SMMU0's IDR0 from `cpu` trapping at `cycle` (emulate_mmio, SMMU lock).
    func read(_ k: KCore, cpu: Int, at cycle: UInt64?) -> TrapOutcome {
        var h = HostContext(cpu: cpu, elr: 0x4008_0000, esr: esr(len: 4, rt: 1, write: false), far: 0x20, hpfar: (0x0905_0000 >> 12) << 4, cycle: cycle)
        return k.handleHostStage2Fault(&h)
    }

    @Test func aCPUArrivingBeforeTheReleaseWaitsUntilItPlusTheHandoff() {
        let (k, _, _) = makeCore()
        let c = k.configuration.costModel
        let first = read(k, cpu: 0, at: 1000)
        #expect(first.lockWaitCycles == 0)
        let release = k.locks.lastRelease(LockID.smmu)
        #expect(release > 1000 + c.trapEntry)
        // CPU 1 traps 10 cycles after CPU 0: it reaches the lock (after trap entry) before CPU
        // 0 released it, and gets it at the release plus the handoff.
        let second = read(k, cpu: 1, at: 1010)
        let arrival = 1010 + c.trapEntry
        #expect(second.lockWaitCycles == release + c.lockHandoff - arrival)
        #expect(second.cycles == first.cycles + second.lockWaitCycles)
        #expect(k.locks.contention[LockID.smmu]?.contended == 1)
        #expect(k.locks.contention[LockID.smmu]?.acquisitions == 2)
        #expect(k.locks.waitByCPU[1] == second.lockWaitCycles)
        #expect(k.locks.waitByCPU[0] == nil)
    }

    @Test func aCPUArrivingAfterTheReleaseDoesNotWait() {
        let (k, _, _) = makeCore()
        _ = read(k, cpu: 0, at: 1000)
        let o = read(k, cpu: 1, at: k.locks.lastRelease(LockID.smmu))
        #expect(o.lockWaitCycles == 0)
        #expect(k.locks.contention[LockID.smmu]?.contended == 0)
    }

    /// Three CPUs arriving together are served in arrival order, each after the previous one's
    /// release: the waits grow by one critical section each.
    @Test func ticketsAreServedInArrivalOrder() {
        let (k, _, _) = makeCore()
        var events: [TimedLockEvent] = []
        k.locks.sink = { events.append($0) }
        let o = (0..<3).map { read(k, cpu: $0, at: 500) }
        #expect(o[0].lockWaitCycles == 0 && o[1].lockWaitCycles > 0 && o[2].lockWaitCycles > o[1].lockWaitCycles)
        let section = o[0].cycles - k.configuration.costModel.trapEntry - k.configuration.costModel.eret
        // emulate_mmio's body is its critical section (the SMMU lock is its first and last step).
        #expect(o[2].lockWaitCycles - o[1].lockWaitCycles == section + k.configuration.costModel.lockHandoff)
        let pulls = events.filter { if case .pull = $0.event.kind { return true } else { return false } }
        let releases = events.filter { $0.event.kind == .release }
        #expect(pulls.map(\.event.cpu) == [0, 1, 2])
        #expect(events.compactMap(\.ticket) == [0, 1, 2])
        // Mutual exclusion in time: each CPU pulls after the previous one released.
        for i in 1..<3 { #expect(pulls[i].cycle >= releases[i - 1].cycle + k.configuration.costModel.lockHandoff) }
        #expect(LockTable.validate(events.filter { $0.lock == LockID.smmu }.map(\.event)) == (true, nil))
    }

    /// A caller that gives no cycle gets no timing: no tickets, no waits, lock costs still
    /// charged.
    @Test func untimedCallsTakeNoTicket() {
        let (k, _, _) = makeCore()
        let a = read(k, cpu: 0, at: nil), b = read(k, cpu: 1, at: nil)
        #expect(a.lockWaitCycles == 0 && b.lockWaitCycles == 0 && a.cycles == b.cycles)
        #expect(k.locks.contention.isEmpty)
        let c = k.configuration.costModel
        #expect(a.cycles >= c.trapEntry + c.eret + c.lockAcquire + c.lockRelease)
    }

    /// The lock costs of the cost model are what a call pays for them.
    @Test func lockOperationsAreChargedByTheCostModel() {
        var cfg = KCore.Configuration()
        cfg.ramSize = 64 << 20
        let mem = PhysicalMemory(base: 0x4000_0000, size: 64 << 20)!
        let base = read(KCore(configuration: cfg, memory: mem, smmu: FakeSMMU()), cpu: 0, at: 0).cycles
        cfg.costModel.lockAcquire += 7
        cfg.costModel.lockRelease += 3
        let dearer = read(KCore(configuration: cfg, memory: PhysicalMemory(base: 0x4000_0000, size: 64 << 20)!, smmu: FakeSMMU()), cpu: 0, at: 0).cycles
        #expect(dearer == base + 10)  // one SMMU acquire and one release
    }
}

/// Where each panic leaves the locks: the spec's `halt` keeps every lock taken before the panic
/// (`LockOwn true`) and writes no release event for it. Both levels must agree, and both must
/// match the set read off the Coq definitions.
@Suite struct LocksLeftOwnedOnPanic {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var level: KCore.HandlerLevel
        /// Lock ids held after the panic, by the panicking CPU (3).
        var held: Set<Int>
        /// VM 1 VERIFIED (else READY) before the call.
        var verified = false
        var testDescription: String { "\(name) (\(level.rawValue))" }
    }

    static let smmu = LockID.smmu, info1 = LockID.info(1), s2 = LockID.s2page
    static let cases: [Case] = [KCore.HandlerLevel.impl, .spec].flatMap { l in
        [
            Case(name: "emulate_mmio 2-byte read", level: l, held: [smmu]),
            Case(name: "emulate_mmio CONTEXTIDR write", level: l, held: [smmu]),
            Case(name: "el2_free_smmu_pgd of a live VM's bank", level: l, held: [smmu]),
            Case(name: "el2_alloc_smmu_pgd beyond the bank count", level: l, held: [smmu]),
            // The assign half of el2_arm_lpae_map: at spec only a VERIFIED VM gets that far (D1).
            Case(name: "el2_arm_lpae_map of an EL2 page", level: l, held: [smmu, info1, s2], verified: l == .spec),
            Case(name: "map_page_host of an EL2 page", level: l, held: [s2]),
            Case(name: "hvc argument out of range", level: l, held: []),
        ]
    } + [
        // D1: the levels panic on opposite VM states; each keeps SMMU and the VM's info lock.
        Case(name: "smmu_assign_page to a VM not VERIFIED", level: .spec, held: [smmu, info1]),
        Case(name: "smmu_assign_page to a VERIFIED VM", level: .impl, held: [smmu, info1], verified: true),
        Case(name: "el2_arm_lpae_clear on a VERIFIED VM", level: .impl, held: [smmu, info1], verified: true),
        Case(name: "el2_arm_lpae_clear on a VERIFIED VM", level: .spec, held: [smmu, info1], verified: true),
        // The map half: the spec's assign accepts the VM's own image page, then map refuses.
        Case(name: "smmu_map_page on a VERIFIED VM", level: .spec, held: [smmu, info1], verified: true),
    ]

    /// VM 1 (READY, or VERIFIED with a one-page image) owning bank 0 of SMMU0.
    func setUp(_ level: KCore.HandlerLevel, verified: Bool) -> (KCore, PhysicalMemory) {
        let mem = PhysicalMemory(base: 0x4000_0000, size: 64 << 20)!
        var c = KCore.Configuration()
        c.ramSize = 64 << 20
        c.handlers = level
        c.sha256 = { _ in [1] }
        c.vmImageHashes = [1: [1]]
        let k = KCore(configuration: c, memory: mem, smmu: FakeSMMU())
        _ = hvc(k, 13)
        _ = hvc(k, 24, 0, 1, 0)
        if verified {
            _ = hvc(k, 10, 1, 0x8000_0000, 4096)
            _ = hvc(k, 11, 1, 0x4030_0000 >> 12, 0)
            _ = hvc(k, 12, 1)
        }
        return (k, mem)
    }

    @Test(arguments: cases) func theSpecsLocksStayOwned(_ c: Case) {
        let (k, _) = setUp(c.level, verified: c.verified)
        #expect(!k.halted)
        #expect(k.data.locks.holder.isEmpty)
        var events: [TimedLockEvent] = []
        k.locks.sink = { events.append($0) }
        let cpu = 3
        func call(_ args: UInt64...) -> TrapOutcome {
            var h = HostContext(cpu: cpu, x: args, cycle: 10_000)
            return k.handleHVC(&h)
        }
        func access(_ ipa: UInt64, len: Int, write: Bool) -> TrapOutcome {
            var h = HostContext(cpu: cpu, elr: 0x4008_0000, esr: esr(len: len, rt: 1, write: write), far: ipa & 0xFFF, hpfar: (ipa >> 12) << 4, cycle: 10_000)
            return k.handleHostStage2Fault(&h)
        }
        let o: TrapOutcome
        switch c.name {
        case "emulate_mmio 2-byte read": o = access(0x0905_0000, len: 2, write: false)
        case "emulate_mmio CONTEXTIDR write": o = access(0x0905_8034, len: 4, write: true)
        case "el2_free_smmu_pgd of a live VM's bank": o = call(23, 0, 0)
        case "el2_alloc_smmu_pgd beyond the bank count": o = call(24, 5, 1, 1)
        case "el2_arm_lpae_map of an EL2 page": o = call(25, 0x2000, k.carveOut.base, 3, 0, 0)
        case "smmu_assign_page to a VERIFIED VM": o = call(25, 0x1000, 0x4020_0000, 3, 0, 0)
        case "map_page_host of an EL2 page": o = access(k.carveOut.base, len: 8, write: false)
        case "hvc argument out of range": o = call(23, 8, 0)
        case "smmu_assign_page to a VM not VERIFIED": o = call(25, 0x1000, 0x4020_0000, 3, 0, 0)
        case "el2_arm_lpae_clear on a VERIFIED VM": o = call(27, 0x1000, 0, 0)
        case "smmu_map_page on a VERIFIED VM": o = call(25, 0x8000_0000, 0x4030_0000, 3, 0, 0)
        default: Issue.record("no such case"); return
        }
        #expect(o.panic != nil)
        #expect(k.halted)
        #expect(Set(k.data.locks.holder.keys) == c.held, "\(k.data.locks.holder)")
        #expect(k.data.locks.holder.values.allSatisfy { $0 == cpu })
        // The log agrees: replaying each held lock's log ends with this CPU owning it, and the
        // run's timed events show its pull without a push or release after it.
        for id in c.held {
            #expect(LockTable.validate(k.data.locks.log[id] ?? []) == (true, cpu))
            let mine = events.filter { $0.lock == id }
            if case .pull = mine.last?.event.kind {} else { Issue.record("last timed event of \(LockID.name(id)) is \(String(describing: mine.last))") }
        }
        // Locks released before the panic are released in the log too.
        for (id, log) in k.data.locks.log where !c.held.contains(id) && id != LockID.flatmem {
            #expect(LockTable.validate(log) == (true, nil), "\(LockID.name(id))")
        }
        // Nothing moves after the panic.
        let snapshot = k.data
        _ = call(13)
        _ = access(0x0905_0020, len: 4, write: false)
        #expect(k.data == snapshot)
    }
}
