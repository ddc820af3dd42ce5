import CUnicorn
import Foundation
import Stage2
import Testing
import TestSupport
@testable import AArch64

/// The lockstep harness of the AdvSIMD tests: streams of random encodings from a group's
/// generator, executed by the CPU and by Unicorn from the same state (V0–V31 with integer edge
/// cases and FP operands in every lane, X0–X26, FPCR, a 4 KiB data buffer at X28 + 2048);
/// after every instruction all V registers, X0–X28, NZCV, FPSR (with QC), FPCR, the buffer
/// and the PC are compared. An encoding UNDEFINED on one side must be on the other.
/// `LOCKSTEP_SEED` (hex) and `LOCKSTEP_STREAMS` replay a reported failure.
enum AdvSIMDLockstep {
    static let code = UnicornLockstepTests.code, data = UnicornLockstepTests.data

    /// A 64-bit lane pattern: random, FP operands, or integer edge cases per element.
    static func lanes(_ g: inout FPOperandGenerator) -> UInt64 {
        switch g.below(6) {
        case 0: return g.next()
        case 1: return g.operand(.single) | g.operand(.single) << 32
        case 2: return g.operand(.double)
        case 3: return g.operand(.half) | g.operand(.half) << 16 | g.operand(.half) << 32 | g.operand(.half) << 48
        default:
            let bytes: [UInt64] = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0x40, 0x81]
            var x: UInt64 = 0
            for i in 0..<8 { x |= (g.below(3) == 0 ? g.next() & 0xFF : bytes[Int(g.below(8))]) << UInt64(8 * i) }
            return x
        }
    }

    static func run(defaultSeed: UInt64, defaultStreams: Int = 1500, length: Int = 16, minimumExecuted: Double = 0.5,
                    _ instruction: (inout FPOperandGenerator) -> UInt32) throws {
        let env = ProcessInfo.processInfo.environment
        let seed = seedFromEnvironment("LOCKSTEP_SEED", default: defaultSeed)
        let streams = Int(env["LOCKSTEP_STREAMS"] ?? "") ?? defaultStreams
        let uc = try #require(UnicornEngine())
        uc.setSysreg(3, 0, 1, 0, 2, 3 << 20)
        uc.setSysreg(3, 0, 12, 0, 0, code + 0x8000)
        let ram = PhysicalMemory(base: 0x4000_0000, size: 16 << 20)!
        let cpu = CPU(index: 0, bus: PhysicalBus(ram: ram), monitor: GlobalMonitor())
        var executed = 0
        for s in 0..<streams {
            var g = FPOperandGenerator(seed: seed ^ (UInt64(s) &* 0x9E37_79B9_7F4A_7C15))
            let words = (0..<length).map { _ in instruction(&g) }
            let bytes = words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> ($0 * 8)) } }
            bytes.withUnsafeBytes { _ = ram.write($0, at: code) }
            uc.write(code, bytes)
            _ = CUnicorn_remove_cache(uc.uc, code, code + UInt64(bytes.count))
            let buffer = (0..<4096).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            buffer.withUnsafeBytes { _ = ram.write($0, at: data) }
            uc.write(data, buffer)
            cpu.powerOn(entry: code, context: 0)
            cpu.sysregs[SysReg.cpacrEL1] = 3 << 20
            cpu.sysregs[SysReg.vbarEL1] = code + 0x8000
            var values: [(UInt64, UInt64)] = []
            for i in 0..<32 {
                let v = i > 0 && g.below(8) == 0 ? values[Int(g.below(UInt64(i)))] : (lanes(&g), lanes(&g))
                values.append(v)
                cpu.simd.setQ(i, lo: v.0, hi: v.1); uc.setQ(i, v.0, v.1)
            }
            for i in 0..<27 {
                let x = g.below(2) == 0 ? g.base.value() : lanes(&g) >> g.below(64)
                cpu.setX(i, x); uc.setX(i, x)
            }
            let offset = g.below(16) * 16
            cpu.setX(27, offset); uc.setX(27, offset)
            cpu.setX(28, data + 2048); uc.setX(28, data + 2048)
            let fpcr = g.fpcr()
            cpu.simd.setFPCR(UInt64(fpcr)); uc.setReg(UC_ARM64_REG_FPCR, UInt64(fpcr))
            let fpsr = g.below(4) == 0 ? UInt64(1) << 27 : 0
            cpu.simd.setFPSR(fpsr); uc.setReg(UC_ARM64_REG_FPSR, fpsr)
            let flags = g.below(16) << 28
            cpu.nzcv = flags; uc.setNZCV(flags)
            for (i, w) in words.enumerated() {
                let pc = code + UInt64(i * 4)
                let before = (0..<8).map { cpu.simd.q($0) }
                let step = stepFPLockstep(cpu, uc, pc: pc, vregs: 0..<32, xregs: 0...28)
                var diffs = step.diffs
                let ucUndefined = step.unicornUndefined
                if diffs.isEmpty && !ucUndefined {
                    let ours = [UInt8](UnsafeRawBufferPointer(start: ram.pointer(data, length: 4096)!, count: 4096))
                    if ours != uc.read(data, count: 4096) { diffs.append("data buffer differs") }
                }
                if !diffs.isEmpty {
                    diffs.append("before: " + before.enumerated().map { "v\($0.offset) \(hex($0.element.hi)):\(hex($0.element.lo))" }.joined(separator: " "))
                    Issue.record("seed 0x\(hex(seed)) stream \(s) (LOCKSTEP_SEED=0x\(hex(seed)) LOCKSTEP_STREAMS=\(s + 1)) instruction \(i) 0x\(hex(UInt64(w))) fpcr 0x\(hex(UInt64(fpcr))): \(diffs.joined(separator: "; "))")
                    return
                }
                // Both took the same exception to EL1; the next instruction starts from its own PC.
                if !ucUndefined { executed += 1 }
            }
        }
        // A harness that executes (almost) nothing must not pass.
        #expect(Double(executed) > Double(streams * length) * minimumExecuted, "only \(executed) instructions executed")
    }

    static func hex(_ v: UInt64) -> String { String(v, radix: 16) }
}
