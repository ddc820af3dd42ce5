/// Execution helpers shared by the executors: register 31, flags, shifts and extends; and the
/// FP/SIMD rows' entry (`simdAndFP`).
extension CPU {
    /// The FP/SIMD rows: trapped as CPACR_EL1.FPEN says (EC 0x07), else executed by the
    /// executor of the encoding class the row named (`FPSIMDClass`), from the operands the
    /// class's decoder put in the record (`A64Decode.fpsimdOperands`). A reserved encoding
    /// inside a class is decoded as `.reserved`: the trap first, then UNDEFINED. The rows of
    /// classes this model does not implement decode to `.undefined`, so they are UNDEFINED even
    /// when FP/SIMD is trapped (the trap is part of an allocated instruction's execution).
    func simdAndFP(_ d: DecodedInstruction) -> Bool {
        let c = FPSIMDClass(rawValue: d.aux) ?? .reserved
        if fpAccessTrapped() {
            takeExceptionToEL1(.fpAccess, iss: 0)
            return false
        }
        // Loads and stores: false is an exception taken (they may fault).
        switch c {
        case .structureLoadStore: return advSIMDStructureLoadStore(d)
        case .loadLiteral: return fpLoadLiteral(d)
        case .loadStorePair: return fpLoadStorePair(d)
        case .loadStoreUnscaled: return fpLoadStoreRegister(d, mode: .unscaled)
        case .loadStorePostIndex: return fpLoadStoreRegister(d, mode: .postIndex)
        case .loadStorePreIndex: return fpLoadStoreRegister(d, mode: .preIndex)
        case .loadStoreRegisterOffset: return fpLoadStoreRegister(d, mode: .registerOffset)
        case .loadStoreUnsignedOffset: return fpLoadStoreRegister(d, mode: .unsignedOffset)
        default: return dataProcessingFPSIMD(d, c) || undefined()
        }
    }

    /// The data-processing classes; false for `.reserved` (UNDEFINED).
    private func dataProcessingFPSIMD(_ d: DecodedInstruction, _ c: FPSIMDClass) -> Bool {
        switch c {
        case .fpDataProcessing3: return fpDataProcessing3(d)
        case .fpFixedConversion: return fpFixedConversion(d)
        case .fpIntegerConversion: return fpIntegerConversion(d)
        case .fpDataProcessing1: return fpDataProcessing1(d)
        case .fpCompare: return fpCompare(d)
        case .fpImmediate: return fpMoveImmediate(d)
        case .fpConditionalCompare: return fpConditionalCompare(d)
        case .fpDataProcessing2: return fpDataProcessing2(d)
        case .fpConditionalSelect: return fpConditionalSelect(d)
        case .vectorCopy: return advSIMDCopy(d)
        case .vectorPermute: return advSIMDPermute(d)
        case .vectorExtract: return advSIMDExtract(d)
        case .vectorTableLookup: return advSIMDTableLookup(d)
        case .vectorThreeSame: return advSIMDThreeSame(d)
        case .vectorThreeDifferent: return advSIMDThreeDifferent(d)
        case .vectorTwoRegisterMisc: return advSIMDTwoRegisterMisc(d)
        case .vectorAcrossLanes: return advSIMDAcrossLanes(d)
        case .vectorModifiedImmediate: return advSIMDModifiedImmediate(d)
        case .vectorShiftImmediate: return advSIMDShiftImmediate(d)
        case .vectorByElement: return advSIMDByElement(d)
        case .scalarByElement: return advSIMDByElement(d, scalar: true)
        case .scalarCopy: return advSIMDScalarCopy(d)
        case .scalarPairwise: return advSIMDScalarPairwise(d)
        case .scalarThreeDifferent: return advSIMDThreeDifferent(d, scalar: true)
        case .scalarThreeSame: return advSIMDScalarThreeSame(d)
        case .scalarTwoRegisterMisc: return advSIMDTwoRegisterMisc(d, scalar: true)
        case .scalarShiftImmediate: return advSIMDShiftImmediate(d, scalar: true)
        default: return false
        }
    }

    // MARK: register access helpers (register 31 = XZR or SP, per operand)

    @inline(__always) func xr(_ n: UInt32) -> UInt64 { n == 31 ? 0 : regs[Int(n)] }
    @inline(__always) func xsp(_ n: UInt32) -> UInt64 { n == 31 ? sp : regs[Int(n)] }
    @inline(__always) func setXR(_ n: UInt32, _ v: UInt64) { if n != 31 { regs[Int(n)] = v } }
    @inline(__always) func setXSP(_ n: UInt32, _ v: UInt64) { if n == 31 { sp = v } else { regs[Int(n)] = v } }
    /// Writes a result of width `sf` (32-bit results zero-extend).
    @inline(__always) func setXR(_ n: UInt32, _ v: UInt64, sf: Bool) { setXR(n, sf ? v : v & 0xFFFF_FFFF) }
    @inline(__always) func setXSP(_ n: UInt32, _ v: UInt64, sf: Bool) { setXSP(n, sf ? v : v & 0xFFFF_FFFF) }

    // MARK: flags

    /// AddWithCarry (ARM ARM shared pseudocode) for 32 or 64 bits; returns result and NZCV bits.
    @inline(__always)
    func addWithCarry(_ a: UInt64, _ b: UInt64, carry: Bool, sf: Bool) -> (UInt64, UInt64) {
        let c: UInt64 = carry ? 1 : 0
        if sf {
            let (s1, o1) = a.addingReportingOverflow(b)
            let (s2, o2) = s1.addingReportingOverflow(c)
            let carryOut = o1 || o2
            let overflow = ((a ^ s2) & (b ^ s2)) >> 63 != 0
            return (s2, flags(n: s2 >> 63 != 0, z: s2 == 0, c: carryOut, v: overflow))
        } else {
            let a32 = a & 0xFFFF_FFFF, b32 = b & 0xFFFF_FFFF
            let wide = a32 + b32 + c
            let r = wide & 0xFFFF_FFFF
            let overflow = ((a32 ^ r) & (b32 ^ r)) >> 31 & 1 != 0
            return (r, flags(n: r >> 31 & 1 != 0, z: r == 0, c: wide >> 32 != 0, v: overflow))
        }
    }

    @inline(__always)
    func flags(n: Bool, z: Bool, c: Bool, v: Bool) -> UInt64 {
        (n ? 1 << 31 : 0) | (z ? 1 << 30 : 0) | (c ? 1 << 29 : 0) | (v ? 1 << 28 : 0)
    }

    /// NZCV of a logical operation (C and V clear), without branches: the fast path's too.
    @inline(__always)
    func logicalFlags(_ r: UInt64, sf: Bool) -> UInt64 {
        let n = sf ? r >> 63 : r >> 31 & 1
        return n << 31 | ((sf ? r : r & 0xFFFF_FFFF) == 0 ? 1 << 30 : 0)
    }

    /// ConditionHolds (ARM ARM): cond is bits 3:0.
    @inline(__always)
    func conditionHolds(_ cond: UInt32) -> Bool {
        CPU.conditionHolds(cond, n: nzcv >> 31 & 1 != 0, z: nzcv >> 30 & 1 != 0, c: nzcv >> 29 & 1 != 0, v: nzcv >> 28 & 1 != 0)
    }

    /// ConditionHolds (ARM ARM) over explicit flags: the one definition the interpreter and the
    /// fast path's per-condition truth tables share.
    @inline(__always)
    static func conditionHolds(_ cond: UInt32, n: Bool, z: Bool, c: Bool, v: Bool) -> Bool {
        var r: Bool
        switch cond >> 1 {
        case 0: r = z
        case 1: r = c
        case 2: r = n
        case 3: r = v
        case 4: r = c && !z
        case 5: r = n == v
        case 6: r = n == v && !z
        default: r = true
        }
        if cond & 1 == 1 && cond != 0xF { r = !r }
        return r
    }

    // MARK: shifts and extends

    @inline(__always)
    func shiftReg(_ v: UInt64, type: UInt32, amount: UInt64, sf: Bool) -> UInt64 {
        let width: UInt64 = sf ? 64 : 32
        let amt = amount % width
        if sf {
            switch type {
            case 0: return v << amt
            case 1: return v >> amt
            case 2: return UInt64(bitPattern: Int64(bitPattern: v) >> Int64(amt))
            default: return amt == 0 ? v : (v >> amt) | (v << (64 - amt))
            }
        } else {
            let v32 = UInt32(truncatingIfNeeded: v)
            let a = UInt32(amt)
            switch type {
            case 0: return UInt64(v32 << a)
            case 1: return UInt64(v32 >> a)
            case 2: return UInt64(UInt32(bitPattern: Int32(bitPattern: v32) >> Int32(a)))
            default: return UInt64(a == 0 ? v32 : (v32 >> a) | (v32 << (32 - a)))
            }
        }
    }

    /// ExtendReg (ARM ARM): option selects UXTB..SXTX, then a left shift of 0–4.
    @inline(__always)
    func extendReg(_ v: UInt64, option: UInt32, shift: UInt32) -> UInt64 {
        var e: UInt64
        switch option {
        case 0: e = v & 0xFF
        case 1: e = v & 0xFFFF
        case 2: e = v & 0xFFFF_FFFF
        case 3: e = v
        case 4: e = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: v)))
        case 5: e = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: v)))
        case 6: e = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))
        default: e = v
        }
        return e << UInt64(shift)
    }
}
