import Stage2

// CONTRACT STUB — the public surface the rest of the machine codes against. The CPU helper
// replaces the bodies (and may add API), keeping these names and meanings.

/// Why `CPU.run` returned control to the machine.
public enum CPUExit: Equatable {
    /// The CPU's cycle counter reached the limit passed to `run`.
    case cycleLimit
    /// The CPU retired the number of instructions passed to `run`.
    case instructionLimit
    /// HVC at EL1 (ESR_EL2.EC = 0x16, ISS = imm16). ELR_EL2 = next instruction, SPSR_EL2 = PSTATE.
    case hypervisorCall(imm: UInt16)
    /// SMC at EL1 trapped by HCR_EL2.TSC (EC = 0x17). ELR_EL2 = the SMC instruction itself.
    case secureMonitorCall(imm: UInt16)
    /// A stage-2 fault: data abort (EC 0x24) or instruction abort (EC 0x20) to EL2 with ESR_EL2,
    /// FAR_EL2, HPFAR_EL2 and ELR_EL2 (= the faulting instruction) set.
    case stage2Abort
    /// WFI with no interrupt source that could wake the CPU.
    case waitForInterrupt
    /// WFE: the CPU gives up the rest of its slice until another CPU's store or SEV.
    case waitForEvent
}

/// EL2 system registers the hardware writes on a trap and the hypervisor reads/writes.
public struct EL2Registers: Equatable {
    public var esr: UInt64 = 0    // ESR_EL2
    public var far: UInt64 = 0    // FAR_EL2
    public var hpfar: UInt64 = 0  // HPFAR_EL2
    public var elr: UInt64 = 0    // ELR_EL2
    public var spsr: UInt64 = 0   // SPSR_EL2
    public var hcr: UInt64 = 0    // HCR_EL2 (VM bit 0, TSC bit 19, ...)
    public var vttbr: UInt64 = 0  // VTTBR_EL2
    public var vtcr: UInt64 = 0   // VTCR_EL2
    public init() {}
}
