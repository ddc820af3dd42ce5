/// Taking a physical IRQ or FIQ (ARM DDI 0487 D1.10, D1.3.6).
///
/// The host owns the GIC: HCR_EL2.IMO and FMO are clear, so physical interrupts are taken to
/// EL1 directly, never routed to EL2 (KCore neither virtualizes nor intercepts them).
extension CPU {
    func updateAttention() {
        let deliverable = interruptLines & ~UInt8(truncatingIfNeeded: daif >> 6) & 3 != 0
        runLimit = deliverable ? 0 : min(requestedRunLimit, timerDeadline)
    }

    /// Ends the current `run` before the next instruction, as its cycle limit would (it returns
    /// `.cycleLimit`): for a caller that decides inside an instruction, such as a hook on a
    /// device access, that the run must pause after it.
    public func stopBeforeNextInstruction() {
        requestedRunLimit = 0
        updateAttention()
    }

    /// Takes an asserted interrupt that PSTATE does not mask. - Returns: whether it took one.
    @inline(never)
    func takeInterruptIfUnmasked() -> Bool {
        guard interruptLines & ~UInt8(truncatingIfNeeded: daif >> 6) & 3 != 0 else { return false }
        takeInterrupt()
        return true
    }

    /// Takes the asserted, unmasked interrupt at the instruction boundary before `pc`: FIQ
    /// before IRQ when both are deliverable. ELR_EL1 = the instruction not yet executed,
    /// SPSR_EL1 = PSTATE, ESR_EL1 and FAR_EL1 unchanged; vector VBAR_EL1 + 0x80 (IRQ) or 0x100
    /// (FIQ) in the current-EL-SP0, current-EL-SPx or lower-EL-AArch64 group; PSTATE.DAIF all set.
    func takeInterrupt() {
        let deliverable = interruptLines & ~UInt8(truncatingIfNeeded: daif >> 6) & 3
        let fiq = deliverable & 1 != 0
        let group: UInt64 = currentEL == 0 ? 0x400 : (spsel == 1 ? 0x200 : 0)
        sysregs[SysReg.spsrEL1] = pstateBits
        sysregs[SysReg.elrEL1] = pc
        currentEL = 1
        spsel = 1
        daif = 0x3C0
        monitor.clear(cpu: index)
        pc = (sysregs[SysReg.vbarEL1] ?? 0) & ~0x7FF &+ group &+ (fiq ? 0x100 : 0x80)
        lastVectorEntry = pc
        retiredAtLastVectorEntry = instructionsRetired
        interruptsTaken &+= 1
        cycles &+= costs.exceptionEntry
    }
}
