/// The FPCR controls and the cumulative FPSR exception flags one floating-point operation sees,
/// as the ARM ARM's `FPCRType` and `FPProcessException` use them (no floating-point exception
/// traps: FPCR.IOE…IDE are RES0 here, so every exception only sets its cumulative flag).
public struct FPEnvironment {
    public var fpcr: UInt32
    /// Flags raised so far (FPSR layout: IOC bit 0, DZC 1, OFC 2, UFC 3, IXC 4, IDC 7).
    public var flags: UInt32 = 0

    public init(fpcr: UInt32) { self.fpcr = fpcr }

    public static let ioc: UInt32 = 1 << 0, dzc: UInt32 = 1 << 1, ofc: UInt32 = 1 << 2
    public static let ufc: UInt32 = 1 << 3, ixc: UInt32 = 1 << 4, idc: UInt32 = 1 << 7

    /// FPCR.AHP: alternative half-precision format (no infinities or NaNs).
    var ahp: Bool { fpcr >> 26 & 1 != 0 }
    /// FPCR.DN: every NaN result is the default NaN.
    var dn: Bool { fpcr >> 25 & 1 != 0 }
    /// FPCR.FZ: single- and double-precision denormals are flushed to zero (inputs and outputs).
    var fz: Bool { fpcr >> 24 & 1 != 0 }
    /// FPCR.RMode as a rounding mode (FPDecodeRounding).
    var rounding: FPRounding { FPRounding(rawValue: UInt8(truncatingIfNeeded: fpcr >> 22 & 3))! }
}

/// FPRounding (ARM ARM): the first four are FPCR.RMode's encodings.
public enum FPRounding: UInt8 {
    case tieEven = 0, posInf = 1, negInf = 2, zero = 3, tieAway = 4, odd = 5
}

/// FPType (ARM ARM), the classification FPUnpack returns. `nonzero` covers normal and (not
/// flushed) denormal numbers.
public enum FPType {
    case zero, nonzero, infinity, qnan, snan
    var isNaN: Bool { self == .qnan || self == .snan }
}

/// An IEEE 754 binary format: half, single or double precision.
public struct FPFormat: Equatable, Sendable {
    /// Total, exponent and fraction bit counts (N, E, F in the ARM ARM).
    public let n: Int, e: Int, f: Int
    public static let half = FPFormat(n: 16, e: 5, f: 10)
    public static let single = FPFormat(n: 32, e: 8, f: 23)
    public static let double = FPFormat(n: 64, e: 11, f: 52)

    var bias: Int { (1 << (e - 1)) - 1 }
    /// The exponent of the smallest normal number (-14, -126, -1022).
    var minimumExp: Int { 1 - bias }
    var expMask: UInt64 { (1 << UInt64(e)) - 1 }
    var fracMask: UInt64 { (1 << UInt64(f)) - 1 }
    var signBit: UInt64 { 1 << UInt64(n - 1) }
    var quietBit: UInt64 { 1 << UInt64(f - 1) }

    func zero(_ sign: Bool) -> UInt64 { sign ? signBit : 0 }
    func infinity(_ sign: Bool) -> UInt64 { zero(sign) | expMask << UInt64(f) }
    func maxNormal(_ sign: Bool) -> UInt64 { zero(sign) | (expMask - 1) << UInt64(f) | fracMask }
    /// FPDefaultNaN: positive, quiet, zero payload.
    var defaultNaN: UInt64 { expMask << UInt64(f) | quietBit }
}

/// FPUnpack's result: the type, the sign and, for `nonzero`, the exact value mant × 2^exp.
struct FPUnpacked {
    var type: FPType
    var sign: Bool
    var mant: UInt64 = 0
    var exp: Int = 0
    var isZero: Bool { type == .zero }
    var isInf: Bool { type == .infinity }
}
