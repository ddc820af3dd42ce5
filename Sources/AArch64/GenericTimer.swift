/// The EL1 physical and virtual generic timers (ARM DDI 0487 D11): CNTP_* and CNTV_*.
///
/// The count is this CPU's cycle clock divided by `cyclesPerCounterTick` (CNTVOFF_EL2 = 0, so
/// the virtual count equals the physical one). A timer's condition is met when CVAL <= count;
/// CTL.ISTATUS shows the condition of an enabled timer, and the timer's interrupt output is
/// asserted while ENABLE = 1, IMASK = 0 and the condition is met.
extension CPU {
    /// CNTx_CTL_EL0 bits.
    enum TimerControl {
        static let enable: UInt64 = 1 << 0
        static let imask: UInt64 = 1 << 1
        static let istatus: UInt64 = 1 << 2
    }

    /// The count both timers compare against (CNTPCT_EL0 = CNTVCT_EL0).
    var counterValue: UInt64 { cycles / CPU.cyclesPerCounterTick }

    /// CTL as MRS reads it: ENABLE and IMASK as written, ISTATUS computed.
    func timerControl(_ ctl: UInt32, _ cval: UInt32) -> UInt64 {
        let c = (sysregs[ctl] ?? 0) & (TimerControl.enable | TimerControl.imask)
        let met = c & TimerControl.enable != 0 && (sysregs[cval] ?? 0) <= counterValue
        return c | (met ? TimerControl.istatus : 0)
    }

    func timerOutput(_ ctl: UInt32, _ cval: UInt32) -> Bool {
        timerControl(ctl, cval) & (TimerControl.istatus | TimerControl.imask) == TimerControl.istatus
    }

    /// The physical (CNTP, PPI 30) and virtual (CNTV, PPI 27) timers' interrupt outputs now.
    public var timerOutputs: (physical: Bool, virtual: Bool) {
        (timerOutput(SysReg.cntpCtlEL0, SysReg.cntpCvalEL0), timerOutput(SysReg.cntvCtlEL0, SysReg.cntvCvalEL0))
    }

    /// Recomputes `timerDeadline`: the first cycle at which an enabled, unmasked timer whose
    /// condition is not met yet meets it. Call after the clock moved or a timer was written.
    public func updateTimerDeadline() {
        timerDeadline = min(deadline(SysReg.cntpCtlEL0, SysReg.cntpCvalEL0), deadline(SysReg.cntvCtlEL0, SysReg.cntvCvalEL0))
    }

    func deadline(_ ctl: UInt32, _ cval: UInt32) -> UInt64 {
        let c = sysregs[ctl] ?? 0
        guard c & (TimerControl.enable | TimerControl.imask) == TimerControl.enable else { return .max }
        let v = sysregs[cval] ?? 0
        guard v > counterValue else { return .max }
        let (at, overflow) = v.multipliedReportingOverflow(by: CPU.cyclesPerCounterTick)
        return overflow ? .max : at
    }

    /// After an MSR to CTL, CVAL or TVAL.
    func timerWritten() {
        timersEnabled = ((sysregs[SysReg.cntpCtlEL0] ?? 0) | (sysregs[SysReg.cntvCtlEL0] ?? 0)) & TimerControl.enable != 0
        updateTimerDeadline()
        timerChanged?(self)
    }
}
