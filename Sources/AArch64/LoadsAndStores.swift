/// A64 "Loads and Stores" (ARM DDI 0487, C4.1.88) executed from their word: exclusives, ordered,
/// compare-and-swap, literal and LSE atomics (the encoding table's rows name them; pairs and
/// single registers are in Execute/LoadStoreRegister.swift).
///
/// Every form computes all addresses and performs all loads before it writes any register, so a
/// stage-2 abort leaves the instruction unexecuted and EL2 can emulate or retry it.
extension CPU {
    @inline(__always)
    func signExtend(_ v: UInt64, bytes: Int) -> UInt64 {
        switch bytes {
        case 1: return UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: v)))
        case 2: return UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: v)))
        case 4: return UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))
        default: return v
        }
    }

    /// LDR (literal), LDRSW (literal), PRFM (literal).
    func loadLiteral(_ w: UInt32) -> Bool {
        let opc = (w >> 30) & 3, rt = w & 31
        let address = pc &+ UInt64(bitPattern: Int64(Int32(bitPattern: (w >> 5 & 0x7FFFF) << 13) >> 11))
        cycles &+= costs.load
        if opc == 3 { pc &+= 4; return true }
        let bytes = opc == 0 ? 4 : (opc == 1 ? 8 : 4)
        let syndrome = AccessSyndrome.single(size: bytes, signExtend: opc == 2, rt: Int(rt), sixtyFour: opc != 0, acquireRelease: false)
        guard var v = load(address, size: bytes, syndrome: syndrome) else { return false }
        if opc == 2 { v = signExtend(v, bytes: 4) }
        setXR(rt, v)
        pc &+= 4
        return true
    }

    /// LDXR/STXR/LDAXR/STLXR (and pair forms), LDAR/STLR (and LDLAR/STLLR), CAS/CASP.
    func exclusiveOrderedCAS(_ w: UInt32) -> Bool {
        let size = Int((w >> 30) & 3), o2 = (w >> 23) & 1, l = (w >> 22) & 1, o1 = (w >> 21) & 1
        let rs = (w >> 16) & 31, o0 = (w >> 15) & 1, rt2 = (w >> 10) & 31
        let rt = w & 31, rn = (w >> 5) & 31
        let address = xsp(rn)
        let bytes = 1 << size
        cycles &+= costs.atomic
        switch (o2, o1) {
        case (0, 0):  // single-register exclusives
            if l == 1 {
                guard let pa = translateData(address, size: bytes, write: false, aligned: true, syndrome: .none),
                    let v = readPhysical(pa, size: bytes, va: address)
                else { return false }
                monitor.reserve(cpu: index, pa: pa)
                setXR(rt, v)
            } else {
                guard let pa = translateData(address, size: bytes, write: true, aligned: true, syndrome: .none) else { return false }
                if monitor.holds(cpu: index, pa: pa) {
                    guard writePhysical(pa, size: bytes, value: xr(rt), va: address) else { return false }
                    setXR(rs, 0)
                } else {
                    setXR(rs, 1)
                }
                monitor.clear(cpu: index)
            }
        case (0, 1):
            if size >= 2 {  // LDXP/STXP family
                let eb = size == 3 ? 8 : 4
                let total = eb * 2
                if l == 1 {
                    guard let pa = translateData(address, size: total, write: false, aligned: true, syndrome: .none),
                        let a = readPhysical(pa, size: eb, va: address),
                        let b = readPhysical(pa &+ UInt64(eb), size: eb, va: address &+ UInt64(eb))
                    else { return false }
                    monitor.reserve(cpu: index, pa: pa)
                    setXR(rt, a)
                    setXR(rt2, b)
                } else {
                    guard let pa = translateData(address, size: total, write: true, aligned: true, syndrome: .none) else { return false }
                    if monitor.holds(cpu: index, pa: pa) {
                        guard writePhysical(pa, size: eb, value: xr(rt), va: address),
                            writePhysical(pa &+ UInt64(eb), size: eb, value: xr(rt2), va: address &+ UInt64(eb))
                        else { return false }
                        setXR(rs, 0)
                    } else {
                        setXR(rs, 1)
                    }
                    monitor.clear(cpu: index)
                }
            } else {  // CASP (size 0: 32-bit pairs, size 1: 64-bit pairs)
                guard rt2 == 31, rs & 1 == 0, rt & 1 == 0 else { return undefined() }
                let eb = size == 1 ? 8 : 4
                guard let pa = translateReadModifyWrite(address, size: eb * 2),
                    let m1 = readPhysical(pa, size: eb, va: address),
                    let m2 = readPhysical(pa &+ UInt64(eb), size: eb, va: address &+ UInt64(eb))
                else { return false }
                let mask: UInt64 = eb == 8 ? ~0 : 0xFFFF_FFFF
                if m1 == xr(rs) & mask && m2 == xr(rs + 1) & mask {
                    guard writePhysical(pa, size: eb, value: xr(rt), va: address),
                        writePhysical(pa &+ UInt64(eb), size: eb, value: xr(rt + 1), va: address &+ UInt64(eb))
                    else { return false }
                }
                setXR(rs, m1)
                setXR(rs + 1, m2)
            }
        case (1, 0):  // LDAR/STLR (o0 = 1) and LDLAR/STLLR (o0 = 0): ordered single accesses
            let syndrome = AccessSyndrome.single(size: bytes, signExtend: false, rt: Int(rt), sixtyFour: size == 3, acquireRelease: true)
            if l == 1 {
                guard let v = load(address, size: bytes, syndrome: syndrome, aligned: true) else { return false }
                setXR(rt, v)
            } else {
                guard store(address, size: bytes, value: xr(rt), syndrome: syndrome, aligned: true) else { return false }
            }
            _ = o0
        default:  // CAS, CASA, CASL, CASAL (all sizes)
            guard rt2 == 31 else { return undefined() }
            guard let pa = translateReadModifyWrite(address, size: bytes),
                let old = readPhysical(pa, size: bytes, va: address)
            else { return false }
            let mask: UInt64 = bytes == 8 ? ~0 : (1 << UInt64(bytes * 8)) - 1
            if old == xr(rs) & mask {
                guard writePhysical(pa, size: bytes, value: xr(rt), va: address) else { return false }
            }
            setXR(rs, old)
        }
        pc &+= 4
        return true
    }

    /// ARMv8.1 LSE: LDADD, LDCLR, LDEOR, LDSET, LDSMAX, LDSMIN, LDUMAX, LDUMIN, SWP (all sizes and
    /// orderings; ordering is irrelevant in this sequentially consistent model).
    func atomicMemoryOperation(_ w: UInt32) -> Bool {
        let size = Int((w >> 30) & 3), rs = (w >> 16) & 31, o3 = (w >> 15) & 1, opc = (w >> 12) & 7
        let rt = w & 31, rn = (w >> 5) & 31
        let bytes = 1 << size
        if o3 == 1 && opc != 0 { return undefined() }  // LDAPR and others: not implemented
        let address = xsp(rn)
        cycles &+= costs.atomic
        guard let pa = translateReadModifyWrite(address, size: bytes),
            let old = readPhysical(pa, size: bytes, va: address)
        else { return false }
        let operand = xr(rs)
        let bitsN = UInt64(bytes * 8)
        let mask: UInt64 = bytes == 8 ? ~0 : (1 << bitsN) - 1
        let s = { (v: UInt64) -> Int64 in Int64(bitPattern: v << (64 - bitsN)) >> Int64(64 - bitsN) }
        let new: UInt64
        if o3 == 1 {
            new = operand
        } else {
            switch opc {
            case 0: new = old &+ operand
            case 1: new = old & ~operand
            case 2: new = old ^ operand
            case 3: new = old | operand
            case 4: new = s(old) > s(operand & mask) ? old : operand
            case 5: new = s(old) < s(operand & mask) ? old : operand
            case 6: new = old > operand & mask ? old : operand
            default: new = old < operand & mask ? old : operand
            }
        }
        guard writePhysical(pa, size: bytes, value: new & mask, va: address) else { return false }
        setXR(rt, old)
        pc &+= 4
        return true
    }
}
