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
    /// For a fault: whether the client receives an abort. SCTLR.CFRE (context faults) and
    /// sCR0.GFRE (global faults) decide; when clear, the terminated transaction completes
    /// without an error, reads returning zero and writes ignored (IHI 0062, CFCFG = 0), and the
    /// client cannot tell that anything went wrong. The fault is recorded either way.
    public var abortsClient: Bool = true
}
