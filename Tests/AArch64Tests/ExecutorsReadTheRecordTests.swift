import TestSupport
import Stage2
import Testing
@testable import AArch64

/// The one-decode-table rule, checked: every word is decoded once, by its row's decoder, into
/// the record, and the executors read only the record. For random words of every implemented
/// row, the decoded record is executed twice from the same random state: once as decoded and
/// once with its `word` field replaced by a different word. An executor that still read
/// operands (or decided UNDEFINED) from the word would diverge.
@Suite struct ExecutorsReadTheRecordTests {
    static let seed: UInt64 = 0x5EC0_4D
    static let ramBase: UInt64 = 0x4000_0000
    static let ramSize: UInt64 = 1 << 20

    /// A CPU at EL1 on its own RAM.
    static func makeCPU() -> CPU {
        let ram = PhysicalMemory(base: ramBase, size: ramSize)!
        let cpu = CPU(index: 0, bus: PhysicalBus(ram: ram), monitor: GlobalMonitor())
        cpu.powerOn(entry: ramBase + 0x8_0000, context: 0)
        return cpu
    }

    /// One random machine state: general registers (every other one an address in RAM), SP, NZCV,
    /// V0–V31 with NaNs, infinities, denormals and zeros among them, FPCR, FPSR, the exception
    /// level and the trap bits the executors consult.
    struct State {
        var x: [UInt64] = [], v: [(UInt64, UInt64)] = []
        var sp: UInt64 = 0, nzcv: UInt64 = 0, fpcr: UInt64 = 0, fpsr: UInt64 = 0
        var el = 1, sctlr: UInt64 = 0, cpacr: UInt64 = 0

        init(_ rng: inout SplitMix64) {
            let specials: [UInt64] = [0, 0x8000_0000_0000_0000, 0x7FF0_0000_0000_0000, 0x7FF8_0000_0000_0001,
                                      0x7FF4_0000_0000_0000, 0x0000_0000_0000_0001, 0x7F80_0000_7FC0_0001, 0x0000_0001_8000_0000]
            for i in 0..<31 {
                let r = rng.next()
                x.append(i % 2 == 0 ? ExecutorsReadTheRecordTests.ramBase + 0x1_0000 + (r & 0x7_FFF8) : r)
            }
            for _ in 0..<32 {
                let a = rng.next(), b = rng.next()
                v.append((a & 3 == 0 ? specials[Int(b % 8)] : a, b & 3 == 0 ? specials[Int(a % 8)] : b))
            }
            sp = ExecutorsReadTheRecordTests.ramBase + 0x9_0000 + (rng.next() & 0xFFF0)
            nzcv = (rng.next() & 0xF) << 28
            fpcr = rng.next() & 0x07C0_0000
            fpsr = rng.next() & 0x0800_009F
            el = rng.next() % 4 == 0 ? 0 : 1
            sctlr = rng.next() & (1 << 9 | 1 << 14 | 1 << 15 | 1 << 16 | 1 << 18 | 1 << 26)
            cpacr = rng.next() % 8 == 0 ? 0 : 3 << 20
        }

        func load(into cpu: CPU) {
            cpu.powerOn(entry: ExecutorsReadTheRecordTests.ramBase + 0x8_0000, context: 0)
            _ = cpu.writeSysReg(SysReg.vbarEL1, ExecutorsReadTheRecordTests.ramBase)
            _ = cpu.writeSysReg(SysReg.sctlrEL1, sctlr)
            _ = cpu.writeSysReg(SysReg.cpacrEL1, cpacr)
            for i in 0..<31 { cpu.regs[i] = x[i] }
            for i in 0..<32 { cpu.simd.setQ(i, lo: v[i].0, hi: v[i].1) }
            cpu.simd.setFPCR(fpcr)
            cpu.simd.setFPSR(fpsr)
            cpu.sp = sp
            cpu.nzcv = nzcv
            cpu.currentEL = el
        }
    }

    /// Everything an executor may change, as text (so a difference names itself).
    static func snapshot(_ cpu: CPU, _ state: State) -> String {
        var s = "pc \(cpu.pc) sp \(cpu.sp) nzcv \(cpu.nzcv) daif \(cpu.daif) el \(cpu.currentEL) spsel \(cpu.spsel)"
        s += " cycles \(cpu.cycles) retired \(cpu.instructionsRetired) exit \(String(describing: cpu.pendingExit))"
        s += " fpcr \(cpu.simd.fpcr) fpsr \(cpu.simd.fpsr) sysregs \(cpu.sysregs.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })"
        s += " x \((0..<31).map { cpu.regs[$0] }) v \((0..<32).map { "\(cpu.simd.q($0))" })"
        // Memory around every address register and SP: what a store could have written.
        for a in stride(from: 0, to: 31, by: 2).map({ state.x[$0] }) + [state.sp] {
            let block = a & ~63
            for o in stride(from: 0, to: 128, by: 8) {
                let pa = block &+ UInt64(o)
                s += " \(cpu.readPhysical(pa, size: 8, va: pa).map { String($0) } ?? "-")"
            }
        }
        return s
    }

    @Test func executorsIgnoreTheWordField() {
        var rng = SplitMix64(state: Self.seed)
        let a = Self.makeCPU(), b = Self.makeCPU()
        var executed = 0, retired = 0
        for row in A64EncodingTable.rows where row.status == .implemented {
            for k in 0..<96 {
                // Half the words with sparse free bits: zero fields are what most classes need
                // for an allocated encoding.
                let bits = k % 2 == 0 ? rng.next() : rng.next() & rng.next() & rng.next()
                let w = UInt32(truncatingIfNeeded: bits) & ~row.mask | row.value
                guard A64EncodingTable.encodingClass(of: w)?.name == row.name else { continue }
                let state = State(&rng)
                var decoded = A64EncodingTable.decode(w)
                var blinded = decoded
                blinded.word = UInt32(truncatingIfNeeded: rng.next())
                state.load(into: a)
                state.load(into: b)
                let stepA = a.executeOutOfLine(&decoded), stepB = b.executeOutOfLine(&blinded)
                let sa = Self.snapshot(a, state), sb = Self.snapshot(b, state)
                #expect(stepA == stepB && sa == sb, "\(row.name): \(String(w, radix: 16)) (seed \(Self.seed))")
                if sa != sb { return }
                executed += 1
                if stepA != .fault { retired += 1 }
            }
        }
        // Seeded: 6,754 words of the implemented rows, 2,713 of them retired.
        #expect(executed > 6000 && retired > 2000, "executed \(executed), retired \(retired)")
    }
}
