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

    /// nil: UNDEFINED; false: an exception was taken or an exit to EL2 is pending.
    func advSIMDStructureLoadStore(_ d: DecodedInstruction) -> Bool? {
        let w = d.word
        guard w >> 31 == 0, (w >> 25) & 1 == 0 else { return nil }
        return (w >> 24) & 1 == 0 ? loadStoreMultipleStructures(w) : loadStoreSingleStructure(w)
    }

    /// The post-index amount: X[m], or (Rm = 31) the number of bytes transferred.
    @inline(__always) func structureWriteback(_ w: UInt32, base: UInt64, transferred: Int) {
        guard (w >> 23) & 1 == 1 else { return }
        let rm = (w >> 16) & 31
        setXSP((w >> 5) & 31, base &+ (rm == 31 ? UInt64(transferred) : xr(rm)))
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

    func loadStoreMultipleStructures(_ w: UInt32) -> Bool? {
        let q = (w >> 30) & 1 == 1, load = (w >> 22) & 1 == 1, opcode = (w >> 12) & 0xF, size = Int((w >> 10) & 3)
        guard (w >> 23) & 1 == 1 || (w >> 16) & 0x3F == 0, (w >> 21) & 1 == 0 else { return nil }
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
        let t = w & 31, rn = (w >> 5) & 31
        let ebytes = 1 << size, esize = 8 * ebytes, elements = (q ? 16 : 8) / ebytes
        let base = xsp(rn)
        var offset = 0
        var group = VectorGroup()
        let count = rpt * selem  // registers touched, 1…4
        if load {
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
        structureWriteback(w, base: base, transferred: offset)
        pc &+= 4
        return true
    }

    func loadStoreSingleStructure(_ w: UInt32) -> Bool? {
        let q = (w >> 30) & 1 == 1, load = (w >> 22) & 1 == 1, opcode = (w >> 13) & 7
        let s = (w >> 12) & 1, size = (w >> 10) & 3, r = (w >> 21) & 1
        guard (w >> 23) & 1 == 1 || (w >> 16) & 31 == 0 else { return nil }
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
        let replicate = opcode >> 1 == 3
        let t = w & 31, rn = (w >> 5) & 31
        let ebytes = 1 << scale, esize = 8 * ebytes
        let base = xsp(rn)
        var group = VectorGroup()
        if load {
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
            for i in 0..<selem { setVreg((t + UInt32(i)) & 31, group[i], q: q || !replicate) }
        } else {
            for i in 0..<selem {
                cycles &+= costs.store
                let x = vreg((t + UInt32(i)) & 31).lane(index, esize)
                guard writeElement(base &+ UInt64(i * ebytes), bytes: ebytes, x) else { return false }
            }
        }
        structureWriteback(w, base: base, transferred: selem * ebytes)
        pc &+= 4
        return true
    }
}
