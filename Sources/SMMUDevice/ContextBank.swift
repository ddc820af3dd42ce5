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
