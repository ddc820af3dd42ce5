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
    /// The context bank that translated or faulted; nil when the transaction bypassed
    /// translation or took a global fault. Carried so that a trace can name the bank of a
    /// successful translation, which `outcome` does not.
    public var contextBank: Int? = nil
    /// The status bit the fault set (or would have set, had FSR/sGFSR not been busy: MULTI).
    public var fault: SMMUFault? = nil
    /// Why the transaction reached memory untranslated, when it did.
    public var bypass: SMMUBypass? = nil
}

/// The routes by which a transaction reaches memory with IOVA = PA (ARM IHI 0062 §2.4: the
/// stream-mapping flow). A trace names the route, because each is a different register a
/// hypervisor must have secured.
public enum SMMUBypass: String, Equatable, Sendable {
    /// sCR0.CLIENTPD = 1: the whole SMMU is disabled for clients.
    case clientDisabled = "sCR0.CLIENTPD"
    /// No SMR matched and sCR0.USFCFG = 0.
    case unmatchedStream = "sCR0.USFCFG"
    /// The matching S2CR has TYPE = bypass.
    case streamToContextBypass = "S2CR.TYPE"
    /// The context bank's SCTLR.M = 0.
    case contextDisabled = "CBn_SCTLR.M"
}
