#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decode once: a direct-mapped cache of pre-decoded instructions, keyed by physical address and
/// shared by all CPUs of a machine, whose entries also describe *runs* (straight-line blocks).
///
/// Every word is decoded once, by the encoding table (`A64EncodingTable.decode`), into a
/// `DecodedInstruction` with operands extracted, register 31 resolved, bitmask immediates
/// expanded and condition codes turned into truth tables; the rare classes are cached as their
/// class executor with the operation in `aux` (the FP/SIMD ones: their `FPSIMDClass`) and their
/// operands in the record, and UNDEFINED encodings as `.undefined`.
///
/// Runs: every valid entry also says how many instructions follow it in a straight line
/// (`runLength`, ending at the first branch or run-ending instruction of a rare class; the last
/// instruction of a page is always cached as `.lastInPage`, so runs end there too) and what
/// they cost before the last one (`runCost`). `CPU.run` uses them to check the cycle and
/// instruction limits once per run instead of once per instruction, with exactly the same
/// outcome. That is only sound if a valid entry's run is still what memory holds, so:
/// - **Invariant**: if the entry for PA p is valid with run length L, the entries for p, p+4, …,
///   p+4(L-1) are all valid and were decoded from the bytes memory holds now.
/// - A store to RAM that hits a decoded instruction drops its entry and every entry whose run
///   covers it (`dropCovering`), and bumps `epoch` so a run being executed stops after the store
///   (self-modifying code, and code written by another CPU).
/// - Decoding over a slot that holds another address's instruction (the table is direct-mapped)
///   drops that instruction the same way.
/// - Anything else that may write RAM behind the CPUs' backs (a device write, which can start a
///   DMA copy; an EL2 handler; a power-on) bumps `generation`, which invalidates every entry at
///   once, and `epoch`.
final class DecodeCache {
    static let entries = 1 << 17
    static let mask = entries - 1
    /// Longest run (a page of instructions); also bounds the walk in `dropCovering`.
    static let maxRun = 1024
    /// The table's alignment, a page's worth of records: the record's address divided by a
    /// quarter of the stride then ends in bits 11:2 of its PA (`CPU.pageOffset(of:)`).
    static let alignment = MemoryLayout<DecodedInstruction>.stride * 1024
    let table: UnsafeMutablePointer<DecodedInstruction>
    /// Bits 63:48 of every valid tag; PAs are below 2^48.
    private(set) var generation: UInt64 = 1 << 48
    /// Bumped whenever any entry is dropped: a run in progress re-checks it after each store.
    private(set) var epoch: UInt64 = 0
    /// The cost model the cached run costs were computed with (the machine's; see `adopt`).
    private(set) var costs = CPUCostModel()

    /// The mapping that holds `table` (`mapped` bytes from `mapping`), or nil when it was
    /// allocated and initialized the ordinary way.
    private let mapping: UnsafeMutableRawPointer?
    private let mapped: Int

    /// Bytes of the table.
    static var tableBytes: Int { entries * MemoryLayout<DecodedInstruction>.stride }

    init() {
        // Aligned to 64 KiB: each 64-byte record is one cache line, and a record's address holds
        // its instruction's page offset (`CPU.pageOffset(of:)`).
        // The table (8 MiB) comes from an anonymous mapping: its pages read as zeros until they
        // are written, so a machine pays only for the slots its code uses (a fuzz input or a
        // test creates one per machine). A zero record is invalid: every valid tag has
        // `generation` bits set. (`DecodedInstruction` is plain data, so zeros are a value of it.)
        let span = DecodeCache.tableBytes + DecodeCache.alignment
        if let m = mmap(nil, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), m != MAP_FAILED {
            mapping = m
            mapped = span
            let aligned = (Int(bitPattern: m) + DecodeCache.alignment - 1) & ~(DecodeCache.alignment - 1)
            table = UnsafeMutableRawPointer(bitPattern: aligned)!
                .bindMemory(to: DecodedInstruction.self, capacity: DecodeCache.entries)
        } else {
            mapping = nil
            mapped = 0
            table = UnsafeMutableRawPointer.allocate(byteCount: DecodeCache.tableBytes, alignment: DecodeCache.alignment)
                .bindMemory(to: DecodedInstruction.self, capacity: DecodeCache.entries)
            table.initialize(repeating: DecodedInstruction(), count: DecodeCache.entries)
        }
    }

    deinit {
        if let m = mapping {
            munmap(m, mapped)
        } else {
            table.deinitialize(count: DecodeCache.entries)
            UnsafeMutableRawPointer(table).deallocate()
        }
    }

    @inline(__always) func tag(_ pa: UInt64) -> UInt64 { pa | generation }
    @inline(__always) func slot(_ pa: UInt64) -> UnsafeMutablePointer<DecodedInstruction> {
        table + (Int(truncatingIfNeeded: pa >> 2) & DecodeCache.mask)
    }

    /// Invalidates every cached instruction (O(1); a full clear only when the counter wraps).
    func invalidateAll() {
        epoch &+= 1
        generation &+= 1 << 48
        if generation == 0 {
            generation = 1 << 48
            for i in 0..<DecodeCache.entries { table[i].tag = .max }
        }
    }

    /// Bumped whenever `costs` changes: a CPU that adopted this version needs no comparison.
    private(set) var costsVersion: UInt64 = 0

    /// Run costs are sums of a cost model's fields: a CPU with another model drops them all.
    /// Returns the version of the model the cache now has.
    func adopt(_ model: CPUCostModel) -> UInt64 {
        if model != costs {
            costs = model
            costsVersion &+= 1
            invalidateAll()
        }
        return costsVersion
    }

    /// A store of `size` bytes at `pa` (at most 16): drop the entries of the granules it covers.
    @inline(__always) func noteStore(_ pa: UInt64, size: Int) {
        var g = pa & ~3
        let end = pa &+ UInt64(size)
        while g < end {
            if slot(g).pointee.tag == tag(g) { dropCovering(g) }
            g &+= 4
        }
    }

    /// Ends the run in progress without dropping any code: after a device write, whose effects
    /// (an interrupt raised or lowered, a timer reprogrammed) the run loop sees at once.
    @inline(__always) func endRunInProgress() { epoch &+= 1 }

    /// Drops the (valid) entry for `pa` and every entry before it whose run reaches it, keeping
    /// the invariant above. Rare: only when code is overwritten or two code addresses collide.
    @inline(never)
    func dropCovering(_ pa: UInt64) {
        epoch &+= 1
        slot(pa).pointee.tag = .max
        var distance = 1
        while distance < DecodeCache.maxRun {
            let before = pa &- UInt64(4 * distance)
            let e = slot(before)
            // An earlier run can only reach `pa` through this entry's; stop at the first that doesn't.
            guard e.pointee.tag == tag(before), Int(e.pointee.runLength) > distance else { return }
            e.pointee.tag = .max
            distance += 1
        }
    }

    /// Stores `d` in its slot; an instruction of another address living there is dropped first.
    @inline(__always) func install(_ d: DecodedInstruction, pa: UInt64) {
        let e = slot(pa)
        let old = e.pointee.tag
        // (`decodeRun` installs only where the slot holds another address's instruction.)
        if old & ~0x0000_FFFF_FFFF_FFFF == generation && old != .max {
            dropCovering(old & 0x0000_FFFF_FFFF_FFFF)
        }
        e.pointee = d
    }
}

/// One pre-decoded instruction (64 bytes, one cache line), plus the run that starts at it.
///
/// Register fields are indices into `CPU.regs`, resolved at decode time so the executor needs no
/// test for register 31: a source that reads XZR names slot 31 (always zero) and a destination
/// that writes XZR names slot 32 (a sink). Operands where 31 means SP keep 31 and the operation
/// tests for it; ADD/SUB (immediate), the commonest, have separate `…SP` forms so that the
/// plain ones index `regs` directly; the flag-setting ones with SP as a source share one form
/// (`addsSubsImmSP`).
struct DecodedInstruction {
    /// The forms executed out of line (`CPU.executeRareClass`) come first: up to
    /// `atomicMemoryOperation` they end a run, the data-processing ones after it do not; the
    /// forms the run loop executes inline follow.
    enum Op: UInt8 {
        // Executed out of line; they end a run (`CPU.executeRareClass`).
        /// The last word of a page, so that every run ends in it: its own form is `lastInPageOp`.
        case lastInPage
        /// UNDEFINED: no row, a row not implemented, or a reserved encoding of a class.
        case undefined
        /// The FP/SIMD rows (`CPU.simdAndFP`).
        case fpsimd
        /// Rarer classes executed out of line by the class's executor, from operands decoded
        /// into the record as the class's decoder says (`aux` names the operation).
        case exceptionGeneration, system, exceptionReturn
        case exclusiveOrderedCAS, loadLiteral, atomicMemoryOperation
        /// Data processing (register) executed out of line by the class's executor, without
        /// ending the run: they only compute registers and flags (cost: alu; UDIV/SDIV add
        /// `divide`, the 3-source forms `multiply`).
        case logicalShiftedRegister, addSubtractExtendedRegister, addSubtractWithCarry, conditionalCompare
        case dataProcessing1Source, dataProcessing2Source, dataProcessing3Source
        // data processing, immediate (cost: alu)
        case addImm, subImm  // Rd = Rn ± imm, masked by imm2 (neither is SP)
        case addImmSP, subImmSP  // Rd|SP = Rn|SP ± imm, masked by imm2
        case addsImm32, addsImm64, subsImm32, subsImm64  // Rd = Rn ± imm, NZCV
        case movImm  // Rd = imm (MOVZ, MOVN: value precomputed)
        case movk  // Rd = (Rn & imm2) | imm, Rn = Rd as a source
        case andImm, orrImm, eorImm  // Rd|SP = (Rn op imm) & imm2
        case andsImm32, andsImm64  // ANDS/TST (immediate)
        case adr, adrp  // Rd = PC + imm, (PC & ~0xFFF) + imm
        /// SBFM/UBFM (ASR, LSL, LSR, SBFX, UBFX, SXT*, UXT*, …) as one shift pair:
        /// Rd = ((Rn << rm) >> ra) & imm2, the right shift arithmetic for SBFM.
        case sbfm, ubfm
        // data processing, register (cost: alu; multiply adds `multiply`)
        /// Logical (shifted register, not ROR): operand = ((Rm << aux) >> ra arithmetic) & imm3,
        /// which is LSL, LSR or ASR at either width; imm = invert mask (N), imm2 = result mask.
        case andReg, orrReg, eorReg, andsReg32, andsReg64
        /// Add/subtract (shifted register): operand and imm2 as for the logical ones.
        case addReg, subReg, addsReg32, addsReg64, subsReg32, subsReg64
        /// CSEL/CSINC/CSINV/CSNEG: imm2 = condition truth table, aux = 0 sel, 1 inc, 2 inv, 3 neg.
        case csel
        /// MADD/MSUB: Rd = Ra ± Rn * Rm (aux = 1 for MSUB), masked by imm2.
        case madd
        // branches (cost: branch); end a run
        case b, bl, bCond, cbz, cbnz, tbz, tbnz, ret, br, blr
        case nop  // hint space NOPs: cost branch + system
        // loads and stores (cost: load / store)
        /// LDR/STR (unsigned offset), zero-extending: Rt = [Rn|SP + imm]; imm2 = syndrome.
        case ldr1, ldr2, ldr4, ldr8, str1, str2, str4, str8
        /// Any other single-register load/store: aux = bytes | 0x10 signed | 0x20 to 64 bits
        /// | 0x40 store; mode in ra (0 offset, 1 pre-index, 2 post-index, 3 register offset with
        /// the offset register in rm, extend option and shift packed in imm).
        case ldst
        /// LDP/STP/LDPSW: rm = Rt2, aux = bytes | 0x10 signed | 0x40 store, ra = mode (0 offset,
        /// 1 pre-index, 2 post-index), imm = offset.
        case ldstPair
        // Decoded forms added with the one decode table: last, so that the run loop's dispatch
        // keeps the layout it had (measured: the order of the cases moves the loop's code).
        /// ADDS/SUBS (immediate) with SP as the source (CMP SP, #imm): aux = 1 sub | 2 sf.
        case addsSubsImmSP
        /// BFM (BFI, BFXIL): Rd = (Rm & ~imm | ROR(Rn, ra) & imm) & imm2, Rm = Rd as a source,
        /// imm = wmask AND tmask, aux = sf.
        case bfm
        /// EXTR: Rd = (Rn:Rm) >> aux at 64 bits (ra = 1) or 32.
        case extr
        case prefetch  // PRFM, PRFUM: no access; cost alu
        /// LDTR/STTR and kin: as `ldst` (mode 0), with EL0's permissions.
        case ldstUnprivileged
    }
    var tag: UInt64 = .max
    var imm: UInt64 = 0
    var imm2: UInt64 = 0
    var imm3: UInt64 = 0
    /// Static cycles of the run starting here, without its last instruction (saturating; .max
    /// means "unknown": the run is always stepped).
    var runCost: UInt64 = .max
    var word: UInt32 = 0
    var op: Op = .undefined
    var rd: UInt8 = 0
    var rn: UInt8 = 0
    var rm: UInt8 = 0
    var ra: UInt8 = 0
    var aux: UInt8 = 0
    /// Instructions in the run starting here (1...maxRun).
    var runLength: UInt16 = 1
    /// For `.lastInPage`: the word's own decoded form, executed when the entry is reached.
    var lastInPageOp: Op = .undefined
    /// Pads the record to 64 bytes: indexing and the run loop's instruction count
    /// (`CPU.count(from:to:)`) become shifts instead of multiplications and divisions by 56.
    var padding: UInt64 = 0
}
