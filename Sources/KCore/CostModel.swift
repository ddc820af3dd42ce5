/// Cycles charged for time spent in EL2 (documented defaults; the machine may override).
/// Figures are orders of magnitude of a Cortex-A57-class core: an exception entry + ERET pair is
/// ~50 cycles, a ticket-lock round trip ~30 (more when the lock's line has to move), an uncached table access ~10, a device register ~40.
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
    /// Taking a free ticket lock: the ticket's fetch-and-add (an exclusive pair or LDADDA on
    /// the lock's line) and the load-acquire of `now_serving` that finds it equal.
    public var lockAcquire: UInt64 = 20
    /// Releasing it: the store-release of `now_serving + 1`.
    public var lockRelease: UInt64 = 10
    /// A contended lock changing hands: the release's line reaching the waiting CPU, on top of
    /// waiting until the holder's release (TicketLocks.swift).
    public var lockHandoff: UInt64 = 40
    public init() {}

    /// Cycles of a call's body, from its start to where it is now: everything but trap entry
    /// and ERET, lock waits included. `HandlerClock` stamps lock events with it.
    @inline(__always)
    func body(_ ctx: CallContext) -> UInt64 {
        primitiveStep &* UInt64(ctx.steps) &+ tableAccess &* UInt64(ctx.tableAccesses)
            &+ deviceAccess &* UInt64(ctx.deviceAccesses.count)
            &+ lockAcquire &* UInt64(ctx.lockAcquires) &+ lockRelease &* UInt64(ctx.lockReleases) &+ ctx.lockWaitCycles
    }

    /// Cycles of a whole trap made of this one call.
    @inline(__always)
    func cycles(_ ctx: CallContext) -> UInt64 {
        trapEntry &+ body(ctx) &+ eret
    }
}
