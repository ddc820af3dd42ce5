/// Decoders of "Loads and Stores" with general registers (ARM DDI 0487, C4.1.88).
extension A64Decode {
    /// Load/store register (unsigned offset, unscaled, pre/post-index, unprivileged, register
    /// offset), V = 0: the width and signedness in `aux`, the addressing mode in `ra`, the
    /// ISV = 1 syndrome in `imm2`. PRFM/PRFUM are hints (the pre/post-index and unprivileged
    /// forms are unallocated); the sign extensions of 32/64-bit loads and the reserved extend
    /// options are UNDEFINED.
    static let loadStoreRegister: A64Decoder = { w, d in
        let size = Int(w >> 30), opc = (w >> 22) & 3
        let rt = UInt8(w & 31), rn = UInt8((w >> 5) & 31)
        let unsignedOffset = (w >> 24) & 1 == 1, registerOffset = !unsignedOffset && (w >> 21) & 1 == 1
        if registerOffset && (w >> 13) & 2 == 0 { return }  // reserved extend option
        if opc == 2 && size == 3 {  // PRFM
            if unsignedOffset || registerOffset || (w >> 10) & 3 == 0 { d.op = .prefetch }
            return
        }
        if opc == 3 && size >= 2 { return }
        let bytes = 1 << size
        let signed = opc >= 2, to64 = size == 3 || opc == 2, isStore = opc == 0
        var mode: UInt8 = 0  // 0 offset, 1 pre-index, 2 post-index, 3 register offset
        var offset: UInt64 = 0
        var unprivileged = false
        if unsignedOffset {
            offset = UInt64((w >> 10) & 0xFFF) << UInt64(size)
        } else if !registerOffset {
            offset = UInt64(bitPattern: Int64(Int32(bitPattern: w << 11) >> 23))
            switch (w >> 10) & 3 {
            case 1: mode = 2
            case 3: mode = 1
            case 2: unprivileged = true
            default: mode = 0
            }
        } else {
            mode = 3
            d.rm = UInt8((w >> 16) & 31)
            offset = UInt64((w >> 13) & 7) | UInt64((w >> 12) & 1 == 1 ? size : 0) << 8
        }
        d.rn = rn
        d.rd = isStore ? rt : xzrDestination(UInt32(rt))
        d.imm = offset
        if mode == 1 || mode == 2 {
            d.imm2 = 0  // writeback: ISV = 0
        } else {
            d.imm2 = UInt64(CPU.AccessSyndrome.single(size: bytes, signExtend: signed, rt: Int(rt), sixtyFour: to64, acquireRelease: false).iss)
        }
        if unsignedOffset && !signed {
            switch (size, isStore) {
            case (0, false): d.op = .ldr1
            case (1, false): d.op = .ldr2
            case (2, false): d.op = .ldr4
            case (3, false): d.op = .ldr8
            case (0, true): d.op = .str1
            case (1, true): d.op = .str2
            case (2, true): d.op = .str4
            default: d.op = .str8
            }
            return
        }
        // LDTR/STTR and kin check EL0's permissions (`unprivilegedLoadStore`).
        d.op = unprivileged ? .ldstUnprivileged : .ldst
        d.ra = mode
        d.aux = UInt8(bytes) | (signed ? 0x10 : 0) | (to64 ? 0x20 : 0) | (isStore ? 0x40 : 0)
    }

    /// LDP, STP, LDPSW, LDNP, STNP (general registers): the second register in `rm`, the mode
    /// in `ra`, the scaled offset in `imm`; opc = 11, and LDPSW's store and no-allocate forms,
    /// are UNDEFINED.
    static let loadStorePair: A64Decoder = { w, d in
        let opc = (w >> 30) & 3, l = (w >> 22) & 1, kind = (w >> 23) & 3
        if opc == 3 || (opc == 1 && (l == 0 || kind == 0)) { return }
        let bytes = opc == 2 ? 8 : 4
        let rt = w & 31, rt2 = (w >> 10) & 31
        d.op = .ldstPair
        d.rn = UInt8((w >> 5) & 31)
        if l == 1 {
            d.rd = xzrDestination(rt)
            d.rm = xzrDestination(rt2)
        } else {
            d.rd = UInt8(rt)
            d.rm = UInt8(rt2)
        }
        d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: w << 10) >> 25)) << UInt64(bytes.trailingZeroBitCount)
        d.ra = kind == 1 ? 2 : (kind == 3 ? 1 : 0)
        d.aux = UInt8(bytes) | (opc == 1 ? 0x10 : 0) | (l == 0 ? 0x40 : 0)
    }
}

extension A64Decode {
    /// LDR (literal), LDRSW (literal), PRFM (literal): aux = opc, rd = Rt, imm = the offset
    /// from the PC.
    static let loadLiteral: A64Decoder = { w, d in
        d.op = .loadLiteral
        d.aux = UInt8(w >> 30)
        d.rd = UInt8(w & 31)
        d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: (w >> 5 & 0x7FFFF) << 13) >> 11))
    }

    /// Exclusives, ordered accesses, CAS and CASP: aux = `ExclusiveOrderedOp`, imm = size
    /// (log2 of the bytes of one register), rd = Rt, rn = Rn, rm = Rs, ra = Rt2 (all as encoded).
    /// CAS with Rt2 != 31 and CASP with Rt2 != 31 or an odd Rs or Rt are UNDEFINED.
    static let exclusiveOrderedCAS: A64Decoder = { w, d in
        let size = (w >> 30) & 3, load = (w >> 22) & 1 == 1
        let rs = (w >> 16) & 31, rt2 = (w >> 10) & 31, rt = w & 31
        let op: ExclusiveOrderedOp
        switch ((w >> 23) & 1, (w >> 21) & 1) {
        case (0, 0): op = load ? .loadExclusive : .storeExclusive
        case (0, 1) where size >= 2: op = load ? .loadExclusivePair : .storeExclusivePair
        case (0, 1):
            guard rt2 == 31, rs & 1 == 0, rt & 1 == 0 else { return }
            op = .compareAndSwapPair
        case (1, 0): op = load ? .loadOrdered : .storeOrdered
        default:
            guard rt2 == 31 else { return }
            op = .compareAndSwap
        }
        d.op = .exclusiveOrderedCAS
        d.aux = op.rawValue
        d.imm = UInt64(size)
        d.rd = UInt8(rt)
        d.rn = UInt8((w >> 5) & 31)
        d.rm = UInt8(rs)
        d.ra = UInt8(rt2)
    }

    /// LDADD, LDCLR, LDEOR, LDSET, LDSMAX, LDSMIN, LDUMAX, LDUMIN, SWP (every size and
    /// ordering): aux = `AtomicMemoryOp`, imm = size, rd = Rt, rn = Rn, rm = Rs. o3 = 1 other
    /// than SWP (LDAPR, ST64B, ...: not implemented) is UNDEFINED.
    static let atomicMemoryOperation: A64Decoder = { w, d in
        let o3 = (w >> 15) & 1, opc = (w >> 12) & 7
        guard o3 == 0 || opc == 0 else { return }
        d.op = .atomicMemoryOperation
        d.aux = o3 == 1 ? AtomicMemoryOp.swp.rawValue : UInt8(opc)
        d.imm = UInt64(w >> 30)
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.rm = UInt8((w >> 16) & 31)
    }
}
