import CUnicorn
import Foundation
import Stage2
import Testing
@testable import AArch64

/// Random SIMD&FP loads and stores (LDR/STR of B/H/S/D/Q in every addressing form, LDR literal,
/// LDP/STP/LDNP/STNP of S/D/Q) executed by the CPU and by Unicorn; after every instruction
/// V0–V7, X27 (offset), X28 (base), the PC and the whole 4 KiB data buffer are compared.
/// Addresses stay aligned and inside the buffer. `LOCKSTEP_SEED` (hex), `LOCKSTEP_STREAMS`.
@Suite(.enabled(if: UnicornEngine.available, "libunicorn not available"))
struct FPLoadStoreLockstepTests {
    static let code = UnicornLockstepTests.code, data = UnicornLockstepTests.data

    static func instruction(_ g: inout FPOperandGenerator, pc: UInt64) -> UInt32 {
        func r() -> UInt32 { UInt32(g.below(8)) }
        // (size, opc high bit): B, H, S, D, Q
        let (size, q) = [(0, 0), (1, 0), (2, 0), (3, 0), (0, 1)][Int(g.below(5))] as (UInt32, UInt32)
        let load = UInt32(g.below(2))
        let opc = q << 1 | load
        let rn: UInt32 = 28
        switch g.below(6) {
        case 0:  // unsigned offset
            return size << 30 | 0x3D00_0000 | opc << 22 | UInt32(g.below(64)) << 10 | rn << 5 | r()
        case 1, 2:  // unscaled, post-index, pre-index (imm9 a multiple of 16 keeps alignment)
            let idx = [0, 1, 3][Int(g.below(3))] as UInt32
            let imm9 = UInt32(bitPattern: Int32(g.below(5)) * 16 - 32) & 0x1FF
            return size << 30 | 0x3C00_0000 | opc << 22 | imm9 << 12 | idx << 10 | rn << 5 | r()
        case 3:  // register offset, x27
            let option = [2, 3, 6, 7][Int(g.below(4))] as UInt32
            return size << 30 | 0x3C20_0800 | opc << 22 | 27 << 16 | option << 13 | UInt32(g.below(2)) << 12 | rn << 5 | r()
        case 4:  // literal: S, D, Q within the code page, aligned to the access size
            let lopc = UInt32(g.below(3))
            let bytes = UInt64(4) << UInt64(lopc)
            let target = (pc + g.below(256)) & ~(bytes - 1)
            let imm19 = UInt32(truncatingIfNeeded: (target &- pc) >> 2) & 0x7FFFF
            return lopc << 30 | 0x1C00_0000 | imm19 << 5 | r()
        default:  // pairs
            let popc = UInt32(g.below(3))
            let kind = UInt32(g.below(4))
            // Writeback must keep x28 16-byte aligned: with MMU off every access is Device memory
            // and an unaligned one faults (ARM ARM B2.5.2; Unicorn 2.0.1 does not check it).
            let imm7 = UInt32(bitPattern: (Int32(g.below(9)) - 4) * Int32(4 >> popc)) & 0x7F
            let rt = r()
            var rt2 = r()
            if load == 1 && rt2 == rt { rt2 = (rt + 1) & 7 }
            return popc << 30 | 0x2C00_0000 | kind << 23 | load << 22 | imm7 << 15 | rt2 << 10 | rn << 5 | rt
        }
    }

    @Test func randomFPLoadStoreStreamsMatchUnicorn() throws {
        let env = ProcessInfo.processInfo.environment
        let seed = env["LOCKSTEP_SEED"].flatMap { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) } ?? 0x1D57_2026
        let streams = Int(env["LOCKSTEP_STREAMS"] ?? "") ?? 1500
        let length = 16
        let uc = try #require(UnicornEngine())
        uc.setSysreg(3, 0, 1, 0, 2, 3 << 20)
        uc.setSysreg(3, 0, 12, 0, 0, Self.code + 0x8000)
        let ram = PhysicalMemory(base: 0x4000_0000, size: 16 << 20)!
        let cpu = CPU(index: 0, bus: PhysicalBus(ram: ram), monitor: GlobalMonitor())
        var executed = 0
        for s in 0..<streams {
            var g = FPOperandGenerator(seed: seed ^ (UInt64(s) &* 0x9E37_79B9_7F4A_7C15))
            let words = (0..<length).map { Self.instruction(&g, pc: Self.code + UInt64($0 * 4)) }
            let bytes = words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> ($0 * 8)) } }
            bytes.withUnsafeBytes { _ = ram.write($0, at: Self.code) }
            uc.write(Self.code, bytes)
            _ = CUnicorn_remove_cache(uc.uc, Self.code, Self.code + UInt64(bytes.count))
            let buffer = (0..<4096).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            buffer.withUnsafeBytes { _ = ram.write($0, at: Self.data) }
            uc.write(Self.data, buffer)
            cpu.powerOn(entry: Self.code, context: 0)
            cpu.sysregs[SysReg.cpacrEL1] = 3 << 20
            cpu.sysregs[SysReg.vbarEL1] = Self.code + 0x8000
            for i in 0..<8 {
                let lo = g.next(), hi = g.next()
                cpu.simd.setQ(i, lo: lo, hi: hi); uc.setQ(i, lo, hi)
            }
            let offset = g.below(16) * 16
            cpu.setX(27, offset); uc.setX(27, offset)
            cpu.setX(28, Self.data + 2048); uc.setX(28, Self.data + 2048)
            for (i, w) in words.enumerated() {
                let pc = Self.code + UInt64(i * 4)
                cpu.pc = pc
                _ = cpu.run(cycleLimit: .max, instructionLimit: 1)
                let err = uc.step(from: pc, until: pc + 4)
                let ucUndefined = err != UC_ERR_OK || uc.pc() != pc + 4
                var diffs: [String] = []
                if ucUndefined != (cpu.pc != pc + 4) { diffs.append("undefined: unicorn \(ucUndefined) (err \(err.rawValue)), cpu pc 0x\(hex(cpu.pc))") }
                if !ucUndefined {
                    for v in 0..<8 where cpu.simd.q(v) != uc.q(v) {
                        diffs.append("v\(v): unicorn \(hex(uc.q(v).hi)):\(hex(uc.q(v).lo)) cpu \(hex(cpu.simd.q(v).hi)):\(hex(cpu.simd.q(v).lo))")
                    }
                    for x in [27, 28] where cpu.x(x) != uc.x(x) { diffs.append("x\(x): unicorn \(hex(uc.x(x))) cpu \(hex(cpu.x(x)))") }
                    let ours = [UInt8](UnsafeRawBufferPointer(start: ram.pointer(Self.data, length: 4096)!, count: 4096))
                    if ours != uc.read(Self.data, count: 4096) { diffs.append("data buffer differs") }
                }
                if !diffs.isEmpty {
                    Issue.record("seed 0x\(hex(seed)) stream \(s) (LOCKSTEP_SEED=0x\(hex(seed)) LOCKSTEP_STREAMS=\(s + 1)) instruction \(i) 0x\(hex(UInt64(w))): \(diffs.joined(separator: "; "))")
                    return
                }
                if ucUndefined { break }
                executed += 1
            }
        }
        #expect(executed > streams * length / 2, "only \(executed) instructions executed")
    }

    func hex(_ v: UInt64) -> String { String(v, radix: 16) }
}
