/// Cycles charged for time spent in EL2 (documented defaults; the machine may override).
/// Figures are orders of magnitude of a Cortex-A57-class core: an exception entry + ERET pair is
/// ~50 cycles, a lock round trip ~20, an uncached table access ~10, a device register ~40.
public struct KCoreCostModel: Equatable, Sendable {
    /// Exception entry to EL2 and the dispatcher up to the handler.
    public var trapEntry: UInt64 = 40
    /// Each primitive step (a lock operation, a getter/setter, a decision).
    public var primitiveStep: UInt64 = 5
    /// Each page-table entry read or written by EL2.
    public var tableAccess: UInt64 = 10
    /// Each SMMU register access made by EL2.
    public var deviceAccess: UInt64 = 40
    /// ERET back to the host.
    public var eret: UInt64 = 20
    public init() {}

    public func cycles(_ ctx: CallContext) -> UInt64 {
        trapEntry &+ eret &+ primitiveStep &* UInt64(ctx.steps) &+ tableAccess &* UInt64(ctx.tableAccesses)
            &+ deviceAccess &* UInt64(ctx.deviceAccesses.count)
    }
}
