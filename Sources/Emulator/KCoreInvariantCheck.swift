import AArch64
import KCore

/// `--check-invariants`, KCore half (issue 4): after every EL2 handler, the state invariants of
/// `KCoreInvariants` on the driving level's state (ownership against the host NPT and the
/// shadow tables, share counts, slots, locks, nothing changed after a panic). A broken
/// invariant is a warning, printed once; the SMMU half (what the devices can reach through
/// their real registers) is `SMMUReachability`.
extension Machine {
    func checkKCoreInvariants(_ cpu: CPU) {
        let now = kcore.abstractState
        let found = invariantBaseline.map { KCoreInvariants.check(before: $0, after: now) } ?? KCoreInvariants.check(now)
        invariantBaseline = now
        for v in found where !invariantViolations.contains(v) {
            invariantViolations.append(v)
            warningSink("warning: \(v) (cpu\(cpu.index), pc 0x\(String(cpu.el2.elr, radix: 16)))")
        }
    }
}
