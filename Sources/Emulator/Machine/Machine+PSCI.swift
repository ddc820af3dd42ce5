import AArch64

/// PSCI (DEN0022) and SMCCC_VERSION (DEN0028), served natively in EL2 (HARDWARE.md).
extension Machine {
    /// The PSCI function's name (DEN0022), for the timeline; nil for ids PSCI does not define here.
    static func psciFunctionName(_ fn: UInt64) -> String? {
        switch fn {
        case 0x8400_0000: "PSCI_VERSION"
        case 0x8400_0002: "CPU_OFF"
        case 0xC400_0003: "CPU_ON"
        case 0xC400_0004: "AFFINITY_INFO"
        case 0x8400_0008: "SYSTEM_OFF"
        case 0x8400_0009: "SYSTEM_RESET"
        case 0x8400_000A: "PSCI_FEATURES"
        case 0x8000_0000: "SMCCC_VERSION"
        default: nil
        }
    }

    /// PSCI over HVC #0 (HARDWARE.md). Returns a run result when the call ends the run.
    func psci(_ cpu: CPU) -> RunResult? {
        let fn = cpu.x(0) & 0xFFFF_FFFF
        switch fn {
        case 0x8400_0000: cpu.setX(0, 0x1_0001)  // PSCI_VERSION 1.1
        case 0x8000_0000: cpu.setX(0, 0x1_0001)  // SMCCC_VERSION 1.1 (HARDWARE.md)
        case 0x8400_0008: return RunResult(exitStatus: 0, reason: "guest powered off (PSCI SYSTEM_OFF)")
        case 0x8400_0009: return RunResult(exitStatus: 0, reason: "guest requested a reset (PSCI SYSTEM_RESET); the run ends")
        case 0x8400_0002: cpu.isPoweredOn = false  // CPU_OFF
        case 0xC400_0003:  // CPU_ON
            let target = Int(cpu.x(1) & 0xFF)
            if cpu.x(1) & ~0x8000_00FF != 0 || target >= cpus.count {
                cpu.setX(0, UInt64(bitPattern: -2))
            } else if cpus[target].isPoweredOn {
                cpu.setX(0, UInt64(bitPattern: -4))
            } else {
                cpus[target].powerOn(entry: cpu.x(2), context: cpu.x(3))
                cpus[target].cycles = cpu.cycles
                cpu.setX(0, 0)
            }
        case 0x8400_000A:  // PSCI_FEATURES: 0 for a function served here, NOT_SUPPORTED otherwise
            cpu.setX(0, Machine.psciFunctionName(cpu.x(1)) != nil ? 0 : UInt64(bitPattern: -1))
        case 0xC400_0004:  // AFFINITY_INFO
            let target = Int(cpu.x(1) & 0xFF)
            cpu.setX(0, target < cpus.count ? (cpus[target].isPoweredOn ? 0 : 1) : UInt64(bitPattern: -2))
        default:
            if fn >> 24 == 0x84 || fn >> 24 == 0xC4 { cpu.setX(0, UInt64(bitPattern: -1)) }
        }
        return nil
    }
}
