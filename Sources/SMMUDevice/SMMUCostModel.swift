/// Cycle costs of the SMMU (Documentation/SMMU.md).
public struct SMMUCostModel: Equatable {
    public var tlbHit: UInt64 = 2
    public var walkPerLevel: UInt64 = 20
    public var fault: UInt64 = 50
    public init() {}
}

/// Counters for `--stats`.
public struct SMMUStats: Equatable {
    public var translations: UInt64 = 0
    public var tlbHits: UInt64 = 0
    public var tlbMisses: UInt64 = 0
    public var walks: UInt64 = 0
    public var contextFaults: UInt64 = 0
    public var globalFaults: UInt64 = 0
    public var bypassed: UInt64 = 0
    public init() {}
}
