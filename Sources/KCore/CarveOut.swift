import Stage2

/// The EL2-owned carve-out at the top of RAM, and where the Coq model's pool addresses live in
/// it. Layout (offsets from `base`):
///
/// | offset | size | holds | model addresses |
/// |---|---|---|---|
/// | 0 | 3 MiB | SMMU shadow tables: 16 bank roots (8 KiB each), pgd pool (256 pages), pmd pool (256 pages) | 0x10000–0x310000 |
/// | 3 MiB | `nptLayout.bytes` | host NPT: root, pgd, pud, pmd pools | 0x10000–`poolEnd` (a separate model space, quirk Q30) |
/// | after | rest, to a 2 MiB boundary | reserved EL2 data | – |
///
/// Real address = region base + (model − 0x10000). The implementation level runs on real
/// addresses (its table descriptors hold real addresses, so the SMMU and the CPU can walk them);
/// the abstraction function maps them back.
public struct CarveOutLayout: Equatable, Sendable {
    public let base: UInt64
    public let size: UInt64
    let nptLayout: NPTPoolLayout
    var sptBase: UInt64 { base }
    var nptBase: UInt64 { base + (KC.SMMU_POOL_END - KC.SMMU_POOL_START) }

    /// Places the carve-out at the top of RAM, rounded to 2 MiB.
    public init(ramBase: UInt64, ramSize: UInt64, nptLayout: NPTPoolLayout) {
        self.nptLayout = nptLayout
        let need = (KC.SMMU_POOL_END - KC.SMMU_POOL_START) + nptLayout.bytes
        let size = (need + 0x1F_FFFF) & ~UInt64(0x1F_FFFF)
        self.size = size
        self.base = ramBase + ramSize - min(size, ramSize)
    }

    @inline(__always) public func sptPA(_ model: UInt64) -> UInt64 { sptBase &+ (model &- KC.SMMU_POOL_START) }
    @inline(__always) func sptModel(_ pa: UInt64) -> UInt64 { (pa &- sptBase) &+ KC.SMMU_POOL_START }
    @inline(__always) func nptPA(_ model: UInt64) -> UInt64 { nptBase &+ (model &- nptLayout.poolStart) }
    @inline(__always) func nptModel(_ pa: UInt64) -> UInt64 { (pa &- nptBase) &+ nptLayout.poolStart }
    func contains(_ pa: UInt64) -> Bool { pa >= base && pa &- base < size }
}

/// The SMMU register frames as EL2 reaches them (the machine adapts its SMMU device models).
public protocol SMMUHardware: AnyObject {
    func readRegister(smmu: Int, offset: UInt64, size: Int) -> UInt64
    func writeRegister(smmu: Int, offset: UInt64, size: Int, value: UInt64)
}
