/// Advanced SIMD shift by immediate (ARM ARM C4.1.95), vector and scalar: SSHR, USHR, SSRA,
/// USRA, SRSHR, URSHR, SRSRA, URSRA, SHL, SLI, SRI, SQSHL, UQSHL, SQSHLU, the narrowing SHRN,
/// RSHRN, SQSHRN, UQSHRN, SQRSHRN, UQRSHRN, SQSHRUN, SQRSHRUN, the widening SSHLL, USHLL, and
/// the fixed-point conversions SCVTF, UCVTF, FCVTZS, FCVTZU. immh's highest set bit gives the
/// element size: the right shift is 2·esize − immh:immb, the left shift immh:immb − esize.
extension CPU {
    func advSIMDShiftImmediate(_ d: DecodedInstruction, scalar: Bool = false) -> Bool {
        let w = d.word
        let q = (w >> 30) & 1 == 1 || scalar, u = (w >> 29) & 1 == 1, opcode = (w >> 11) & 0x1F
        let immh = (w >> 19) & 0xF, immhb = Int((w >> 16) & 0x7F)
        let size = 3 - immh.leadingZeroBitCount + 28  // highest set bit of immh
        let rd = w & 31, n = vreg((w >> 5) & 31), d = vreg(rd)
        let esize = 8 << size
        let narrowing = opcode >> 2 == 0b100
        if narrowing || opcode == 0b10100 { return shiftNarrowOrWiden(w, scalar: scalar) }
        guard size < 3 || q else { return false }
        if scalar && size != 3 && opcode < 0b01100 { return false }  // the scalar plain shifts are D only
        let elements = scalar ? 1 : (q ? 128 : 64) / esize
        let rightShift = 2 * esize - immhb, leftShift = immhb - esize
        var r = V128.zero
        var saturated = false
        switch (u, opcode) {
        case (_, 0b00000), (_, 0b00010), (_, 0b00100), (_, 0b00110):  // [SU][R]SHR, [SU][R]SRA
            let rounding = opcode & 4 != 0, accumulate = opcode & 2 != 0
            for e in 0..<elements {
                let x = u ? Int128(n.lane(e, esize)) : Int128(n.signedLane(e, esize))
                var v = UInt64(truncatingIfNeeded: CPU.shiftByRegister(x, -rightShift, esize: esize, rounding: rounding, saturating: false))
                if accumulate { v = v &+ d.lane(e, esize) }
                r.setLane(e, esize, v)
            }
        case (false, 0b01010):  // SHL
            for e in 0..<elements { r.setLane(e, esize, n.lane(e, esize) << UInt64(leftShift)) }
        case (true, 0b01010), (true, 0b01000):  // SLI, SRI: the shifted-in bits keep Vd's
            let sli = opcode == 0b01010
            let mask = sli ? V128.mask(esize) << UInt64(leftShift) & V128.mask(esize)
                           : (rightShift >= 64 ? 0 : V128.mask(esize) >> UInt64(rightShift))
            for e in 0..<elements {
                let x = n.lane(e, esize)
                let shifted = sli ? x << UInt64(leftShift) : (rightShift >= 64 ? 0 : x >> UInt64(rightShift))
                r.setLane(e, esize, d.lane(e, esize) & ~mask | shifted & mask)
            }
        case (true, 0b01100), (_, 0b01110):  // SQSHLU, SQSHL, UQSHL (immediate)
            let unsignedResult = u
            for e in 0..<elements {
                let x = opcode == 0b01110 && u ? Int128(n.lane(e, esize)) : Int128(n.signedLane(e, esize))
                let shifted = x << Int128(leftShift)
                let (v, s) = unsignedResult ? SatQ.unsigned(shifted, esize) : SatQ.signed(shifted, esize)
                saturated = saturated || s
                r.setLane(e, esize, v)
            }
        case (_, 0b11100), (_, 0b11111):  // [SU]CVTF, FCVTZ[SU] (fixed point, fbits = rightShift)
            guard size >= 2 else { return false }  // half precision needs FEAT_FP16
            let fmt: FPFormat = size == 3 ? .double : .single
            withFPEnvironment { env in
                for e in 0..<elements {
                    let x = n.lane(e, esize)
                    r.setLane(e, esize, opcode == 0b11100
                              ? SoftFP.fromFixed(x, bits: esize, fbits: rightShift, unsigned: u, fmt, env.rounding, &env)
                              : SoftFP.toFixed(x, fmt, fbits: rightShift, unsigned: u, bits: esize, .zero, &env))
                }
            }
        default: return false
        }
        if saturated { setQC() }
        if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r, q: q) }
        return retireFP()
    }

    /// The narrowing shifts (opcode 100xx; result elements of esize from 2·esize sources, into
    /// the half Q selects) and SSHLL/USHLL (10100: from the half Q selects, widened).
    func shiftNarrowOrWiden(_ w: UInt32, scalar: Bool) -> Bool {
        let q = (w >> 30) & 1 == 1 && !scalar, u = (w >> 29) & 1 == 1, opcode = (w >> 11) & 0x1F
        let immh = (w >> 19) & 0xF, immhb = Int((w >> 16) & 0x7F)
        let size = 3 - immh.leadingZeroBitCount + 28
        guard size < 3 else { return false }
        let esize = 8 << size, half = 64 / esize
        let rd = w & 31, n = vreg((w >> 5) & 31)
        var r = V128.zero
        if opcode == 0b10100 {
            guard !scalar else { return false }
            let shift = UInt64(immhb - esize)
            for e in 0..<half {
                let x = u ? n.lane(e + (q ? half : 0), esize) : UInt64(bitPattern: n.signedLane(e + (q ? half : 0), esize))
                r.setLane(e, 2 * esize, x << shift)
            }
            setVreg(rd, r)
            return retireFP()
        }
        let shift = 2 * esize - immhb
        let rounding = opcode & 1 == 1
        // (source signed, result: 0 truncated, 1 signed saturated, 2 unsigned saturated)
        let (signedSource, kind): (Bool, Int)
        switch (u, opcode >> 1) {
        case (false, 0b1000): (signedSource, kind) = (false, 0)  // SHRN, RSHRN
        case (true, 0b1000): (signedSource, kind) = (true, 2)  // SQSHRUN, SQRSHRUN
        case (false, 0b1001): (signedSource, kind) = (true, 1)  // SQSHRN, SQRSHRN
        default: (signedSource, kind) = (false, 2)  // UQSHRN, UQRSHRN
        }
        if scalar && kind == 0 { return false }
        let count = scalar ? 1 : half
        if q { r = vreg(rd) }
        var saturated = false
        for e in 0..<count {
            let x = signedSource ? Int128(n.signedLane(e, 2 * esize)) : Int128(n.lane(e, 2 * esize))
            let shifted = CPU.shiftByRegister(x, -shift, esize: 2 * esize, rounding: rounding, saturating: false)
            let value: UInt64
            switch kind {
            case 0: value = UInt64(truncatingIfNeeded: shifted) & V128.mask(esize)
            case 1:
                let (v, s) = SatQ.signed(shifted, esize)
                saturated = saturated || s
                value = v
            default:
                let (v, s) = SatQ.unsigned(shifted, esize)
                saturated = saturated || s
                value = v
            }
            r.setLane(e + (q ? half : 0), esize, value)
        }
        if saturated { setQC() }
        if scalar { simd.setScalar(rd, r.lo, width: esize) } else { setVreg(rd, r) }
        return retireFP()
    }
}
