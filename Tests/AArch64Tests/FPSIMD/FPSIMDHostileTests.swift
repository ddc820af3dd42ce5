import TestSupport
import Stage2
import Testing
@testable import AArch64

/// The FP/SIMD executors under hostile input: pages of random words from the FP/SIMD encoding
/// space (data processing, op0 = x111, and SIMD&FP loads and stores, V = 1) with FPEN on, random
/// V registers, FPCR and base registers inside RAM, near its end and at device-like addresses.
/// No word may trap the emulator (a Swift trap kills the test process), and every exception it
/// raises must be one the architecture allows for these instructions.
@Suite struct FPSIMDHostileTests {
    @Test func randomFPSIMDWordsNeverCrash() {
        let ram = PhysicalMemory(base: 0x4000_0000, size: 16 << 20)!
        let cpu = CPU(index: 0, bus: PhysicalBus(ram: ram), monitor: GlobalMonitor())
        var rng = SplitMix64(state: seedFromEnvironment("LOCKSTEP_SEED", default: 0xF9_51AD))
        let code: UInt64 = 0x4008_0000
        var retired: UInt64 = 0, exceptions: UInt64 = 0
        for _ in 0..<1500 {
            for i in 0..<1024 {
                let w = UInt32(truncatingIfNeeded: rng.next())
                let word = rng.next() & 3 == 0 ? (w & ~0x0200_0000) | 0x0C00_0000 : w | 0x0E00_0000
                _ = ram.store(code + UInt64(i * 4), size: 4, value: UInt64(word))
            }
            cpu.powerOn(entry: code + (rng.next() & 0xFFC), context: 0)
            _ = cpu.writeSysReg(SysReg.vbarEL1, code)
            _ = cpu.writeSysReg(SysReg.cpacrEL1, 3 << 20)
            for r in 0..<32 { cpu.simd.setQ(r, lo: rng.next(), hi: rng.next()) }
            cpu.simd.setFPCR(rng.next())
            for r in 0..<31 {
                let v = rng.next()
                switch r % 4 {
                case 0: cpu.setX(r, 0x4000_0000 | (v & 0xFF_FFF0))  // inside RAM
                case 1: cpu.setX(r, 0x4100_0000 &- (v & 0xFF))  // just below the end of RAM
                case 2: cpu.setX(r, v)
                default: cpu.setX(r, v & 0xFFFF)
                }
            }
            for _ in 0..<100 {
                cpu.sysregs[SysReg.esrEL1] = 0
                let before = cpu.instructionsRetired
                let exit = cpu.run(cycleLimit: .max, instructionLimit: 8)
                retired &+= cpu.instructionsRetired &- before
                let ec = (cpu.sysregs[SysReg.esrEL1] ?? 0) >> 26
                if ec != 0 || cpu.pc & 0x7FF == 0x200 {
                    exceptions &+= 1
                    // UNDEFINED, data abort (alignment, external), instruction abort at EL1
                    #expect([0x00, 0x25, 0x21].contains(ec), "EC \(String(ec, radix: 16))")
                }
                if exit != .instructionLimit && exit != .cycleLimit { cpu.returnFromEL2() }
                if cpu.pc < code || cpu.pc >= code + 4096 { break }
            }
        }
        #expect(retired > 50_000, "the streams must actually run (retired \(retired))")
        #expect(exceptions > 0)
    }
}
