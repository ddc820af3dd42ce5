import CUnicorn
import Foundation
import Stage2
import Testing
@testable import AArch64

/// Random scalar floating-point encodings (every group of "Data processing -- scalar
/// floating-point", single and double precision, FCVT with half) executed by the CPU and by
/// Unicorn from the same registers, in streams that feed results back as operands; after every
/// instruction V0–V7 (all 128 bits), X0–X7, NZCV, FPCR, FPSR and the PC are compared (an
/// UNDEFINED encoding must be UNDEFINED on both). `LOCKSTEP_SEED` (hex), `LOCKSTEP_STREAMS`.
@Suite(.enabled(if: UnicornEngine.available, "libunicorn not available"))
struct ScalarFPLockstepTests {
    static let code = UnicornLockstepTests.code

    /// One random encoding from the scalar FP groups, registers in 0…7.
    static func instruction(_ g: inout FPOperandGenerator) -> UInt32 {
        func r() -> UInt32 { UInt32(g.below(8)) }
        let type = UInt32(g.below(8) == 0 ? 2 : g.below(2))
        let sf = UInt32(g.below(2))
        switch g.below(9) {
        case 0: return 0x1F00_0000 | type << 22 | UInt32(g.below(2)) << 21 | r() << 16 | UInt32(g.below(2)) << 15 | r() << 10 | r() << 5 | r()
        case 1: return 0x1E20_0800 | type << 22 | r() << 16 | UInt32(g.below(16)) << 12 | r() << 5 | r()
        case 2:
            let opcodes: [UInt32] = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15]
            let opcode = opcodes[Int(g.below(UInt64(opcodes.count)))]
            let t = opcode >> 2 == 1 ? [0, 1, 3][Int(g.below(3))] : type
            return 0x1E20_4000 | UInt32(t) << 22 | opcode << 15 | r() << 5 | r()
        case 3: return 0x1E20_2000 | type << 22 | r() << 16 | r() << 5 | UInt32(g.below(4)) << 3
        case 4: return 0x1E20_0400 | type << 22 | r() << 16 | UInt32(g.below(16)) << 12 | r() << 5 | UInt32(g.below(32))
        case 5: return 0x1E20_0C00 | type << 22 | r() << 16 | UInt32(g.below(16)) << 12 | r() << 5 | r()
        case 6: return 0x1E20_1000 | type << 22 | UInt32(g.below(256)) << 13 | r()
        case 7:
            let forms: [(UInt32, UInt32)] = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1), (0, 4), (0, 5), (0, 2), (0, 3)]
            var (rmode, opcode) = forms[Int(g.below(UInt64(forms.count)))]
            var t = type, s = sf
            if g.below(4) == 0 {  // FMOV (general): S<->W, D<->X, V.D[1]<->X
                opcode = 6 + UInt32(g.below(2))
                (s, t, rmode) = [(0, 0, 0), (1, 1, 0), (1, 2, 1)][Int(g.below(3))]
            }
            return 0x1E20_0000 | s << 31 | t << 22 | rmode << 19 | opcode << 16 | r() << 5 | r()
        default:
            let (rmode, opcode): (UInt32, UInt32) = [(3, 0), (3, 1), (0, 2), (0, 3)][Int(g.below(4))]
            let scale = sf == 1 ? UInt32(g.below(64)) : 32 + UInt32(g.below(32))
            return 0x1E00_0000 | sf << 31 | type << 22 | rmode << 19 | opcode << 16 | scale << 10 | r() << 5 | r()
        }
    }

    @Test func randomScalarFPStreamsMatchUnicorn() throws {
        let env = ProcessInfo.processInfo.environment
        let seed = env["LOCKSTEP_SEED"].flatMap { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) } ?? 0x5CA1_2026
        let streams = Int(env["LOCKSTEP_STREAMS"] ?? "") ?? 1500
        let length = 16
        let uc = try #require(UnicornEngine())
        uc.setSysreg(3, 0, 1, 0, 2, 3 << 20)
        uc.setSysreg(3, 0, 12, 0, 0, Self.code + 0x8000)  // VBAR_EL1: exceptions land away from the code
        let ram = PhysicalMemory(base: 0x4000_0000, size: 16 << 20)!
        let cpu = CPU(index: 0, bus: PhysicalBus(ram: ram), monitor: GlobalMonitor())
        var executed = 0
        for s in 0..<streams {
            var g = FPOperandGenerator(seed: seed ^ (UInt64(s) &* 0x9E37_79B9_7F4A_7C15))
            let words = (0..<length).map { _ in Self.instruction(&g) }
            let bytes = words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> ($0 * 8)) } }
            bytes.withUnsafeBytes { _ = ram.write($0, at: Self.code) }
            uc.write(Self.code, bytes)
            _ = CUnicorn_remove_cache(uc.uc, Self.code, Self.code + UInt64(bytes.count))
            cpu.powerOn(entry: Self.code, context: 0)
            cpu.sysregs[SysReg.cpacrEL1] = 3 << 20
            cpu.sysregs[SysReg.vbarEL1] = Self.code + 0x8000
            let fmts: [FPFormat] = [.half, .single, .double]
            for i in 0..<8 {
                let lo = g.operand(fmts[Int(g.below(3))]) | (g.below(2) == 0 ? 0 : g.operand(.double) & ~0xFFFF_FFFF)
                let hi = g.next()
                cpu.simd.setQ(i, lo: lo, hi: hi); uc.setQ(i, lo, hi)
                let x = g.below(2) == 0 ? g.next() : g.operand(.double) >> g.below(64)
                cpu.setX(i, x); uc.setX(i, x)
            }
            let fpcr = g.fpcr()
            cpu.simd.setFPCR(UInt64(fpcr)); uc.setReg(UC_ARM64_REG_FPCR, UInt64(fpcr))
            cpu.simd.setFPSR(0); uc.setReg(UC_ARM64_REG_FPSR, 0)
            let flags = g.below(16) << 28
            cpu.nzcv = flags; uc.setNZCV(flags)
            for (i, w) in words.enumerated() {
                let pc = Self.code + UInt64(i * 4)
                let (diffs, ucUndefined) = stepFPLockstep(cpu, uc, pc: pc, vregs: 0..<8, xregs: 0...7)
                if !diffs.isEmpty {
                    Issue.record("seed 0x\(hex(seed)) stream \(s) (LOCKSTEP_SEED=0x\(hex(seed)) LOCKSTEP_STREAMS=\(s + 1)) instruction \(i) 0x\(hex(UInt64(w))) fpcr 0x\(hex(UInt64(fpcr))): \(diffs.joined(separator: "; "))")
                    return
                }
                if ucUndefined { break }  // the rest of the stream would start from the vector
                executed += 1
            }
        }
        // Most encodings are defined: a harness that executes nothing must not pass.
        #expect(executed > streams * 4, "only \(executed) instructions executed")
    }

    func hex(_ v: UInt64) -> String { String(v, radix: 16) }
}
