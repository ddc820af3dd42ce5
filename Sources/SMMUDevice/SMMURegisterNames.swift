extension SMMURegisterMap {
    /// A register named as `name(offset:)` prints it: its frame offset and access width.
    public struct NamedRegister: Equatable, Sendable {
        /// Offset inside the SMMU's 64 KiB frame.
        public let offset: UInt64
        /// Bytes of a natural access: 8 for a 64-bit register, 4 for a 32-bit one or one half.
        public let size: Int
    }

    /// The inverse of `name(offset:)`: "GR0.sCR0", "GR0.SMR3", "GR1.CBAR2", "CB3.TTBR0",
    /// "CB3.TTBR0[63:32]" → offset and width; nil for a name no register has. Case does not
    /// matter ("gr0.scr0"). Context banks 0–7 exist in every frame; whether the SMMU implements
    /// the bank is the device's business, as for an address. Scenario files name registers so.
    public static func register(named name: String) -> NamedRegister? {
        let parts = name.split(separator: ".", maxSplits: 1).map { String($0).uppercased() }
        guard parts.count == 2 else { return nil }
        let page: UInt64, table: [Register]
        switch parts[0] {
        case "GR0": page = 0; table = gr0
        case "GR1": page = 1; table = gr1
        default:
            guard parts[0].hasPrefix("CB"), let n = UInt64(parts[0].dropFirst(2)), n < 8 else { return nil }
            page = 8 + n; table = contextBank
        }
        var reg = parts[1]
        var upper = false
        if reg.hasSuffix("[63:32]") { upper = true; reg.removeLast(7) }
        for r in table {
            let rn = r.name.uppercased()
            if r.count > 1 {
                guard reg.hasPrefix(rn), !upper, let i = Int(reg.dropFirst(rn.count)), i >= 0, i < r.count,
                    String(i) == reg.dropFirst(rn.count)
                else { continue }
                return NamedRegister(offset: page << 12 | (r.offset + UInt64(i) * 4), size: 4)
            }
            guard reg == rn, !upper || r.width == 64 else { continue }
            if upper { return NamedRegister(offset: page << 12 | (r.offset + 4), size: 4) }
            return NamedRegister(offset: page << 12 | r.offset, size: r.width / 8)
        }
        return nil
    }
}
