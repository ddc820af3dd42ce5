/// Why a transaction faulted, named by the status bit the SMMU sets for it (ARM IHI 0062,
/// SMMU_CBn_FSR for context faults, SMMU_sGFSR for global ones). Traces print the name, so a
/// fault in a trace reads exactly as the register a driver would decode.
public enum SMMUFault: String, Equatable, Sendable, CaseIterable {
    // Context faults (CBn_FSR).
    /// FSR.TF: no valid descriptor for the IOVA.
    case translation = "TF"
    /// FSR.AFF: the descriptor's access flag is clear.
    case accessFlag = "AFF"
    /// FSR.PF: the descriptor (or the IOTLB entry) does not grant the access.
    case permission = "PF"
    /// FSR.EF: the walk read a descriptor where there is no memory.
    case externalAbort = "EF"
    /// FSR.ASF: the IOVA, a table or the output is beyond the configured address size.
    case addressSize = "ASF"
    // Global faults (sGFSR).
    /// sGFSR.ICF: S2CR.TYPE is fault (or reserved), or CBAR.TYPE is not stage 2 on this SMMU.
    case invalidContext = "ICF"
    /// sGFSR.USF: no SMR matched and sCR0.USFCFG = 1.
    case unidentifiedStream = "USF"
    /// sGFSR.SMCF: more than one SMR matched.
    case streamMatchConflict = "SMCF"
    /// sGFSR.UCBF: S2CR.CBNDX names a bank beyond IDR1.NUMCB.
    case unimplementedContextBank = "UCBF"

    /// True for faults recorded in sGFSR (no context bank involved).
    public var isGlobal: Bool {
        switch self {
        case .translation, .accessFlag, .permission, .externalAbort, .addressSize: false
        default: true
        }
    }

    /// The bit this fault sets in CBn_FSR (context faults) or sGFSR (global faults).
    public var statusBit: UInt64 {
        switch self {
        case .translation: 1 << 1
        case .accessFlag: 1 << 2
        case .permission: 1 << 3
        case .externalAbort: 1 << 4
        case .addressSize: 1 << 7
        case .invalidContext: 1 << 0
        case .unidentifiedStream: 1 << 1
        case .streamMatchConflict: 1 << 2
        case .unimplementedContextBank: 1 << 3
        }
    }
}
