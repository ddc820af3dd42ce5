import CUnicorn
import Foundation
import Testing
@testable import AArch64

/// The software floating-point core against Unicorn, one instruction at a time: every scalar FP
/// data-processing instruction below runs in Unicorn on V1 (and V2, V0) with a random FPCR
/// (DN, FZ, RMode), and its result register, FPSR flags and NZCV are compared with SoftFP.
/// Operands are biased to NaNs with payloads, infinities, zeros, denormals, extremes and pairs
/// whose exact result lands on rounding boundaries. `LOCKSTEP_SEED` (hex) and `FP_CASES`
/// override the defaults; a mismatch prints the seed, the case number and the operands.
@Suite(.enabled(if: UnicornEngine.available, "libunicorn not available"))
struct FPCoreLockstepTests {
    /// One scalar operation: its encoding (Rd 3, Rn 1, Rm 2, Ra 0) and the model.
    struct Op {
        let name: String
        let word: (UInt32) -> UInt32  // from the ARM ARM `ftype` field (00 single, 01 double)
        let compares: Bool
        let model: (UInt64, UInt64, UInt64, FPFormat, inout FPEnvironment) -> UInt64
    }

    static func neg(_ x: UInt64, _ fmt: FPFormat) -> UInt64 { x ^ fmt.signBit }

    static let ops: [Op] = {
        func twoSource(_ name: String, _ opcode: UInt32, _ m: @escaping (UInt64, UInt64, FPFormat, inout FPEnvironment) -> UInt64) -> Op {
            Op(name: name, word: { 0x1E20_0800 | $0 << 22 | 2 << 16 | opcode << 12 | 1 << 5 | 3 }, compares: false,
               model: { _, n, m2, f, e in m(n, m2, f, &e) })
        }
        func threeSource(_ name: String, _ o1: UInt32, _ o0: UInt32) -> Op {
            Op(name: name, word: { 0x1F00_0000 | $0 << 22 | o1 << 21 | 2 << 16 | o0 << 15 | 0 << 10 | 1 << 5 | 3 }, compares: false,
               model: { a, n, m, f, e in
                   SoftFP.mulAdd(o1 == 1 ? neg(a, f) : a, o0 != o1 ? neg(n, f) : n, m, f, &e)
               })
        }
        return [
            twoSource("fmul", 0) { SoftFP.mul($0, $1, $2, &$3) },
            twoSource("fdiv", 1) { SoftFP.div($0, $1, $2, &$3) },
            twoSource("fadd", 2) { SoftFP.add($0, $1, $2, &$3) },
            twoSource("fsub", 3) { SoftFP.add($0, $1, subtract: true, $2, &$3) },
            twoSource("fmax", 4) { SoftFP.minMax($0, $1, max: true, $2, &$3) },
            twoSource("fmin", 5) { SoftFP.minMax($0, $1, max: false, $2, &$3) },
            twoSource("fmaxnm", 6) { SoftFP.minMaxNum($0, $1, max: true, $2, &$3) },
            twoSource("fminnm", 7) { SoftFP.minMaxNum($0, $1, max: false, $2, &$3) },
            twoSource("fnmul", 8) { neg(SoftFP.mul($0, $1, $2, &$3), $2) },
            threeSource("fmadd", 0, 0), threeSource("fmsub", 0, 1),
            threeSource("fnmadd", 1, 0), threeSource("fnmsub", 1, 1),
            Op(name: "fsqrt", word: { 0x1E21_C000 | $0 << 22 | 1 << 5 | 3 }, compares: false,
               model: { _, n, _, f, e in SoftFP.sqrt(n, f, &e) }),
            Op(name: "fcmp", word: { 0x1E20_2000 | $0 << 22 | 2 << 16 | 1 << 5 }, compares: true,
               model: { _, n, m, f, e in SoftFP.compare(n, m, signalNaNs: false, f, &e) }),
            Op(name: "fcmpe", word: { 0x1E20_2010 | $0 << 22 | 2 << 16 | 1 << 5 }, compares: true,
               model: { _, n, m, f, e in SoftFP.compare(n, m, signalNaNs: true, f, &e) }),
        ]
    }()

    @Test(arguments: [FPFormat.single, FPFormat.double])
    func scalarOperationsMatchUnicorn(_ fmt: FPFormat) throws {
        let env = ProcessInfo.processInfo.environment
        let seed = env["LOCKSTEP_SEED"].flatMap { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) } ?? 0xF9_2026
        let cases = Int(env["FP_CASES"] ?? "") ?? 4000
        let uc = try #require(UnicornEngine())
        uc.setSysreg(3, 0, 1, 0, 2, 3 << 20)  // CPACR_EL1.FPEN: FP/SIMD enabled at EL0 and EL1
        let ftype: UInt32 = fmt == .double ? 1 : 0
        let code = UnicornLockstepTests.code
        let words = Self.ops.map { $0.word(ftype) }
        uc.write(code, words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> ($0 * 8)) } })
        var rng = FPOperandGenerator(seed: seed ^ UInt64(fmt.n))
        var failures = 0
        for (i, op) in Self.ops.enumerated() {
            for c in 0..<cases {
                let a = rng.operand(fmt), n = rng.operand(fmt), m = rng.related(to: n, fmt)
                let fpcr = rng.fpcr()
                uc.setQ(0, a); uc.setQ(1, n); uc.setQ(2, m); uc.setQ(3, 0x5555_5555_5555_5555)
                uc.setReg(UC_ARM64_REG_FPCR, UInt64(fpcr))
                uc.setReg(UC_ARM64_REG_FPSR, 0)
                uc.setNZCV(0)
                let pc = code + UInt64(i * 4)
                let err = uc.step(from: pc, until: pc + 4)
                let got = op.compares ? uc.nzcv() : uc.q(3).lo & (fmt.n == 64 ? ~0 : 0xFFFF_FFFF)
                let gotFlags = UInt32(truncatingIfNeeded: uc.reg(UC_ARM64_REG_FPSR)) & 0x9F
                var fenv = FPEnvironment(fpcr: fpcr)
                let want = op.model(a, n, m, fmt, &fenv)
                if err != UC_ERR_OK || got != want || gotFlags != fenv.flags {
                    failures += 1
                    Issue.record("""
                        \(op.name) f\(fmt.n) seed 0x\(String(seed, radix: 16)) case \(c): fpcr 0x\(String(fpcr, radix: 16)) \
                        a 0x\(String(a, radix: 16)) n 0x\(String(n, radix: 16)) m 0x\(String(m, radix: 16)): \
                        unicorn 0x\(String(got, radix: 16)) fpsr 0x\(String(gotFlags, radix: 16)) (err \(err.rawValue)), \
                        softfp 0x\(String(want, radix: 16)) fpsr 0x\(String(fenv.flags, radix: 16))
                        """)
                    if failures >= 20 { return }
                }
            }
        }
    }
}

extension UnicornEngine {
    func setQ(_ i: Int, _ lo: UInt64, _ hi: UInt64 = 0) {
        var v: (UInt64, UInt64) = (lo, hi)  // 16 bytes, little-endian
        uc_reg_write(uc, Int32(UC_ARM64_REG_Q0.rawValue) + Int32(i), &v)
    }
    func q(_ i: Int) -> (lo: UInt64, hi: UInt64) {
        var v: (UInt64, UInt64) = (0, 0)
        uc_reg_read(uc, Int32(UC_ARM64_REG_Q0.rawValue) + Int32(i), &v)
        return v
    }
}

/// Floating-point operands biased to the values where implementations differ.
struct FPOperandGenerator {
    var base: StreamGenerator
    init(seed: UInt64) { base = StreamGenerator(seed: seed) }
    mutating func next() -> UInt64 { base.next() }
    mutating func below(_ n: UInt64) -> UInt64 { next() % n }

    /// FPCR with random DN, FZ and RMode (AHP clear).
    mutating func fpcr() -> UInt32 { UInt32(truncatingIfNeeded: next() & 0x03C0_0000) }

    mutating func operand(_ fmt: FPFormat) -> UInt64 {
        let sign = next() & 1 == 1 ? fmt.signBit : 0
        let frac = next() & fmt.fracMask
        let expTop = fmt.expMask
        switch below(16) {
        case 0: return sign | expTop << UInt64(fmt.f) | fmt.quietBit | frac  // quiet NaN, payload
        case 1: return sign | expTop << UInt64(fmt.f) | max(frac & ~fmt.quietBit, 1)  // signalling NaN
        case 2: return fmt.infinity(sign != 0)
        case 3: return sign
        case 4, 5: return sign | max(frac >> below(UInt64(fmt.f)), 1)  // denormal
        case 6: return sign | [1, fmt.fracMask, 1 << UInt64(fmt.f), fmt.maxNormal(false)][Int(below(4))]
        case 7: return sign | (expTop - 1 - below(3)) << UInt64(fmt.f) | frac  // near overflow
        case 8: return sign | (1 + below(3)) << UInt64(fmt.f) | frac  // near underflow
        case 9, 10: return sign | UInt64(fmt.bias) << UInt64(fmt.f) | frac & ~(fmt.fracMask >> below(UInt64(fmt.f)))  // ~1.0, few bits
        default: return sign | (1 + below(expTop - 1)) << UInt64(fmt.f) | frac
        }
    }

    /// An operand that often shares or nearly shares `x`'s exponent (cancellation, ties).
    mutating func related(to x: UInt64, _ fmt: FPFormat) -> UInt64 {
        guard below(2) == 0 else { return operand(fmt) }
        let exp = Int64(truncatingIfNeeded: x >> UInt64(fmt.f) & fmt.expMask)
        let shifted = exp + Int64(below(UInt64(2 * fmt.f + 8))) - Int64(fmt.f + 4)
        let e = UInt64(clamping: max(0, min(shifted, Int64(fmt.expMask) - 1)))
        let sign = next() & 1 == 1 ? fmt.signBit : 0
        let frac = below(2) == 0 ? x & fmt.fracMask ^ (1 << below(UInt64(fmt.f))) : next() & fmt.fracMask & ~(fmt.fracMask >> below(UInt64(fmt.f)))
        return sign | e << UInt64(fmt.f) | frac
    }
}
