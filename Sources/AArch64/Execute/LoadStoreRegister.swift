/// Load/store register and load/store register pair (general registers, ARM DDI 0487 C4.1.88):
/// decoded once into a `DecodedInstruction` and executed by one set of executors, whether the
/// word comes from the decode cache's runs or is stepped through `execLoadStore`.
///
/// Every form computes all addresses and performs all loads before it writes any register, so a
/// stage-2 abort leaves the instruction unexecuted and EL2 can emulate or retry it.
extension CPU {
    /// Load/store register (unsigned offset, unscaled, pre/post-index, unprivileged, register
    /// offset), V = 0. Leaves `d.op` as `.generic` for what is not a single-register access:
    /// PRFM, the UNDEFINED sign extensions of 32/64-bit loads, reserved extend options, LSE
    /// atomics and pointer-authentication loads (`execLoadStore` sorts those out).
    func predecodeLoadStore(_ w: UInt32, _ d: inout DecodedInstruction) {
        let size = Int(w >> 30), opc = (w >> 22) & 3
        let rt = UInt8(w & 31), rn = UInt8((w >> 5) & 31)
        if opc == 2 && size == 3 { return }  // PRFM
        if opc == 3 && size >= 2 { return }  // UNDEFINED
        let bytes = 1 << size
        let signed = opc >= 2, to64 = size == 3 || opc == 2, isStore = opc == 0
        var mode: UInt8 = 0  // 0 offset, 1 pre-index, 2 post-index, 3 register offset
        var offset: UInt64 = 0
        if (w >> 24) & 1 == 1 {
            offset = UInt64((w >> 10) & 0xFFF) << UInt64(size)
        } else if (w >> 21) & 1 == 0 {
            offset = UInt64(bitPattern: Int64(Int32(bitPattern: w << 11) >> 23))
            switch (w >> 10) & 3 {
            case 1: mode = 2
            case 3: mode = 1
            default: mode = 0  // unscaled; unprivileged (11:10 = 10) is stepped, see below
            }
        } else {
            guard (w >> 10) & 3 == 2 else { return }  // atomics, pointer authentication
            let option = (w >> 13) & 7
            guard option & 2 != 0 else { return }
            mode = 3
            d.rm = UInt8((w >> 16) & 31)
            offset = UInt64(option) | UInt64((w >> 12) & 1 == 1 ? size : 0) << 8
        }
        d.rn = rn
        d.rd = isStore ? rt : (rt == 31 ? 32 : rt)
        d.imm = offset
        if mode == 1 || mode == 2 {
            d.imm2 = 0  // writeback: ISV = 0
        } else {
            d.imm2 = UInt64(AccessSyndrome.single(size: bytes, signExtend: signed, rt: Int(rt), sixtyFour: to64, acquireRelease: false).iss)
        }
        if mode == 0 && (w >> 24) & 1 == 1 && !signed {
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
        d.op = .ldst
        d.ra = mode
        d.aux = UInt8(bytes) | (signed ? 0x10 : 0) | (to64 ? 0x20 : 0) | (isStore ? 0x40 : 0)
        // LDTR/STTR and kin: stepped (`unprivilegedLoadStore`), so the fast path has no EL0 check.
        if (w >> 24) & 1 == 0 && (w >> 21) & 1 == 0 && (w >> 10) & 3 == 2 { d.op = .generic }
    }

    /// LDP/STP/LDPSW/LDNP/STNP (general registers); `.generic` when UNDEFINED.
    func predecodePair(_ w: UInt32, _ d: inout DecodedInstruction) {
        let opc = (w >> 30) & 3, l = (w >> 22) & 1, kind = (w >> 23) & 3
        if opc == 3 || (opc == 1 && (l == 0 || kind == 0)) { return }
        let bytes = opc == 2 ? 8 : 4
        let rt = UInt8(w & 31), rt2 = UInt8((w >> 10) & 31)
        d.op = .ldstPair
        d.rn = UInt8((w >> 5) & 31)
        if l == 1 {
            d.rd = rt == 31 ? 32 : rt
            d.rm = rt2 == 31 ? 32 : rt2
        } else {
            d.rd = rt
            d.rm = rt2
        }
        d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: w << 10) >> 25)) << UInt64(bytes.trailingZeroBitCount)
        d.ra = kind == 1 ? 2 : (kind == 3 ? 1 : 0)
        d.aux = UInt8(bytes) | (opc == 1 ? 0x10 : 0) | (l == 0 ? 0x40 : 0)
    }

    /// Steps one load/store register or pair word (op0 = x1x0, bits 29:27 = 111 or 101, V = 0)
    /// through the same decoder and executors as the decode cache.
    func loadStoreRegisterOrPair(_ w: UInt32) -> Bool {
        var d = DecodedInstruction()
        d.word = w
        if (w >> 27) & 7 == 0b101 {
            predecodePair(w, &d)
        } else {
            predecodeLoadStore(w, &d)
        }
        if d.op == .generic && d.aux != 0 { return withUnsafeMutablePointer(to: &d) { unprivilegedLoadStore($0) } }
        switch d.op {
        case .ldr1: return loadUnsignedOffset(&d, UInt8.self)
        case .ldr2: return loadUnsignedOffset(&d, UInt16.self)
        case .ldr4: return loadUnsignedOffset(&d, UInt32.self)
        case .ldr8: return loadUnsignedOffset(&d, UInt64.self)
        case .str1: return storeUnsignedOffset(&d, UInt8.self)
        case .str2: return storeUnsignedOffset(&d, UInt16.self)
        case .str4: return storeUnsignedOffset(&d, UInt32.self)
        case .str8: return storeUnsignedOffset(&d, UInt64.self)
        case .ldst: return withUnsafeMutablePointer(to: &d) { loadStoreSingle($0) }
        case .ldstPair: return withUnsafeMutablePointer(to: &d) { loadStorePair($0) }
        default: return notSingleRegister(w)
        }
    }

    /// The words of the load/store register group the decoder leaves generic.
    private func notSingleRegister(_ w: UInt32) -> Bool {
        if (w >> 27) & 7 == 0b111 && (w >> 24) & 1 == 0 && (w >> 21) & 1 == 1 {
            switch (w >> 10) & 3 {
            case 0: return atomicMemoryOperation(w)
            case 2: if (w >> 13) & 2 == 0 { return undefined() }  // reserved extend option
            default: return undefined()  // pointer-authentication loads
            }
        }
        // PRFM / PRFUM: a hint, no access; the pre/post-index and unprivileged forms are unallocated.
        if (w >> 27) & 7 == 0b111 && w >> 30 == 3 && (w >> 22) & 3 == 2 {
            let indexed = (w >> 24) & 1 == 0 && (w >> 21) & 1 == 0 && (w >> 10) & 3 != 0
            if indexed { return undefined() }
            cycles &+= costs.alu
            pc &+= 4
            return true
        }
        return undefined()
    }

    /// LDR (unsigned offset), zero-extending, one width per `T`: Rt = [Rn|SP + imm].
    @inline(__always)
    func loadUnsignedOffset<T: FixedWidthInteger & UnsignedInteger>(_ e: UnsafeMutablePointer<DecodedInstruction>, _: T.Type) -> Bool {
        cycles &+= costs.load
        let syndrome = AccessSyndrome(iss: UInt32(truncatingIfNeeded: e.pointee.imm2))
        guard let v = load(rsp(e.pointee.rn) &+ e.pointee.imm, size: MemoryLayout<T>.size, syndrome: syndrome) else { return false }
        regs[Int(e.pointee.rd)] = v
        pc &+= 4
        return true
    }

    /// STR (unsigned offset), one width per `T`: [Rn|SP + imm] = Rt.
    @inline(__always)
    func storeUnsignedOffset<T: FixedWidthInteger & UnsignedInteger>(_ e: UnsafeMutablePointer<DecodedInstruction>, _: T.Type) -> Bool {
        cycles &+= costs.store
        let syndrome = AccessSyndrome(iss: UInt32(truncatingIfNeeded: e.pointee.imm2))
        guard store(rsp(e.pointee.rn) &+ e.pointee.imm, size: MemoryLayout<T>.size, value: regs[Int(e.pointee.rd)], syndrome: syndrome) else { return false }
        pc &+= 4
        return true
    }

    /// The `.ldst` forms: every other single-register load/store of the group.
    @inline(never)
    func loadStoreSingle(_ e: UnsafeMutablePointer<DecodedInstruction>) -> Bool {
        let aux = e.pointee.aux, mode = e.pointee.ra, rn = e.pointee.rn, rt = Int(e.pointee.rd)
        let bytes = Int(aux & 0xF)
        let offset = mode == 3
            ? extendReg(regs[Int(e.pointee.rm)], option: UInt32(e.pointee.imm & 7), shift: UInt32(e.pointee.imm >> 8))
            : e.pointee.imm
        let base = rsp(rn)
        let address = mode == 2 ? base : base &+ offset
        let syndrome = AccessSyndrome(iss: UInt32(truncatingIfNeeded: e.pointee.imm2))
        let writeback = mode == 1 || mode == 2
        // Writeback with Rn == Rt is CONSTRAINED UNPREDICTABLE; here the loaded value wins.
        if aux & 0x40 == 0 {
            cycles &+= costs.load
            guard var v = load(address, size: bytes, syndrome: syndrome) else { return false }
            if aux & 0x10 != 0 { v = signExtend(v, bytes: bytes); if aux & 0x20 == 0 { v &= 0xFFFF_FFFF } }
            if writeback { wsp(rn, base &+ offset) }
            regs[rt] = v
        } else {
            cycles &+= costs.store
            guard store(address, size: bytes, value: regs[rt], syndrome: syndrome) else { return false }
            if writeback { wsp(rn, base &+ offset) }
        }
        pc &+= 4
        return true
    }

    /// The `.ldstPair` forms: LDP/STP/LDPSW/LDNP/STNP, offset, pre- and post-index.
    @inline(never)
    func loadStorePair(_ e: UnsafeMutablePointer<DecodedInstruction>) -> Bool {
        let aux = e.pointee.aux, mode = e.pointee.ra, rn = e.pointee.rn
        let rt = Int(e.pointee.rd), rt2 = Int(e.pointee.rm)
        let bytes = Int(aux & 0xF)
        let offset = e.pointee.imm
        let base = rsp(rn)
        let address = mode == 2 ? base : base &+ offset
        let writeback = mode != 0
        if aux & 0x40 == 0 {
            // Rt == Rt2 is CONSTRAINED UNPREDICTABLE: this model loads both, Rt2 last.
            cycles &+= costs.load &* 2
            guard var a = load(address, size: bytes, syndrome: .none),
                var b = load(address &+ UInt64(bytes), size: bytes, syndrome: .none)
            else { return false }
            if aux & 0x10 != 0 { a = signExtend(a, bytes: 4); b = signExtend(b, bytes: 4) }
            if writeback { wsp(rn, base &+ offset) }
            regs[rt] = a
            regs[rt2] = b
        } else {
            cycles &+= costs.store &* 2
            // Translate both halves before writing either, so an abort leaves memory unchanged.
            guard let pa1 = translateData(address, size: bytes, write: true, aligned: false, syndrome: .none),
                let pa2 = translateData(address &+ UInt64(bytes), size: bytes, write: true, aligned: false, syndrome: .none)
            else { return false }
            let a = regs[rt], b = regs[rt2]
            guard writePhysical(pa1, size: bytes, value: a, va: address),
                writePhysical(pa2, size: bytes, value: b, va: address &+ UInt64(bytes))
            else { return false }
            if writeback { wsp(rn, base &+ offset) }
        }
        pc &+= 4
        return true
    }
}
