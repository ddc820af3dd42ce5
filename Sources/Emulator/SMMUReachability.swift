import KCore
import SMMUDevice
import Stage2

/// What the proofs do not see (issue 4): the spec never inspects SMR/S2CR routing,
/// sCR0.CLIENTPD/USFCFG, TCR, or 32-bit writes to TTBR0's upper half, so a host can reroute DMA.
/// This computes, from the SMMUs' real registers and the tables they point at, which physical
/// memory each route can reach, and reports EL2 pages, and VM pages reachable through a bank
/// that is not that VM's.
struct SMMUReachability {
    let smmus: [SMMU]
    let ram: PhysicalMemory
    let kcore: KCore
    /// Leaves visited per bank before giving up (a hostile table can describe 2^28 pages).
    static let leafBudget = 1 << 18

    func findings() -> [String] {
        var out: [String] = []
        let el2 = kcore.el2Memory
        for (index, smmu) in smmus.enumerated() {
            let name = "SMMU\(index)"
            if smmu.scr0 & 1 != 0 {
                out.append("\(name): sCR0.CLIENTPD = 1, every stream bypasses translation and can reach EL2 memory at 0x\(String(el2.lowerBound, radix: 16))")
                continue
            }
            if smmu.scr0 & (1 << 10) == 0 {
                out.append("\(name): sCR0.USFCFG = 0, unmatched streams bypass translation and can reach EL2 memory")
            }
            for n in 0..<smmu.streamMatchGroups where smmu.smr[n] >> 31 == 1 {
                let route = "\(name) SMR\(n) (ID 0x\(String(smmu.smr[n] & 0x7FFF, radix: 16)) MASK 0x\(String((smmu.smr[n] >> 16) & 0x7FFF, radix: 16)))"
                switch smmu.route(group: n) {
                case .bypass(.streamToContextBypass): out.append("\(route): S2CR bypass, reaches EL2 memory")
                case .bypass:
                    out.append("\(route) → CB\(smmu.s2cr[n] & 0xFF): SCTLR.M = 0, bypass, reaches EL2 memory")
                case .contextBank(let cb):
                    let owner = kcore.bankOwner(smmu: index, cb: cb) ?? UInt32.max
                    out += bankFindings(route: "\(route) → CB\(cb)", bank: smmu.contextBanks[cb], owner: owner)
                case .globalFault: continue
                }
            }
        }
        return out
    }

    /// Walks the bank's tables as the device would and checks every mapped range.
    func bankFindings(route: String, bank: ContextBank, owner: UInt32) -> [String] {
        // As the device: a TTBR0 with address bits at or above OAS (40) faults every access
        // (address-size fault, level 0), so such a bank reaches nothing.
        guard bank.ttbr0 & Stage2Descriptor.addressMask < 1 << 40,
            let regime = Stage2Regime.fromVTCR(bank.tcr, root: bank.ttbr0)
        else { return [] }
        var ranges: [(UInt64, UInt64)] = []
        var budget = SMMUReachability.leafBudget
        let startEntries = 1 << max(0, min(13, regime.inputBits - (12 + 9 * (3 - regime.startLevel))))
        collect(table: regime.root & Stage2Descriptor.addressMask, level: regime.startLevel, entries: startEntries, into: &ranges, budget: &budget)
        var out: [String] = []
        if budget <= 0 { out.append("\(route): tables too large to analyse (over \(SMMUReachability.leafBudget) leaves)") }
        let el2 = kcore.el2Memory
        for (pa, size) in ranges where pa < el2.upperBound && el2.lowerBound < pa &+ size {
            out.append("\(route): maps EL2 memory at 0x\(String(max(pa, el2.lowerBound), radix: 16)) (TTBR0 0x\(String(bank.ttbr0, radix: 16)))")
            break
        }
        for page in kcore.vmOwnedPages() where page.owner != owner {
            let pa = page.pfn << 12
            if ranges.contains(where: { pa >= $0.0 && pa &- $0.0 < $0.1 }) {
                out.append("\(route): bank of \(owner == 0 ? "the host" : "VM \(owner)") reaches VM \(page.owner)'s page 0x\(String(pa, radix: 16))")
            }
        }
        return out
    }

    func collect(table: UInt64, level: Int, entries: Int, into ranges: inout [(UInt64, UInt64)], budget: inout Int) {
        guard level <= 3 else { return }
        for i in 0..<entries {
            guard budget > 0, let raw = ram.load(table &+ UInt64(i) &* 8, size: 8) else { return }
            let d = Stage2Descriptor(rawValue: raw)
            guard d.isValid else { continue }
            budget -= 1
            if level < 3 && d.isTableOrPage {
                collect(table: d.address, level: level + 1, entries: 512, into: &ranges, budget: &budget)
            } else if level > 0 && (level < 3 || d.isTableOrPage) && d.af {
                let size: UInt64 = 1 << UInt64(12 + 9 * (3 - level))
                ranges.append((d.address & ~(size - 1), size))
            }
        }
    }
}
