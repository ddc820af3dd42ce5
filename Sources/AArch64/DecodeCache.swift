/// Decode once: a direct-mapped cache of pre-decoded instructions, keyed by physical address and
/// shared by all CPUs of a machine.
///
/// The hottest encodings (add/sub and logical immediates, moves, branches, single-register
/// loads/stores with an unsigned offset) are decoded into `DecodedInstruction` with operands
/// already extracted and bitmask immediates already expanded; everything else is cached as
/// `.generic` and executed by the per-class decoders. Correctness rules:
/// - a store to RAM invalidates the entries of the 4-byte granules it writes (self-modifying
///   code, and code written by another CPU);
/// - anything else that may write RAM behind the CPUs' backs (a device write, which can start a
///   DMA copy; an EL2 handler) bumps `generation`, which invalidates every entry at once.
final class DecodeCache {
    static let entries = 1 << 15
    static let mask = entries - 1
    let table: UnsafeMutablePointer<DecodedInstruction>
    /// Bits 63:48 of every valid tag; PAs are below 2^48.
    private(set) var generation: UInt64 = 1 << 48

    init() {
        table = .allocate(capacity: DecodeCache.entries)
        table.initialize(repeating: DecodedInstruction(), count: DecodeCache.entries)
    }

    deinit { table.deallocate() }

    @inline(__always) func tag(_ pa: UInt64) -> UInt64 { pa | generation }

    /// Invalidates every cached instruction (O(1); a full clear only when the counter wraps).
    func invalidateAll() {
        generation &+= 1 << 48
        if generation == 0 {
            generation = 1 << 48
            for i in 0..<DecodeCache.entries { table[i].tag = .max }
        }
    }

    /// A store of `size` bytes at `pa` (at most 16): drop the entries of the granules it covers.
    @inline(__always) func noteStore(_ pa: UInt64, size: Int) {
        var g = pa & ~3
        let end = pa &+ UInt64(size)
        while g < end {
            let slot = Int(truncatingIfNeeded: g >> 2) & DecodeCache.mask
            if table[slot].tag & 0x0000_FFFF_FFFF_FFFF == g { table[slot].tag = .max }
            g &+= 4
        }
    }
}

/// One pre-decoded instruction.
struct DecodedInstruction {
    enum Op: UInt8 {
        case generic
        case addImm, subImm, addsImm, subsImm
        case movz, movn, movk
        case andImm, orrImm, eorImm
        case b, bl, bCond, cbz, cbnz
        case ret, br, blr
        case ldrUnsigned, strUnsigned
        /// AND/BIC/ORR/ORN/EOR/EON (shifted register): aux = opc << 1 | N, imm = shift amount,
        /// imm2 = Rm | shift type << 8.
        case logicalShifted
        /// ADD/ADDS/SUB/SUBS (shifted register): aux = op << 1 | S, imm/imm2 as above.
        case addSubShifted
        /// SBFM/UBFM: imm = wmask, imm2 = tmask, aux = immr | imms << 8 | signed << 16.
        case sbfm, ubfm
    }
    var tag: UInt64 = .max
    var word: UInt32 = 0
    var op: Op = .generic
    var rd: UInt32 = 0
    var rn: UInt32 = 0
    /// Condition code, load/store size in bytes, or per-op packed fields (see `Op`).
    var aux: UInt32 = 0
    /// 64-bit operation (sf).
    var sf = false
    var imm: UInt64 = 0
    /// MOVK's keep-mask; a load/store's data-abort syndrome.
    var imm2: UInt64 = 0
}
