/// Loads and stores of SIMD&FP registers (ARM ARM C4.1.88 with V = 1): LDR/STR of B, H, S, D
/// and Q in every addressing form of the general-register ones except unprivileged, LDR
/// (literal) of S, D, Q, and LDP/STP/LDNP/STNP of S, D, Q. A Q access is one 16-byte access
/// (one translation; aligned when alignment is checked). The ISS is never valid (ISV = 0): the
/// syndrome describes only general-register transfers. As for the integer forms, every
/// translation happens before any register or memory is written, so an abort leaves the
/// instruction unexecuted.
extension CPU {
    /// The addressing forms of LDR/STR (SIMD&FP) (C6.2).
    enum AddressingMode { case unsignedOffset, unscaled, postIndex, preIndex, registerOffset }

    /// Reads `bytes` (1…16) at `va` into (low, high).
    @inline(__always) func fpRead(_ va: UInt64, bytes: Int) -> (UInt64, UInt64)? {
        guard let pa = translateData(va, size: bytes, write: false, aligned: false, syndrome: .none) else { return nil }
        if bytes < 16 {
            guard let v = readPhysical(pa, size: bytes, va: va) else { return nil }
            return (v, 0)
        }
        guard let lo = readPhysical(pa, size: 8, va: va), let hi = readPhysical(pa &+ 8, size: 8, va: va &+ 8) else { return nil }
        return (lo, hi)
    }

    /// The low `bytes` of Vt as (low, high).
    @inline(__always) func fpValue(_ t: UInt32, bytes: Int) -> (UInt64, UInt64) {
        let q = simd.q(Int(t))
        return bytes == 16 ? q : (simd.scalar(t, width: bytes * 8), 0)
    }

    /// Writes (low, high) to a translated address.
    @inline(__always) func fpWrite(_ pa: UInt64, _ va: UInt64, _ value: (UInt64, UInt64), bytes: Int) -> Bool {
        if bytes < 16 { return writePhysical(pa, size: bytes, value: value.0, va: va) }
        return writePhysical(pa, size: 8, value: value.0, va: va) && writePhysical(pa &+ 8, size: 8, value: value.1, va: va &+ 8)
    }

    @inline(__always) func fpSet(_ t: UInt32, _ value: (UInt64, UInt64), bytes: Int) {
        if bytes == 16 { simd.setQ(Int(t), lo: value.0, hi: value.1) } else { simd.setScalar(t, value.0, width: bytes * 8) }
    }

    /// LDR/STR (SIMD&FP): size:opc selects B, H, S, D (opc 0x) or Q (size 00, opc 1x).
    func fpLoadStoreRegister(_ d: DecodedInstruction, mode: AddressingMode) -> Bool? {
        let w = d.word
        let size = (w >> 30) & 3, opc = (w >> 22) & 3
        guard opc < 2 || size == 0 else { return nil }
        let log2 = opc >= 2 ? 4 : Int(size)
        let bytes = 1 << log2
        let isLoad = opc & 1 == 1
        let rt = w & 31, rn = (w >> 5) & 31
        let imm9 = UInt64(bitPattern: Int64(Int32(bitPattern: w << 11) >> 23))
        var offset: UInt64 = imm9
        switch mode {
        case .unsignedOffset: offset = UInt64((w >> 10) & 0xFFF) << UInt64(log2)
        case .registerOffset:
            let option = (w >> 13) & 7
            guard option & 2 != 0 else { return nil }
            offset = extendReg(xr((w >> 16) & 31), option: option, shift: (w >> 12) & 1 == 1 ? UInt32(log2) : 0)
        default: break
        }
        let writeback = mode == .preIndex || mode == .postIndex
        let base = xsp(rn)
        let address = mode == .postIndex ? base : base &+ offset
        if isLoad {
            cycles &+= costs.load
            guard let v = fpRead(address, bytes: bytes) else { return false }
            fpSet(rt, v, bytes: bytes)
        } else {
            cycles &+= costs.store
            guard let pa = translateData(address, size: bytes, write: true, aligned: false, syndrome: .none),
                fpWrite(pa, address, fpValue(rt, bytes: bytes), bytes: bytes)
            else { return false }
        }
        if writeback { setXSP(rn, base &+ offset) }
        pc &+= 4
        return true
    }

    /// LDR (literal, SIMD&FP): S, D, Q.
    func fpLoadLiteral(_ d: DecodedInstruction) -> Bool? {
        let w = d.word
        let opc = (w >> 30) & 3
        guard opc != 3 else { return nil }
        let bytes = 4 << Int(opc)
        let address = pc &+ UInt64(bitPattern: Int64(Int32(bitPattern: (w >> 5 & 0x7FFFF) << 13) >> 11))
        cycles &+= costs.load
        guard let v = fpRead(address, bytes: bytes) else { return false }
        fpSet(w & 31, v, bytes: bytes)
        pc &+= 4
        return true
    }

    /// LDP/STP/LDNP/STNP (SIMD&FP): S, D, Q; offset, pre- and post-index.
    func fpLoadStorePair(_ d: DecodedInstruction) -> Bool? {
        let w = d.word
        let opc = (w >> 30) & 3, l = (w >> 22) & 1, kind = (w >> 23) & 3
        guard opc != 3 else { return nil }
        let bytes = 4 << Int(opc)
        let rt = w & 31, rn = (w >> 5) & 31, rt2 = (w >> 10) & 31
        let offset = UInt64(bitPattern: Int64(Int32(bitPattern: w << 10) >> 25)) << UInt64(2 + opc)
        let base = xsp(rn)
        let address = kind == 1 ? base : base &+ offset
        let second = address &+ UInt64(bytes)
        if l == 1 {
            // Rt == Rt2 is CONSTRAINED UNPREDICTABLE: this model loads both, Rt2 last.
            cycles &+= costs.load &* 2
            guard let a = fpRead(address, bytes: bytes), let b = fpRead(second, bytes: bytes) else { return false }
            fpSet(rt, a, bytes: bytes)
            fpSet(rt2, b, bytes: bytes)
        } else {
            cycles &+= costs.store &* 2
            guard let pa1 = translateData(address, size: bytes, write: true, aligned: false, syndrome: .none),
                let pa2 = translateData(second, size: bytes, write: true, aligned: false, syndrome: .none),
                fpWrite(pa1, address, fpValue(rt, bytes: bytes), bytes: bytes),
                fpWrite(pa2, second, fpValue(rt2, bytes: bytes), bytes: bytes)
            else { return false }
        }
        if kind == 1 || kind == 3 { setXSP(rn, base &+ offset) }
        pc &+= 4
        return true
    }
}
