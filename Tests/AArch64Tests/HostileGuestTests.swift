import TestSupport
import Stage2
import Testing
@testable import AArch64

/// The guest is hostile: random instruction words, random register values and random system
/// register writes must never trap the emulator (a Swift trap would kill the test process).
@Suite struct HostileGuestTests {
    @Test(arguments: [false, true])
    func randomInstructionStreamsNeverCrash(stage2: Bool) {
        let ram = PhysicalMemory(base: 0x4000_0000, size: 16 << 20)!
        let bus = PhysicalBus(ram: ram)
        let cpu = CPU(index: 0, bus: bus, monitor: GlobalMonitor())
        var rng = SplitMix64(state: stage2 ? 2 : 1)
        let code: UInt64 = 0x4008_0000
        // A stage-2 table mapping only the first 2 MiB block of RAM (the rest faults to EL2).
        if stage2 {
            let root: UInt64 = 0x4020_0000, l1: UInt64 = 0x4020_1000, l2: UInt64 = 0x4020_2000
            _ = ram.store(root, size: 8, value: Stage2Descriptor.table(l1).rawValue)
            _ = ram.store(l1 + 8, size: 8, value: Stage2Descriptor.table(l2).rawValue)
            _ = ram.store(l2, size: 8, value: Stage2Descriptor.leaf(address: 0x4000_0000, level: 2).rawValue)
        }
        var executed: UInt64 = 0
        for _ in 0..<3000 {
            for i in 0..<1024 { _ = ram.store(code + UInt64(i * 4), size: 4, value: rng.next()) }
            cpu.powerOn(entry: code + (rng.next() & 0xFFC), context: 0)
            // Exceptions vector back into the random page (VBAR_EL1 = its base).
            _ = cpu.writeSysReg(SysReg.vbarEL1, code)
            if stage2 {
                cpu.el2.hcr = 1 | 1 << 19
                cpu.el2.vtcr = 0x8000_0000 | (2 << 6) | 16 | (5 << 16)
                cpu.el2.vttbr = 0x4020_0000
            }
            for r in 0..<31 {
                // Mix addresses inside RAM, device-like addresses and arbitrary values.
                let v = rng.next()
                cpu.setX(r, r % 3 == 0 ? 0x4000_0000 | (v & 0xFF_FFF8) : (r % 3 == 1 ? v : v & 0xFFFF))
            }
            // Run until the stream leaves its page or 200 steps; EL2 exits are resumed the way a
            // hypervisor that ignores them would.
            for _ in 0..<200 {
                let exit = cpu.run(cycleLimit: .max, instructionLimit: 8)
                if exit == .stage2Abort { cpu.el2.elr &+= 4 }
                if exit != .instructionLimit && exit != .cycleLimit { cpu.returnFromEL2() }
                if cpu.pc < code || cpu.pc >= code + 4096 { break }
            }
            executed &+= cpu.instructionsRetired &+ cpu.stats.exceptionsToEL1.values.reduce(0, &+)
        }
        #expect(executed > 20_000, "the streams must actually run (got \(executed))")
    }
}
