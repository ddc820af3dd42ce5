#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64: a tiny, fast generator whose whole state is one number, so a random test, a fuzz
/// soak or a lockstep run is replayed from the seed it prints when it fails. Every random test
/// of the project draws from this one generator.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n (n ≤ 0 gives 0; the modulo bias is irrelevant here). Draws one number
    /// whatever `n` is, so a sequence does not depend on the bounds asked for.
    public mutating func below(_ n: Int) -> Int {
        let r = next()
        return n > 0 ? Int(r % UInt64(n)) : 0
    }
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    public mutating func perMille(_ n: Int) -> Bool { below(1000) < n }
    public mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }
}

/// A seed from the environment variable `name` (hex, with or without 0x), or `fallback`: how a
/// failing random test is replayed (`LOCKSTEP_SEED=0x… swift test --filter …`).
public func seedFromEnvironment(_ name: String, default fallback: UInt64) -> UInt64 {
    guard let raw = getenv(name) else { return fallback }
    let s = String(cString: raw)
    return UInt64(s.hasPrefix("0x") ? String(s.dropFirst(2)) : s, radix: 16) ?? fallback
}
