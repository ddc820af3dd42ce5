/// Pre-decoding and execution of the hot encodings cached in `DecodeCache`. The semantics and
/// costs are exactly those of the per-class decoders, which every other encoding still uses
/// (pinned by the same tests, the QEMU comparisons and the Unicorn lockstep test). Load/store
/// register and pair are decoded and executed by `Execute/LoadStoreRegister.swift` on both paths.
///
/// Why it looks the way it does (measured with callgrind on the bench sample, see BENCHMARKS.md):
/// - operands are resolved at decode time (register 31 → zero slot or sink, 32-bit results → a
///   mask, condition codes → a 16-bit truth table indexed by NZCV), so the executor has almost no
///   data-dependent branches besides the one dispatch per instruction;
/// - each form gets its own case with constant sizes, so the memory helpers inline to a few
///   instructions;
/// - shifts use masking shifts (`&<<`, `&>>`): no traps, no range tests.
extension CPU {
    /// What executing one pre-decoded instruction did, for the run loop in `CPU.run`.
    enum Step {
        /// Retired; the next instruction in the run follows (ALU, hints).
        case next
        /// Retired a load or store: the run re-checks the limits (a stage-2 walk or a device access
        /// may have added cycles) and the decode cache epoch (the store may have hit code).
        case memory
        /// Retired and left the straight line (branch, generic instruction): the run ends.
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

    /// True when `op` ends a run: control flow, or an instruction the fast executor doesn't know.
    @inline(__always)
    static func endsRun(_ op: DecodedInstruction.Op) -> Bool {
        switch op {
        case .generic, .b, .bl, .bCond, .cbz, .cbnz, .tbz, .tbnz, .ret, .br, .blr: return true
        default: return false
        }
    }

    /// Cycles `op` adds when nothing slow happens (no stage-2 walk, device or fault): what the
    /// per-class decoders add for the same encoding.
    static func staticCost(_ op: DecodedInstruction.Op, aux: UInt8, _ c: CPUCostModel) -> UInt64 {
        switch op {
        case .generic: return .max  // only ever last in a run, where its cost is not counted
        case .madd: return c.alu &+ c.multiply
        case .b, .bl, .bCond, .cbz, .cbnz, .tbz, .tbnz, .ret, .br, .blr: return c.branch
        case .nop: return c.branch &+ c.system
        case .ldr1, .ldr2, .ldr4, .ldr8: return c.load
        case .str1, .str2, .str4, .str8: return c.store
        case .ldst: return aux & 0x40 != 0 ? c.store : c.load
        case .ldstPair: return aux & 0x40 != 0 ? c.store &* 2 : c.load &* 2
        default: return c.alu
        }
    }

    /// Decodes the run starting at physical address `pa` (in the current fetch page) into the
    /// cache: every instruction up to the first that ends a run; then stamps each entry with the
    /// length and static cost of the run from it. The last instruction of a page is always
    /// cached as `.generic`, so that every run ends in an instruction that leaves it: the run
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
                var d = predecode(word, tag: cache.tag(q))
                if q & 0xFFF == 0xFFC { d.op = .generic }
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
                let (sum, overflow) = cost.addingReportingOverflow(CPU.staticCost(e.pointee.op, aux: e.pointee.aux, cache.costs))
                cost = overflow ? .max : sum
            }
            e.pointee.runLength = length
            e.pointee.runCost = cost
            length &+= 1
            j -= 1
        }
    }

    func predecode(_ w: UInt32, tag: UInt64) -> DecodedInstruction {
        var d = DecodedInstruction()
        d.tag = tag
        d.word = w
        let rt = UInt8(w & 31), rn = UInt8((w >> 5) & 31), rm = UInt8((w >> 16) & 31)
        let rtW: UInt8 = rt == 31 ? 32 : rt  // XR destination: XZR writes go to the sink
        let sf = w >> 31 == 1
        let width: UInt64 = sf ? ~0 : 0xFFFF_FFFF

        // Data processing -- immediate.
        switch (w >> 23) & 0x3F {
        case 0b100010:  // ADD/ADDS/SUB/SUBS (immediate)
            d.imm = UInt64((w >> 10) & 0xFFF) << ((w >> 22) & 1 == 1 ? 12 : 0)
            d.imm2 = width
            d.rn = rn  // 31 = SP
            // SP operands need the banked SP: own forms for ADD/SUB, generic for the rare flag-
            // setting ones (CMP SP, #imm), so the common forms index `regs` directly.
            let sp = rt == 31 || rn == 31
            switch (w >> 29) & 3 {
            case 0: d.op = sp ? .addImmSP : .addImm; d.rd = rt  // 31 = SP
            case 1: if rn == 31 { return d }; d.op = sf ? .addsImm64 : .addsImm32; d.rd = rtW
            case 2: d.op = sp ? .subImmSP : .subImm; d.rd = rt
            default: if rn == 31 { return d }; d.op = sf ? .subsImm64 : .subsImm32; d.rd = rtW
            }
            return d
        case 0b100101:  // MOVN/MOVZ/MOVK
            let hw = (w >> 21) & 3
            if !sf && hw > 1 { return d }
            let pos = UInt64(hw * 16)
            let imm16 = UInt64((w >> 5) & 0xFFFF)
            d.rd = rtW
            switch (w >> 29) & 3 {
            case 0: d.op = .movImm; d.imm = ~(imm16 << pos) & width
            case 2: d.op = .movImm; d.imm = imm16 << pos
            case 3: d.op = .movk; d.rn = rt; d.imm = imm16 << pos; d.imm2 = ~(0xFFFF << pos) & width
            default: return d
            }
            return d
        case 0b100100:  // AND/ORR/EOR/ANDS (immediate)
            let n = (w >> 22) & 1
            if !sf && n == 1 { return d }
            guard let (mask, _) = decodeBitMasks(n: n, imms: (w >> 10) & 63, immr: (w >> 16) & 63, immediate: true, sf: sf)
            else { return d }
            d.imm = mask
            d.imm2 = width
            d.rn = rn
            d.rd = rt  // 31 = SP, except ANDS
            switch (w >> 29) & 3 {
            case 0: d.op = .andImm
            case 1: d.op = .orrImm
            case 2: d.op = .eorImm
            default: d.op = sf ? .andsImm64 : .andsImm32; d.rd = rtW
            }
            return d
        case 0b100110:  // SBFM, UBFM (BFM stays generic)
            let opc = (w >> 29) & 3
            guard opc == 0 || opc == 2 else { return d }
            let n = (w >> 22) & 1, immr = (w >> 16) & 63, imms = (w >> 10) & 63
            if sf && n != 1 { return d }
            if !sf && (n != 0 || immr >= 32 || imms >= 32) { return d }
            // The field Rn<imms:0> (imms < immr: placed at bit width - immr) or Rn<imms:immr>
            // (imms >= immr: moved down to bit 0), extended above: one left shift puts bit imms
            // at bit 63, one right shift (arithmetic for SBFM) puts it in place and extends.
            let bits: UInt32 = sf ? 64 : 32
            d.op = opc == 0 ? .sbfm : .ubfm
            d.rd = rtW
            d.rn = rn
            d.rm = UInt8(63 - imms)
            d.ra = UInt8(imms < immr ? 63 - imms - (bits - immr) : 63 - imms + immr)
            d.imm2 = width
            return d
        default: break
        }
        if (w >> 24) & 0x1F == 0b10000 {  // ADR, ADRP
            let immlo = UInt64((w >> 29) & 3), immhi = UInt64((w >> 5) & 0x7FFFF)
            let imm = UInt64(bitPattern: Int64(Int32(bitPattern: UInt32((immhi << 2 | immlo) << 11)) >> 11))
            d.rd = rtW
            if sf { d.op = .adrp; d.imm = imm << 12 } else { d.op = .adr; d.imm = imm }
            return d
        }

        // Data processing -- register.
        switch (w >> 24) & 0x1F {
        case 0b01010:  // logical (shifted register)
            let amount = (w >> 10) & 63
            if !sf && amount >= 32 { return d }
            guard (w >> 22) & 3 != 3 else { return d }  // ROR: generic
            setShift(&d, type: (w >> 22) & 3, amount: amount, sf: sf)
            switch (w >> 29) & 3 {
            case 0: d.op = .andReg
            case 1: d.op = .orrReg
            case 2: d.op = .eorReg
            default: d.op = sf ? .andsReg64 : .andsReg32
            }
            d.rd = rtW; d.rn = rn; d.rm = rm
            d.imm = (w >> 21) & 1 == 1 ? ~0 : 0
            d.imm2 = width
            return d
        case 0b01011 where (w >> 21) & 1 == 0:  // add/subtract (shifted register)
            let amount = (w >> 10) & 63, shift = (w >> 22) & 3
            if shift == 3 || (!sf && amount >= 32) { return d }
            switch (w >> 29) & 3 {
            case 0: d.op = .addReg
            case 1: d.op = sf ? .addsReg64 : .addsReg32
            case 2: d.op = .subReg
            default: d.op = sf ? .subsReg64 : .subsReg32
            }
            d.rd = rtW; d.rn = rn; d.rm = rm
            setShift(&d, type: shift, amount: amount, sf: sf)
            d.imm2 = width
            return d
        case 0b11010 where (w >> 21) & 7 == 0b100:  // CSEL/CSINC/CSINV/CSNEG
            if (w >> 29) & 1 != 0 || (w >> 11) & 1 != 0 { return d }
            d.op = .csel
            d.rd = rtW; d.rn = rn; d.rm = rm
            d.aux = UInt8((w >> 30) & 1) << 1 | UInt8((w >> 10) & 1)
            d.imm = width
            d.imm2 = CPU.conditionTable((w >> 12) & 0xF)
            return d
        case 0b11011 where (w >> 29) & 3 == 0 && (w >> 21) & 7 == 0:  // MADD/MSUB (op54 = 0, op31 = 0)
            d.op = .madd
            d.rd = rtW; d.rn = rn; d.rm = rm
            d.ra = UInt8((w >> 10) & 31)
            d.aux = UInt8((w >> 15) & 1)
            d.imm2 = width
            return d
        default: break
        }

        // Branches and hints.
        if (w >> 26) & 0x1F == 0b00101 {  // B, BL
            d.op = w >> 31 == 1 ? .bl : .b
            d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: w << 6) >> 4))
        } else if w >> 24 == 0x54 && w & 0x10 == 0 {  // B.cond
            d.op = .bCond
            d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: (w >> 5 & 0x7FFFF) << 13) >> 11))
            d.imm2 = CPU.conditionTable(w & 0xF)
        } else if (w >> 25) & 0x3F == 0b011010 {  // CBZ, CBNZ
            d.op = (w >> 24) & 1 == 1 ? .cbnz : .cbz
            d.rd = rt
            d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: (w >> 5 & 0x7FFFF) << 13) >> 11))
            d.imm2 = width
        } else if (w >> 25) & 0x3F == 0b011011 {  // TBZ, TBNZ
            d.op = (w >> 24) & 1 == 1 ? .tbnz : .tbz
            d.rd = rt
            d.aux = UInt8((w >> 31) << 5 | (w >> 19) & 31)
            d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: (w >> 5 & 0x3FFF) << 18) >> 16))
        } else if w & 0xFFFF_FC1F == 0xD65F_0000 {
            d.op = .ret; d.rn = rn
        } else if w & 0xFFFF_FC1F == 0xD61F_0000 {
            d.op = .br; d.rn = rn
        } else if w & 0xFFFF_FC1F == 0xD63F_0000 {
            d.op = .blr; d.rn = rn
        } else if w & 0xFFFF_F01F == 0xD503_201F && (w >> 5) & 0x7F != 2 && (w >> 5) & 0x7F != 3 {
            d.op = .nop  // NOP, YIELD, SEV, SEVL and unallocated hints; WFE/WFI stay generic
        } else if (w >> 25) & 0x1F == 0b11100 {  // bits 29:25: single register, V = 0
            predecodeLoadStore(w, &d)
        } else if (w >> 25) & 0x1F == 0b10100 {  // bits 29:25: pair, V = 0
            predecodePair(w, &d)
        }
        return d
    }

    /// LSL/LSR/ASR by `amount` at width `sf` as ((x << aux) >> ra, arithmetic) & imm3; the
    /// operation masks its result to its width.
    private func setShift(_ d: inout DecodedInstruction, type: UInt32, amount: UInt32, sf: Bool) {
        let pre: UInt32 = sf ? 0 : 32
        switch type {
        case 0: d.aux = UInt8(amount); d.ra = 0; d.imm3 = ~0
        case 1: d.aux = UInt8(pre); d.ra = UInt8(pre + amount); d.imm3 = (sf ? ~0 : 0xFFFF_FFFF) >> UInt64(amount)
        default: d.aux = UInt8(pre); d.ra = UInt8(pre + amount); d.imm3 = ~0
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

    /// Executes one pre-decoded instruction: the same architectural effect, cycles and faults as
    /// `execute(d.word)`.
    @inline(__always)
    func execute(decoded e: UnsafeMutablePointer<DecodedInstruction>) -> Step {
        let rd = Int(e.pointee.rd), rn = e.pointee.rn
        switch e.pointee.op {
        case .generic:
            return execute(e.pointee.word) ? .jump : .fault
        case .addImm:
            cycles &+= costs.alu
            regs[rd] = (regs[Int(rn)] &+ e.pointee.imm) & e.pointee.imm2
        case .subImm:
            cycles &+= costs.alu
            regs[rd] = (regs[Int(rn)] &- e.pointee.imm) & e.pointee.imm2
        case .addImmSP:
            cycles &+= costs.alu
            wsp(e.pointee.rd, (rsp(rn) &+ e.pointee.imm) & e.pointee.imm2)
        case .subImmSP:
            cycles &+= costs.alu
            wsp(e.pointee.rd, (rsp(rn) &- e.pointee.imm) & e.pointee.imm2)
        case .addsImm32:
            cycles &+= costs.alu
            let (r, f) = adds(regs[Int(rn)], e.pointee.imm, sixtyFour: false)
            nzcv = f
            regs[rd] = r
        case .addsImm64:
            cycles &+= costs.alu
            let (r, f) = adds(regs[Int(rn)], e.pointee.imm, sixtyFour: true)
            nzcv = f
            regs[rd] = r
        case .subsImm32:
            cycles &+= costs.alu
            let (r, f) = subs(regs[Int(rn)], e.pointee.imm, sixtyFour: false)
            nzcv = f
            regs[rd] = r
        case .subsImm64:
            cycles &+= costs.alu
            let (r, f) = subs(regs[Int(rn)], e.pointee.imm, sixtyFour: true)
            nzcv = f
            regs[rd] = r
        case .movImm:
            cycles &+= costs.alu
            regs[rd] = e.pointee.imm
        case .movk:
            cycles &+= costs.alu
            regs[rd] = (regs[Int(rn)] & e.pointee.imm2) | e.pointee.imm
        case .andImm:
            cycles &+= costs.alu
            wsp(e.pointee.rd, regs[Int(rn)] & e.pointee.imm)
        case .orrImm:
            cycles &+= costs.alu
            wsp(e.pointee.rd, (regs[Int(rn)] | e.pointee.imm) & e.pointee.imm2)
        case .eorImm:
            cycles &+= costs.alu
            wsp(e.pointee.rd, (regs[Int(rn)] ^ e.pointee.imm) & e.pointee.imm2)
        case .andsImm32:
            cycles &+= costs.alu
            let r = regs[Int(rn)] & e.pointee.imm
            nzcv = logicalFlags(r, sf: false)
            regs[rd] = r
        case .andsImm64:
            cycles &+= costs.alu
            let r = regs[Int(rn)] & e.pointee.imm
            nzcv = logicalFlags(r, sf: true)
            regs[rd] = r
        case .adr:
            cycles &+= costs.alu
            regs[rd] = pc &+ e.pointee.imm
        case .adrp:
            cycles &+= costs.alu
            regs[rd] = (pc & ~0xFFF) &+ e.pointee.imm
        case .sbfm:
            cycles &+= costs.alu
            let v = regs[Int(rn)] &<< UInt64(e.pointee.rm)
            regs[rd] = UInt64(bitPattern: Int64(bitPattern: v) &>> Int64(e.pointee.ra)) & e.pointee.imm2
        case .ubfm:
            cycles &+= costs.alu
            regs[rd] = (regs[Int(rn)] &<< UInt64(e.pointee.rm)) &>> UInt64(e.pointee.ra) & e.pointee.imm2
        case .andReg:
            cycles &+= costs.alu
            let b = shifted(e) ^ e.pointee.imm
            regs[rd] = regs[Int(rn)] & b & e.pointee.imm2
        case .orrReg:
            cycles &+= costs.alu
            let b = shifted(e) ^ e.pointee.imm
            regs[rd] = (regs[Int(rn)] | b) & e.pointee.imm2
        case .eorReg:
            cycles &+= costs.alu
            let b = shifted(e) ^ e.pointee.imm
            regs[rd] = (regs[Int(rn)] ^ b) & e.pointee.imm2
        case .andsReg32:
            cycles &+= costs.alu
            let r = regs[Int(rn)] & (shifted(e) ^ e.pointee.imm)
            nzcv = logicalFlags(r, sf: false)
            regs[rd] = r & e.pointee.imm2
        case .andsReg64:
            cycles &+= costs.alu
            let r = regs[Int(rn)] & (shifted(e) ^ e.pointee.imm)
            nzcv = logicalFlags(r, sf: true)
            regs[rd] = r & e.pointee.imm2
        case .addReg:
            cycles &+= costs.alu
            let b = shifted(e)
            regs[rd] = (regs[Int(rn)] &+ b) & e.pointee.imm2
        case .subReg:
            cycles &+= costs.alu
            let b = shifted(e)
            regs[rd] = (regs[Int(rn)] &- b) & e.pointee.imm2
        case .addsReg32:
            cycles &+= costs.alu
            let b = shifted(e)
            let (r, f) = adds(regs[Int(rn)], b, sixtyFour: false)
            nzcv = f
            regs[rd] = r
        case .addsReg64:
            cycles &+= costs.alu
            let b = shifted(e)
            let (r, f) = adds(regs[Int(rn)], b, sixtyFour: true)
            nzcv = f
            regs[rd] = r
        case .subsReg32:
            cycles &+= costs.alu
            let b = shifted(e)
            let (r, f) = subs(regs[Int(rn)], b, sixtyFour: false)
            nzcv = f
            regs[rd] = r
        case .subsReg64:
            cycles &+= costs.alu
            let b = shifted(e)
            let (r, f) = subs(regs[Int(rn)], b, sixtyFour: true)
            nzcv = f
            regs[rd] = r
        case .csel:
            cycles &+= costs.alu
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
            cycles &+= costs.alu &+ costs.multiply
            let p = regs[Int(rn)] &* regs[Int(e.pointee.rm)], acc = regs[Int(e.pointee.ra)]
            regs[rd] = (e.pointee.aux == 0 ? acc &+ p : acc &- p) & e.pointee.imm2
        case .nop:
            cycles &+= costs.branch &+ costs.system
        case .b:
            cycles &+= costs.branch
            pc &+= e.pointee.imm
            return .jump
        case .bl:
            cycles &+= costs.branch
            regs[30] = pc &+ 4
            pc &+= e.pointee.imm
            return .jump
        case .bCond:
            cycles &+= costs.branch
            pc &+= holds(e.pointee.imm2) ? e.pointee.imm : 4
            return .jump
        case .cbz:
            cycles &+= costs.branch
            pc &+= regs[rd] & e.pointee.imm2 == 0 ? e.pointee.imm : 4
            return .jump
        case .cbnz:
            cycles &+= costs.branch
            pc &+= regs[rd] & e.pointee.imm2 != 0 ? e.pointee.imm : 4
            return .jump
        case .tbz:
            cycles &+= costs.branch
            pc &+= (regs[rd] &>> UInt64(e.pointee.aux)) & 1 == 0 ? e.pointee.imm : 4
            return .jump
        case .tbnz:
            cycles &+= costs.branch
            pc &+= (regs[rd] &>> UInt64(e.pointee.aux)) & 1 != 0 ? e.pointee.imm : 4
            return .jump
        case .ret, .br:
            cycles &+= costs.branch
            pc = regs[Int(rn)]
            return .jump
        case .blr:
            cycles &+= costs.branch
            let target = regs[Int(rn)]
            regs[30] = pc &+ 4
            pc = target
            return .jump
        case .ldr1:
            return loadUnsignedOffset(e, UInt8.self) ? .memory : .fault
        case .ldr2:
            return loadUnsignedOffset(e, UInt16.self) ? .memory : .fault
        case .ldr4:
            return loadUnsignedOffset(e, UInt32.self) ? .memory : .fault
        case .ldr8:
            return loadUnsignedOffset(e, UInt64.self) ? .memory : .fault
        case .str1:
            return storeUnsignedOffset(e, UInt8.self) ? .memory : .fault
        case .str2:
            return storeUnsignedOffset(e, UInt16.self) ? .memory : .fault
        case .str4:
            return storeUnsignedOffset(e, UInt32.self) ? .memory : .fault
        case .str8:
            return storeUnsignedOffset(e, UInt64.self) ? .memory : .fault
        case .ldst:
            return loadStoreSingle(e) ? .memory : .fault
        case .ldstPair:
            return loadStorePair(e) ? .memory : .fault
        }
        pc &+= 4
        return .next
    }

    /// `execute(decoded:)` for the traced loop: keeps the fast loop the only inlined call site.
    @inline(never)
    func executeOutOfLine(_ e: UnsafeMutablePointer<DecodedInstruction>) -> Step { execute(decoded: e) }
}
