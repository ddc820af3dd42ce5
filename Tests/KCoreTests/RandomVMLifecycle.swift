import Testing
@testable import KCore

/// Seeded random call sequences over the whole VM life cycle (register, boot info, remap,
/// verify, power-off) mixed with the SMMU page-table calls and host page faults, both levels on
/// every call: no difference outside the allow-list and no broken KCore invariant after any
/// call, panics included. KCORE_VM_CALLS raises the number of calls; a failure prints the seed
/// of its sequence (KCORE_VM_SEED replays it).
@Suite struct RandomVMLifecycle {
    @Test func invariantsHoldAndLevelsAgreeAcrossTheLifeCycle() {
        let calls = Int(ProcessInfo_env("KCORE_VM_CALLS") ?? "") ?? 1500
        var seed: UInt64 = UInt64(ProcessInfo_env("KCORE_VM_SEED") ?? "") ?? 0x5EED_0004
        func rnd(_ n: UInt64) -> UInt64 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return (seed >> 33) % n
        }
        var done = 0
        /// What the sequences reached, so that a generator that stops reaching them is noticed.
        var verified = 0, poweredOffVerified = 0, mapped = 0, panics = 0
        while done < calls {
            let runSeed = seed
            // A constant digest: every hash check passes, so ownership decides verification.
            let k = vmCore(.refinement, hash: [0])
            var cfg = k.configuration
            cfg.sha256 = { _ in [0] }
            for v in UInt32(1)...3 { cfg.vmImageHashes[v] = [0] }
            let c = CheckedCore(KCore(configuration: cfg, memory: k.impl.memory, smmu: FakeSMMU()))
            for _ in 0..<40 {
                let live = UInt64(c.k.data.nextVmid - 1)
                let vm = live > 0 && rnd(8) != 0 ? 1 + rnd(live) : 1 + rnd(3), cb = rnd(4), ix = rnd(2)
                let pa = VMImage.base + rnd(8) * 4096
                let iovaPick = rnd(2) == 0 ? VMImage.loadIPA + rnd(4) * 4096 : 0x2000_0000 + rnd(4) * 4096
                let d = c.k.data
                switch rnd(20) {
                case 0: if d.nextVmid <= 3 { c.hvc(13) } else { c.hvc(14, vm, rnd(8)) }
                case 1, 2, 3, 4, 14, 15, 16, 17, 18:
                    // The next boot step of VM vm, as a host would take it.
                    let info = d.vminfos[Int(vm)]
                    if info.state == .unused {
                        c.hvc(13)
                    } else if info.state != .ready {
                        c.hvc(26, iovaPick, cb, ix)
                    } else if info.loads.isEmpty {
                        c.hvc(10, vm, VMImage.loadIPA, 1 + rnd(3 * 4096))
                    } else if UInt64(info.loads[0].remappedPFNs.count) < info.loads[0].pageCount {
                        c.hvc(11, vm, pa >> 12, 0)
                    } else if c.hvc(12, vm).0.panic == nil && c.k.data.vminfos[Int(vm)].state == .verified {
                        verified += 1
                    }
                case 5: if rnd(4) == 0 { c.hvc(12, vm) } else { c.hvc(14, vm, rnd(8)) }
                case 6: c.hvc(24, cb, rnd(4), ix)
                case 7: c.hvc(23, cb, ix)
                case 8, 9: if c.hvc(25, iovaPick, pa, 3, cb, ix).0.panic == nil && !c.k.halted { mapped += 1 }
                case 10: c.hvc(26, iovaPick, cb, ix)
                case 11: c.hvc(27, iovaPick, cb, ix)
                case 12:
                    if c.k.data.vminfos[Int(vm)].state == .verified && !c.k.halted { poweredOffVerified += 1 }
                    c.powerOff(UInt32(vm))
                case 13: c.hvc(11, vm, pa >> 12, rnd(2))
                default:
                    // Trap 12 (a page claimed through the SMMU path has count INVALID, which
                    // map_page_host maps) is pinned on its own; the host here leaves those alone.
                    if c.k.data.s2page[pa >> 12].count != KC.INVALID { c.touch(pa) }
                }
                done += 1
                let bad = c.k.refinementReports.filter { $0.known == nil }
                #expect(bad.isEmpty, "seed 0x\(String(runSeed, radix: 16)): \(bad.first?.description ?? "")")
                #expect(c.violations.isEmpty, "seed 0x\(String(runSeed, radix: 16)): \(c.violations.first?.description ?? "")")
                if !bad.isEmpty || !c.violations.isEmpty { return }
            }
            if c.k.halted { panics += 1 }
        }
        #expect(verified * 200 >= calls && poweredOffVerified * 600 >= calls && mapped * 100 >= calls && panics > 0,
                "verified \(verified), powered off after verification \(poweredOffVerified), maps \(mapped), runs ending in a panic \(panics)")
    }
}
