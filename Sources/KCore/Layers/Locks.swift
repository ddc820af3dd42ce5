/// Coq layer Locks (`sekvm/Locks`): taking and releasing a ticket lock, at both levels.
/// The implementation runs the C's acquire/release; the spec pulls and pushes the shared
/// object in one atomic step.
extension ImplState {
    mutating func acquire(_ id: Int, _ ctx: inout CallContext) {
        if data.halt { return }
        if !data.locks.acquire(id, &ctx) { ctx.flagUndefined("lock \(LockID.name(id)) not free") }
        data.tstate = 0
    }
    mutating func release(_ id: Int, _ o: SharedObject, _ ctx: inout CallContext) {
        if data.halt { return }
        if !data.locks.release(id, &ctx, pushing: o) { ctx.flagUndefined("release of \(LockID.name(id)) not held") }
        data.tstate = 1
    }
}

extension MmioOps.Spec {
    /// Pulls lock `id`; false (spec undefined) when it is not free.
    static func pull(_ s: inout SpecState, _ ctx: inout CallContext, _ id: Int) -> Bool {
        if s.data.locks.acquire(id, &ctx) { return true }
        ctx.flagUndefined("lock \(LockID.name(id)) not free on entry")
        return false
    }
    static func rel(_ s: inout SpecState, _ ctx: inout CallContext, _ id: Int, _ o: SharedObject) {
        _ = s.data.locks.release(id, &ctx, pushing: o)
    }
    static func free(_ s: SpecState, _ ctx: inout CallContext, _ ids: [Int]) -> Bool {
        for id in ids where s.data.locks.isHeld(id) {
            ctx.flagUndefined("lock \(LockID.name(id)) not free on entry")
            return false
        }
        return true
    }
}
