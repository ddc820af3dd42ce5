import Foundation
import AArch64
import KCore

extension Machine {
    /// Per-CPU and total statistics for `--stats`.
    public func statistics() -> String {
        var lines: [String] = []
        var tc: UInt64 = 0, ti: UInt64 = 0
        for c in cpus {
            let ipc = c.cycles == 0 ? 0 : Double(c.instructionsRetired) / Double(c.cycles)
            let exc = c.stats.exceptionsToEL1.values.reduce(0, +), el2 = c.stats.exceptionsToEL2.values.reduce(0, +)
            let s2 = c.stats.exceptionsToEL2[0x24, default: 0] &+ c.stats.exceptionsToEL2[0x20, default: 0]
            lines.append("cpu\(c.index): cycles \(c.cycles) instructions \(c.instructionsRetired) IPC \(String(format: "%.3f", ipc)) exceptions-to-EL1 \(exc) interrupts \(c.interruptsTaken) exits-to-EL2 \(el2) (stage-2 aborts \(s2)) EL2-cycles \(el2Cycles[c.index]) lock-wait \(kcore.locks.waitByCPU[c.index, default: 0])")
            tc = max(tc, c.cycles)
            ti &+= c.instructionsRetired
        }
        lines.append("total: cycles \(tc) instructions \(ti)")
        lines += el2Statistics.lines
        lines.append("\(kcore.nptPoolUsage)")
        for (id, l) in kcore.locks.contention.sorted(by: { $0.key < $1.key }) {
            lines.append("lock \(LockID.name(id)): acquisitions \(l.acquisitions) contended \(l.contended) wait-cycles \(l.waitCycles)")
        }
        for s in smmus {
            let st = s.stats
            lines.append("\(s.name): translations \(st.translations) iotlb-hits \(st.tlbHits) misses \(st.tlbMisses) walks \(st.walks) context-faults \(st.contextFaults) global-faults \(st.globalFaults) bypassed \(st.bypassed)")
        }
        return lines.joined(separator: "\n")
    }
}
