import AArch64
import KCore

/// `--check-invariants`, KCore half (issue 4): after every EL2 handler, the state invariants of
/// `KCoreInvariants` on the driving level's state (ownership against the host NPT and the
/// shadow tables, share counts, slots, locks, nothing changed after a panic). A broken
/// invariant is a warning, printed once; the SMMU half (what the devices can reach through
/// their real registers) is `SMMUReachability`.
extension Machine {
    func checkKCoreInvariants(_ cpu: CPU, _ outcome: TrapOutcome) {
        let found: [InvariantViolation]
        if let page = Machine.mappedHostPage(outcome) {
            // map_page_host adds one identity entry to the host NPT and changes neither
            // ownership, nor the shadow tables, nor (having released them) the locks: checking
            // that entry is what the full check would add. Re-reading every table after each of
            // touch-all's 64,513 faults made the run quadratic. The baseline is only consulted
            // after a panic, and this path is never taken then.
            found = KCoreInvariants.checkHostNPTEntry(gfn: page >> 12, pfn: page >> 12, kcore.data)
        } else if !kcore.halted, invariantBaseline == nil, let seen = invariantPagesSeen,
                  let pages = kcore.data.s2page.journal.since(seen) {
            // Only what the call changed can have broken an invariant that held before it:
            // the ownership records it wrote and the host NPT entries it changed (the machine
            // invalidates its TLBs for exactly those). The shadow tables, slots and locks are
            // small and checked whole. Checking every host page after every trap made a run
            // with 50,000 pages mapped cost milliseconds per MMIO access.
            let sptSeen = (kcore.sptGeneration, kcore.data.smmuVmid)
            let spt = pages.isEmpty && invariantSPTSeen.map { $0 == sptSeen } == true ? nil : kcore.drivingSPT
            found = KCoreInvariants.check(data: kcore.data, spt: spt, changedPages: pages,
                                          changedGFNs: outcome.tlbInvalidations.map { $0 >> 12 }, npt: kcore.hostNPTEntry)
            invariantPagesSeen = kcore.data.s2page.journal.ever
            invariantSPTSeen = sptSeen
        } else {
            let now = kcore.abstractState
            found = invariantBaseline.map { KCoreInvariants.check(before: $0, after: now) } ?? KCoreInvariants.check(now)
            // The two-state property (nothing changes after a panic) needs the state before the
            // call only once the machine has panicked; keeping it otherwise would share, and
            // so copy on the next call, the abstraction EL2 keeps current.
            invariantBaseline = now.data.halt ? now : nil
            invariantPagesSeen = kcore.data.s2page.journal.ever
            invariantSPTSeen = (kcore.sptGeneration, kcore.data.smmuVmid)
        }
        for v in found where !invariantViolations.contains(v) {
            invariantViolations.append(v)
            warningSink("warning: \(v) (cpu\(cpu.index), pc 0x\(String(cpu.el2.elr, radix: 16)))")
        }
    }

    /// The page a successful `map_page_host` mapped (its IPA), or nil for any other outcome.
    static func mappedHostPage(_ o: TrapOutcome) -> UInt64? {
        guard o.panic == nil, o.refinement == nil, o.decision.handler == .map_page_host, o.decision.action == .mapped else { return nil }
        return o.decision.value
    }
}
