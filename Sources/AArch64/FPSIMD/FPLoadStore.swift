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

    /// LDR/STR (SIMD&FP) of B, H, S, D or Q; `mode` is the class's addressing form.
    func fpLoadStoreRegister(_ d: DecodedInstruction, mode: AddressingMode) -> Bool {
        let form = FPTransfer(d.imm2)
        let bytes = form.bytes
        let rt = UInt32(d.rd), rn = UInt32(d.rn)
        let offset = mode == .registerOffset ? extendReg(xr(UInt32(d.rm)), option: form.extend, shift: form.shift) : d.imm
        let base = xsp(rn)
        let address = mode == .postIndex ? base : base &+ offset
        if form.load {
            cycles &+= costs.load
            guard let v = fpRead(address, bytes: bytes) else { return false }
            fpSet(rt, v, bytes: bytes)
        } else {
            cycles &+= costs.store
            guard let pa = translateData(address, size: bytes, write: true, aligned: false, syndrome: .none),
                fpWrite(pa, address, fpValue(rt, bytes: bytes), bytes: bytes)
            else { return false }
        }
        if mode == .preIndex || mode == .postIndex { setXSP(rn, base &+ offset) }
        pc &+= 4
        return true
    }

    /// LDR (literal, SIMD&FP): S, D, Q at PC + imm.
    func fpLoadLiteral(_ d: DecodedInstruction) -> Bool {
        let bytes = FPTransfer(d.imm2).bytes
        cycles &+= costs.load
        guard let v = fpRead(pc &+ d.imm, bytes: bytes) else { return false }
        fpSet(UInt32(d.rd), v, bytes: bytes)
        pc &+= 4
        return true
    }

    /// LDP/STP/LDNP/STNP (SIMD&FP): S, D, Q; offset, pre- and post-index.
    func fpLoadStorePair(_ d: DecodedInstruction) -> Bool {
        let form = FPTransfer(d.imm2)
        let bytes = form.bytes
        let rt = UInt32(d.rd), rt2 = UInt32(d.ra), rn = UInt32(d.rn)
        let base = xsp(rn)
        let address = form.postIndex ? base : base &+ d.imm
        let second = address &+ UInt64(bytes)
        if form.load {
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
        if form.writeback { setXSP(rn, base &+ d.imm) }
        pc &+= 4
        return true
    }
}

/// How a SIMD&FP register load or store moves its data (a record's `imm2`): the access size,
/// the direction, for the register-offset form how X[m] is extended and shifted, and for the
/// pairs the indexing (post-index: the access is at the base; writeback: the base is updated).
struct FPTransfer {
    let raw: UInt64

    init(_ raw: UInt64) { self.raw = raw }

    init(log2Bytes: Int, load: Bool, extend: UInt32 = 0, shift: UInt32 = 0, postIndex: Bool = false, writeback: Bool = false) {
        raw = UInt64(log2Bytes) | (load ? 1 << 3 : 0) | UInt64(extend) << 4 | UInt64(shift) << 8
            | (postIndex ? 1 << 12 : 0) | (writeback ? 1 << 13 : 0)
    }

    /// 1, 2, 4, 8 or 16.
    var bytes: Int { 1 << Int(raw & 7) }
    var load: Bool { raw >> 3 & 1 == 1 }
    /// The ExtendReg option of the register-offset form (UXTW, LSL, SXTW, SXTX).
    var extend: UInt32 { UInt32(truncatingIfNeeded: raw >> 4 & 7) }
    /// The left shift of the register-offset form: 0 or log2(bytes).
    var shift: UInt32 { UInt32(truncatingIfNeeded: raw >> 8 & 7) }
    var postIndex: Bool { raw >> 12 & 1 == 1 }
    var writeback: Bool { raw >> 13 & 1 == 1 }
}

/// The operand decoders of the SIMD&FP register loads and stores: Rt in `rd`, Rn in `rn`, the
/// offset register in `rm`, Rt2 in `ra`; the immediate offset (sign-extended and scaled, or
/// the literal's PC-relative offset) in `imm`; the `FPTransfer` in `imm2`.
extension A64Decode {
    /// The access size of LDR/STR (SIMD&FP), log2 of its bytes: size:opc selects B, H, S, D
    /// (opc 0x) or Q (size 00, opc 1x); nil for the reserved size 01-11 with opc 1x.
    @inline(__always) static func fpRegisterLog2Bytes(_ w: UInt32) -> Int? {
        let size = (w >> 30) & 3, opc = (w >> 22) & 3
        guard opc < 2 || size == 0 else { return nil }
        return opc >= 2 ? 4 : Int(size)
    }

    @inline(__always) static func fpRegisterOperands(_ w: UInt32, _ d: inout DecodedInstruction) {
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
    }

    /// LDR/STR (SIMD&FP), unscaled, pre- and post-index: imm = SignExtend(imm9).
    static func fpLoadStoreImmediate9(_ w: UInt32, _ d: inout DecodedInstruction) {
        guard let log2 = fpRegisterLog2Bytes(w) else { markReserved(&d); return }
        fpRegisterOperands(w, &d)
        d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: w << 11) >> 23))
        d.imm2 = FPTransfer(log2Bytes: log2, load: (w >> 22) & 1 == 1).raw
    }

    /// LDR/STR (SIMD&FP), unsigned offset: imm = imm12 scaled by the access size.
    static func fpLoadStoreUnsignedOffset(_ w: UInt32, _ d: inout DecodedInstruction) {
        guard let log2 = fpRegisterLog2Bytes(w) else { markReserved(&d); return }
        fpRegisterOperands(w, &d)
        d.imm = UInt64((w >> 10) & 0xFFF) << UInt64(log2)
        d.imm2 = FPTransfer(log2Bytes: log2, load: (w >> 22) & 1 == 1).raw
    }

    /// LDR/STR (SIMD&FP), register offset: option<1> = 0 (a 32-bit or 8/16-bit extend other
    /// than UXTW/SXTW) is reserved; S scales X[m] by the access size.
    static func fpLoadStoreRegisterOffset(_ w: UInt32, _ d: inout DecodedInstruction) {
        let option = (w >> 13) & 7
        guard let log2 = fpRegisterLog2Bytes(w), option & 2 != 0 else { markReserved(&d); return }
        fpRegisterOperands(w, &d)
        d.rm = UInt8((w >> 16) & 31)
        let shift = (w >> 12) & 1 == 1 ? UInt32(log2) : 0
        d.imm2 = FPTransfer(log2Bytes: log2, load: (w >> 22) & 1 == 1, extend: option, shift: shift).raw
    }

    /// LDR (literal, SIMD&FP): opc selects S, D, Q; opc 11 is reserved. imm = SignExtend(imm19:00).
    static func fpLoadLiteral(_ w: UInt32, _ d: inout DecodedInstruction) {
        let opc = (w >> 30) & 3
        guard opc != 3 else { markReserved(&d); return }
        d.rd = UInt8(w & 31)
        d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: (w >> 5 & 0x7FFFF) << 13) >> 11))
        d.imm2 = FPTransfer(log2Bytes: 2 + Int(opc), load: true).raw
    }

    /// LDP/STP/LDNP/STNP (SIMD&FP): opc selects S, D, Q (11 reserved); bits 24:23 are 00
    /// no-allocate offset, 01 post-index, 10 offset, 11 pre-index. imm = SignExtend(imm7) scaled.
    static func fpLoadStorePair(_ w: UInt32, _ d: inout DecodedInstruction) {
        let opc = (w >> 30) & 3, kind = (w >> 23) & 3
        guard opc != 3 else { markReserved(&d); return }
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.ra = UInt8((w >> 10) & 31)
        d.imm = UInt64(bitPattern: Int64(Int32(bitPattern: w << 10) >> 25)) << UInt64(2 + opc)
        d.imm2 = FPTransfer(log2Bytes: 2 + Int(opc), load: (w >> 22) & 1 == 1, postIndex: kind == 1, writeback: kind & 1 == 1).raw
    }
}
