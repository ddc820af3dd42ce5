/// Pre-decoding and execution of the hot encodings cached in `DecodeCache`. The semantics and
/// costs are exactly those of the per-class decoders, which every other encoding still uses
/// (pinned by the same tests, the QEMU comparisons and the Unicorn lockstep test).
extension CPU {
    func predecode(_ w: UInt32, tag: UInt64) -> DecodedInstruction {
        var d = DecodedInstruction()
        d.tag = tag
        d.word = w
        d.rd = w & 31
        d.rn = (w >> 5) & 31
        let sf = w >> 31
        switch (w >> 23) & 0x3F {
        case 0b100010:  // ADD/ADDS/SUB/SUBS (immediate)
            d.aux = sf
            d.imm = UInt64((w >> 10) & 0xFFF) << ((w >> 22) & 1 == 1 ? 12 : 0)
            switch (w >> 29) & 3 {
            case 0: d.op = .addImm
            case 1: d.op = .addsImm
            case 2: d.op = .subImm
            default: d.op = .subsImm
            }
            return d
        case 0b100101:  // MOVN/MOVZ/MOVK
            let hw = (w >> 21) & 3
            if sf == 0 && hw > 1 { return d }
            let pos = UInt64(hw * 16)
            let imm16 = UInt64((w >> 5) & 0xFFFF)
            let width: UInt64 = sf == 1 ? ~0 : 0xFFFF_FFFF
            switch (w >> 29) & 3 {
            case 0: d.op = .movn; d.imm = ~(imm16 << pos) & width
            case 2: d.op = .movz; d.imm = imm16 << pos
            case 3: d.op = .movk; d.imm = imm16 << pos; d.imm2 = ~(0xFFFF << pos) & width
            default: return d
            }
            return d
        case 0b100100:  // AND/ORR/EOR (immediate); ANDS stays generic
            let n = (w >> 22) & 1
            if sf == 0 && n == 1 { return d }
            guard let (mask, _) = decodeBitMasks(n: n, imms: (w >> 10) & 63, immr: (w >> 16) & 63, immediate: true, sf: sf == 1)
            else { return d }
            d.imm = mask
            d.aux = sf
            switch (w >> 29) & 3 {
            case 0: d.op = .andImm
            case 1: d.op = .orrImm
            case 2: d.op = .eorImm
            default: return d
            }
            return d
        default: break
        }
        switch (w >> 24) & 0x1F {
        case 0b01010 where (w >> 21) & 7 != 7 && (w >> 29) & 3 != 3:  // logical (shifted register), not ANDS/BICS
            let amount = (w >> 10) & 63
            if sf == 0 && amount >= 32 { return d }
            d.op = .logicalShifted
            d.sf = sf == 1
            d.aux = ((w >> 29) & 3) << 1 | (w >> 21) & 1
            d.imm = UInt64(amount)
            d.imm2 = UInt64((w >> 16) & 31) | UInt64((w >> 22) & 3) << 8
            return d
        case 0b01011 where (w >> 21) & 1 == 0:  // add/subtract (shifted register)
            let amount = (w >> 10) & 63, shift = (w >> 22) & 3
            if shift == 3 || (sf == 0 && amount >= 32) { return d }
            d.op = .addSubShifted
            d.sf = sf == 1
            d.aux = ((w >> 30) & 1) << 1 | (w >> 29) & 1
            d.imm = UInt64(amount)
            d.imm2 = UInt64((w >> 16) & 31) | UInt64(shift) << 8
            return d
        default: break
        }
        if (w >> 23) & 0x3F == 0b100110 && (w >> 29) & 3 != 1 && (w >> 29) & 3 != 3 {  // SBFM, UBFM
            let n = (w >> 22) & 1, immr = (w >> 16) & 63, imms = (w >> 10) & 63
            if sf == 1 && n != 1 { return d }
            if sf == 0 && (n != 0 || immr >= 32 || imms >= 32) { return d }
            guard let (wmask, tmask) = decodeBitMasks(n: n, imms: imms, immr: immr, immediate: false, sf: sf == 1) else { return d }
            d.op = (w >> 29) & 3 == 0 ? .sbfm : .ubfm
            d.sf = sf == 1
            d.imm = wmask
            d.imm2 = tmask
            d.aux = immr | imms << 8
            return d
        }
        if (w >> 26) & 0x1F == 0b00101 {  // B, BL
            d.op = w >> 31 == 1 ? .bl : .b
            d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: w << 6) >> 4))
        } else if w >> 24 == 0x54 && w & 0x10 == 0 {  // B.cond
            d.op = .bCond
            d.aux = w & 0xF
            d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: (w >> 5 & 0x7FFFF) << 13) >> 11))
        } else if (w >> 25) & 0x3F == 0b011010 {  // CBZ, CBNZ
            d.op = (w >> 24) & 1 == 1 ? .cbnz : .cbz
            d.aux = sf
            d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: (w >> 5 & 0x7FFFF) << 13) >> 11))
        } else if w & 0xFFFF_FC1F == 0xD65F_0000 {
            d.op = .ret
        } else if w & 0xFFFF_FC1F == 0xD61F_0000 {
            d.op = .br
        } else if w & 0xFFFF_FC1F == 0xD63F_0000 {
            d.op = .blr
        } else if (w >> 24) & 0x3F == 0b111001 && (w >> 23) & 1 == 0 {  // LDR/STR (unsigned offset), V = 0, opc 00/01
            let size = Int(w >> 30)
            let load = (w >> 22) & 1 == 1
            d.op = load ? .ldrUnsigned : .strUnsigned
            d.aux = UInt32(1 << size)
            d.imm = UInt64((w >> 10) & 0xFFF) << UInt64(size)
            d.imm2 = UInt64(AccessSyndrome.single(size: 1 << size, signExtend: false, rt: Int(w & 31), sixtyFour: size == 3, acquireRelease: false).iss)
        }
        return d
    }

    /// Executes one pre-decoded instruction; same contract as `execute`.
    @inline(__always)
    func execute(decoded d: DecodedInstruction) -> Bool {
        switch d.op {
        case .generic:
            return execute(d.word)
        case .addImm:
            cycles &+= costs.alu
            setXSP(d.rd, xsp(d.rn) &+ d.imm, sf: d.aux == 1)
        case .subImm:
            cycles &+= costs.alu
            setXSP(d.rd, xsp(d.rn) &- d.imm, sf: d.aux == 1)
        case .addsImm:
            cycles &+= costs.alu
            let (r, f) = addWithCarry(xsp(d.rn), d.imm, carry: false, sf: d.aux == 1)
            nzcv = f
            setXR(d.rd, r, sf: d.aux == 1)
        case .subsImm:
            cycles &+= costs.alu
            let (r, f) = addWithCarry(xsp(d.rn), ~d.imm, carry: true, sf: d.aux == 1)
            nzcv = f
            setXR(d.rd, r, sf: d.aux == 1)
        case .movz, .movn:
            cycles &+= costs.alu
            setXR(d.rd, d.imm)
        case .movk:
            cycles &+= costs.alu
            setXR(d.rd, (xr(d.rd) & d.imm2) | d.imm)
        case .andImm:
            cycles &+= costs.alu
            setXSP(d.rd, xr(d.rn) & d.imm, sf: d.aux == 1)
        case .orrImm:
            cycles &+= costs.alu
            setXSP(d.rd, xr(d.rn) | d.imm, sf: d.aux == 1)
        case .eorImm:
            cycles &+= costs.alu
            setXSP(d.rd, xr(d.rn) ^ d.imm, sf: d.aux == 1)
        case .b:
            cycles &+= costs.branch
            pc &+= d.imm
            return true
        case .bl:
            cycles &+= costs.branch
            regs[30] = pc &+ 4
            pc &+= d.imm
            return true
        case .bCond:
            cycles &+= costs.branch
            pc = conditionHolds(d.aux) ? pc &+ d.imm : pc &+ 4
            return true
        case .cbz, .cbnz:
            cycles &+= costs.branch
            var v = xr(d.rd)
            if d.aux == 0 { v &= 0xFFFF_FFFF }
            pc = (v == 0) == (d.op == .cbz) ? pc &+ d.imm : pc &+ 4
            return true
        case .ret, .br:
            cycles &+= costs.branch
            pc = xr(d.rn)
            return true
        case .blr:
            cycles &+= costs.branch
            let target = xr(d.rn)
            regs[30] = pc &+ 4
            pc = target
            return true
        case .ldrUnsigned:
            cycles &+= costs.load
            let bytes = Int(d.aux)
            guard let v = load(xsp(d.rn) &+ d.imm, size: bytes, syndrome: AccessSyndrome(iss: UInt32(d.imm2))) else { return false }
            setXR(d.rd, v)
        case .logicalShifted:
            cycles &+= costs.alu
            var b = shiftReg(xr(UInt32(d.imm2 & 31)), type: UInt32(d.imm2 >> 8), amount: d.imm, sf: d.sf)
            if d.aux & 1 == 1 { b = ~b }
            let a = xr(d.rn)
            switch d.aux >> 1 {
            case 0: setXR(d.rd, a & b, sf: d.sf)
            case 1: setXR(d.rd, a | b, sf: d.sf)
            default: setXR(d.rd, a ^ b, sf: d.sf)
            }
        case .addSubShifted:
            cycles &+= costs.alu
            let b = shiftReg(xr(UInt32(d.imm2 & 31)), type: UInt32(d.imm2 >> 8), amount: d.imm, sf: d.sf)
            let sub = d.aux & 2 != 0
            let (r, f) = sub ? addWithCarry(xr(d.rn), ~b, carry: true, sf: d.sf) : addWithCarry(xr(d.rn), b, carry: false, sf: d.sf)
            if d.aux & 1 != 0 { nzcv = f }
            setXR(d.rd, r, sf: d.sf)
        case .sbfm, .ubfm:
            cycles &+= costs.alu
            let src = xr(d.rn)
            let immr = UInt64(d.aux & 63), imms = UInt64((d.aux >> 8) & 63)
            let bot = shiftReg(src, type: 3, amount: immr, sf: d.sf) & d.imm
            let top: UInt64 = d.op == .sbfm && (src >> imms) & 1 == 1 ? ~0 : 0
            setXR(d.rd, (top & ~d.imm2) | (bot & d.imm2), sf: d.sf)
        case .strUnsigned:
            cycles &+= costs.store
            let bytes = Int(d.aux)
            guard store(xsp(d.rn) &+ d.imm, size: bytes, value: xr(d.rd), syndrome: AccessSyndrome(iss: UInt32(d.imm2))) else { return false }
        }
        pc &+= 4
        return true
    }
}
