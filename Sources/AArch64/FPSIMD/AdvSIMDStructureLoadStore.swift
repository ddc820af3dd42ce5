/// Advanced SIMD load/store multiple structures (LD1–LD4, ST1–ST4) and single structure (LD1–LD4
/// and ST1–ST4 to one lane, LD1R–LD4R), with and without post-index (ARM ARM C4.1.88, C7.2).
/// Memory is accessed one element at a time through the CPU's translation, in the order of
/// the pseudocode, so alignment, stage 2 and devices behave as for the integer loads. A load
/// writes no register unless every element was read; a store that faults leaves the elements
/// before the fault written (the ARM ARM allows either for a multi-access instruction).
extension CPU {
    /// Up to four consecutive vector registers (modulo 32), as a load builds them.
    struct VectorGroup {
        var v0 = V128.zero, v1 = V128.zero, v2 = V128.zero, v3 = V128.zero
        subscript(i: Int) -> V128 {
            get { i == 0 ? v0 : i == 1 ? v1 : i == 2 ? v2 : v3 }
            set { if i == 0 { v0 = newValue } else if i == 1 { v1 = newValue } else if i == 2 { v2 = newValue } else { v3 = newValue } }
        }
    }

    /// False: an exception was taken or an exit to EL2 is pending.
    func advSIMDStructureLoadStore(_ d: DecodedInstruction) -> Bool {
        let form = StructureTransfer(d.imm2)
        return form.single ? loadStoreSingleStructure(d, form) : loadStoreMultipleStructures(d, form)
    }

    /// The post-index writeback: X[m], or (Rm = 31) the bytes transferred, the decoded `imm`.
    @inline(__always) func structureWriteback(_ d: DecodedInstruction, _ form: StructureTransfer, base: UInt64) {
        guard form.postIndex else { return }
        setXSP(UInt32(d.rn), base &+ (d.rm == 31 ? d.imm : xr(UInt32(d.rm))))
    }

    /// One element read (size 1, 2, 4 or 8 bytes), nil when the access faulted.
    @inline(__always) func readElement(_ va: UInt64, bytes: Int) -> UInt64? {
        guard let pa = translateData(va, size: bytes, write: false, aligned: false, syndrome: .none) else { return nil }
        return readPhysical(pa, size: bytes, va: va)
    }

    @inline(__always) func writeElement(_ va: UInt64, bytes: Int, _ value: UInt64) -> Bool {
        guard let pa = translateData(va, size: bytes, write: true, aligned: false, syndrome: .none) else { return false }
        return writePhysical(pa, size: bytes, value: value, va: va)
    }

    /// LD1-LD4, ST1-ST4 (multiple structures): `rpt` repetitions of `selem`-element structures.
    func loadStoreMultipleStructures(_ d: DecodedInstruction, _ form: StructureTransfer) -> Bool {
        let q = form.q, rpt = form.repetitions, selem = form.structureElements
        let t = UInt32(d.rd)
        let ebytes = form.elementBytes, esize = 8 * ebytes, elements = form.elements
        let base = xsp(UInt32(d.rn))
        var offset = 0
        var group = VectorGroup()
        let count = rpt * selem  // registers touched, 1…4
        if form.load {
            for r in 0..<rpt {
                for e in 0..<elements {
                    for s in 0..<selem {
                        cycles &+= costs.load
                        guard let x = readElement(base &+ UInt64(offset), bytes: ebytes) else { return false }
                        group[r + s].setLane(e, esize, x)
                        offset += ebytes
                    }
                }
            }
            for i in 0..<count { setVreg((t + UInt32(i)) & 31, group[i], q: q) }
        } else {
            for i in 0..<count { group[i] = vreg((t + UInt32(i)) & 31) }
            for r in 0..<rpt {
                for e in 0..<elements {
                    for s in 0..<selem {
                        cycles &+= costs.store
                        guard writeElement(base &+ UInt64(offset), bytes: ebytes, group[r + s].lane(e, esize)) else { return false }
                        offset += ebytes
                    }
                }
            }
        }
        structureWriteback(d, form, base: base)
        pc &+= 4
        return true
    }

    /// LD1-LD4, ST1-ST4 (single structure) to lane `index`, and LD1R-LD4R (replicate).
    func loadStoreSingleStructure(_ d: DecodedInstruction, _ form: StructureTransfer) -> Bool {
        let selem = form.structureElements, index = form.index, replicate = form.replicate
        let t = UInt32(d.rd)
        let ebytes = form.elementBytes, esize = 8 * ebytes
        let base = xsp(UInt32(d.rn))
        var group = VectorGroup()
        if form.load {
            for i in 0..<selem {
                cycles &+= costs.load
                guard let x = readElement(base &+ UInt64(i * ebytes), bytes: ebytes) else { return false }
                if replicate {
                    group[i] = V128.replicate(x, esize)
                } else {
                    group[i] = vreg((t + UInt32(i)) & 31)
                    group[i].setLane(index, esize, x)
                }
            }
            // A lane load keeps the whole register; a replicating one clears the top half when Q = 0.
            for i in 0..<selem { setVreg((t + UInt32(i)) & 31, group[i], q: form.q || !replicate) }
        } else {
            for i in 0..<selem {
                cycles &+= costs.store
                let x = vreg((t + UInt32(i)) & 31).lane(index, esize)
                guard writeElement(base &+ UInt64(i * ebytes), bytes: ebytes, x) else { return false }
            }
        }
        structureWriteback(d, form, base: base)
        pc &+= 4
        return true
    }
}

/// The shape of a structure load or store (a record's `imm2`): single structure or multiple,
/// load or store, Q, post-index, LDnR's replication, the element size, the repetitions (`rpt`)
/// and elements per structure (`selem`) of the pseudocode, the elements per register and, for
/// a single structure, the lane index.
struct StructureTransfer {
    let raw: UInt64

    init(_ raw: UInt64) { self.raw = raw }

    init(single: Bool, load: Bool, q: Bool, postIndex: Bool, replicate: Bool, log2ElementBytes: Int,
         repetitions: Int, structureElements: Int, elements: Int, index: Int) {
        raw = (single ? 1 : 0) | (load ? 2 : 0) | (q ? 4 : 0) | (postIndex ? 8 : 0) | (replicate ? 16 : 0)
            | UInt64(log2ElementBytes) << 8 | UInt64(repetitions) << 12 | UInt64(structureElements) << 16
            | UInt64(elements) << 20 | UInt64(index) << 28
    }

    var single: Bool { raw & 1 != 0 }
    var load: Bool { raw & 2 != 0 }
    var q: Bool { raw & 4 != 0 }
    var postIndex: Bool { raw & 8 != 0 }
    var replicate: Bool { raw & 16 != 0 }
    /// 1, 2, 4 or 8.
    var elementBytes: Int { 1 << Int(raw >> 8 & 3) }
    /// `rpt`, 1…4 (multiple structures).
    var repetitions: Int { Int(raw >> 12 & 7) }
    /// `selem`, 1…4.
    var structureElements: Int { Int(raw >> 16 & 7) }
    /// Elements per register, 1…16 (multiple structures).
    var elements: Int { Int(raw >> 20 & 31) }
    /// The lane of a single structure, 0…15.
    var index: Int { Int(raw >> 28 & 15) }
}

/// The operand decoder of the structure loads and stores: Vt in `rd`, Rn in `rn`, Rm in `rm`
/// (31: the post-index amount is the immediate `imm`, the bytes transferred), the
/// `StructureTransfer` in `imm2`. Reserved: Rm != 0 without post-index, bit 21 set for multiple
/// structures, opcodes not listed, 1D arrangements of LD2-LD4/ST2-ST4, lane sizes that do not
/// fit the opcode, and LDnR's S = 1 or store forms.
extension A64Decode {
    static func structureLoadStore(_ w: UInt32, _ d: inout DecodedInstruction) {
        let decoded = w >> 31 == 0 && (w >> 25) & 1 == 0
            ? ((w >> 24) & 1 == 0 ? multipleStructures(w) : singleStructure(w)) : nil
        guard let form = decoded else {
            markReserved(&d)
            return
        }
        d.rd = UInt8(w & 31)
        d.rn = UInt8((w >> 5) & 31)
        d.rm = UInt8((w >> 16) & 31)
        d.imm2 = form.raw
        d.imm = UInt64(form.single ? form.structureElements * form.elementBytes
            : form.repetitions * form.structureElements * form.elements * form.elementBytes)
    }

    private static func multipleStructures(_ w: UInt32) -> StructureTransfer? {
        let q = (w >> 30) & 1 == 1, opcode = (w >> 12) & 0xF, size = Int((w >> 10) & 3)
        let postIndex = (w >> 23) & 1 == 1
        guard postIndex || (w >> 16) & 0x3F == 0, (w >> 21) & 1 == 0 else { return nil }
        let (rpt, selem): (Int, Int)
        switch opcode {
        case 0b0000: (rpt, selem) = (1, 4)
        case 0b0010: (rpt, selem) = (4, 1)
        case 0b0100: (rpt, selem) = (1, 3)
        case 0b0110: (rpt, selem) = (3, 1)
        case 0b0111: (rpt, selem) = (1, 1)
        case 0b1000: (rpt, selem) = (1, 2)
        case 0b1010: (rpt, selem) = (2, 1)
        default: return nil
        }
        if size == 3 && !q && selem != 1 { return nil }
        return StructureTransfer(single: false, load: (w >> 22) & 1 == 1, q: q, postIndex: postIndex, replicate: false,
                                 log2ElementBytes: size, repetitions: rpt, structureElements: selem,
                                 elements: (q ? 16 : 8) >> size, index: 0)
    }

    private static func singleStructure(_ w: UInt32) -> StructureTransfer? {
        let q = (w >> 30) & 1 == 1, load = (w >> 22) & 1 == 1, opcode = (w >> 13) & 7
        let s = (w >> 12) & 1, size = (w >> 10) & 3, r = (w >> 21) & 1
        let postIndex = (w >> 23) & 1 == 1
        guard postIndex || (w >> 16) & 31 == 0 else { return nil }
        let selem = Int((opcode & 1) << 1 | r) + 1
        var scale = Int(opcode >> 1), index = 0
        let qs = (q ? 2 : 0) | Int(s)
        switch scale {
        case 3:  // LDnR
            guard load, s == 0 else { return nil }
            scale = Int(size)
        case 0: index = qs << 2 | Int(size)
        case 1:
            guard size & 1 == 0 else { return nil }
            index = qs << 1 | Int(size >> 1)
        default:
            guard size & 2 == 0 else { return nil }
            if size == 0 {
                index = qs
            } else {
                guard s == 0 else { return nil }
                index = q ? 1 : 0
                scale = 3
            }
        }
        return StructureTransfer(single: true, load: load, q: q, postIndex: postIndex, replicate: opcode >> 1 == 3,
                                 log2ElementBytes: scale, repetitions: 1, structureElements: selem, elements: 1, index: index)
    }
}
