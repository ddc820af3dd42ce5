/// A64 "Loads and Stores" (ARM DDI 0487, C4.1.88) executed out of line: exclusives, ordered,
/// compare-and-swap, literal and LSE atomics. Their decoders (LoadStoreDecode.swift) decide what
/// is UNDEFINED and fill in the record; pairs and single registers are in
/// Execute/LoadStoreRegister.swift.
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
    func loadLiteral(_ d: DecodedInstruction) -> Bool {
        let opc = d.aux, rt = UInt32(d.rd)
        let address = pc &+ d.imm
        cycles &+= costs.load
        if opc == 3 { pc &+= 4; return true }
        let bytes = opc == 1 ? 8 : 4
        let syndrome = AccessSyndrome.single(size: bytes, signExtend: opc == 2, rt: Int(rt), sixtyFour: opc != 0, acquireRelease: false)
        guard var v = load(address, size: bytes, syndrome: syndrome) else { return false }
        if opc == 2 { v = signExtend(v, bytes: 4) }
        setXR(rt, v)
        pc &+= 4
        return true
    }

    /// LDXR/STXR/LDAXR/STLXR (and pair forms), LDAR/STLR (and LDLAR/STLLR), CAS/CASP.
    func exclusiveOrderedCAS(_ d: DecodedInstruction) -> Bool {
        let size = Int(d.imm)
        let rs = UInt32(d.rm), rt2 = UInt32(d.ra), rt = UInt32(d.rd)
        let address = xsp(UInt32(d.rn))
        let bytes = 1 << size
        cycles &+= costs.atomic
        let op = ExclusiveOrderedOp(rawValue: d.aux) ?? .loadExclusive
        switch op {
        case .loadExclusive:
            guard let pa = translateData(address, size: bytes, write: false, aligned: true, syndrome: .none),
                let v = readPhysical(pa, size: bytes, va: address)
            else { return false }
            monitor.reserve(cpu: index, pa: pa)
            setXR(rt, v)
        case .storeExclusive:
            guard let pa = translateData(address, size: bytes, write: true, aligned: true, syndrome: .none) else { return false }
            if monitor.holds(cpu: index, pa: pa) {
                guard writePhysical(pa, size: bytes, value: xr(rt), va: address) else { return false }
                setXR(rs, 0)
            } else {
                setXR(rs, 1)
            }
            monitor.clear(cpu: index)
        case .loadExclusivePair:
            let eb = size == 3 ? 8 : 4
            guard let pa = translateData(address, size: eb * 2, write: false, aligned: true, syndrome: .none),
                let a = readPhysical(pa, size: eb, va: address),
                let b = readPhysical(pa &+ UInt64(eb), size: eb, va: address &+ UInt64(eb))
            else { return false }
            monitor.reserve(cpu: index, pa: pa)
            setXR(rt, a)
            setXR(rt2, b)
        case .storeExclusivePair:
            let eb = size == 3 ? 8 : 4
            guard let pa = translateData(address, size: eb * 2, write: true, aligned: true, syndrome: .none) else { return false }
            if monitor.holds(cpu: index, pa: pa) {
                guard writePhysical(pa, size: eb, value: xr(rt), va: address),
                    writePhysical(pa &+ UInt64(eb), size: eb, value: xr(rt2), va: address &+ UInt64(eb))
                else { return false }
                setXR(rs, 0)
            } else {
                setXR(rs, 1)
            }
            monitor.clear(cpu: index)
        case .compareAndSwapPair:  // size 0: 32-bit pairs, size 1: 64-bit pairs
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
        case .loadOrdered, .storeOrdered:  // LDAR/STLR and LDLAR/STLLR
            let syndrome = AccessSyndrome.single(size: bytes, signExtend: false, rt: Int(rt), sixtyFour: size == 3, acquireRelease: true)
            if op == .loadOrdered {
                guard let v = load(address, size: bytes, syndrome: syndrome, aligned: true) else { return false }
                setXR(rt, v)
            } else {
                guard store(address, size: bytes, value: xr(rt), syndrome: syndrome, aligned: true) else { return false }
            }
        case .compareAndSwap:  // CAS, CASA, CASL, CASAL (all sizes)
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
    func atomicMemoryOperation(_ d: DecodedInstruction) -> Bool {
        let bytes = 1 << Int(d.imm)
        let address = xsp(UInt32(d.rn))
        cycles &+= costs.atomic
        guard let pa = translateReadModifyWrite(address, size: bytes),
            let old = readPhysical(pa, size: bytes, va: address)
        else { return false }
        let operand = xr(UInt32(d.rm))
        let bitsN = UInt64(bytes * 8)
        let mask: UInt64 = bytes == 8 ? ~0 : (1 << bitsN) - 1
        let s = { (v: UInt64) -> Int64 in Int64(bitPattern: v << (64 - bitsN)) >> Int64(64 - bitsN) }
        let new: UInt64
        switch AtomicMemoryOp(rawValue: d.aux) ?? .swp {
        case .ldadd: new = old &+ operand
        case .ldclr: new = old & ~operand
        case .ldeor: new = old ^ operand
        case .ldset: new = old | operand
        case .ldsmax: new = s(old) > s(operand & mask) ? old : operand
        case .ldsmin: new = s(old) < s(operand & mask) ? old : operand
        case .ldumax: new = old > operand & mask ? old : operand
        case .ldumin: new = old < operand & mask ? old : operand
        case .swp: new = operand
        }
        guard writePhysical(pa, size: bytes, value: new & mask, va: address) else { return false }
        setXR(UInt32(d.rd), old)
        pc &+= 4
        return true
    }
}

/// The forms of "Load/store exclusive, ordered, compare and swap", decoded into `aux`.
enum ExclusiveOrderedOp: UInt8 {
    case loadExclusive, storeExclusive  // LDXR, LDAXR; STXR, STLXR
    case loadExclusivePair, storeExclusivePair  // LDXP, LDAXP; STXP, STLXP
    case compareAndSwapPair  // CASP, CASPA, CASPL, CASPAL
    case loadOrdered, storeOrdered  // LDAR, LDLAR; STLR, STLLR
    case compareAndSwap  // CAS, CASA, CASL, CASAL
}

/// The LSE atomic memory operations, decoded into `aux`: opc for the LD<op> forms, then SWP.
enum AtomicMemoryOp: UInt8 { case ldadd, ldclr, ldeor, ldset, ldsmax, ldsmin, ldumax, ldumin, swp }
