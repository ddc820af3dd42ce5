/// The FP/SIMD register file: V0–V31 (128 bits, each as two 64-bit halves, low half first),
/// FPCR and FPSR. Exception entry and return leave them alone, as on hardware; a kernel saves
/// them itself when it switches context.
public final class FPSIMDRegisters {
    /// V0–V31: element 2n is bits 63:0 of Vn, element 2n+1 bits 127:64.
    let v: UnsafeMutablePointer<UInt64>
    /// FPCR: only AHP, DN, FZ and RMode exist (no FEAT_FP16, no trapped exceptions).
    public internal(set) var fpcr: UInt32 = 0
    /// FPSR: QC and the cumulative exception flags (IDC, IXC, UFC, OFC, DZC, IOC).
    public internal(set) var fpsr: UInt32 = 0

    static let fpcrWritable: UInt32 = 0x07C0_0000
    static let fpsrWritable: UInt32 = 0x0800_009F

    init() {
        v = .allocate(capacity: 64)
        v.initialize(repeating: 0, count: 64)
    }

    deinit { v.deallocate() }

    /// Cold reset: every register zero (the ARM ARM leaves them UNKNOWN; zero is deterministic).
    func reset() {
        for i in 0..<64 { v[i] = 0 }
        fpcr = 0
        fpsr = 0
    }

    /// FPCR and FPSR as an MSR writes them: bits that do not exist here stay zero.
    public func setFPCR(_ value: UInt64) { fpcr = UInt32(truncatingIfNeeded: value) & Self.fpcrWritable }
    public func setFPSR(_ value: UInt64) { fpsr = UInt32(truncatingIfNeeded: value) & Self.fpsrWritable }

    /// Vn as (bits 63:0, bits 127:64); n is taken modulo 32.
    public func q(_ n: Int) -> (lo: UInt64, hi: UInt64) { (v[2 * (n & 31)], v[2 * (n & 31) + 1]) }
    public func setQ(_ n: Int, lo: UInt64, hi: UInt64) {
        v[2 * (n & 31)] = lo
        v[2 * (n & 31) + 1] = hi
    }

    /// A scalar write of `width` bits (8…64): the rest of the 128-bit register becomes zero.
    @inline(__always) func setScalar(_ n: UInt32, _ value: UInt64, width: Int) {
        let i = Int(n & 31) * 2
        v[i] = width == 64 ? value : value & ((1 << UInt64(width)) - 1)
        v[i + 1] = 0
    }

    /// The low `width` bits of Vn.
    @inline(__always) func scalar(_ n: UInt32, width: Int) -> UInt64 {
        let lo = v[Int(n & 31) * 2]
        return width == 64 ? lo : lo & ((1 << UInt64(width)) - 1)
    }
}
