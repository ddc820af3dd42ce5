/// Advanced SIMD copy (ARM ARM C4.1.95, "Advanced SIMD copy" and "Advanced SIMD scalar copy"):
/// DUP (element, general), INS (element, general), SMOV, UMOV and DUP (scalar). imm5's lowest
/// set bit gives the element size, the bits above it the index.
extension A64Decode {
    /// Advanced SIMD copy: rd, rn (a general register for DUP and INS (general), SMOV and UMOV,
    /// where 31 is XZR), `imm` = `AdvSIMDCopyOperands.packed`.
    static func vectorCopy(_ w: UInt32, _ d: inout DecodedInstruction) {
        let q = (w >> 30) & 1 == 1, imm4 = Int((w >> 11) & 0xF)
        guard let (size, index) = copyElement(w) else { markReserved(&d); return }
        let operation: AdvSIMDCopyOperands.Operation
        var sourceIndex = 0
        if (w >> 29) & 1 == 1 {  // INS (element): Vd[index] = Vn[imm4 >> size]
            operation = .insElement
            sourceIndex = imm4 >> size
        } else {
            switch imm4 {
            case 0b0000: operation = .dupElement
            case 0b0001: operation = .dupGeneral
            case 0b0011: operation = .insGeneral
            case 0b0101: operation = .smov
            case 0b0111: operation = .umov
            default: markReserved(&d); return
            }
        }
        let allocated: Bool
        switch operation {
        case .insElement, .insGeneral: allocated = q
        case .dupElement, .dupGeneral: allocated = size < 3 || q
        case .smov: allocated = size < (q ? 3 : 2)  // to W: B and H; to X: B, H and S
        case .umov: allocated = q ? size == 3 : size < 3  // to W: B, H and S; to X: D
        }
        guard allocated else { markReserved(&d); return }
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.imm = AdvSIMDCopyOperands(operation, esize: 8 << size, index: index, sourceIndex: sourceIndex, q: q).packed
    }

    /// DUP (element), scalar form (MOV Bd/Hd/Sd/Dd, Vn.T[index]): op = 0 and imm4 = 0 only.
    /// rd, rn; `imm` = element size in bits, `imm2` = index.
    static func scalarCopy(_ w: UInt32, _ d: inout DecodedInstruction) {
        guard (w >> 29) & 1 == 0, (w >> 11) & 0xF == 0, let (size, index) = copyElement(w) else {
            markReserved(&d)
            return
        }
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.imm = UInt64(8 << size)
        d.imm2 = UInt64(index)
    }

    /// (log2 of the element size in bytes, index) from imm5 (bits 20:16), nil when imm5<3:0> = 0.
    private static func copyElement(_ w: UInt32) -> (size: Int, index: Int)? {
        let imm5 = (w >> 16) & 31
        let size = (imm5 & 0xF).trailingZeroBitCount
        guard size < 4 else { return nil }
        return (size, Int(imm5 >> UInt32(size + 1)))
    }
}

/// The decoded form of an Advanced SIMD copy, packed into one `UInt64` (`DecodedInstruction.imm`):
/// operation in bits 7:0, element size in bits in 15:8, index in 23:16, INS (element)'s source
/// index in 31:24, Q in bit 32.
struct AdvSIMDCopyOperands {
    enum Operation: UInt8 { case dupElement, dupGeneral, insElement, insGeneral, smov, umov }
    let packed: UInt64

    init(_ operation: Operation, esize: Int, index: Int, sourceIndex: Int, q: Bool) {
        packed = UInt64(operation.rawValue) | UInt64(esize & 0xFF) << 8 | UInt64(index & 0xFF) << 16
            | UInt64(sourceIndex & 0xFF) << 24 | (q ? 1 << 32 : 0)
    }

    init(packed: UInt64) { self.packed = packed }

    var operation: Operation { Operation(rawValue: UInt8(truncatingIfNeeded: packed)) ?? .dupElement }
    var esize: Int { Int((packed >> 8) & 0xFF) }
    var index: Int { Int((packed >> 16) & 0xFF) }
    var sourceIndex: Int { Int((packed >> 24) & 0xFF) }
    var q: Bool { (packed >> 32) & 1 == 1 }
}

extension CPU {
    func advSIMDCopy(_ d: DecodedInstruction) -> Bool {
        let o = AdvSIMDCopyOperands(packed: d.imm)
        let rd = UInt32(d.rd), rn = UInt32(d.rn), esize = o.esize
        switch o.operation {
        case .dupElement: setVreg(rd, V128.replicate(vreg(rn).lane(o.index, esize), esize), q: o.q)
        case .dupGeneral: setVreg(rd, V128.replicate(xr(rn) & V128.mask(esize), esize), q: o.q)
        case .insElement:
            var v = vreg(rd)
            v.setLane(o.index, esize, vreg(rn).lane(o.sourceIndex, esize))
            setVreg(rd, v)
        case .insGeneral:
            var v = vreg(rd)
            v.setLane(o.index, esize, xr(rn))
            setVreg(rd, v)
        case .smov: setXR(rd, UInt64(bitPattern: vreg(rn).signedLane(o.index, esize)), sf: o.q)
        case .umov: setXR(rd, vreg(rn).lane(o.index, esize))
        }
        return retireFP()
    }

    func advSIMDScalarCopy(_ d: DecodedInstruction) -> Bool {
        let esize = Int(truncatingIfNeeded: d.imm)
        simd.setScalar(UInt32(d.rd), vreg(UInt32(d.rn)).lane(Int(truncatingIfNeeded: d.imm2), esize), width: esize)
        return retireFP()
    }
}

extension V128 {
    /// `value` (esize bits) in every element.
    @inline(__always) static func replicate(_ value: UInt64, _ esize: Int) -> V128 {
        var x = value & mask(esize)
        var width = esize
        while width < 64 {
            x |= x << UInt64(width)
            width &*= 2
        }
        return V128(lo: x, hi: x)
    }
}
