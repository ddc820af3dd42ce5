import TestSupport
import CUnicorn
import Foundation
import Stage2
import Testing
@testable import AArch64

/// Lockstep against Unicorn 2.0.1 on random *programs*: straight-line integer code from
/// `StreamGenerator`, forward conditional branches (B.cond, CBZ/CBNZ, TBZ/TBNZ), B, ADR+BR,
/// BL/ADR+BLR to subroutines that RET, bounded counted loops, CSEL/CSINC/CSINV/CSNEG and
/// CCMP/CCMN after compares, and every load/store form against a 4 KiB scratch buffer
/// (all sizes and sign extensions, unsigned/unscaled/pre/post/unprivileged, register offset with
/// UXTW/LSL/SXTW/SXTX and shift, literal, pairs incl. LDNP/STNP and LDPSW, exclusives incl. pairs
/// (single CPU), LDAR/STLR/LDLAR/STLLR, CAS/CASP, LSE atomics and their ST aliases).
/// Both CPUs step one instruction at a time; X0–X30, SP, PC, NZCV and the buffer are compared
/// after every instruction.
///
/// Left out on purpose: LD{S,U}{MAX,MIN} below 64 bits (Unicorn 2.0.1 gets them wrong; see
/// `StreamGenerator`), unaligned accesses (Unicorn gives no alignment faults with the MMU off),
/// CONSTRAINED UNPREDICTABLE forms (writeback with Rn == Rt, loads of a pair into one register,
/// STXR status register equal to a data register), STXR to another address than its LDXR
/// (IMPLEMENTATION DEFINED) and stores between LDXR and STXR.
///
/// `LOCKSTEP_PROGRAMS` (count), `LOCKSTEP_SEED` and `LOCKSTEP_PROGRAM` (replay one program
/// index) override the defaults; a mismatch prints the seed, the program and the replay line.
@Suite(.enabled(if: UnicornEngine.available, "libunicorn not available"))
struct UnicornProgramLockstepTests {
    @Test func randomProgramsWithControlFlowAndMemoryMatchUnicorn() throws {
        let env = ProcessInfo.processInfo.environment
        let count = Int(env["LOCKSTEP_PROGRAMS"] ?? "") ?? 4_000
        let seed = seedFromEnvironment("LOCKSTEP_SEED", default: 0xC0DE_2026)
        let only = env["LOCKSTEP_PROGRAM"].flatMap { Int($0) }
        let keepGoing = env["LOCKSTEP_KEEP_GOING"] == "1"  // print every failing program (triage)
        let lockstep = try #require(Lockstep())
        var executed = 0
        for p in only.map({ [$0] }) ?? Array(0..<count) {
            var gen = ProgramGenerator(seed: seed ^ (UInt64(p) &* 0x9E37_79B9_7F4A_7C15))
            let program = gen.program()
            let (steps, failure) = lockstep.run(program, rng: &gen.g)
            executed += steps
            if let failure {
                let replay = "LOCKSTEP_SEED=0x\(String(seed, radix: 16)) LOCKSTEP_PROGRAM=\(p)"
                if keepGoing { print("FAIL program \(p): \(failure)"); continue }
                Issue.record("seed 0x\(String(seed, radix: 16)) program \(p) (\(replay)): \(failure)\n\(program.listing)")
                return
            }
        }
        let c = lockstep.coverage
        print("lockstep programs: \(only == nil ? count : 1) programs, \(executed) instructions stepped, seed 0x\(String(seed, radix: 16)); branches \(c.branches) (\(c.taken) taken), store-exclusives \(c.storeExclusives) (\(c.storeExclusiveSuccesses) succeeded), ERETs \(c.erets) (\(c.erets0) to EL0)")
        if only == nil && count >= 100 {
            #expect(c.taken > 0 && c.taken < c.branches)
            #expect(c.storeExclusiveSuccesses > 0 && c.storeExclusiveSuccesses < c.storeExclusives)
            #expect(c.erets0 > 0 && c.erets0 < c.erets)
        }
    }
}

/// A generated program: words from `code`, entry at `code`, done when PC reaches `end`.
struct LockstepProgram {
    var words: [UInt32]
    var end: Int  // word index of the stop address
    var listing: String {
        words.enumerated().map { "  \(String(format: "%4d", $0.offset)) 0x\(String(Lockstep.code + UInt64($0.offset * 4), radix: 16)): \(String(format: "%08x", $0.element))\($0.offset == end ? "  <- end" : "")" }
            .joined(separator: "\n")
    }
}

/// Both machines, reset per program, stepped together.
final class Lockstep {
    static let code = UnicornLockstepTests.code
    static let data = UnicornLockstepTests.data
    static let dataSize = UnicornLockstepTests.dataSize
    static let budget = 4_000
    /// RAM exactly where Unicorn has memory (the code page through 0x7F000 past the buffer), so
    /// an access outside faults on both.
    let ram = PhysicalMemory(base: Lockstep.code, size: 0x10_0000)!
    let cpu: CPU
    var uc: UnicornEngine

    init?() {
        cpu = CPU(index: 0, bus: PhysicalBus(ram: ram), monitor: GlobalMonitor())
        guard let uc = UnicornEngine() else { return nil }
        self.uc = uc
    }

    /// What the programs exercised (so a generator change that loses a case shows).
    struct Coverage { var branches = 0, taken = 0, storeExclusives = 0, storeExclusiveSuccesses = 0, erets = 0, erets0 = 0, undefined = 0, faults = 0, unverifiable = 0 }
    var coverage = Coverage()

    /// Unicorn's copy of the data buffer, read after every step.
    let theirs = UnsafeMutableRawPointer.allocate(byteCount: UnicornLockstepTests.dataSize, alignment: 16)
    deinit { theirs.deallocate() }

    /// Registers, SP, PC, NZCV and the data buffer that differ between the two (memcmp first:
    /// a per-byte Array comparison in a debug build cost more than both CPUs' step).
    func differences() -> [String] {
        var diffs: [String] = []
        let theirX = uc.readX()
        var i = 0
        while i < 31 {  // not `for in 0..<31`: generic Range iteration is slow in a debug build
            let a = cpu.x(i), b = theirX[i]
            if a != b { diffs.append("x\(i): ours 0x\(String(a, radix: 16)) unicorn 0x\(String(b, radix: 16))") }
            i += 1
        }
        if cpu.sp != uc.sp() { diffs.append("sp: ours 0x\(String(cpu.sp, radix: 16)) unicorn 0x\(String(uc.sp(), radix: 16))") }
        if cpu.pc != uc.pc() { diffs.append("pc: ours 0x\(String(cpu.pc, radix: 16)) unicorn 0x\(String(uc.pc(), radix: 16))") }
        let ourPSTATE = cpu.pstateBits & 0xF000_03CF, theirPSTATE = uc.reg(UC_ARM64_REG_PSTATE) & 0xF000_03CF
        if ourPSTATE & 0x3CF != theirPSTATE & 0x3CF {
            diffs.append("pstate (DAIF, EL, SPSel): ours 0x\(String(ourPSTATE, radix: 16)) unicorn 0x\(String(theirPSTATE, radix: 16))")
        }
        if cpu.nzcv != uc.nzcv() { diffs.append("nzcv: ours 0x\(String(cpu.nzcv, radix: 16)) unicorn 0x\(String(uc.nzcv(), radix: 16))") }
        _ = uc_mem_read(uc.uc, Self.data, theirs, Self.dataSize)
        let ours = ram.pointer(Self.data, length: UInt64(Self.dataSize))!
        if memcmp(ours, theirs, Self.dataSize) != 0 {
            let a = ours.assumingMemoryBound(to: UInt8.self), b = theirs.assumingMemoryBound(to: UInt8.self)
            if let i = (0..<Self.dataSize).first(where: { a[$0] != b[$0] }) {
                diffs.append("memory 0x\(String(Self.data + UInt64(i), radix: 16)): ours 0x\(String(a[i], radix: 16)) unicorn 0x\(String(b[i], radix: 16))")
            }
        }
        return diffs
    }

    /// The system registers the programs write, zero after our powerOn: zeroed on Unicorn too
    /// (TPIDR_EL0, TPIDRRO_EL0, TPIDR_EL1, CONTEXTIDR_EL1, ELR/SPSR/FAR/ESR/VBAR/MAIR/TCR/TTBR0/
    /// TTBR1/PAR_EL1).
    static let zeroedSystemRegisters: [(UInt32, UInt32, UInt32, UInt32)] = [
        (3, 13, 0, 2), (3, 13, 0, 3), (0, 13, 0, 4), (0, 13, 0, 1), (0, 4, 0, 1), (0, 4, 0, 0), (0, 6, 0, 0),
        (0, 5, 2, 0), (0, 12, 0, 0), (0, 10, 2, 0), (0, 2, 0, 2), (0, 2, 0, 0), (0, 2, 0, 1), (0, 7, 4, 0),
    ]

    /// After a program that stopped on one side only (or part-way on both), Unicorn's mapped
    /// megabyte gets our RAM's contents again, so later loads beyond the compared page agree.
    func resynchronizeMemory() {
        _ = uc_mem_write(uc.uc, Self.code, ram.pointer(Self.code, length: 0x10_0000)!, 0x10_0000)
    }

    /// Runs `program` on both from the same random state; returns the instructions stepped and
    /// the first difference, if any.
    /// With `faultsEnd`, an instruction on which both stop (ours: an EL1 exception, UNDEFINED or
    /// a data abort; Unicorn: any error) ends the program as a match, and so does our alignment
    /// fault (Unicorn has none with the MMU off). With `smallRegisters`, x0–x7 hold small
    /// multiples of 8 (register offsets that stay in the buffer).
    /// `stepCap` ends the program as a match after that many steps (random branches land
    /// anywhere).
    func run(_ program: LockstepProgram, rng: inout StreamGenerator, faultsEnd: Bool = false, smallRegisters: Bool = false, stepCap: Int = .max) -> (Int, String?) {
        // A program that ended at EL0 leaves Unicorn's cached translation flags (hflags) at
        // EL0, and writing PSTATE does not rebuild them: start from a new engine.
        if uc.reg(UC_ARM64_REG_PSTATE) & 0xC != 0x4, let fresh = UnicornEngine() { uc = fresh }
        // Whole words and a whole page at a time: per-byte loops dominate a debug build.
        var image = [UInt32](repeating: 0, count: 0x400)
        image.replaceSubrange(0..<program.words.count, with: program.words)
        var buffer = [UInt64](repeating: 0, count: Self.dataSize / 8)
        var i = 0
        while i < buffer.count { buffer[i] = rng.next(); i += 1 }
        var regs = (0..<31).map { _ in rng.value() }
        regs[ProgramGenerator.dataBase] = Self.data
        regs[ProgramGenerator.base] = Self.data + 2048
        regs[29] = 0
        if smallRegisters { for i in 0..<8 { regs[i] = (rng.next() % 64) * 8 } }
        let sp = Self.data + 1024
        let nzcv = (rng.next() & 0xF) << 28
        image.withUnsafeBytes { _ = ram.write($0, at: Self.code) }
        buffer.withUnsafeBytes { _ = ram.write($0, at: Self.data) }
        cpu.powerOn(entry: Self.code, context: 0)
        for (i, v) in regs.enumerated() { cpu.setX(i, v) }
        cpu.sp = sp
        cpu.nzcv = nzcv
        image.withUnsafeBytes { _ = uc_mem_write(uc.uc, Self.code, $0.baseAddress, $0.count) }
        _ = CUnicorn_remove_cache(uc.uc, Self.code, Self.code + 0x1000)
        buffer.withUnsafeBytes { _ = uc_mem_write(uc.uc, Self.data, $0.baseAddress, $0.count) }
        // EL1h with DAIF masked, SP_EL0 = 0 as after our powerOn (a program may end at EL1t:
        // PSTATE first, so the SP writes below land in the right banks).
        uc.setReg(UC_ARM64_REG_PSTATE, 0x3C5)
        for (op1, crn, crm, op2) in Self.zeroedSystemRegisters { uc.setSysreg(3, op1, crn, crm, op2, 0) }
        uc.setReg(UC_ARM64_REG_SP_EL0, 0)
        for (i, v) in regs.enumerated() { uc.setX(i, v) }
        uc.setSP(sp)
        uc.setNZCV(nzcv)
        uc.setPC(Self.code)
        let end = Self.code + UInt64(program.end * 4)
        var steps = 0
        while cpu.pc != end {
            if steps == stepCap { return (steps, nil) }
            if steps == Self.budget { return (steps, "budget of \(Self.budget) instructions exhausted at pc 0x\(String(cpu.pc, radix: 16))") }
            let pc = cpu.pc
            let word = pc >= Self.code && pc < Self.code + 0x1000 ? program.words.indices.contains(Int(pc - Self.code) / 4) ? program.words[Int(pc - Self.code) / 4] : 0 : 0
            let exit = cpu.run(cycleLimit: .max, instructionLimit: 1)
            let err = uc.step(from: pc, until: end)
            steps += 1
            if (word >> 26) & 7 == 0b101 { coverage.branches += 1; if cpu.pc != pc &+ 4 { coverage.taken += 1 } }
            if word == 0xD69F_03E0 { coverage.erets += 1; if cpu.currentEL == 0 { coverage.erets0 += 1 } }
            if word & 0x3FC0_0000 == 0x0800_0000 {  // STXR/STLXR/STXP/STLXP: status in Rs
                coverage.storeExclusives += 1
                if (word >> 16) & 31 != 31 && cpu.x(Int((word >> 16) & 31)) == 0 { coverage.storeExclusiveSuccesses += 1 }
            }
            if faultsEnd {
                // Ours: any EL1 exception (VBAR_EL1 = 0: 0x200 from EL1 with SPx, 0x400 from EL0).
                let esr = cpu.sysregs[SysReg.esrEL1] ?? 0
                let ours = cpu.pc == 0x200 || cpu.pc == 0x400
                // Unicorn reports an unmapped branch target on the branch itself, with PC at the
                // target: the branch ran; compare it and end there.
                let theirs = err != UC_ERR_OK && err != UC_ERR_FETCH_UNMAPPED
                if ours && theirs {
                    if esr >> 26 == 0 { coverage.undefined += 1 } else { coverage.faults += 1 }
                    resynchronizeMemory()
                    return (steps, nil)
                }
                if ours && esr >> 26 == 0x25 && esr & 0x3F == 0x21 && !theirs {
                    coverage.unverifiable += 1  // our alignment fault; Unicorn has none with the MMU off
                    resynchronizeMemory()
                    return (steps, nil)
                }
                if ours != theirs {
                    let what = ours ? "exception on ours only (ESR_EL1 0x\(String(esr, radix: 16)))" : "unicorn error \(err.rawValue) only"
                    return (steps, "step \(steps - 1) pc 0x\(String(pc, radix: 16)) word 0x\(String(format: "%08x", word)): \(what)")
                }
            }
            var diffs = differences()
            if exit != .instructionLimit { diffs.append("ours exited \(exit)") }
            if err != UC_ERR_OK && !(faultsEnd && err == UC_ERR_FETCH_UNMAPPED) { diffs.append("unicorn error \(err.rawValue)") }
            if !diffs.isEmpty {
                return (steps, "step \(steps - 1) pc 0x\(String(pc, radix: 16)) word 0x\(String(format: "%08x", word)): \(diffs.joined(separator: "; "))")
            }
            if faultsEnd && err == UC_ERR_FETCH_UNMAPPED { coverage.faults += 1; return (steps, nil) }
        }
        guard !faultsEnd else { return (steps, nil) }
        // The same program again on ours alone, in one run call: N instructions at once must end
        // where N single steps did (state kept in locals across a block, decode caches).
        let stepped = snapshot()
        image.withUnsafeBytes { _ = ram.write($0, at: Self.code) }
        buffer.withUnsafeBytes { _ = ram.write($0, at: Self.data) }
        cpu.powerOn(entry: Self.code, context: 0)
        for (i, v) in regs.enumerated() { cpu.setX(i, v) }
        cpu.sp = sp
        cpu.nzcv = nzcv
        let exit = cpu.run(cycleLimit: .max, instructionLimit: UInt64(steps))
        let bulk = snapshot()
        if exit != .instructionLimit || bulk != stepped {
            let fields = zip(bulk.fields, stepped.fields).filter { $0.0.1 != $0.1.1 }
                .map { "\($0.0.0): one run 0x\(String($0.0.1, radix: 16)) stepped 0x\(String($0.1.1, radix: 16))" }
            return (steps, "one run of \(steps) instructions (exit \(exit)) differs from \(steps) single steps: \(fields.joined(separator: "; "))\(bulk.memory != stepped.memory ? " memory differs" : "")")
        }
        return (steps, nil)
    }

    struct Snapshot: Equatable {
        var fields: [(String, UInt64)]
        var memory: [UInt8]
        static func == (a: Snapshot, b: Snapshot) -> Bool {
            a.memory == b.memory && a.fields.map(\.1) == b.fields.map(\.1)
        }
    }

    func snapshot() -> Snapshot {
        var f = (0..<31).map { ("x\($0)", cpu.x($0)) }
        f += [("sp", cpu.sp), ("pc", cpu.pc), ("pstate", cpu.pstateBits)]
        return Snapshot(fields: f, memory: ram.read(Self.data, count: Self.dataSize)!)
    }
}

/// Builds programs that always terminate: every branch in straight code goes forward inside its
/// region (main body, loop body or subroutine), loops count x24 down from 1–5, subroutines are
/// leaves (no calls, no loops) that return with RET, and x28/SP are re-based from x27 before
/// every memory access so each address stays inside the buffer and aligned.
struct ProgramGenerator {
    static let loopCounter = 24, target = 25, index = 26, dataBase = 27, base = 28
    /// x0–x23, x26 and register 31 (SP or ZR as the encoding says: ADD/SUB immediate and
    /// extended and the non-flag-setting logical immediates write SP; the rest see ZR).
    static let dataRegisters: [UInt32] = Array(0...23) + [26, 31]
    var g: StreamGenerator
    var words: [UInt32] = []
    /// Forward labels of the current region: (label, items left before it is bound).
    var pending: [(label: Int, left: Int)] = []
    var labels: [Int: Int] = [:]
    var fixups: [(at: Int, label: Int)] = []
    var nextLabel = 0
    var subroutines: [Int] = []
    /// Set once an ERET to EL0 is emitted (main code runs forward, so everything after is EL0).
    var atEL0 = false

    init(seed: UInt64) {
        g = StreamGenerator(seed: seed)
        g.registers = Self.dataRegisters
    }

    mutating func next() -> UInt64 { g.next() }
    mutating func chance(_ n: UInt64) -> Bool { next() % n == 0 }
    mutating func r() -> UInt32 { g.r() }
    mutating func rOrZR() -> UInt32 { chance(8) ? 31 : r() }
    mutating func newLabel() -> Int { nextLabel += 1; return nextLabel }
    mutating func bind(_ l: Int) { labels[l] = words.count }
    mutating func emit(_ w: UInt32) { words.append(w) }
    mutating func emit(_ w: UInt32, to label: Int) { fixups.append((words.count, label)); words.append(w) }

    /// A forward label bound 0–5 items from now (or at the region's end).
    mutating func forward() -> Int {
        let l = newLabel()
        pending.append((l, Int(next() % 6)))
        return l
    }

    /// Called before each item: binds the labels whose distance has run out.
    mutating func beginItem() {
        var keep: [(label: Int, left: Int)] = []
        for p in pending {
            if p.left == 0 { bind(p.label) } else { keep.append((p.label, p.left - 1)) }
        }
        pending = keep
    }

    mutating func closeRegion() {
        for p in pending { bind(p.label) }
        pending = []
    }

    mutating func program() -> LockstepProgram {
        emit(0xD503_3F5F)  // CLREX: Unicorn keeps its monitor across programs
        for _ in 0..<Int(next() % 4) { subroutines.append(newLabel()) }
        let length = 16 + Int(next() % 80)
        while words.count < length { item(inLoop: false, inSub: false) }
        closeRegion()
        let end = words.count
        emit(0xD420_0000)  // BRK #0 at the stop address, never executed
        for s in subroutines {
            bind(s)
            for _ in 0..<(2 + Int(next() % 10)) { item(inLoop: true, inSub: true) }
            closeRegion()
            emit(0xD65F_03C0)  // RET
        }
        for f in fixups { resolve(at: f.at, to: labels[f.label]!) }
        return LockstepProgram(words: words, end: end)
    }

    mutating func resolve(at i: Int, to t: Int) {
        let off = Int32(t - i)  // words
        let w = words[i]
        if w & 0x7C00_0000 == 0x1400_0000 {  // B, BL
            words[i] = w | (UInt32(bitPattern: off) & 0x3FF_FFFF)
        } else if w & 0x7E00_0000 == 0x3600_0000 {  // TBZ, TBNZ
            words[i] = w | (UInt32(bitPattern: off) & 0x3FFF) << 5
        } else if w & 0x9F00_0000 == 0x1000_0000 {  // ADR (byte offset)
            let b = UInt32(bitPattern: off * 4)
            words[i] = w | (b & 3) << 29 | ((b >> 2) & 0x7FFFF) << 5
        } else {  // B.cond, CBZ, CBNZ
            words[i] = w | (UInt32(bitPattern: off) & 0x7FFFF) << 5
        }
    }

    mutating func item(inLoop: Bool, inSub: Bool) {
        beginItem()
        switch next() % 100 {
        case 0..<30: straightLine()
        case 30..<52: memoryForm()
        case 52..<66: conditionalBranch()
        case 66..<70: emit(0x1400_0000, to: forward())  // B
        case 70..<73:  // ADR x25, label; BR x25
            emit(0x1000_0000 | UInt32(Self.target), to: forward())
            emit(0xD61F_0000 | UInt32(Self.target) << 5)
        case 73..<80 where !inSub && !subroutines.isEmpty:  // BL sub, or ADR x25, sub; BLR x25
            let s = subroutines[Int(next() % UInt64(subroutines.count))]
            if chance(2) {
                emit(0x9400_0000, to: s)
            } else {
                emit(0x1000_0000 | UInt32(Self.target), to: s)
                emit(0xD63F_0000 | UInt32(Self.target) << 5)
            }
        case 80..<88 where !inLoop: loop()
        case 88..<93: extra(inSub: inSub)
        case 93..<95 where !inLoop && !inSub: selfModifyingLoop()
        case 95..<97 where !inLoop && !inSub && !atEL0: exceptionReturn()
        case 97..<99 where !atEL0: systemRegister()
        default: conditionalSelect()
        }
    }

    /// MSR of a random register value to an EL1/EL0 system register without side effects on
    /// this program, then MRS back; or MRS of CurrentEL/SPSel/DAIF/NZCV; or MSR DAIFSet/DAIFClr.
    mutating func systemRegister() {
        // (op1, CRn, CRm, op2, writable)
        let regs: [(UInt32, UInt32, UInt32, UInt32, Bool)] = [
            (3, 13, 0, 2, true), (3, 13, 0, 3, true), (0, 13, 0, 4, true), (0, 13, 0, 1, true),  // TPIDR_EL0/RO, TPIDR_EL1, CONTEXTIDR
            (0, 4, 0, 1, true), (0, 4, 0, 0, true), (0, 6, 0, 0, true), (0, 5, 2, 0, true),  // ELR, SPSR, FAR, ESR
            (0, 12, 0, 0, true), (0, 10, 2, 0, true), (0, 2, 0, 2, true), (0, 2, 0, 0, true),  // VBAR, MAIR, TCR, TTBR0
            // Not CPACR_EL1: a value with ZEN set aborts Unicorn 2.0.1 (sve_zcr_get_valid_len
            // assertion while it rebuilds its translation flags).
            (0, 2, 0, 1, true), (0, 7, 4, 0, true),  // TTBR1, PAR
            (3, 4, 2, 1, true), (3, 4, 2, 0, true), (0, 4, 2, 2, false), (0, 4, 2, 0, false),  // DAIF, NZCV, CurrentEL, SPSel
        ]
        if chance(6) {  // MSR DAIFSet/DAIFClr, #imm
            emit(0xD503_401F | g.bits(4) << 8 | (chance(2) ? 6 : 7) << 5)
            return
        }
        let (op1, crn, crm, op2, writable) = regs[Int(next() % UInt64(regs.count))]
        let field = op1 << 16 | crn << 12 | crm << 8 | op2 << 5
        if writable && !chance(4) {
            if crn == 12 {  // VBAR_EL1: bits 10:0 are RES0 (Unicorn keeps 10:5, we keep all): write them as 0
                emit(0x9275_D000 | r() << 5 | UInt32(Self.index))  // AND x26, xN, #~0x7FF
                emit(0xD518_0000 | field | UInt32(Self.index))
            } else {
                emit(0xD518_0000 | field | r())
            }
        }
        var rt = r()
        if rt == 31 { rt = 0 }
        emit(0xD538_0000 | field | rt)
    }

    /// A non-memory instruction of the straight-line generator.
    mutating func nonMemory() -> UInt32 {
        while true {
            let w = g.instruction()
            if (w >> 25) & 5 != 4 { return w }
        }
    }

    /// Either a store over an instruction further down the same straight line, or two passes over
    /// an instruction that the first pass overwrites with STR (x25 = its address
    /// by ADR, x26 = the new word): the second pass must run the new word (decode caches,
    /// Unicorn's translated blocks).
    mutating func selfModifyingLoop() {
        let new = nonMemory()
        if chance(2) {  // patch an instruction two ahead in the same straight line, not yet run
            let later = newLabel()
            emit(0xD280_0000 | (new & 0xFFFF) << 5 | UInt32(Self.index))
            emit(0xF2A0_0000 | (new >> 16) << 5 | UInt32(Self.index))
            emit(0x1000_0000 | UInt32(Self.target), to: later)
            emit(0xB900_0000 | UInt32(Self.target) << 5 | UInt32(Self.index))
            emit(nonMemory())
            bind(later)
            emit(nonMemory())
            return
        }
        let c = UInt32(Self.loopCounter), x = UInt32(Self.index), t = UInt32(Self.target)
        emit(0xD280_0000 | 2 << 5 | c)  // MOVZ x24, #2
        let top = newLabel()
        bind(top)
        emit(nonMemory())
        emit(0xD280_0000 | (new & 0xFFFF) << 5 | x)  // MOVZ x26, #lo
        emit(0xF2A0_0000 | (new >> 16) << 5 | x)  // MOVK x26, #hi, LSL 16
        emit(0x1000_0000 | t, to: top)  // ADR x25, top
        emit(0xB900_0000 | t << 5 | x)  // STR w26, [x25]
        emit(0xD100_0400 | c << 5 | c)
        emit(0xB500_0000 | c, to: top)  // SUB x24, x24, #1; CBNZ x24, top
    }

    /// MSR ELR_EL1 (a forward label), MSR SPSR_EL1 (EL1h, EL1t or EL0t with random NZCV and
    /// DAIF), ERET; or MSR SPSel, #0/#1 (EL1 only).
    mutating func exceptionReturn() {
        if chance(3) {
            emit(0xD500_40BF | g.bits(1) << 8)
            return
        }
        let modes: [UInt32] = [0b0101, 0b0100, 0b0000]
        let m = modes[Int(next() % (chance(4) ? 3 : 2))]
        if m == 0 { atEL0 = true }
        let spsr = g.bits(4) << 28 | g.bits(4) << 6 | m
        let x = UInt32(Self.index), t = UInt32(Self.target)
        emit(0x1000_0000 | t, to: forward())  // ADR x25, label
        emit(0xD518_4020 | t)  // MSR ELR_EL1, x25
        emit(0xD280_0000 | (spsr & 0xFFFF) << 5 | x)
        emit(0xF2A0_0000 | (spsr >> 16) << 5 | x)
        emit(0xD518_4000 | x)  // MSR SPSR_EL1, x26
        emit(0xD69F_03E0)  // ERET
    }

    /// ADR/ADRP, SP read by ADD/SUB (immediate and extended register) and ADDS/SUBS, MRS/MSR
    /// NZCV, barriers and hints, RET Xn and BR X30 forward, BLR X30 to a subroutine.
    mutating func extra(inSub: Bool) {
        let sf = g.bits(1)
        switch next() % 8 {
        case 0: emit(g.bits(1) << 31 | g.bits(2) << 29 | 0b10000 << 24 | g.bits(19) << 5 | r())  // ADR/ADRP
        case 1: emit(1 << 31 | g.bits(2) << 29 | 0b100010 << 23 | g.bits(1) << 22 | g.bits(12) << 10 | 31 << 5 | r())  // x = SP ± imm
        case 2: emit(sf << 31 | g.bits(2) << 29 | 0b01011001 << 21 | rOrZR() << 16 | g.bits(3) << 13 | UInt32(next() % 5) << 10 | 31 << 5 | r())
        case 3: emit((chance(2) ? 0xD53B_4200 : 0xD51B_4200) | r())  // MRS x, NZCV / MSR NZCV, x
        case 4:
            let hints: [UInt32] = [0xD503_201F, 0xD503_203F, 0xD503_3BBF, 0xD503_3F9F, 0xD503_3FDF, 0xD503_39BF]
            emit(hints[Int(next() % UInt64(hints.count))])  // NOP, YIELD, DMB ISH, DSB SY, ISB, DMB ISHLD
        case 5:  // ADR x25, label; RET x25
            emit(0x1000_0000 | UInt32(Self.target), to: forward())
            emit(0xD65F_0000 | UInt32(Self.target) << 5)
        case 6 where !inSub && !subroutines.isEmpty:  // ADR x30, sub; BLR x30 (target read before the link)
            emit(0x1000_001E, to: subroutines[Int(next() % UInt64(subroutines.count))])
            emit(0xD63F_03C0)
        default:  // register offset with XZR as the index, or the base register itself stored
            let rn = memoryBase(align: 16)
            let size = g.bits(2)
            if chance(2) && rn == 28 {
                emit(size << 30 | 0b111001 << 24 | (chance(2) ? 1 : 0) << 22 | UInt32(next() % 64) << 10 | rn << 5 | rn)  // LDR/STR x28, [x28, #imm]
            } else {
                emit(size << 30 | 0b111000 << 24 | g.bits(1) << 22 | 1 << 21 | 31 << 16 | 0b011 << 13 | g.bits(1) << 12 | 0b10 << 10 | rn << 5 | rOrZR())
            }
        }
    }

    /// An instruction of the straight-line generator; its loads/stores use x28 (re-based first).
    mutating func straightLine() {
        let w = g.instruction()
        if (w >> 25) & 5 == 4 { rebase(UInt32(Self.base), align: 16) }
        emit(w)
    }

    /// A compare (sometimes), then CSEL/CSINC/CSINV/CSNEG or CCMP/CCMN.
    mutating func conditionalSelect() {
        if chance(2) { compare() }
        let sf = g.bits(1), cond = g.bits(4)
        if chance(2) {
            emit(sf << 31 | g.bits(1) << 30 | 0b11010100 << 21 | rOrZR() << 16 | cond << 12 | g.bits(1) << 10 | rOrZR() << 5 | r())
        } else {  // CCMN/CCMP, register or 5-bit immediate
            emit(sf << 31 | g.bits(1) << 30 | 1 << 29 | 0b11010010 << 21 | rOrZR() << 16 | cond << 12 | g.bits(1) << 11 | r() << 5 | g.bits(4))
        }
    }

    /// CMP/CMN (immediate or register) or TST: the flags the next branch or select looks at.
    mutating func compare() {
        let sf = g.bits(1)
        switch next() % 3 {
        case 0: emit(sf << 31 | g.bits(1) << 30 | 1 << 29 | 0b100010 << 23 | g.bits(1) << 22 | (chance(2) ? g.bits(3) : g.bits(12)) << 10 | r() << 5 | 31)
        case 1: emit(sf << 31 | g.bits(1) << 30 | 1 << 29 | 0b01011 << 24 | r() << 16 | r() << 5 | 31)
        default: emit(sf << 31 | 0b11 << 29 | 0b01010 << 24 | r() << 16 | r() << 5 | 31)  // TST
        }
    }

    mutating func conditionalBranch() {
        let rt = rOrZR()
        switch next() % 3 {
        case 0:
            if chance(2) { compare() }
            emit(0x5400_0000 | g.bits(4), to: forward())  // B.cond, incl. AL and NV
        case 1: emit(g.bits(1) << 31 | 0b011010 << 25 | g.bits(1) << 24 | rt, to: forward())  // CBZ/CBNZ
        default:  // TBZ/TBNZ
            emit(g.bits(1) << 31 | 0b011011 << 25 | g.bits(1) << 24 | g.bits(5) << 19 | rt, to: forward())
        }
    }

    /// MOVZ x24, #n; body; then one of four count-down tails back to the body's start.
    mutating func loop() {
        let outer = pending
        pending = []
        emit(0xD280_0000 | UInt32(1 + next() % 5) << 5 | UInt32(Self.loopCounter))
        let top = newLabel()
        bind(top)
        for _ in 0..<(1 + Int(next() % 8)) { item(inLoop: true, inSub: false) }
        closeRegion()
        let c = UInt32(Self.loopCounter)
        switch next() % 4 {
        case 0:  // SUB x24, x24, #1; CBNZ x24
            emit(0xD100_0400 | c << 5 | c); emit(0xB500_0000 | c, to: top)
        case 1:  // SUBS x24, x24, #1; B.NE
            emit(0xF100_0400 | c << 5 | c); emit(0x5400_0001, to: top)
        case 2:  // SUB w24, w24, #1; CBNZ w24
            emit(0x5100_0400 | c << 5 | c); emit(0x3500_0000 | c, to: top)
        default:  // SUBS x24, x24, #1; B.GT
            emit(0xF100_0400 | c << 5 | c); emit(0x5400_000C, to: top)
        }
        pending = outer
    }

    /// ADD base, x27, #imm: base (x28 or SP) somewhere in [data+1024, data+3072), `align`-aligned.
    mutating func rebase(_ base: UInt32, align: UInt32) {
        let imm = 1024 + (UInt32(next() % 2048) & ~(align - 1))
        emit(0x9100_0000 | imm << 10 | UInt32(Self.dataBase) << 5 | base)
    }

    /// x28 or SP, re-based (SP stays 16-byte aligned, x28 `align`-aligned).
    mutating func memoryBase(align: UInt32) -> UInt32 {
        let b: UInt32 = chance(4) ? 31 : UInt32(Self.base)
        rebase(b, align: b == 31 ? 16 : max(align, 1))
        return b
    }

    mutating func memoryForm() {
        switch next() % 16 {
        case 0..<6: singleRegister()
        case 6..<9: pair()
        case 9: literal()
        case 10, 11: exclusive()
        case 12: acquireRelease()
        case 13: compareAndSwap()
        default: atomic()
        }
    }

    /// LDR/STR/LDRS*/PRFM in every addressing mode of the group.
    mutating func singleRegister() {
        let size = g.bits(2)
        var opc = g.bits(2)
        if size == 3 && opc == 3 { opc = 1 }
        if size == 2 && opc == 3 { opc = 2 }
        let prfm = size == 3 && opc == 2
        let bytes = Int32(1) << Int32(size)
        let rt = rOrZR()
        var mode = Int(next() % 6)
        if prfm && (mode == 2 || mode == 3 || mode == 4) { mode = 0 }
        let fixed = size << 30 | opc << 22 | rt
        switch mode {
        case 0:  // unsigned offset
            let rn = memoryBase(align: 16)
            emit(fixed | 0b111001 << 24 | (UInt32(next() % UInt64(1009 >> size))) << 10 | rn << 5)
        case 5:  // register offset: index in x26 (set just before), UXTW/LSL/SXTW/SXTX, scaled or not
            let rn = memoryBase(align: 16)
            let options: [UInt32] = [0b010, 0b011, 0b110, 0b111]
            let option = options[Int(next() % 4)], s = g.bits(1)
            let k = option == 0b010 ? Int64(next() % 64) : Int64(next() % 128) - 64
            let idx = s == 1 ? k : k * Int64(bytes)
            setIndex(idx, thirtyTwo: option & 3 == 0b10)
            emit(fixed | 0b111000 << 24 | 1 << 21 | UInt32(Self.index) << 16 | option << 13 | s << 12 | 0b10 << 10 | rn << 5)
        default:  // unscaled, post-index, unprivileged, pre-index
            let m: UInt32 = [0, 0, 1, 3, 2, 0][mode]  // 1 unscaled, 2 post, 3 pre, 4 unprivileged
            let rn = memoryBase(align: 16)
            var off = Int32(next() % 512) - 256
            off &= ~((rn == 31 && (m & 1) == 1 ? 16 : bytes) - 1)
            emit(fixed | 0b111000 << 24 | (UInt32(bitPattern: off) & 0x1FF) << 12 | m << 10 | rn << 5)
        }
    }

    /// x26 = idx (MOVZ/MOVN); for the 32-bit extends only its low word matters, so the upper
    /// word gets random bits the extend must ignore.
    mutating func setIndex(_ idx: Int64, thirtyTwo: Bool) {
        let x = UInt32(Self.index)
        if thirtyTwo {
            let low = UInt32(truncatingIfNeeded: idx)
            emit(0xD280_0000 | (low & 0xFFFF) << 5 | x)  // MOVZ x26, #lo
            emit(0xF2A0_0000 | (low >> 16) << 5 | x)  // MOVK x26, #hi, LSL 16
            emit(0xF2C0_0000 | g.bits(16) << 5 | x)  // MOVK x26, #junk, LSL 32
        } else if idx >= 0 {
            emit(0xD280_0000 | UInt32(idx) << 5 | x)
        } else {
            emit(0x9280_0000 | UInt32(~idx) << 5 | x)  // MOVN
        }
    }

    /// STP/LDP (32/64), LDPSW, STNP/LDNP: signed offset, pre- and post-index.
    mutating func pair() {
        let l = g.bits(1)
        var opc: UInt32 = chance(2) ? 2 : 0
        var kind = UInt32(next() % 4)
        if l == 1 && chance(4) { opc = 1; if kind == 0 { kind = 2 } }  // LDPSW has no non-temporal form
        let bytes: Int32 = opc == 2 ? 8 : 4
        let rn = memoryBase(align: 16)
        var imm7 = Int32(next() % 64) - 32
        if rn == 31 && (kind == 1 || kind == 3) { imm7 &= ~(16 / bytes - 1) }
        let rt = rOrZR()
        var rt2 = rOrZR()
        if l == 1 && rt2 == rt { rt2 = rt == 31 ? 0 : (rt == 0 ? 1 : 0) }
        emit(opc << 30 | 0b101 << 27 | kind << 23 | l << 22 | (UInt32(bitPattern: imm7) & 0x7F) << 15 | rt2 << 10 | rn << 5 | rt)
    }

    /// LDR w/x, LDRSW, PRFM (literal) from aligned words of the code page near the instruction.
    mutating func literal() {
        let opc = g.bits(2)
        let here = words.count
        var t = max(0, min(1000, here + Int(next() % 128) - 64))
        if opc == 1 { t &= ~1 }
        let off = Int32(t - here)
        emit(opc << 30 | 0b011000 << 24 | (UInt32(bitPattern: off) & 0x7FFFF) << 5 | r())
    }

    /// LDXR/LDAXR then STXR/STLXR (single or pair) to the same address and size: succeeds; after
    /// CLREX, or without a load, fails.
    mutating func exclusive() {
        let isPair = chance(3)
        let size: UInt32 = isPair ? 2 + g.bits(1) : g.bits(2)
        let rn = memoryBase(align: isPair ? 16 : 1 << size)
        let rt = r()
        var rt2 = r()
        if rt2 == rt { rt2 = rt == 0 ? 1 : 0 }
        let o1: UInt32 = isPair ? 1 << 21 : 0
        let ld = size << 30 | 0b001000 << 24 | 1 << 22 | o1 | 31 << 16 | g.bits(1) << 15 | (isPair ? rt2 : 31) << 10 | rn << 5 | rt
        // 0–2: load, ALU, store; 3–4: load, store (both succeed); 5: load, CLREX, store;
        // 6: CLREX, store (both fail); 7: load only (a reservation left behind).
        let variant = next() % 8
        if variant != 6 { emit(ld) }
        if variant < 3 { alu() }
        if variant == 5 || variant == 6 { emit(0xD503_3F5F) }
        if variant == 7 { return }
        let st1 = r(), st2 = r()
        var rs = r()
        while rs == st1 || (isPair && rs == st2) { rs = r() }
        emit(size << 30 | 0b001000 << 24 | o1 | rs << 16 | g.bits(1) << 15 | (isPair ? st2 : 31) << 10 | rn << 5 | st1)
    }

    /// A data-processing instruction that touches no memory (between LDXR and STXR) and leaves
    /// SP alone (it may be the base).
    mutating func alu() {
        var rd = r()
        if rd == 31 { rd = 0 }
        if chance(2) {
            emit(g.bits(1) << 31 | g.bits(2) << 29 | 0b100010 << 23 | g.bits(12) << 10 | r() << 5 | rd)
        } else {
            emit(g.bits(1) << 31 | g.bits(2) << 29 | 0b01010 << 24 | r() << 16 | r() << 5 | r())
        }
    }

    /// LDAR/STLR and LDLAR/STLLR, all sizes.
    mutating func acquireRelease() {
        let size = g.bits(2)
        let rn = memoryBase(align: 1 << size)
        emit(size << 30 | 0b001000 << 24 | 1 << 23 | g.bits(1) << 22 | 31 << 16 | g.bits(1) << 15 | 31 << 10 | rn << 5 | rOrZR())
    }

    /// CAS{A,L,AL}{B,H,,} and CASP{A,L,AL} (32/64); half the time Rs is loaded from the target
    /// first so the compare succeeds.
    mutating func compareAndSwap() {
        if chance(3) {
            let sz = g.bits(1)
            let rn = memoryBase(align: 16)
            let rs = UInt32(next() % 12) * 2, rt = UInt32(next() % 12) * 2
            if chance(2) {  // LDP rs, rs+1, [rn]
                emit((sz == 1 ? 2 : 0) << 30 | 0b101 << 27 | 2 << 23 | 1 << 22 | (rs + 1) << 10 | rn << 5 | rs)
            }
            emit(sz << 30 | 0b001000 << 24 | g.bits(1) << 22 | 1 << 21 | rs << 16 | g.bits(1) << 15 | 31 << 10 | rn << 5 | rt)
        } else {
            let size = g.bits(2)
            let rn = memoryBase(align: 1 << size)
            let rs = r()
            if chance(2) { emit(size << 30 | 0b111001 << 24 | 1 << 22 | rn << 5 | rs) }  // LDR rs, [rn]
            emit(size << 30 | 0b001000 << 24 | 1 << 23 | g.bits(1) << 22 | 1 << 21 | rs << 16 | g.bits(1) << 15 | 31 << 10 | rn << 5 | rOrZR())
        }
    }

    /// LDADD/LDCLR/LDEOR/LDSET/LD{S,U}{MAX,MIN}/SWP, all sizes and orderings, and the ST<op>
    /// aliases (Rt = XZR); not LD{S,U}{MAX,MIN} below 64 bits (Unicorn 2.0.1 bug).
    mutating func atomic() {
        let size = g.bits(2)
        let rn = memoryBase(align: 1 << size)
        let o3 = chance(5) ? UInt32(1) : 0
        var opc = o3 == 1 ? 0 : g.bits(3)
        if size < 3 && opc >= 4 { opc -= 4 }
        emit(size << 30 | 0b111000 << 24 | g.bits(2) << 22 | 1 << 21 | rOrZR() << 16 | o3 << 15 | opc << 12 | rn << 5 | rOrZR())
    }
}



/// Random 32-bit words from the two integer data-processing groups (immediate: op0 = 100x;
/// register: op0 = x101), every field random: both must agree on which are UNDEFINED, and on
/// the result of every other one.
@Suite(.enabled(if: UnicornEngine.available, "libunicorn not available"))
struct UnicornEncodingLockstepTests {
    /// Differences that are not bugs of ours: features smmu-emu does not implement (Unicorn's
    /// "max" CPU has them) and the Unicorn 2.0.1 bug. nil for anything else.
    static func knownDifference(_ w: UInt32) -> String? {
        if w & 0xFF20_0400 == 0xF820_0400 { return "LDRAA/LDRAB (pointer authentication)" }
        if w & 0x3FFF_FC00 == 0x38BF_C000 { return "LDAPR{B,H} (FEAT_LRCPC)" }
        if w & 0x3F20_0C00 == 0x3820_0000 && (w >> 30) < 3 && (w >> 15) & 1 == 0 && (w >> 12) & 7 >= 4 {
            return "LD{S,U}{MAX,MIN} below 64 bits (Unicorn 2.0.1 bug)"
        }
        if w & 0x7FFF_0000 == 0x5AC1_0000 { return "PAC*/AUT*/XPAC* (pointer authentication)" }
        if w & 0x7FE0_FC00 == 0x1AC0_3000 { return "PACGA (pointer authentication)" }
        if w & 0xFFE0_7C10 == 0xBA00_0400 { return "RMIF (FEAT_FlagM)" }
        if w & 0xFFFF_F0FF == 0xD500_409F { return "MSR PAN, #imm (FEAT_PAN)" }
        if w & 0xFFFF_F0FF == 0xD500_407F { return "MSR UAO, #imm (FEAT_UAO)" }
        if w == 0xD500_401F { return "CFINV (FEAT_FlagM)" }
        if w == 0xD500_403F || w == 0xD500_405F { return "XAFLAG/AXFLAG (FEAT_FlagM2)" }
        if w == 0xD503_30FF { return "SB (FEAT_SB)" }
        if w & 0xFFFF_BC1F == 0x3A00_080D { return "SETF8/SETF16 (FEAT_FlagM)" }
        return nil
    }

    /// A random load/store word (V = 0, not literal): base x28 or SP; Rt, Rt2 and Rs never the
    /// base, Rt2 and Rs never Rt (CONSTRAINED UNPREDICTABLE otherwise).
    static func loadStoreWord(_ rng: inout StreamGenerator) -> UInt32 {
        var w = UInt32(truncatingIfNeeded: rng.next())
        w = (w & ~(0b1111 << 24)) | 0b1000 << 24 | (w & (1 << 24))  // op0 x1x0 with V = 0
        if (w >> 28) & 3 == 1 { w |= 1 << 29 }  // no literal / RCpc unscaled
        let rn: UInt32 = rng.next() % 4 == 0 ? 31 : 28
        var rt = UInt32(rng.next() % 31), rt2 = (w >> 10) & 31, rs = (w >> 16) & 31
        if rt == 28 { rt = 0 }
        if rt2 == 28 || rt2 == rt { rt2 = rt == 1 ? 2 : 1 }
        if rs == 28 || rs == rt || rs == rt2 || rs == rt + 1 || rs + 1 == rt { rs = rt < 16 ? 20 : 4 }
        return (w & ~(0x1F << 16 | 0x1F << 10 | 0x3FF)) | rs << 16 | rt2 << 10 | rn << 5 | rt
    }

    @Test func randomLoadStoreEncodingsMatchUnicorn() throws {
        let env = ProcessInfo.processInfo.environment
        let count = Int(env["LOCKSTEP_ENCODINGS"] ?? "") ?? 4_000
        let seed = seedFromEnvironment("LOCKSTEP_SEED", default: 0x15C0_2026)
        let lockstep = try #require(Lockstep())
        var failures: [String] = []
        var knownCounts: [String: Int] = [:]
        var steps = 0
        for p in 0..<count {
            var rng = StreamGenerator(seed: seed ^ (UInt64(p) &* 0x9E37_79B9_7F4A_7C15))
            var words = [0xD503_3F5F] + (0..<2).map { _ in Self.loadStoreWord(&rng) }  // CLREX first
            // A store-exclusive right after a load-exclusive: same size, pair-ness and base (else
            // whether it succeeds is IMPLEMENTATION DEFINED).
            if words[1] & 0x3FC0_0000 == 0x0840_0000 && words[2] & 0x3FC0_0000 == 0x0800_0000 {
                words[2] = (words[2] & ~(0xC020_03E0 as UInt32)) | (words[1] & 0xC020_03E0)
            }
            let (n, failure) = lockstep.run(LockstepProgram(words: words, end: 3), rng: &rng, faultsEnd: true, smallRegisters: true)
            steps += n
            if let failure {
                let word = words[min(n, 3) - 1]
                if let known = Self.knownDifference(word) { knownCounts[known, default: 0] += 1; continue }
                failures.append("program \(p): \(failure) [\(words.map { String(format: "%08x", $0) }.joined(separator: " "))]")
            }
        }
        let c = lockstep.coverage
        print("lockstep load/store encodings: \(count) programs, \(steps) instructions, UNDEFINED on both \(c.undefined), faults on both \(c.faults), our alignment faults \(c.unverifiable); known differences \(knownCounts); \(failures.count) differ")
        for f in failures.prefix(300) { print("ENC " + f) }
        #expect(failures.isEmpty)
    }

    /// Random words of the branch group (B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, BR/BLR/RET and
    /// their unallocated neighbours; not exception generation, system, ERET/DRPS): same PC,
    /// X30 and UNDEFINED verdict after the one step.
    @Test func randomBranchEncodingsMatchUnicorn() throws {
        let env = ProcessInfo.processInfo.environment
        let count = Int(env["LOCKSTEP_ENCODINGS"] ?? "") ?? 4_000
        let seed = seedFromEnvironment("LOCKSTEP_SEED", default: 0xB4C0_2026)
        let lockstep = try #require(Lockstep())
        var failures: [String] = []
        var knownCounts: [String: Int] = [:]
        for p in 0..<count {
            var rng = StreamGenerator(seed: seed ^ (UInt64(p) &* 0x9E37_79B9_7F4A_7C15))
            var w: UInt32
            repeat {
                w = (UInt32(truncatingIfNeeded: rng.next()) & ~(7 << 26)) | 0b101 << 26
            } while w >> 24 == 0xD4 || w >> 22 == 0x354 || (w >> 25 == 0b110_1011 && [4, 5].contains((w >> 21) & 0xF))
            let (n, failure) = lockstep.run(LockstepProgram(words: [0xD503_3F5F, w], end: 2), rng: &rng, faultsEnd: true, stepCap: 2)
            if let failure {
                if w >> 25 == 0b110_1011 && ((w >> 21) & 0xE == 8 || (w >> 10) & 0x3E == 2) {
                    knownCounts["BRAA/BLRAA/RETAA... (pointer authentication)", default: 0] += 1
                    continue
                }
                failures.append("program \(p) step \(n): \(failure)")
            }
        }
        print("lockstep branch encodings: \(count) programs, UNDEFINED on both \(lockstep.coverage.undefined); known differences \(knownCounts); \(failures.count) differ")
        for f in failures.prefix(100) { print("ENC " + f) }
        #expect(failures.isEmpty)
    }

    /// Random words of the op0 = 00 system space (hints, barriers, CLREX, MSR to PSTATE fields,
    /// unallocated neighbours) at EL1: same verdict and state. WFI/WFE are left out (ours
    /// leaves to the machine).
    @Test func randomHintBarrierPSTATEEncodingsMatchUnicorn() throws {
        let env = ProcessInfo.processInfo.environment
        let count = Int(env["LOCKSTEP_ENCODINGS"] ?? "") ?? 2_000
        let seed = seedFromEnvironment("LOCKSTEP_SEED", default: 0x4B_2026)
        let lockstep = try #require(Lockstep())
        var failures: [String] = []
        var knownCounts: [String: Int] = [:]
        for p in 0..<count {
            var rng = StreamGenerator(seed: seed ^ (UInt64(p) &* 0x9E37_79B9_7F4A_7C15))
            var w: UInt32
            repeat {
                let r = UInt32(truncatingIfNeeded: rng.next())
                // CRn 2 (hints), 3 (barriers), 4 (PSTATE) mostly; Rt 31 mostly
                let crn: UInt32 = [2, 3, 4, 2, 3, 4, r >> 28][Int(rng.next() % 7)]
                let rt: UInt32 = rng.next() % 8 == 0 ? r & 31 : 31
                w = 0xD500_0000 | ((r >> 16) & 7) << 16 | crn << 12 | ((r >> 8) & 0xF) << 8 | ((r >> 5) & 7) << 5 | rt
            } while w == 0xD503_207F || w == 0xD503_205F
            let (n, failure) = lockstep.run(LockstepProgram(words: [0xD503_3F5F, w], end: 2), rng: &rng, faultsEnd: true)
            if let failure {
                if let known = Self.knownDifference(w) { knownCounts[known, default: 0] += 1; continue }
                failures.append("program \(p) step \(n): \(failure)")
            }
        }
        print("lockstep hint/barrier/PSTATE encodings: \(count) programs, UNDEFINED on both \(lockstep.coverage.undefined); known differences \(knownCounts); \(failures.count) differ")
        for f in failures.prefix(100) { print("ENC " + f) }
        #expect(failures.isEmpty)
    }

    @Test func randomDataProcessingEncodingsMatchUnicorn() throws {
        let env = ProcessInfo.processInfo.environment
        let count = Int(env["LOCKSTEP_ENCODINGS"] ?? "") ?? 4_000
        let seed = seedFromEnvironment("LOCKSTEP_SEED", default: 0xE4C0_2026)
        let lockstep = try #require(Lockstep())
        var failures: [String] = []
        var knownCounts: [String: Int] = [:]
        var steps = 0
        for p in 0..<count {
            var rng = StreamGenerator(seed: seed ^ (UInt64(p) &* 0x9E37_79B9_7F4A_7C15))
            let words = (0..<4).map { _ -> UInt32 in
                let w = UInt32(truncatingIfNeeded: rng.next())
                return rng.next() % 2 == 0 ? (w & ~(7 << 26)) | 4 << 26 : (w & ~(7 << 25)) | 5 << 25
            }
            let (n, failure) = lockstep.run(LockstepProgram(words: words, end: 4), rng: &rng, faultsEnd: true)
            steps += n
            if let failure {
                if let known = Self.knownDifference(words[n - 1]) { knownCounts[known, default: 0] += 1; continue }
                failures.append("program \(p): \(failure)")
            }
        }
        print("lockstep data-processing encodings: \(count) programs, \(steps) instructions, \(lockstep.coverage.undefined) ended UNDEFINED on both; known differences \(knownCounts); \(failures.count) differ")
        for f in failures.prefix(200) { print("ENC " + f) }
        #expect(failures.isEmpty)
    }
}

/// System instructions at EL1, and at EL0 those whose verdict does not depend on SCTLR_EL1 or
/// CNTKCTL_EL1 (Unicorn keeps its own reset SCTLR_EL1: writing ours makes it fault every EL0
/// instruction): both must trap or both execute, with the same result. Left out: WFI/WFE (ours
/// leaves to the machine), the counters and ID registers (values differ by design).
@Suite(.enabled(if: UnicornEngine.available, "libunicorn not available"))
struct UnicornSystemInstructionTests {
    static let both: [(UInt32, String)] = [
        (0xd53b4201, "mrs x1, nzcv"), (0xd51b4202, "msr nzcv, x2"), (0xd53bd041, "mrs x1, tpidr_el0"),
        (0xd51bd042, "msr tpidr_el0, x2"), (0xd53bd061, "mrs x1, tpidrro_el0"), (0xd5384241, "mrs x1, currentel"),
        (0xd5384201, "mrs x1, spsel"), (0xd5384021, "mrs x1, elr_el1"), (0xd5184022, "msr elr_el1, x2"),
        (0xd53800a1, "mrs x1, mpidr_el1"), (0xd50b7e3c, "dc civac, x28"),
        (0xd50b753c, "ic ivau, x28"), (0xd508751f, "ic iallu"), (0xd508871f, "tlbi vmalle1"), (0xd508781c, "at s1e1r, x28"),
        (0xd503203f, "yield"), (0xd503209f, "sev"), (0xd50320bf, "sevl"), (0xd5033fdf, "isb"), (0xd5033f9f, "dsb sy"),
        (0xd5033bbf, "dmb ish"), (0xd5033f5f, "clrex"), (0xd4000001, "svc #0"), (0xd4200020, "brk #1"),
        (0xd69f03e0, "eret"), (0xd50041bf, "msr spsel, #1"), (0xd538e101, "mrs x1, cntkctl_el1"), (0xd538c001, "mrs x1, vbar_el1"),
    ]
    /// Allowed at EL1; at EL0 trapped by SCTLR_EL1 (UMA, UCT, DZE = 0) or CNTKCTL_EL1 (= 0).
    static let controlled: [(UInt32, String)] = [
        (0xd53b4221, "mrs x1, daif"), (0xd51b4222, "msr daif, x2"), (0xd50343df, "msr daifset, #3"),
        (0xd50343ff, "msr daifclr, #3"), (0xd51bd062, "msr tpidrro_el0, x2"), (0xd53be001, "mrs x1, cntfrq_el0"),
        (0xd53b00e1, "mrs x1, dczid_el0"), (0xd50b743c, "dc zva, x28"), (0xd53b0021, "mrs x1, ctr_el0"),
        (0xd53be041, "mrs x1, cntvct_el0"), (0xd53be021, "mrs x1, cntpct_el0"),
    ]

    @Test func systemInstructionsMatchUnicorn() throws {
        let lockstep = try #require(Lockstep())
        var rng = StreamGenerator(seed: 0x5957_2026)
        var failures: [String] = []
        // SCTLR_EL1 on both by MOVZ/MOVK x26 and MSR: 0x00C50838 (Unicorn's reset value: UMA,
        // UCT, DZE, UCI = 0) or 0x04C5CA38 (all four set).
        let sctlrs: [(String, [UInt32])] = [
            ("SCTLR 0xc50838", [0xD281_071A, 0xF2A0_18BA, 0xD518_101A]),
            ("SCTLR 0x4c5ca38", [0xD299_471A, 0xF2A0_98BA, 0xD518_101A]),
        ]
        for (el0, (sctlrName, sctlr)) in [(false, sctlrs[0]), (true, sctlrs[0]), (true, sctlrs[1])] {
            for (w, name) in Self.both + Self.controlled {
                if !el0 && (name.contains("cntvct") || name.contains("cntpct") || name.contains("ctr_el0")) { continue }  // values differ
                if el0 && sctlrName.hasSuffix("a38") && name.contains("ctr_el0") { continue }  // value differs
                // EL0: ADR x25, 1f; MSR ELR_EL1, x25; MOVZ x26, #0x3C0; MSR SPSR_EL1, x26 (EL0t,
                // DAIF masked); ERET; 1: the instruction
                let words: [UInt32] = sctlr + (el0 ? [0x1000_00B9, 0xD518_4039, 0xD280_781A, 0xD518_401A, 0xD69F_03E0, w] : [w])
                let (_, failure) = lockstep.run(LockstepProgram(words: words, end: words.count), rng: &rng, faultsEnd: true)
                if let failure { failures.append("\(el0 ? "EL0" : "EL1") \(sctlrName) \(name): \(failure)") }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// MRS of every encoding of the ID register space (op0 3, op1 0, CRn 0, CRm 0–7) at EL1:
    /// both must read it (values may differ: the CPUs differ) or both trap. The reserved
    /// encodings of CRm 1–7 read as zero in the architecture (software such as Linux reads
    /// them unconditionally).
    @Test func idRegisterSpaceReadsMatchUnicorn() throws {
        let lockstep = try #require(Lockstep())
        var rng = StreamGenerator(seed: 0x1D_2026)
        var failures: [String] = []
        for crm in UInt32(0)...7 {
            for op2 in UInt32(0)...7 {
                let w = 0xD538_0000 | crm << 8 | op2 << 5 | 1  // MRS x1, S3_0_C0_C<crm>_<op2>
                let (_, failure) = lockstep.run(LockstepProgram(words: [w], end: 1), rng: &rng, faultsEnd: true)
                if let failure, !failure.contains(": x1: ours") {
                    failures.append("S3_0_C0_C\(crm)_\(op2): \(failure)")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// MRS/MSR of the EL1 and EL0 registers every ARMv8.0-A CPU has (cache ID and selection,
    /// ISR, the timer TVALs, the OS lock status, ACTLR, AIDR) at EL1: same verdict on both
    /// (values may differ: cache geometry, counters).
    @Test func mandatorySystemRegistersMatchUnicorn() throws {
        let regs: [(String, UInt32, UInt32, UInt32, UInt32, UInt32, Bool)] = [  // name, op0, op1, CRn, CRm, op2, writable
            ("CCSIDR_EL1", 3, 1, 0, 0, 0, false), ("CLIDR_EL1", 3, 1, 0, 0, 1, false), ("AIDR_EL1", 3, 1, 0, 0, 7, false),
            ("CSSELR_EL1", 3, 2, 0, 0, 0, true), ("ISR_EL1", 3, 0, 12, 1, 0, false), ("ACTLR_EL1", 3, 0, 1, 0, 1, true),
            ("CNTP_TVAL_EL0", 3, 3, 14, 2, 0, true), ("CNTV_TVAL_EL0", 3, 3, 14, 3, 0, true),
            ("OSLSR_EL1", 2, 0, 1, 1, 4, false), ("REVIDR_EL1", 3, 0, 0, 0, 6, false),
        ]
        let lockstep = try #require(Lockstep())
        var rng = StreamGenerator(seed: 0xAA_2026)
        var failures: [String] = []
        for (name, op0, op1, crn, crm, op2, writable) in regs {
            let field = (op0 & 1) << 19 | op1 << 16 | crn << 12 | crm << 8 | op2 << 5
            var tries = [(0xD530_0000 | field | 1, "MRS")]
            if writable { tries.append((0xD510_0000 | field | 31, "MSR xzr")) }
            for (w, what) in tries {
                let (_, failure) = lockstep.run(LockstepProgram(words: [w], end: 1), rng: &rng, faultsEnd: true)
                if let failure, !failure.contains(": x1: ours") { failures.append("\(what) \(name): \(failure)") }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
