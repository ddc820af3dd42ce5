import AArch64
import Devices

/// Interrupt wiring: the GIC's outputs drive the CPUs' IRQ/FIQ inputs, each CPU's generic
/// timers drive its PPIs (HARDWARE.md: 30 physical, 27 virtual), the SMMUs' fault interrupts
/// and the DMA engines' completion interrupts drive their SPIs, and CPUs in WFI wake when their
/// interrupt input rises.
extension Machine {
    func connectInterrupts() {
        gic.signal = { [unowned self] cpu, lines in cpus[cpu].interruptLines = lines }
        if configuration.trace.contains(.guest) {
            gic.guestError = { [unowned self] message in traceSink("[\(runningCPU?.cycles ?? 0)] cpu\(runningCPU?.index ?? 0) guest \(message)") }
            uart.guestError = gic.guestError
        }
        let platform = configuration.platform
        for (smmu, d) in zip(smmus, platform.smmus) {
            smmu.interrupt = { [unowned gic] line, high in
                gic.setLevel(line == 0 ? d.globalInterrupt : d.contextInterrupt(bank: line - 1), high: high)
            }
        }
        for (dma, d) in zip(dmaEngines, platform.dmaEngines) {
            dma.interrupt = { [unowned gic] high in gic.setLevel(d.interrupt, high: high) }
        }
        for c in cpus {
            c.timerChanged = { [unowned self] cpu in driveTimerInterrupts(cpu) }
        }
    }

    /// Sets `cpu`'s timer PPIs to its timers' outputs now and recomputes its next deadline.
    func driveTimerInterrupts(_ cpu: CPU) {
        cpu.updateTimerDeadline()
        let out = cpu.timerOutputs
        gic.setLevel(timerInterrupts.physical, cpu: cpu.index, high: out.physical)
        gic.setLevel(timerInterrupts.virtual, cpu: cpu.index, high: out.virtual)
    }

    /// CPUs in WFI whose IRQ or FIQ input is asserted (masked by PSTATE or not: ARM DDI 0487
    /// D1.16.2) leave it at `cycle`, the time of the event that asserted it.
    func wakeInterrupted(_ waiting: inout WaitingCPUs, at cycle: UInt64) {
        for i in waiting where cpus[i].interruptLines != 0 {
            cpus[i].cycles = max(cpus[i].cycles, cycle)
            waiting.remove(i)
        }
    }

    /// Waiting CPUs whose timer deadline another CPU's clock has passed (`now`): their timers
    /// fire at their deadlines, which may wake them (a CPU in WFI does not advance its own clock).
    func fireDueTimers(_ waiting: inout WaitingCPUs, now: UInt64) {
        for i in waiting where cpus[i].timerDeadline <= now {
            let c = cpus[i]
            c.cycles = max(c.cycles, c.timerDeadline)
            driveTimerInterrupts(c)
            if c.interruptLines != 0 { waiting.remove(i) }
        }
    }

    /// The waiting CPU whose timer fires first, if any timer of a waiting CPU can fire.
    func nextTimerSleeper(_ waiting: WaitingCPUs) -> CPU? {
        waiting.map { cpus[$0] }.filter { $0.isPoweredOn && $0.timerDeadline != .max }
            .min { ($0.timerDeadline, $0.index) < ($1.timerDeadline, $1.index) }
    }

    /// Every powered-on CPU waits: time jumps to `sleeper`'s timer deadline (no host time
    /// passes); its timer fires and may wake it.
    func advance(to sleeper: CPU, _ waiting: inout WaitingCPUs) {
        sleeper.cycles = max(sleeper.cycles, sleeper.timerDeadline)
        driveTimerInterrupts(sleeper)
        wakeInterrupted(&waiting, at: sleeper.cycles)
    }
}

extension Machine {
    /// Moves waiting input bytes into the PL011's receive FIFO while it has room (the UART
    /// raises its receive interrupt).
    func deliverSerialInput() {
        guard let serialInput else { return }
        while uart.canReceive {
            guard let b = serialInput.take(1).first else { return }
            uart.receive(b)
        }
    }

    /// Every CPU waits and no timer will fire: only input can wake the machine. Blocks (host
    /// time) until a byte arrives and delivers it; false when no input can ever come (none
    /// configured, input ended, or the receive FIFO is full).
    func waitForSerialInput(_ waiting: inout WaitingCPUs) -> Bool {
        guard let serialInput, uart.canReceive, serialInput.waitForInput() else { return false }
        deliverSerialInput()
        let now = waiting.map { cpus[$0].cycles }.max() ?? 0
        wakeInterrupted(&waiting, at: now)
        return true
    }
}
