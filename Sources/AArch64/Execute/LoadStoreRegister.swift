/// Load/store register and load/store register pair (general registers, ARM DDI 0487 C4.1.88),
/// executed from their decoded form (`A64Decode.loadStoreRegister`, `A64Decode.loadStorePair`).
///
/// Every form computes all addresses and performs all loads before it writes any register, so a
/// stage-2 abort leaves the instruction unexecuted and EL2 can emulate or retry it.
extension CPU {
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

    /// LDR (unsigned offset) inside a run, when the load can do nothing but load: aligned, the
    /// page in the TLB with read permission (or translation flat), RAM there, no watchpoint
    /// armed. It then costs exactly its static cost, like data processing, so the run charges
    /// it with the `.next` forms around it and neither the PC nor the limits need to be made
    /// exact (`Step.next`). False, with nothing done, sends the load the exact way.
    @inline(__always)
    func loadUnsignedOffsetInRun<T: FixedWidthInteger & UnsignedInteger>(_ e: UnsafeMutablePointer<DecodedInstruction>, _: T.Type) -> Bool {
        let size = MemoryLayout<T>.size
        let va = rsp(e.pointee.rn) &+ e.pointee.imm
        guard !watching && va & UInt64(size &- 1) == 0 else { return false }
        var pa = va
        if !flatTranslation {
            guard let hit = tlbHit(va, perm: CPU.permRead) else { return false }
            pa = hit
        }
        guard let v = ram.load(pa, size: size) else { return false }
        stats.loads &+= 1
        regs[Int(e.pointee.rd)] = v
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
