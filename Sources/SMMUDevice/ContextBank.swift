/// The registers of one translation context bank (ARM IHI 0062, SMMU_CBn_*), stage 2 only.
public struct ContextBank: Equatable {
    public var sctlr: UInt64 = 0
    public var actlr: UInt64 = 0
    public var tcr2: UInt64 = 0
    public var ttbr0: UInt64 = 0
    public var ttbr1: UInt64 = 0
    public var tcr: UInt64 = 0
    public var contextidr: UInt64 = 0
    public var mair0: UInt64 = 0
    public var mair1: UInt64 = 0
    public var par: UInt64 = 0
    /// FSR: TF[1], AFF[2], PF[3], EF[4], ASF[7], MULTI[31]; write 1 to clear.
    public var fsr: UInt64 = 0
    public var far: UInt64 = 0
    /// FSYNR0: PLVL[1:0], WNR[4].
    public var fsynr0: UInt64 = 0
    public var fsynr1: UInt64 = 0

    /// SCTLR.M: translation enabled for this context.
    public var enabled: Bool { sctlr & 1 != 0 }
    public init() {}
}

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

/// The outcome of one transaction through the SMMU.
public struct SMMUTranslation: Equatable {
    public enum Outcome: Equatable {
        /// Translated (or bypassed) to this physical address.
        case address(UInt64)
        /// Context fault recorded in CBn.FSR/FAR/FSYNR0.
        case contextFault(contextBank: Int)
        /// Global fault recorded in sGFSR/sGFAR/sGFSYNR (unmatched stream, conflict, S2CR fault).
        case globalFault
    }
    public var outcome: Outcome
    public var cycles: UInt64
}
