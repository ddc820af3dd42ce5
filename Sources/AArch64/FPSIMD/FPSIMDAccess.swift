extension SysReg {
    /// FPCR and FPSR: accessible at EL0, trapped by CPACR_EL1.FPEN like every FP/SIMD instruction.
    static let fpcr = key(3, 3, 4, 4, 0), fpsr = key(3, 3, 4, 4, 1)
}

extension CPU {
    /// CPACR_EL1.FPEN: 0b01 traps EL0 only, 0b00 and 0b10 trap EL0 and EL1, 0b11 traps nothing.
    @inline(__always)
    func fpAccessTrapped() -> Bool {
        let fpen = ((sysregs[SysReg.cpacrEL1] ?? 0) >> 20) & 3
        return fpen == 0 || fpen == 2 || (fpen == 1 && currentEL == 0)
    }
}
