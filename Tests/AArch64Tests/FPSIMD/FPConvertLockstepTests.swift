import CUnicorn
import Foundation
import Testing
@testable import AArch64

/// SoftFP's conversions against Unicorn, one instruction at a time: FRINT* (every mode),
/// FCVT[NPMZA][SU] to 32- and 64-bit integers, FCVTZ[SU] and [SU]CVTF with random fraction
/// bits, SCVTF/UCVTF, and FCVT between half, single and double precision, with random FPCR
/// (AHP, DN, FZ, RMode). `LOCKSTEP_SEED` (hex) and `FP_CASES` override the defaults.
@Suite(.enabled(if: UnicornEngine.available, "libunicorn not available"))
struct FPConvertLockstepTests {
    static func ftype(_ fmt: FPFormat) -> UInt32 { fmt == .double ? 1 : fmt == .single ? 0 : 3 }
    static func mask(_ n: Int) -> UInt64 { n == 64 ? .max : (1 << UInt64(n)) - 1 }

    /// One random conversion: its encoding (Rd 3, Rn 1), input, and the model's (result, flags).
    struct Case {
        var word: UInt32
        var name: String
        var fromGeneral: Bool
        var toGeneral: Bool
        var resultBits: Int
        var model: (UInt64, inout FPEnvironment) -> UInt64
    }

    static func randomCase(_ rng: inout FPOperandGenerator) -> Case {
        let fmts: [FPFormat] = [.single, .double]
        let fmt = fmts[Int(rng.below(2))]
        let t = ftype(fmt)
        switch rng.below(5) {
        case 0:  // FRINT*: opcode 0b001 rmode
            let modes: [(UInt32, String, FPRounding?, Bool)] = [
                (0, "frintn", .tieEven, false), (1, "frintp", .posInf, false), (2, "frintm", .negInf, false),
                (3, "frintz", .zero, false), (4, "frinta", .tieAway, false), (6, "frintx", nil, true), (7, "frinti", nil, false),
            ]
            let (r, name, rounding, exact) = modes[Int(rng.below(UInt64(modes.count)))]
            return Case(word: 0x1E20_4000 | t << 22 | (0b001000 | r) << 15 | 1 << 5 | 3, name: "\(name) f\(fmt.n)",
                        fromGeneral: false, toGeneral: false, resultBits: fmt.n,
                        model: { op, env in SoftFP.roundInt(op & mask(fmt.n), fmt, rounding ?? env.rounding, exact: exact, &env) })
        case 1:  // FCVT[NPMZA][SU] to W or X
            let sf = UInt32(rng.below(2))
            let modes: [(UInt32, UInt32, String, FPRounding)] = [
                (0, 0, "fcvtn", .tieEven), (1, 0, "fcvtp", .posInf), (2, 0, "fcvtm", .negInf), (3, 0, "fcvtz", .zero), (0, 4, "fcvta", .tieAway),
            ]
            let (rmode, opcode, name, rounding) = modes[Int(rng.below(5))]
            let unsigned = rng.below(2) == 1
            let bits = sf == 1 ? 64 : 32
            return Case(word: 0x1E20_0000 | sf << 31 | t << 22 | rmode << 19 | (opcode | (unsigned ? 1 : 0)) << 16 | 1 << 5 | 3,
                        name: "\(name)\(unsigned ? "u" : "s") \(sf == 1 ? "x" : "w") f\(fmt.n)", fromGeneral: false, toGeneral: true, resultBits: bits,
                        model: { op, env in SoftFP.toFixed(op & mask(fmt.n), fmt, fbits: 0, unsigned: unsigned, bits: bits, rounding, &env) })
        case 2:  // FCVTZ[SU] fixed point
            let sf = UInt32(rng.below(2))
            let bits = sf == 1 ? 64 : 32
            let fbits = 1 + Int(rng.below(UInt64(bits)))
            let unsigned = rng.below(2) == 1
            return Case(word: 0x1E18_0000 | sf << 31 | t << 22 | (unsigned ? 1 : 0) << 16 | UInt32(64 - fbits) << 10 | 1 << 5 | 3,
                        name: "fcvtz\(unsigned ? "u" : "s") #\(fbits) \(sf == 1 ? "x" : "w") f\(fmt.n)", fromGeneral: false, toGeneral: true, resultBits: bits,
                        model: { op, env in SoftFP.toFixed(op & mask(fmt.n), fmt, fbits: fbits, unsigned: unsigned, bits: bits, .zero, &env) })
        case 3:  // [SU]CVTF, integer or fixed point
            let sf = UInt32(rng.below(2))
            let bits = sf == 1 ? 64 : 32
            let unsigned = rng.below(2) == 1
            let fixed = rng.below(2) == 1
            let fbits = fixed ? 1 + Int(rng.below(UInt64(bits))) : 0
            let word = fixed
                ? 0x1E02_0000 | sf << 31 | t << 22 | (unsigned ? 1 : 0) << 16 | UInt32(64 - fbits) << 10 | 1 << 5 | 3
                : 0x1E22_0000 | sf << 31 | t << 22 | (unsigned ? 1 : 0) << 16 | 1 << 5 | 3
            return Case(word: word, name: "\(unsigned ? "u" : "s")cvtf #\(fbits) \(sf == 1 ? "x" : "w") f\(fmt.n)", fromGeneral: true, toGeneral: false, resultBits: fmt.n,
                        model: { op, env in SoftFP.fromFixed(op, bits: bits, fbits: fbits, unsigned: unsigned, fmt, env.rounding, &env) })
        default:  // FCVT between precisions
            let all: [FPFormat] = [.half, .single, .double]
            let src = all[Int(rng.below(3))]
            var dst = all[Int(rng.below(3))]
            if dst == src { dst = src == .double ? .half : .double }
            return Case(word: 0x1E20_4000 | ftype(src) << 22 | (0b000100 | ftype(dst)) << 15 | 1 << 5 | 3,
                        name: "fcvt f\(dst.n) <- f\(src.n)", fromGeneral: false, toGeneral: false, resultBits: dst.n,
                        model: { op, env in SoftFP.convert(op & mask(src.n), from: src, to: dst, env.rounding, &env) })
        }
    }

    @Test func conversionsMatchUnicorn() throws {
        let env = ProcessInfo.processInfo.environment
        let seed = env["LOCKSTEP_SEED"].flatMap { UInt64($0.hasPrefix("0x") ? String($0.dropFirst(2)) : $0, radix: 16) } ?? 0xCF_2026
        let cases = Int(env["FP_CASES"] ?? "") ?? 4000
        let uc = try #require(UnicornEngine())
        uc.setSysreg(3, 0, 1, 0, 2, 3 << 20)  // CPACR_EL1.FPEN
        let code = UnicornLockstepTests.code
        var rng = FPOperandGenerator(seed: seed)
        var failures = 0
        for c in 0..<cases * 8 {
            let k = Self.randomCase(&rng)
            let fmts: [FPFormat] = [.half, .single, .double]
            let input: UInt64 = k.fromGeneral
                ? (rng.below(2) == 0 ? rng.next() >> rng.below(64) : UInt64(bitPattern: -Int64(bitPattern: rng.next() >> rng.below(64))))
                : rng.operand(fmts[Int(rng.below(3))]) | (rng.below(4) == 0 ? 0 : rng.operand(.double))
            let fpcr = rng.fpcr() | (rng.below(4) == 0 ? 1 << 26 : 0)
            let pc = code &+ UInt64(c % 4096) * 4
            uc.write(pc, (0..<4).map { UInt8(truncatingIfNeeded: k.word >> ($0 * 8)) })
            _ = CUnicorn_remove_cache(uc.uc, pc, pc + 4)
            if k.fromGeneral { uc.setX(1, input) } else { uc.setQ(1, input) }
            uc.setQ(3, 0x5555_5555_5555_5555); uc.setX(3, 0x5555_5555_5555_5555)
            uc.setReg(UC_ARM64_REG_FPCR, UInt64(fpcr))
            uc.setReg(UC_ARM64_REG_FPSR, 0)
            let err = uc.step(from: pc, until: pc + 4)
            let got = (k.toGeneral ? uc.x(3) : uc.q(3).lo) & Self.mask(k.resultBits)
            let gotFlags = UInt32(truncatingIfNeeded: uc.reg(UC_ARM64_REG_FPSR)) & 0x9F
            var fenv = FPEnvironment(fpcr: fpcr)
            let want = k.model(input, &fenv)
            if err != UC_ERR_OK || got != want || gotFlags != fenv.flags {
                failures += 1
                Issue.record("""
                    \(k.name) (0x\(String(k.word, radix: 16))) seed 0x\(String(seed, radix: 16)) case \(c): fpcr 0x\(String(fpcr, radix: 16)) \
                    in 0x\(String(input, radix: 16)): unicorn 0x\(String(got, radix: 16)) fpsr 0x\(String(gotFlags, radix: 16)) \
                    (err \(err.rawValue)), softfp 0x\(String(want, radix: 16)) fpsr 0x\(String(fenv.flags, radix: 16))
                    """)
                if failures >= 25 { return }
            }
        }
    }
}
