/// How much of the host NPT's page-table pool the host has used, per level. The pool is fixed
/// at boot (`NPTPoolLayout`), and exhausting it is a hypervisor panic (`local_mmap` fails), so a
/// user sizing a workload wants to see how close a run came.
public struct NPTPoolUsage: Equatable, Sendable, CustomStringConvertible {
    public var pgdUsed: UInt64, pgdPages: UInt64
    public var pudUsed: UInt64, pudPages: UInt64
    public var pmdUsed: UInt64, pmdPages: UInt64
    /// Pages in use, the root included.
    public var used: UInt64 { 1 &+ pgdUsed &+ pudUsed &+ pmdUsed }
    /// Pages reserved, the root included.
    public var capacity: UInt64 { 1 &+ pgdPages &+ pudPages &+ pmdPages }
    public var description: String {
        "host NPT pool: \(used) of \(capacity) pages used (\(capacity * 4) KiB reserved; "
            + "pgd \(pgdUsed)/\(pgdPages), pud \(pudUsed)/\(pudPages), pmd \(pmdUsed)/\(pmdPages))"
    }
}

extension KCore {
    /// The host NPT pool usage of the level that drives the machine.
    public var nptPoolUsage: NPTPoolUsage {
        let l = carveOut.nptLayout
        let pgd, pud, pmd: UInt64
        if configuration.handlers == .spec {
            (pgd, pud, pmd) = (spec.npt.pgdNext, spec.npt.pudNext, spec.npt.pmdNext)
        } else {
            (pgd, pud, pmd) = (carveOut.nptModel(impl.nptPgdNext), carveOut.nptModel(impl.nptPudNext), carveOut.nptModel(impl.nptPmdNext))
        }
        return NPTPoolUsage(
            pgdUsed: (pgd &- l.pgdStart) / 4096, pgdPages: l.pgdPages,
            pudUsed: (pud &- l.pudStart) / 4096, pudPages: l.pudPages,
            pmdUsed: (pmd &- l.pmdStart) / 4096, pmdPages: l.pmdPages)
    }
}
