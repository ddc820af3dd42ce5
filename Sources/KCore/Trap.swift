import SMMUDevice

/// The host's registers at a trap to EL2, as the machine hands them over.
public struct HostContext: Equatable, Sendable {
    public var cpu: Int
    /// x0…x30.
    public var x: [UInt64]
    public var elr: UInt64
    public var esr: UInt64
    public var far: UInt64
    public var hpfar: UInt64
    /// The CPU's cycle counter when it trapped. Locks are timed from it (TicketLocks.swift);
    /// nil (a caller with no clock, such as a unit test) leaves the call untimed: no ticket is
    /// taken and no contention is modelled, though lock operations are still charged.
    public var cycle: UInt64?
    /// Cycles the bodies of this trap's earlier calls took (the next call starts after them).
    var bodyCycles: UInt64 = 0
    /// A context with no registers, to hold a place (`swap`) while the real one is in use.
    public static let placeholder = HostContext(cpu: 0, x: HostContext.noRegisters)
    private static let noRegisters = [UInt64](repeating: 0, count: 31)
    public init(
        cpu: Int, x: [UInt64] = .init(repeating: 0, count: 31), elr: UInt64 = 0, esr: UInt64 = 0, far: UInt64 = 0, hpfar: UInt64 = 0,
        cycle: UInt64? = nil
    ) {
        self.cpu = cpu
        self.cycle = cycle
        self.x = x.count >= 31 ? x : x + [UInt64](repeating: 0, count: 31 - x.count)
        self.elr = elr
        self.esr = esr
        self.far = far
        self.hpfar = hpfar
    }
}

/// What a handler decided: for the machine (which branch to take), statistics and traces. Typed,
/// so that no text is built unless a trace asks for it (`targetName`, `description`).
public struct TrapDecision: Equatable, Sendable, CustomStringConvertible {
    public enum Action: String, Sendable { case emulated, rewritten, ignored, mapped, called, panic }
    public enum Handler: String, Sendable { case emulate_mmio, map_page_host, hvc }
    /// What the trap targeted.
    public enum Target: Equatable, Sendable {
        /// A register of SMMU `smmu` (INVALID when none) at `offset` in its frame.
        case smmuRegister(smmu: UInt32, offset: UInt64)
        /// A faulting host IPA that is no SMMU register.
        case ipa(UInt64)
        case hypercall(Hypercall)
        case unknownHypercall(id: UInt64)
        /// Any HVC once EL2 has panicked.
        case halted
    }
    public var handler: Handler
    public var target: Target
    public var action: Action
    public var value: UInt64?
    public init(handler: Handler, target: Target, action: Action, value: UInt64? = nil) {
        self.handler = handler
        self.target = target
        self.action = action
        self.value = value
    }
    /// "SMMU0.CB3.TTBR0", "IPA 0x40001000", "el2_arm_lpae_map", "unknown id 99", "halted".
    public var targetName: String {
        switch target {
        case .smmuRegister(let i, let off): smmuRegisterName(index: i, offset: off)
        case .ipa(let a): "IPA 0x" + String(a, radix: 16)
        case .hypercall(let c): c.name
        case .unknownHypercall(let id): "unknown id \(id)"
        case .halted: "halted"
        }
    }
    public var description: String { "\(handler.rawValue) \(targetName) \(action.rawValue)" + (value.map { " 0x" + String($0, radix: 16) } ?? "") }
}

/// The result of one trap handled at EL2.
public struct TrapOutcome: Equatable, Sendable {
    /// Non-nil when the hypervisor panicked (exit status 3).
    public var panic: PanicReason?
    /// Cycles spent in EL2, from `KCoreCostModel`, lock waits included.
    public var cycles: UInt64
    /// The part of `cycles` spent waiting for ticket locks held by other CPUs.
    var lockWaitCycles: UInt64 = 0
    /// Host IPAs (page aligned) whose stage-2 entry changed: invalidate the CPUs' TLBs for them.
    public var tlbInvalidations: [UInt64]
    public var decision: TrapDecision
    /// Set when a guest-reachable `rely` failed (the spec does not define the case).
    var specUndefined: String?
    /// With `checkRefinement`: the differences found on this call (nil if none).
    public var refinement: RefinementReport?
    /// True when `refinement` holds a difference outside the allow-list: the run should stop.
    public var refinementFailure: Bool { refinement != nil && refinement?.known == nil }
}
