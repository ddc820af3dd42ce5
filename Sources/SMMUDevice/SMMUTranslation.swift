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
