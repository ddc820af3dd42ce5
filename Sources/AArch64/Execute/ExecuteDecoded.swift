/// Execution of decoded instructions (`DecodedInstruction`, made once per word by the encoding
/// table's row decoders, `A64EncodingTable.decode`) and the decoding of runs into the decode
/// cache. There is one decoder and one set of executors: the run loop in `CPU.run` inlines
/// `execute(decoded:)`, the stepping loops call its out-of-line copy, and a word executed
/// outside the cache (`execute(_:)`) is decoded by the same table first.
///
/// Why it looks the way it does (measured with callgrind on the bench sample, see BENCHMARKS.md):
/// - operands are resolved at decode time (register 31 → zero slot or sink, 32-bit results → a
///   mask, condition codes → a 16-bit truth table indexed by NZCV), so the executor has almost no
///   data-dependent branches besides the one dispatch per instruction;
/// - each form gets its own case with constant sizes, so the memory helpers inline to a few
///   instructions; width variants are one generic executor (`loadUnsignedOffset<T>`);
/// - the rare classes share one out-of-line call (`executeRareClass`) to their class executors,
///   which take the operands their decoders put in the record, so the inlined dispatch stays
///   small;
/// - shifts use masking shifts (`&<<`, `&>>`): no traps, no range tests.
extension CPU {
    /// What executing one pre-decoded instruction did, for the run loop in `CPU.run`.
    ///
    /// The forms whose only effect on the cycle count is their static cost and on the PC is +4
    /// (data processing, hints) return `.next` and touch neither: a run charges them all at once
    /// from its `runCost`s and computes the PC from the record's address when it is needed
    /// (`syncRun`), and a stepped instruction has them added by `executeOutOfLine`. Every other
    /// form charges its own cycles and sets the PC, after the run loop made both exact.
    enum Step {
        /// Retired; the next instruction in the run follows. Cycles and PC are the caller's.
        case next
        /// Retired a load or store, or an instruction of a rare class that does not end a
        /// run; cycles and PC are up to date. The run re-checks the limits (a stage-2 walk or a
        /// device access may have added cycles) and the decode cache epoch (the store may have
        /// hit code).
        case memory
        /// Retired and left the straight line (branch, a run-ending instruction of a rare class):
        /// the run ends. Cycles and PC are up to date.
        case jump
        /// Not retired: an EL1 exception was taken or `pendingExit` is set.
        case fault
    }

    /// Truth table of condition `cond` over the 16 NZCV values: bit `nzcv` is set when it holds.
    static func conditionTable(_ cond: UInt32) -> UInt64 {
        var t: UInt64 = 0
        for f in 0..<16 where CPU.conditionHolds(cond, n: f >> 3 & 1 == 1, z: f >> 2 & 1 == 1, c: f >> 1 & 1 == 1, v: f & 1 == 1) {
            t |= 1 << UInt64(f)
        }
        return t
    }

    /// True when `op` ends a run: control flow, and the rare classes executed out of line that
    /// may change the PC, the exception level or the translation regime, or access memory.
    @inline(__always)
    static func endsRun(_ op: DecodedInstruction.Op) -> Bool {
        isBranch(op) || endsRunOutOfLine(op)
    }

    /// The run-ending rare classes, executed out of line: the first cases of `Op`.
    @inline(__always)
    static func endsRunOutOfLine(_ op: DecodedInstruction.Op) -> Bool {
        op.rawValue <= DecodedInstruction.Op.atomicMemoryOperation.rawValue
    }

    @inline(__always)
    static func isBranch(_ op: DecodedInstruction.Op) -> Bool {
        switch op {
        case .b, .bl, .bCond, .cbz, .cbnz, .tbz, .tbnz, .ret, .br, .blr: return true
        default: return false
        }
    }

    /// Cycles `e` adds when nothing slow happens (no stage-2 walk, device or fault).
    static func staticCost(_ e: DecodedInstruction, _ c: CPUCostModel) -> UInt64 {
        let op = e.op, aux = e.aux
        if endsRunOutOfLine(op) { return .max }  // only ever last in a run
        switch op {
        case .madd, .dataProcessing3Source: return c.alu &+ c.multiply
        case .dataProcessing2Source: return aux <= DataProcessing2SourceOp.sdiv.rawValue ? c.alu &+ c.divide : c.alu
        case .b, .bl, .bCond, .cbz, .cbnz, .tbz, .tbnz, .ret, .br, .blr: return c.branch
        case .nop: return c.branch &+ c.system
        case .ldr1, .ldr2, .ldr4, .ldr8: return c.load
        case .str1, .str2, .str4, .str8: return c.store
        case .ldst, .ldstUnprivileged: return aux & 0x40 != 0 ? c.store : c.load
        case .ldstPair: return aux & 0x40 != 0 ? c.store &* 2 : c.load &* 2
        default: return c.alu
        }
    }

    /// Decodes the run starting at physical address `pa` (in the current fetch page) into the
    /// cache: every instruction up to the first that ends a run; then stamps each entry with the
    /// length and static cost of the run from it. The last instruction of a page is always
    /// cached as `.lastInPage`, so that every run ends in an instruction that leaves it: the run
    /// loop then needs no length test per instruction.
    @inline(never)
    func decodeRun(at pa: UInt64) {
        let cache = monitor.decoded
        guard let host = fetchHost else { return }
        var n = 0
        var q = pa
        while true {
            let e = cache.slot(q)
            if e.pointee.tag != cache.tag(q) {
                let word = UInt32(littleEndian: host.load(fromByteOffset: Int(q & 0xFFF), as: UInt32.self))
                var d = A64EncodingTable.decode(word, tag: cache.tag(q))
                if q & 0xFFF == 0xFFC {
                    d.lastInPageOp = d.op
                    d.op = .lastInPage
                }
                cache.install(d, pa: q)
            }
            n += 1
            if CPU.endsRun(e.pointee.op) { break }
            q &+= 4
        }
        // Stamp back to front: the entry at distance j gets length n - j and the cost of the
        // instructions from it up to, not including, the last (whose cost never matters: the
        // limit is checked before an instruction, not after it).
        var cost: UInt64 = 0
        var length: UInt16 = 1
        var j = n - 1
        while j >= 0 {
            let e = cache.slot(pa &+ UInt64(4 * j))
            if j < n - 1 {
                let (sum, overflow) = cost.addingReportingOverflow(CPU.staticCost(e.pointee, cache.costs))
                cost = overflow ? .max : sum
            }
            e.pointee.runLength = length
            e.pointee.runCost = cost
            length &+= 1
            j -= 1
        }
    }

    // MARK: execution

    /// `xsp`/`setXSP` for the decoded records' 8-bit register fields.
    @_transparent func rsp(_ i: UInt8) -> UInt64 { xsp(UInt32(i)) }
    @_transparent func wsp(_ i: UInt8, _ v: UInt64) { setXSP(UInt32(i), v) }

    /// Shifted-register operand (see `setShift`): two shifts and a mask, no branch on the type.
    @_transparent
    func shifted(_ e: UnsafeMutablePointer<DecodedInstruction>) -> UInt64 {
        let v = regs[Int(e.pointee.rm)] &<< UInt64(e.pointee.aux)
        return UInt64(bitPattern: Int64(bitPattern: v) &>> Int64(e.pointee.ra)) & e.pointee.imm3
    }

    /// ADDS: result and NZCV for 32 or 64 bits (AddWithCarry with carry-in 0). The overflow
    /// comes from the host's own flag (`addingReportingOverflow` on the signed type).
    @_transparent
    func adds(_ a: UInt64, _ b: UInt64, sixtyFour: Bool) -> (UInt64, UInt64) {
        if sixtyFour {
            let (r, carry) = a.addingReportingOverflow(b)
            let overflow = Int64(bitPattern: a).addingReportingOverflow(Int64(bitPattern: b)).overflow
            return (r, flags(n: Int64(bitPattern: r) < 0, z: r == 0, c: carry, v: overflow))
        }
        let a32 = UInt32(truncatingIfNeeded: a), b32 = UInt32(truncatingIfNeeded: b)
        let (r, carry) = a32.addingReportingOverflow(b32)
        let overflow = Int32(bitPattern: a32).addingReportingOverflow(Int32(bitPattern: b32)).overflow
        return (UInt64(r), flags(n: Int32(bitPattern: r) < 0, z: r == 0, c: carry, v: overflow))
    }

    /// SUBS: AddWithCarry(a, NOT b, 1); its carry is "no borrow" (a >= b unsigned).
    @_transparent
    func subs(_ a: UInt64, _ b: UInt64, sixtyFour: Bool) -> (UInt64, UInt64) {
        if sixtyFour {
            let r = a &- b
            let overflow = Int64(bitPattern: a).subtractingReportingOverflow(Int64(bitPattern: b)).overflow
            return (r, flags(n: Int64(bitPattern: r) < 0, z: r == 0, c: a >= b, v: overflow))
        }
        let a32 = UInt32(truncatingIfNeeded: a), b32 = UInt32(truncatingIfNeeded: b)
        let r = a32 &- b32
        let overflow = Int32(bitPattern: a32).subtractingReportingOverflow(Int32(bitPattern: b32)).overflow
        return (UInt64(r), flags(n: Int32(bitPattern: r) < 0, z: r == 0, c: a32 >= b32, v: overflow))
    }

    @_transparent func holds(_ table: UInt64) -> Bool { (table &>> (nzcv >> 28)) & 1 != 0 }

    /// Bits 11:2 of the address of the instruction cached in `e`, from the record's address
    /// (the table is aligned so that they are there; see `DecodeCache.alignment`).
    @_transparent
    static func pageOffset(of e: UnsafeMutablePointer<DecodedInstruction>) -> UInt64 {
        UInt64(truncatingIfNeeded: UInt(bitPattern: e) / UInt(MemoryLayout<DecodedInstruction>.stride / 4)) & 0xFFC
    }

    /// The address of the instruction in `e`: inside a run the PC is left at the run's page (the
    /// `.next` forms do not advance it), so it is rebuilt from the record's address.
    @_transparent
    func address(of e: UnsafeMutablePointer<DecodedInstruction>, inRun: Bool) -> UInt64 {
        inRun ? pc & ~0xFFF | CPU.pageOffset(of: e) : pc
    }

    /// Before a form that reads or charges cycles or sets the PC, inside a run: charges the
    /// `.next` forms since the run's last such form (`charged` is the `runCost` from the first
    /// of them) and sets the PC to `e`'s address. Stepping, both are exact already.
    @_transparent
    func syncRun(_ e: UnsafeMutablePointer<DecodedInstruction>, inRun: Bool, charged: UInt64) {
        if inRun {
            cycles &+= charged &- e.pointee.runCost
            pc = address(of: e, inRun: true)
        }
    }

    /// Executes one decoded instruction. `inRun` (a constant at each call site) says that it is
    /// the run loop's copy: `charged` is then the `runCost` of the first `.next` form the cycle
    /// count does not include yet (see `Step`). Transparent, not `@inline(__always)`: the run
    /// loop has two call sites, and the optimizer declined to inline `__always` into both.
    @_transparent
    func execute(decoded e: UnsafeMutablePointer<DecodedInstruction>, inRun: Bool, charged: UInt64) -> Step {
        let rd = Int(e.pointee.rd), rn = e.pointee.rn
        switch e.pointee.op {
        case .lastInPage, .undefined, .fpsimd, .exceptionGeneration, .system, .exceptionReturn, .exclusiveOrderedCAS,
            .loadLiteral, .atomicMemoryOperation:
            syncRun(e, inRun: inRun, charged: charged)
            return executeRareClass(e) ? .jump : .fault
        case .logicalShiftedRegister, .addSubtractExtendedRegister, .addSubtractWithCarry, .conditionalCompare,
            .dataProcessing1Source, .dataProcessing2Source, .dataProcessing3Source:
            syncRun(e, inRun: inRun, charged: charged)
            return executeRareClass(e) ? .memory : .fault
        case .addImm:
            regs[rd] = (regs[Int(rn)] &+ e.pointee.imm) & e.pointee.imm2
        case .subImm:
            regs[rd] = (regs[Int(rn)] &- e.pointee.imm) & e.pointee.imm2
        case .addImmSP:
            wsp(e.pointee.rd, (rsp(rn) &+ e.pointee.imm) & e.pointee.imm2)
        case .subImmSP:
            wsp(e.pointee.rd, (rsp(rn) &- e.pointee.imm) & e.pointee.imm2)
        case .addsImm32:
            let (r, f) = adds(regs[Int(rn)], e.pointee.imm, sixtyFour: false)
            nzcv = f
            regs[rd] = r
        case .addsImm64:
            let (r, f) = adds(regs[Int(rn)], e.pointee.imm, sixtyFour: true)
            nzcv = f
            regs[rd] = r
        case .subsImm32:
            let (r, f) = subs(regs[Int(rn)], e.pointee.imm, sixtyFour: false)
            nzcv = f
            regs[rd] = r
        case .subsImm64:
            let (r, f) = subs(regs[Int(rn)], e.pointee.imm, sixtyFour: true)
            nzcv = f
            regs[rd] = r
        case .movImm:
            regs[rd] = e.pointee.imm
        case .movk:
            regs[rd] = (regs[Int(rn)] & e.pointee.imm2) | e.pointee.imm
        case .andImm:
            wsp(e.pointee.rd, regs[Int(rn)] & e.pointee.imm)
        case .orrImm:
            wsp(e.pointee.rd, (regs[Int(rn)] | e.pointee.imm) & e.pointee.imm2)
        case .eorImm:
            wsp(e.pointee.rd, (regs[Int(rn)] ^ e.pointee.imm) & e.pointee.imm2)
        case .andsImm32:
            let r = regs[Int(rn)] & e.pointee.imm
            nzcv = logicalFlags(r, sf: false)
            regs[rd] = r
        case .andsImm64:
            let r = regs[Int(rn)] & e.pointee.imm
            nzcv = logicalFlags(r, sf: true)
            regs[rd] = r
        case .adr:
            regs[rd] = address(of: e, inRun: inRun) &+ e.pointee.imm
        case .adrp:
            regs[rd] = (address(of: e, inRun: inRun) & ~0xFFF) &+ e.pointee.imm
        case .sbfm:
            let v = regs[Int(rn)] &<< UInt64(e.pointee.rm)
            regs[rd] = UInt64(bitPattern: Int64(bitPattern: v) &>> Int64(e.pointee.ra)) & e.pointee.imm2
        case .ubfm:
            regs[rd] = (regs[Int(rn)] &<< UInt64(e.pointee.rm)) &>> UInt64(e.pointee.ra) & e.pointee.imm2
        case .andReg:
            let b = shifted(e) ^ e.pointee.imm
            regs[rd] = regs[Int(rn)] & b & e.pointee.imm2
        case .orrReg:
            let b = shifted(e) ^ e.pointee.imm
            regs[rd] = (regs[Int(rn)] | b) & e.pointee.imm2
        case .eorReg:
            let b = shifted(e) ^ e.pointee.imm
            regs[rd] = (regs[Int(rn)] ^ b) & e.pointee.imm2
        case .andsReg32:
            let r = regs[Int(rn)] & (shifted(e) ^ e.pointee.imm)
            nzcv = logicalFlags(r, sf: false)
            regs[rd] = r & e.pointee.imm2
        case .andsReg64:
            let r = regs[Int(rn)] & (shifted(e) ^ e.pointee.imm)
            nzcv = logicalFlags(r, sf: true)
            regs[rd] = r & e.pointee.imm2
        case .addReg:
            let b = shifted(e)
            regs[rd] = (regs[Int(rn)] &+ b) & e.pointee.imm2
        case .subReg:
            let b = shifted(e)
            regs[rd] = (regs[Int(rn)] &- b) & e.pointee.imm2
        case .addsReg32:
            let b = shifted(e)
            let (r, f) = adds(regs[Int(rn)], b, sixtyFour: false)
            nzcv = f
            regs[rd] = r
        case .addsReg64:
            let b = shifted(e)
            let (r, f) = adds(regs[Int(rn)], b, sixtyFour: true)
            nzcv = f
            regs[rd] = r
        case .subsReg32:
            let b = shifted(e)
            let (r, f) = subs(regs[Int(rn)], b, sixtyFour: false)
            nzcv = f
            regs[rd] = r
        case .subsReg64:
            let b = shifted(e)
            let (r, f) = subs(regs[Int(rn)], b, sixtyFour: true)
            nzcv = f
            regs[rd] = r
        case .csel:
            var r: UInt64
            if holds(e.pointee.imm2) {
                r = regs[Int(rn)]
            } else {
                r = regs[Int(e.pointee.rm)]
                switch e.pointee.aux {
                case 1: r = r &+ 1
                case 2: r = ~r
                case 3: r = 0 &- r
                default: break
                }
            }
            regs[rd] = r & e.pointee.imm
        case .madd:
            let p = regs[Int(rn)] &* regs[Int(e.pointee.rm)], acc = regs[Int(e.pointee.ra)]
            regs[rd] = (e.pointee.aux == 0 ? acc &+ p : acc &- p) & e.pointee.imm2
        case .nop:
            break
        case .b:
            syncRun(e, inRun: inRun, charged: charged)
            cycles &+= costs.branch
            pc &+= e.pointee.imm
            return .jump
        case .bl:
            syncRun(e, inRun: inRun, charged: charged)
            cycles &+= costs.branch
            regs[30] = pc &+ 4
            pc &+= e.pointee.imm
            return .jump
        case .bCond:
            syncRun(e, inRun: inRun, charged: charged)
            cycles &+= costs.branch
            pc &+= holds(e.pointee.imm2) ? e.pointee.imm : 4
            return .jump
        case .cbz:
            syncRun(e, inRun: inRun, charged: charged)
            cycles &+= costs.branch
            pc &+= regs[rd] & e.pointee.imm2 == 0 ? e.pointee.imm : 4
            return .jump
        case .cbnz:
            syncRun(e, inRun: inRun, charged: charged)
            cycles &+= costs.branch
            pc &+= regs[rd] & e.pointee.imm2 != 0 ? e.pointee.imm : 4
            return .jump
        case .tbz:
            syncRun(e, inRun: inRun, charged: charged)
            cycles &+= costs.branch
            pc &+= (regs[rd] &>> UInt64(e.pointee.aux)) & 1 == 0 ? e.pointee.imm : 4
            return .jump
        case .tbnz:
            syncRun(e, inRun: inRun, charged: charged)
            cycles &+= costs.branch
            pc &+= (regs[rd] &>> UInt64(e.pointee.aux)) & 1 != 0 ? e.pointee.imm : 4
            return .jump
        case .ret, .br:
            syncRun(e, inRun: inRun, charged: charged)
            cycles &+= costs.branch
            pc = regs[Int(rn)]
            return .jump
        case .blr:
            syncRun(e, inRun: inRun, charged: charged)
            cycles &+= costs.branch
            let target = regs[Int(rn)]
            regs[30] = pc &+ 4
            pc = target
            return .jump
        case .ldr1:
            if inRun && loadUnsignedOffsetInRun(e, UInt8.self) { break }
            syncRun(e, inRun: inRun, charged: charged)
            return loadUnsignedOffset(e, UInt8.self) ? .memory : .fault
        case .ldr2:
            if inRun && loadUnsignedOffsetInRun(e, UInt16.self) { break }
            syncRun(e, inRun: inRun, charged: charged)
            return loadUnsignedOffset(e, UInt16.self) ? .memory : .fault
        case .ldr4:
            if inRun && loadUnsignedOffsetInRun(e, UInt32.self) { break }
            syncRun(e, inRun: inRun, charged: charged)
            return loadUnsignedOffset(e, UInt32.self) ? .memory : .fault
        case .ldr8:
            if inRun && loadUnsignedOffsetInRun(e, UInt64.self) { break }
            syncRun(e, inRun: inRun, charged: charged)
            return loadUnsignedOffset(e, UInt64.self) ? .memory : .fault
        case .str1:
            syncRun(e, inRun: inRun, charged: charged)
            return storeUnsignedOffset(e, UInt8.self) ? .memory : .fault
        case .str2:
            syncRun(e, inRun: inRun, charged: charged)
            return storeUnsignedOffset(e, UInt16.self) ? .memory : .fault
        case .str4:
            syncRun(e, inRun: inRun, charged: charged)
            return storeUnsignedOffset(e, UInt32.self) ? .memory : .fault
        case .str8:
            syncRun(e, inRun: inRun, charged: charged)
            return storeUnsignedOffset(e, UInt64.self) ? .memory : .fault
        case .ldst:
            syncRun(e, inRun: inRun, charged: charged)
            return loadStoreSingle(e) ? .memory : .fault
        case .ldstPair:
            syncRun(e, inRun: inRun, charged: charged)
            return loadStorePair(e) ? .memory : .fault
        case .addsSubsImmSP:
            let sub = e.pointee.aux & 1 != 0, imm = e.pointee.imm
            let (r, f) = addWithCarry(rsp(rn), sub ? ~imm : imm, carry: sub, sf: e.pointee.aux & 2 != 0)
            nzcv = f
            regs[rd] = r
        case .bfm:
            let rotated = rotateRight(regs[Int(rn)], by: e.pointee.ra, sixtyFour: e.pointee.aux != 0)
            regs[rd] = (regs[Int(e.pointee.rm)] & ~e.pointee.imm | rotated & e.pointee.imm) & e.pointee.imm2
        case .extr:
            let hi = regs[Int(rn)], lo = regs[Int(e.pointee.rm)], lsb = UInt64(e.pointee.aux)
            if e.pointee.ra != 0 {
                regs[rd] = lsb == 0 ? lo : lo &>> lsb | hi &<< (64 &- lsb)
            } else {
                regs[rd] = ((hi & 0xFFFF_FFFF) << 32 | lo & 0xFFFF_FFFF) &>> lsb & 0xFFFF_FFFF
            }
        case .prefetch:
            break
        case .ldstUnprivileged:
            syncRun(e, inRun: inRun, charged: charged)
            return unprivilegedLoadStore(e) ? .memory : .fault
        }
        return .next
    }

    /// ROR at 64 or 32 bits (masking shifts: a rotation by 0 ORs the value with itself).
    @_transparent
    func rotateRight(_ v: UInt64, by r: UInt8, sixtyFour: Bool) -> UInt64 {
        if sixtyFour { return v &>> UInt64(r) | v &<< (64 &- UInt64(r)) }
        let v32 = UInt32(truncatingIfNeeded: v)
        return UInt64(v32 &>> UInt32(r) | v32 &<< (32 &- UInt32(r)))
    }

    /// The rare classes, executed out of line by their class executors so that the run loop's
    /// inlined dispatch stays small; all but the data-processing ones end a run. True when the
    /// instruction retired (a Bool, not a `Step`: the run loop then tests one flag instead of
    /// switching on a second table).
    @inline(never)
    func executeRareClass(_ e: UnsafeMutablePointer<DecodedInstruction>) -> Bool {
        let retired: Bool
        switch e.pointee.op {
        case .lastInPage:
            // Cached so that the run ends here (see `decodeRun`): executed in its own form.
            var d = e.pointee
            d.op = d.lastInPageOp
            return executeOutOfLine(&d) != .fault
        case .fpsimd: retired = simdAndFP(e.pointee)
        case .exceptionGeneration: cycles &+= costs.branch; retired = exceptionGeneration(e.pointee)
        case .system: cycles &+= costs.branch; retired = system(e.pointee)
        case .exceptionReturn: cycles &+= costs.branch; retired = exceptionReturn()
        case .exclusiveOrderedCAS: retired = exclusiveOrderedCAS(e.pointee)
        case .loadLiteral: retired = loadLiteral(e.pointee)
        case .atomicMemoryOperation: retired = atomicMemoryOperation(e.pointee)
        case .logicalShiftedRegister: retired = logicalShiftedRegister(e.pointee)
        case .addSubtractExtendedRegister: retired = addSubtractExtendedRegister(e.pointee)
        case .addSubtractWithCarry: retired = addSubtractWithCarry(e.pointee)
        case .conditionalCompare: retired = conditionalCompare(e.pointee)
        case .dataProcessing1Source: retired = dataProcessing1Source(e.pointee)
        case .dataProcessing2Source: retired = dataProcessing2Source(e.pointee)
        case .dataProcessing3Source: retired = dataProcessing3Source(e.pointee)
        default: retired = undefined()
        }
        return retired
    }

    /// Decodes `w` through the encoding table and executes it: a word not in the decode cache
    /// (the tests). True when it retired.
    func execute(_ w: UInt32) -> Bool {
        var d = A64EncodingTable.decode(w)
        return executeOutOfLine(&d) != .fault
    }

    /// `execute(decoded:)` stepped (the traced loop, near a limit): keeps the fast loop the only
    /// inlined call site, and charges a `.next` form its static cost, the one its runs charge.
    @inline(never)
    func executeOutOfLine(_ e: UnsafeMutablePointer<DecodedInstruction>) -> Step {
        let step = execute(decoded: e, inRun: false, charged: 0)
        if step == .next {
            cycles &+= CPU.staticCost(e.pointee, costs)
            pc &+= 4
        }
        return step
    }
}
