import Stage2
import Testing
import TestSupport
@testable import KCore

/// One run of the property: a fresh machine brought to a random valid state, then random calls of
/// the seven seed functions from CPUs 0–7 at increasing cycles, every call checked by KCore's
/// refinement checker (spec level against the abstraction of the implementation level, from the
/// same state). The run ends at its call budget or a little after a panic (to see that nothing
/// moves once halted).
struct RefinementRun {
    let seed: UInt64
    var rng: SplitMix64
    let k: KCore
    var cycle: UInt64 = 1000
    /// Calls of the seven seed functions issued (setup calls not counted).
    var calls = 0
    var vms: [UInt32] = []
    /// Per VM: (pfn, gfn) of its verified image pages (owned by the VM at both levels).
    var imagePages: [UInt32: [(pfn: UInt64, gfn: UInt64)]] = [:]
    /// Host pages the calls draw from, and IOVAs (a few 2 MiB and 1 GiB regions, so tables are
    /// shared and new ones allocated).
    var hostPFNs: [UInt64]
    var iovas: [UInt64]
    /// Unexpected differences found (each with the call that produced it).
    var failures: [String] = []
    var history: [String] = []
    /// The panic that ended the run, if any.
    var panic: PanicReason?
    /// Host IPAs whose NPT entry the calls changed (their TLB invalidations), oldest first.
    var invalidated: [UInt64] = []

    /// Room for the host pages, the VM images at 0x4200_0000 and the 36 MiB EL2 carve-out above.
    static let ram: UInt64 = 128 << 20

    init(seed: UInt64, allowList: Set<KnownDivergence> = Set(KnownDivergence.allCases)) {
        self.seed = seed
        rng = SplitMix64(state: seed)
        var c = KCore.Configuration()
        c.allowList = allowList
        c.ramSize = RefinementRun.ram
        c.handlers = .impl
        c.checkRefinement = true
        c.sha256 = { _ in [0x5E] }  // every image verifies (the hash itself is tested elsewhere)
        c.vmImageHashes = Dictionary(uniqueKeysWithValues: (1..<16).map { (UInt32($0), [UInt8(0x5E)]) })
        k = KCore(configuration: c, memory: PhysicalMemory(base: 0x4000_0000, size: RefinementRun.ram)!, smmu: FakeSMMU())
        hostPFNs = (0..<64).map { 0x4100_0000 / 4096 + UInt64($0) }
        iovas = []
        for r in 0..<3 { for p in 0..<4 { iovas.append(UInt64(r) << 30 | UInt64(r & 1) << 21 | UInt64(p) << 12) } }
    }

    // MARK: issuing calls

    mutating func hvc(_ args: UInt64...) -> TrapOutcome {
        cycle &+= UInt64(1 + rng.below(400))
        var h = HostContext(cpu: rng.below(8), x: args, cycle: cycle)
        history.append("cpu\(h.cpu) hvc \(args.map { "0x" + String($0, radix: 16) }.joined(separator: ","))")
        return record(k.handleHVC(&h))
    }

    mutating func access(_ ipa: UInt64, len: Int, write: Bool, value: UInt64) -> TrapOutcome {
        cycle &+= UInt64(1 + rng.below(400))
        let rt = rng.below(31)
        var x = [UInt64](repeating: 0, count: 31)
        x[rt] = value
        var h = HostContext(cpu: rng.below(8), x: x, elr: 0x4008_0000, esr: esr(len: len, rt: rt, write: write),
            far: ipa & 0xFFF, hpfar: (ipa >> 12) << 4, cycle: cycle)
        history.append("cpu\(h.cpu) \(write ? "W" : "R")\(len * 8) 0x\(String(ipa, radix: 16)) = 0x\(String(value, radix: 16))")
        return record(k.handleHostStage2Fault(&h))
    }

    mutating func record(_ o: TrapOutcome) -> TrapOutcome {
        if o.refinementFailure, let r = o.refinement { failures.append("call \(history.count): \(history.last ?? ""): \(r)") }
        if panic == nil { panic = o.panic }
        invalidated += o.tlbInvalidations
        return o
    }

    // MARK: a random valid state

    /// Registers 1–4 VMs, claims random banks for them and the host, then leaves each VM
    /// READY, or verifies it with a 1–3 page image, or verifies it and powers it off (its image
    /// pages stay its own: the state in which both levels map a VM's own pages).
    mutating func setUp() {
        let n = 1 + rng.below(4)
        var nextImagePFN: UInt64 = 0x4200_0000 / 4096
        for _ in 0..<n {
            let vmid = UInt32(truncatingIfNeeded: hvc(13).decisionValue)
            guard vmid > 0 && vmid < 16 else { return }
            vms.append(vmid)
        }
        // Banks are claimed before verification, as SeKVM's host does for pass-through devices
        // (the implementation refuses a VERIFIED VM: D2).
        for _ in 0..<(1 + rng.below(6)) {
            let ix = rng.below(2), cb = rng.below(ix == 0 ? 8 : 4)
            _ = hvc(24, UInt64(cb), UInt64(rng.chance(85) ? rng.pick(vms) : 0), UInt64(ix))
        }
        for vmid in vms {
            let fate = rng.below(3)
            if fate == 0 { continue }
            let pages = 1 + rng.below(3)
            let load = 0x8000_0000 + UInt64(vmid) << 24
            _ = hvc(10, UInt64(vmid), load, UInt64(pages) * 4096)
            var owned: [(UInt64, UInt64)] = []
            for i in 0..<pages {
                _ = hvc(11, UInt64(vmid), nextImagePFN, 0)
                owned.append((nextImagePFN, load / 4096 + UInt64(i)))
                nextImagePFN += 1
            }
            _ = hvc(12, UInt64(vmid))
            imagePages[vmid] = owned
            if fate == 2 { k.powerOffVM(vmid, cpu: rng.below(8)) }
        }
    }

    // MARK: one random call of the seven

    /// The state of a bank's owner: nil for an unclaimed bank, .active for the host (never
    /// POWEROFF, never VERIFIED).
    func ownerState(_ b: (cb: Int, ix: Int)) -> VMState? {
        let v = k.data.smmuVmid[KC.smmu_id(b.ix, b.cb)]
        if v == KC.INVALID { return nil }
        return v == 0 ? .active : k.data.vminfos[Int(v)].state
    }

    /// A bank, mostly one that is claimed and for which `ok` holds (calls are valid most of the
    /// time, so runs are long; a panicking call comes now and then).
    mutating func bank(_ ok: (VMState?) -> Bool = { _ in true }) -> (cb: Int, ix: Int) {
        let all = (0..<16).filter { $0 < 8 || $0 % 8 < 4 }.map { (cb: $0 % 8, ix: $0 / 8) }
        let good = all.filter { ok(ownerState($0)) }
        let claimed = good.filter { ownerState($0) != nil }
        if rng.perMille(3) || good.isEmpty { return rng.pick(all) }
        return !claimed.isEmpty && rng.chance(85) ? rng.pick(claimed) : rng.pick(good)
    }

    /// An (iova, pa) pair for el2_arm_lpae_map on a bank of `vmid`: a page the VM owns at its
    /// own gfn (its image, or a page assigned earlier), or a host page not shared with a
    /// device, at a pool IOVA; rarely a page that panics (another VM's, EL2's). Every VM bank
    /// meets divergence D1 in assign (the levels panic for opposite VM states).
    mutating func mapTarget(vmid: UInt32) -> (UInt64, UInt64) {
        if rng.perMille(3) { return (rng.pick(iovas), k.carveOut.base + UInt64(rng.below(4)) * 4096) }
        if rng.perMille(3) { return (rng.pick(iovas), rng.pick(hostPFNs) * 4096) }
        let own = vmid == KC.HOSTVISOR ? [] : (hostPFNs + (imagePages[vmid] ?? []).map(\.pfn)).filter { k.data.s2page[$0].owner == vmid }
        let free = hostPFNs.filter { k.data.s2page[$0].owner == KC.HOSTVISOR && k.data.s2page[$0].count == 0 }
        if !own.isEmpty && (free.isEmpty || rng.chance(50)) {
            let p = rng.pick(own)
            return (k.data.s2page[p].gfn * 4096, p * 4096)
        }
        return (rng.pick(iovas), (free.isEmpty ? rng.pick(hostPFNs) : rng.pick(free)) * 4096)
    }

    /// A host page for a host access: one the host may map, rarely one it may not.
    mutating func hostPage() -> UInt64 {
        let pfn = 0x4000_0000 / 4096 + UInt64(rng.below(4096))
        if rng.perMille(5) { return pfn * 4096 }
        let owner = k.data.s2page[pfn].owner
        return owner == KC.HOSTVISOR || owner == KC.INVALID ? pfn * 4096 : 0x4000_0000
    }

    mutating func step() {
        calls += 1
        switch rng.below(16) {
        case 0...4: emulateMMIO()
        case 5:
            let b = bank { $0 == nil || $0 == .poweroff }  // else a panic (a live VM, or the host)
            _ = hvc(23, UInt64(b.cb), UInt64(b.ix))  // el2_free_smmu_pgd
        case 6:
            let ix = rng.below(2)
            let cb = rng.perMille(995) ? rng.below(ix == 0 ? 8 : 4) : 4 + rng.below(4)
            // A VERIFIED VM: the implementation panics (D2).
            let live = vms.filter { k.data.vminfos[Int($0)].state != .verified }
            let vmid = rng.perMille(3) && !vms.isEmpty ? rng.pick(vms) : live.isEmpty || rng.chance(15) ? 0 : rng.pick(live)
            _ = hvc(24, UInt64(cb), UInt64(vmid), UInt64(ix))  // el2_alloc_smmu_pgd
        case 7...9:
            let b = bank { $0 == nil || ($0 != .verified && $0 != .active) }
            let owner = k.data.smmuVmid[KC.smmu_id(b.ix, b.cb)]
            let (iova, pa) = mapTarget(vmid: owner)
            _ = hvc(25, iova, pa, rng.pick([3, 0x43, 0xC3, 0x7FF]), UInt64(b.cb), UInt64(b.ix))  // assign + map
        case 10...12:
            let b = bank()
            let owner = k.data.smmuVmid[KC.smmu_id(b.ix, b.cb)]
            let iova = imagePages[owner].map { rng.chance(50) ? rng.pick($0).gfn * 4096 : rng.pick(iovas) } ?? rng.pick(iovas)
            _ = hvc(26, iova | UInt64(rng.below(4096)), UInt64(b.cb), UInt64(b.ix))  // iova_to_phys
        default:
            let b = bank { $0 != .verified }
            let owner = k.data.smmuVmid[KC.smmu_id(b.ix, b.cb)]
            let iova = imagePages[owner].map { rng.chance(50) ? rng.pick($0).gfn * 4096 : rng.pick(iovas) } ?? rng.pick(iovas)
            _ = hvc(27, iova, UInt64(b.cb), UInt64(b.ix))  // el2_arm_lpae_clear
        }
    }

    /// emulate_mmio: reads of every width the host may use, allowed writes (sCR0 with SMCFCFG,
    /// sCR2 = 0, CBAR of a bank with its owner's VMID, TTBR0, other bank registers), rarely a
    /// forbidden one (a panic), and host RAM pages (map_page_host).
    mutating func emulateMMIO() {
        let smmu: UInt64 = rng.chance(75) ? 0x0905_0000 : 0x0906_0000
        let cb = UInt64(rng.below(8))
        let len = rng.perMille(3) ? rng.pick([1, 2]) : rng.pick([4, 8])
        switch rng.below(10) {
        case 0...2:
            let off: UInt64 = rng.pick([0x0, 0x8, 0x20, 0x24, 0x48, 0x800, 0xC00, 0x1000 + 4 * cb, 0x8000 + cb << 12 | 0x20, 0x8000 + cb << 12 | 0x58])
            _ = access(smmu | off, len: len, write: false, value: 0)
        case 3:
            _ = access(smmu, len: len, write: true, value: rng.perMille(995) ? 1 << 21 | UInt64(rng.below(8)) : 0)  // sCR0
        case 4:
            _ = access(smmu | 0x8, len: len, write: true, value: rng.perMille(995) ? 0 : 5)  // sCR2
        case 5:
            // CBARn: allowed for a claimed bank with its owner's VMID and type 0 (anything for a
            // host bank, and CBAR0 is never checked); otherwise a panic.
            let index = smmu == 0x0905_0000 ? 0 : 1
            let owner = k.data.smmuVmid[KC.smmu_id(index, Int(cb))]
            let bad = rng.perMille(5)
            if owner == KC.INVALID && cb != 0 && !bad { fallthrough }
            let vmid = bad || owner == KC.INVALID ? UInt64(rng.below(4)) : UInt64(owner)
            _ = access(smmu | (0x1000 + 4 * cb), len: len, write: true, value: vmid | (bad ? 1 << 16 : 0))
        case 6, 7:
            let reg: UInt64 = rng.perMille(995) ? rng.pick([0x20, 0x20, 0x0, 0x30, 0x58]) : 0x34
            _ = access(smmu | 0x8000 | cb << 12 | reg, len: len, write: true, value: rng.next())
        default:
            _ = access(hostPage(), len: 8, write: rng.chance(50), value: 0)
        }
    }

    // MARK: checks at the end of a run

    /// The whole state against the implementation's abstraction, and every lock's log a valid
    /// ticket-lock history: free at the end, or (after a panic) owned by the CPU that panicked.
    func finalChecks() -> [String] {
        var out: [String] = []
        let diffs = compareStates(k.spec, k.impl.abstraction())
        if !diffs.isEmpty { out.append("final state: " + diffs.map(\.description).joined(separator: "; ")) }
        if let kept = k.implNPT?.npt, kept != k.impl.abstractNPT() { out.append("the incremental NPT abstraction differs from the full one") }
        for (id, log) in k.data.locks.log {
            let (valid, holder) = LockTable.validate(log)
            if !valid { out.append("lock log of \(LockID.name(id)) breaks the ticket discipline") }
            if holder != k.data.locks.holder[id] { out.append("lock \(LockID.name(id)): log says \(String(describing: holder)), table says \(String(describing: k.data.locks.holder[id]))") }
            if !k.halted && holder != nil { out.append("lock \(LockID.name(id)) still held without a panic") }
        }
        return out
    }
}

extension TrapOutcome {
    /// The value the handler returned (register_kvm's vmid).
    var decisionValue: UInt64 { decision.value ?? 0 }
}

/// The property: over ≥ 100,000 calls of the seven seed functions (KCORE_REFINEMENT_CALLS to
/// change; CI uses the default), issued from CPUs 0–7 on random valid states, the spec level and
/// the implementation level never differ outside the known-divergence allow-list, and lock logs
/// stay well formed. A failure prints its run's seed; `KCORE_SEED=0x… swift test --filter
/// RandomRefinement` replays exactly that run (with its call history in the failure message).
/// Runs are split over `shards` test cases so both cores work.
@Suite struct RandomRefinement {
    static let shards = 4

    @Test(arguments: 0..<RandomRefinement.shards)
    func specAndImplAgreeOutsideTheAllowList(shard: Int) {
        let total = Int(ProcessInfo_env("KCORE_REFINEMENT_CALLS") ?? "") ?? 100_000
        let replay = ProcessInfo_env("KCORE_SEED").flatMap { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) }
        if replay != nil && shard != 0 { return }
        let master: UInt64 = 0x5EED_2026
        var calls = 0, runs = 0, panics = 0, setUpPanics = 0
        var known: [KnownDivergence: Int] = [:]
        var panicsBy: [String: Int] = [:]
        while calls < (replay == nil ? total / RandomRefinement.shards : 1) {
            var mix = SplitMix64(state: master ^ UInt64(shard) << 40 ^ UInt64(runs))
            let seed = replay ?? mix.next()
            runs += 1
            var run = RefinementRun(seed: seed)
            run.setUp()
            if run.k.halted { setUpPanics += 1 }
            let budget = 150 + run.rng.below(250)
            var afterPanic = 0
            while run.calls < budget && afterPanic < 3 && run.failures.isEmpty {
                run.step()
                if run.k.halted { afterPanic += 1 }
            }
            calls += run.calls
            if run.k.halted { panics += 1 }
            if let p = run.panic { panicsBy[p.function, default: 0] += 1 }
            for r in run.k.refinementReports { if let d = r.known { known[d, default: 0] += 1 } }
            let problems = run.failures + run.finalChecks()
            if !problems.isEmpty {
                Issue.record("""
                    seed 0x\(String(seed, radix: 16)) (replay: KCORE_SEED=0x\(String(seed, radix: 16)) swift test --filter RandomRefinement):
                    \(problems.joined(separator: "\n"))
                    calls:
                    \(run.history.joined(separator: "\n"))
                    """)
                return
            }
            if replay != nil { break }
        }
        if replay == nil {
            #expect(known[.D1, default: 0] > 0 && known[.D2, default: 0] > 0)
            // A set-up that panics leaves nothing to compare (RAM too small for the images was
            // once enough to make every run end there).
            #expect(setUpPanics * 10 < runs, "\(setUpPanics) of \(runs) runs panicked while setting up")
        }
        print("RandomRefinement shard \(shard): \(calls) calls in \(runs) runs, \(panics) ended in a panic (\(panicsBy.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " "))), known divergences \(known.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)×\($0.value)" }.joined(separator: " "))")
        #expect(calls >= (replay == nil ? total / RandomRefinement.shards : 1))
    }
}

extension RandomRefinement {
    /// The property is not vacuous: with an empty allow-list the same generator finds D1 and
    /// D2 within a few runs, and the failure names the call that showed it.
    @Test func anUnlistedDivergenceIsCaught() {
        var found: Set<String> = []
        for seed in UInt64(1)...20 {
            var run = RefinementRun(seed: seed, allowList: [])
            run.setUp()
            while run.calls < 300 && !run.k.halted { run.step() }
            for f in run.failures {
                #expect(f.hasPrefix("call "))
                if f.contains("smmu_assign_page") { found.insert("D1") }
                if f.contains("el2_alloc_smmu_pgd") { found.insert("D2") }
            }
        }
        #expect(found == ["D1", "D2"])
    }
}
