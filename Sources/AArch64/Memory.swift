import Stage2

/// Data and instruction accesses: translation (stage 1, stage 2 and the TLB that combines them),
/// RAM or device, and the aborts they raise.
extension CPU {
    static let permRead: UInt8 = 1, permWrite: UInt8 = 2, permExec: UInt8 = 4

    /// What a data access tells a stage-2 data abort syndrome (ESR_EL2.ISS bits 24:14 when ISV = 1).
    /// Zero means ISV = 0 (pairs, writeback, exclusives, atomics).
    struct AccessSyndrome {
        var iss: UInt32
        static let none = AccessSyndrome(iss: 0)
        /// ISV=1 with SAS (log2 size), SSE, SRT, SF (64-bit register), AR (acquire/release).
        static func single(size: Int, signExtend: Bool, rt: Int, sixtyFour: Bool, acquireRelease: Bool) -> AccessSyndrome {
            let sas = UInt32(size.trailingZeroBitCount)
            var iss: UInt32 = 1 << 24 | sas << 22 | UInt32(rt & 31) << 16
            if signExtend { iss |= 1 << 21 }
            if sixtyFour { iss |= 1 << 15 }
            if acquireRelease { iss |= 1 << 14 }
            return AccessSyndrome(iss: iss)
        }
    }

    /// Translates a VA of the EL1&0 regime for an access needing `perm` (`permRead`,
    /// `permWrite`, `permExec` or read|write) at the current EL: the TLB when it holds the page,
    /// else `translateSlow`. This is the one translation seam of every load, store and fetch.
    /// - Returns: the physical address, or nil with the fault taken or the EL2 exit pending.
    @inline(__always)
    func translate(_ va: UInt64, perm: UInt8, syndrome: AccessSyndrome, isFetch: Bool) -> UInt64? {
        if flatTranslation { return va }
        if let pa = tlbHit(va, perm: perm) { return pa }
        return translateSlow(va, perm: perm, syndrome: syndrome, isFetch: isFetch)
    }

    /// The physical address of `va` when the TLB holds its page with `perm` at the current EL,
    /// under the current ASID or global; nil on a miss.
    @inline(__always)
    func tlbHit(_ va: UInt64, perm: UInt8) -> UInt64? {
        let page = va >> 12
        let e = tlb + (Int(truncatingIfNeeded: page) & (CPU.tlbSize - 1))
        let need = perm &<< tlbPermShift
        if e.pointee.tag == page && e.pointee.perm & need == need
            && (e.pointee.perm & TLBEntry.global != 0 || e.pointee.asid == asid) {
            return e.pointee.pa | (va & 0xFFF)
        }
        return nil
    }

    /// A TLB miss (or a permission the entry does not grant): stage 1 (walked, or flat with the
    /// MMU off), then stage 2; fills the TLB when both grant the access.
    @inline(never)
    func translateSlow(_ va: UInt64, perm: UInt8, syndrome: AccessSyndrome, isFetch: Bool) -> UInt64? {
        guard let s1 = stage1(va, perm: perm, isFetch: isFetch) else { return nil }
        var pa = s1.ipa
        var s2perm = TLBEntry.allAccess
        if el2.hcr & 1 != 0 {
            guard let t = stage2Translate(s1.ipa, perm: perm, va: va, syndrome: syndrome, isFetch: isFetch, walk: .none) else { return nil }
            pa = t.pa
            s2perm = t.perm | t.perm << 3
        }
        let page = va >> 12
        let e = tlb + (Int(truncatingIfNeeded: page) & (CPU.tlbSize - 1))
        e.pointee = TLBEntry(
            tag: page, pa: pa & ~0xFFF, ipaPage: s1.ipa >> 12, asid: asid,
            perm: (s1.perm & s2perm) | (s1.perm & (TLBEntry.device | TLBEntry.global)), level: UInt8(s1.level))
        return pa
    }

    /// Stage 1 of an access: the walk and the permission check with SCTLR_EL1.M = 1, else the
    /// flat map (IPA = VA, Device for data, every permission).
    /// - Returns: the translation, or nil with the fault taken or the EL2 exit pending.
    func stage1(_ va: UInt64, perm: UInt8, isFetch: Bool) -> Stage1Translation? {
        guard stage1Enabled else {
            // Stage 1 is off, so the IPA is the VA; a VA with bits set at or above PARange is a
            // stage-1 fault that EL1 takes before stage 2 ever sees the access. (Without this, the
            // walk's out-of-range translation fault would reach EL2 with a truncated HPFAR_EL2, and
            // map_page_host would map an alias while the access kept faulting.)
            if va >> CPU.physicalAddressBits != 0 {
                stage1AddressSizeFault(va, write: perm == CPU.permWrite, isFetch: isFetch)
                return nil
            }
            return Stage1Translation(ipa: va, perm: TLBEntry.allAccess | TLBEntry.device | TLBEntry.global, level: 3, attributes: 0, shareability: 2)
        }
        switch walkStage1(va, isFetch: isFetch) {
        case .stage2Exit:
            return nil
        case .fault(let f):
            takeStage1Fault(f, va: va, write: perm & CPU.permWrite != 0 && perm & CPU.permRead == 0, isFetch: isFetch)
            return nil
        case .success(let t):
            let need = perm &<< tlbPermShift
            if t.perm & need != need {
                // WnR: a store; for an atomic read-modify-write, 1 only when a read would not
                // have faulted (the page is readable), as for stage 2 below.
                let readable = t.perm & (CPU.permRead &<< tlbPermShift) != 0
                let write = perm == CPU.permWrite || (perm == CPU.permRead | CPU.permWrite && readable)
                takeStage1Fault(TranslationFault(.permission, level: t.level), va: va, write: write, isFetch: isFetch)
                return nil
            }
            return t
        }
    }

    /// Why stage 2 translates an address, which decides the syndrome of its fault.
    enum Stage2Purpose {
        /// The access itself (ISS from `syndrome`, WnR from the access).
        case none
        /// A descriptor read of a stage-1 walk: ISS.S1PTW = 1, ISV = 0, WnR = 0.
        case tableWalk
        /// A descriptor read of an AT instruction's walk: S1PTW, and CM = 1 and WnR = 1 as for
        /// cache maintenance (ARM DDI 0487, ISS encoding for a Data Abort, CM).
        case addressTranslation
    }

    /// Translates an IPA through stage 2 for `perm`, or prepares the EL2 exit (stage-2 data or
    /// instruction abort, ESR_EL2/FAR_EL2 = `va`/HPFAR_EL2 = the IPA's page).
    /// - Returns: the physical address and every permission stage 2 grants, or nil.
    func stage2Translate(_ ipa: UInt64, perm: UInt8, va: UInt64, syndrome: AccessSyndrome, isFetch: Bool, walk: Stage2Purpose) -> (pa: UInt64, perm: UInt8)? {
        let page = ipa >> 12
        let slot = Int(truncatingIfNeeded: page) & (CPU.s2tlbSize - 1)
        if s2tlbTag[slot] == page && s2tlbPerm[slot] & perm == perm {
            return (s2tlbPA[slot] | (ipa & 0xFFF), s2tlbPerm[slot])
        }
        stats.stage2Walks &+= 1
        let fault: Stage2Fault
        // WnR: a store; for an atomic read-modify-write (perm = read|write), 0 when a read of
        // the address would have taken the same fault and 1 otherwise (ARM DDI 0487, ISS
        // encoding for a Data Abort, WnR). Only a leaf that grants read but not write sets it.
        var writeNotRead = perm == CPU.permWrite
        if let regime = Stage2Regime.fromVTCR(el2.vtcr, root: el2.vttbr & 0x0000_FFFF_FFFF_FFFE) {
            let w = Stage2Walker.walk(ipa, regime: regime, memory: ram)
            cycles &+= UInt64(w.descriptorReads) &* costs.stage2WalkPerLevel
            switch w.result {
            case .success(let t):
                var p: UInt8 = 0
                if t.permissions.contains(.read) { p |= CPU.permRead }
                if t.permissions.contains(.write) { p |= CPU.permWrite }
                if t.permissions.contains(.execute) { p |= CPU.permExec }
                if p & perm == perm {
                    s2tlbTag[slot] = page
                    s2tlbPA[slot] = t.physicalAddress & ~0xFFF
                    s2tlbPerm[slot] = p
                    return (t.physicalAddress, p)
                }
                fault = Stage2Fault(.permission, level: t.level)
                if perm == CPU.permRead | CPU.permWrite { writeNotRead = p & CPU.permRead != 0 }
            case .failure(let f):
                fault = f
            }
        } else {
            fault = Stage2Fault(.translation, level: 0)
        }
        let ec: ExceptionClass = isFetch ? .instructionAbortLowerEL : .dataAbortLowerEL
        var iss = fault.faultStatusCode
        switch walk {
        case .none:
            if !isFetch {
                iss |= syndrome.iss
                if writeNotRead { iss |= 1 << 6 }
            }
        case .tableWalk:
            iss |= 1 << 7
        case .addressTranslation:
            iss |= 1 << 8 | 1 << 7 | 1 << 6
        }
        trapToEL2(ec, iss: iss, returnAddress: pc, far: va, hpfar: (ipa >> 12) << 4 & 0x0000_0FFF_FFFF_FFF0)
        pendingExit = .stage2Abort
        return nil
    }

    /// PARange of ID_AA64MMFR0_EL1 (0b0101: 48 bits): the physical and, with stage 1 off, the
    /// virtual address size.
    static let physicalAddressBits: UInt64 = 48

    /// A stage-1 address-size fault, level 0 (DFSC/IFSC 0b000000), to EL1: with stage 1
    /// disabled, a VA with bits set in [63:PAMax] cannot be output (ARM DDI 0487 pseudocode,
    /// AArch64.TranslateAddressS1Off; TBI is not modelled, so the top bit is 63). FAR_EL1 = VA.
    func stage1AddressSizeFault(_ va: UInt64, write: Bool, isFetch: Bool) {
        if isFetch {
            takeExceptionToEL1(currentEL == 0 ? .instructionAbortLowerEL : .instructionAbortSameEL, iss: 0, far: va)
        } else {
            takeExceptionToEL1(currentEL == 0 ? .dataAbortLowerEL : .dataAbortSameEL, iss: write ? 1 << 6 : 0, far: va)
        }
    }

    /// Records an exception taken to EL2 (the machine's native hypervisor handles it), and for
    /// an abort its FAR_EL2 and HPFAR_EL2. The registers are written as one value: `el2`'s
    /// observer runs once.
    func trapToEL2(_ ec: ExceptionClass, iss: UInt32, returnAddress: UInt64, far: UInt64? = nil, hpfar: UInt64? = nil) {
        var e = el2
        e.esr = UInt64(ec.rawValue) << 26 | 1 << 25 | UInt64(iss & 0x1FF_FFFF)
        e.elr = returnAddress
        e.spsr = pstateBits
        if let far { e.far = far }
        if let hpfar { e.hpfar = hpfar }
        el2 = e
        stats.exceptionsToEL2[ec.rawValue, default: 0] &+= 1
        cycles &+= costs.exceptionEntry
    }

    /// For EL2 handling a stage-2 instruction abort: makes the return from EL2 enter EL1's
    /// vector with a synchronous external abort on the fetch (EC 0x20 from EL0, 0x21 from EL1,
    /// IFSC 0x10, FAR_EL1 = FAR_EL2), ELR_EL1/SPSR_EL1 = the faulting fetch's ELR_EL2/SPSR_EL2,
    /// as a hypervisor injects an abort (ELR_EL2/SPSR_EL2 become the vector and EL1h, DAIF set).
    public func injectExternalInstructionAbort() {
        let fromEL0 = (el2.spsr >> 2) & 3 == 0
        let ec: ExceptionClass = fromEL0 ? .instructionAbortLowerEL : .instructionAbortSameEL
        sysregs[SysReg.esrEL1] = UInt64(ec.rawValue) << 26 | 1 << 25 | 0x10
        sysregs[SysReg.farEL1] = el2.far
        sysregs[SysReg.elrEL1] = el2.elr
        sysregs[SysReg.spsrEL1] = el2.spsr
        let offset: UInt64 = fromEL0 ? 0x400 : (el2.spsr & 1 == 1 ? 0x200 : 0)
        el2.elr = (sysregs[SysReg.vbarEL1] ?? 0) & ~0x7FF &+ offset
        el2.spsr = 0x3C5
        exceptionsTakenToEL1 &+= 1
        stats.exceptionsToEL1[ec.rawValue, default: 0] &+= 1
        cycles &+= costs.exceptionEntry
    }

    /// Takes a synchronous exception to EL1 (ARM DDI 0487, D1.10): vector from VBAR_EL1.
    func takeExceptionToEL1(_ ec: ExceptionClass, iss: UInt32, far: UInt64? = nil, returnAddress: UInt64? = nil) {
        let fromLower = currentEL == 0
        let elr = returnAddress ?? pc
        noteVectorException(elr: elr)
        sysregs[SysReg.spsrEL1] = pstateBits
        sysregs[SysReg.elrEL1] = elr
        sysregs[SysReg.esrEL1] = UInt64(ec.rawValue) << 26 | 1 << 25 | UInt64(iss & 0x1FF_FFFF)
        if let far { sysregs[SysReg.farEL1] = far }
        let offset: UInt64 = fromLower ? 0x400 : (spsel == 1 ? 0x200 : 0)
        currentEL = 1
        spsel = 1
        daif = 0x3C0
        monitor.clear(cpu: index)
        pc = (sysregs[SysReg.vbarEL1] ?? 0) & ~0x7FF &+ offset
        lastVectorEntry = pc
        retiredAtLastVectorEntry = instructionsRetired
        exceptionsTakenToEL1 &+= 1
        stats.exceptionsToEL1[ec.rawValue, default: 0] &+= 1
        cycles &+= costs.exceptionEntry
    }

    /// Exception-livelock detection. An exception whose return address is the previous
    /// exception's vector (or the instruction after it: SVC) was raised by the vector's first
    /// instruction. The run loop starts a new run at every vector, so `instructionsRetired` is
    /// exact at that point and an unchanged count means nothing retired in between. After
    /// `exceptionLivelockBound` such exceptions in a row `run` leaves with `.exceptionLivelock`.
    func noteVectorException(elr: UInt64) {
        if (elr == lastVectorEntry || elr == lastVectorEntry &+ 4) && instructionsRetired == retiredAtLastVectorEntry {
            repeatedVectorExceptions &+= 1
            if repeatedVectorExceptions >= CPU.exceptionLivelockBound && pendingExit == nil {
                pendingExit = .exceptionLivelock
            }
        } else {
            repeatedVectorExceptions = 0
        }
    }

    /// UNDEFINED instruction: EC 0, IL 1.
    @inline(never)
    func undefined() -> Bool {
        takeExceptionToEL1(.unknown, iss: 0)
        return false
    }

    /// An access to a physical address with nothing behind it: synchronous external abort.
    func externalAbort(_ va: UInt64, write: Bool) {
        let iss: UInt32 = 0x10 | (write ? 1 << 6 : 0)
        takeExceptionToEL1(currentEL == 0 ? .dataAbortLowerEL : .dataAbortSameEL, iss: iss, far: va)
    }

    /// Alignment fault (DFSC 0x21) to EL1.
    func alignmentFault(_ va: UInt64, write: Bool) {
        let iss: UInt32 = 0x21 | (write ? 1 << 6 : 0)
        takeExceptionToEL1(currentEL == 0 ? .dataAbortLowerEL : .dataAbortSameEL, iss: iss, far: va)
    }

    /// Fetches the instruction at PC through stage 2 (or takes the fault) and makes its page the
    /// one `run` fetches from without translation.
    @inline(never)
    func fetchSlow() -> UInt32? {
        if pc & 3 != 0 {
            takeExceptionToEL1(.pcAlignment, iss: 0, far: pc)
            return nil
        }
        guard let pa = translate(pc, perm: CPU.permExec, syndrome: .none, isFetch: true) else { return nil }
        if let p = ram.pointer(pa & ~0xFFF, length: 0x1000) {
            codePages.mark(pa)
            fetchPage = pc >> 12
            fetchHost = p
            fetchPA = pa & ~0xFFF
            return UInt32(littleEndian: p.load(fromByteOffset: Int(pa & 0xFFF), as: UInt32.self))
        }
        takeExceptionToEL1(currentEL == 0 ? .instructionAbortLowerEL : .instructionAbortSameEL, iss: 0x10, far: pc)
        return nil
    }

    /// Translates a data access of `size` bytes. An unaligned access faults (DFSC 0x21) when the
    /// instruction requires alignment (`aligned`), when SCTLR_EL1.M = 0 (every data access is
    /// Device-nGnRnE, ARM DDI 0487 B2.5.2) or SCTLR_EL1.A = 1, and when the page is Device
    /// memory; otherwise (Normal memory) it is performed, across a page boundary too
    /// (`translateUnaligned`).
    /// - Returns: the physical address, or nil with the fault taken or the EL2 exit pending.
    @inline(__always)
    func translateData(_ va: UInt64, size: Int, write: Bool, aligned: Bool, syndrome: AccessSyndrome) -> UInt64? {
        if watching { noteDataAccess(va, size: size, read: !write, write: write) }
        if va & UInt64(size &- 1) != 0 {
            return translateUnaligned(va, size: size, write: write, aligned: aligned, syndrome: syndrome)
        }
        return translate(va, perm: write ? CPU.permWrite : CPU.permRead, syndrome: syndrome, isFetch: false)
    }

    /// Base of the split window: physical addresses no bus decodes, which `translateUnaligned`
    /// returns for an access crossing a page boundary. `readPhysical`/`writePhysical` find no
    /// RAM there and their slow paths (`readDevice`/`writeDevice`) send each byte to the page it
    /// belongs to: `splitWindow + k` is byte k of the access at `splitVA`. A caller may offset
    /// the address (the halves of a Q register, the second register of a pair) as it would a
    /// physical one. One split is live at a time: of a pair's two accesses at most one crosses.
    static let splitWindow: UInt64 = 1 << 62

    /// An unaligned data access (see `translateData`): the first page's translation and
    /// memory type, then, when the access crosses into the next page, that page's.
    @inline(never)
    func translateUnaligned(_ va: UInt64, size: Int, write: Bool, aligned: Bool, syndrome: AccessSyndrome) -> UInt64? {
        if aligned || strictAlignment {
            alignmentFault(va, write: write)
            return nil
        }
        let perm = write ? CPU.permWrite : CPU.permRead
        guard let pa1 = translate(va, perm: perm, syndrome: syndrome, isFetch: false) else { return nil }
        if isDevice(va) {
            alignmentFault(va, write: write)
            return nil
        }
        if (va & 0xFFF) &+ UInt64(size) <= 0x1000 { return pa1 }
        let second = (va | 0xFFF) &+ 1
        guard let pa2 = translate(second, perm: perm, syndrome: syndrome, isFetch: false) else { return nil }
        if isDevice(second) {
            alignmentFault(second, write: write)
            return nil
        }
        splitVA = va
        splitPA1 = pa1
        splitPA2 = pa2
        return CPU.splitWindow
    }

    /// The TLB's memory type of a page translated just before (its entry is present).
    func isDevice(_ va: UInt64) -> Bool {
        let e = tlb + (Int(truncatingIfNeeded: va >> 12) & (CPU.tlbSize - 1))
        return e.pointee.tag == va >> 12 && e.pointee.perm & TLBEntry.device != 0
    }

    /// The physical address of byte `k` of the split access (see `splitWindow`).
    func splitByteAddress(_ k: UInt64) -> UInt64 {
        let va = splitVA &+ k
        return (va ^ splitVA) >> 12 == 0 ? splitPA1 &+ k : splitPA2 &+ (va & 0xFFF)
    }

    /// Translates the address of an atomic read-modify-write (CAS, CASP, LDADD and the other
    /// LSE operations, SWP): always aligned, and stage 2 must grant read and write (the access
    /// is both; a write-only page must fault too). ISV = 0 (ARM DDI 0487: no syndrome for atomics).
    func translateReadModifyWrite(_ va: UInt64, size: Int) -> UInt64? {
        if va & UInt64(size &- 1) != 0 {
            alignmentFault(va, write: true)
            return nil
        }
        if watching { noteDataAccess(va, size: size, read: true, write: true) }
        return translate(va, perm: CPU.permRead | CPU.permWrite, syndrome: .none, isFetch: false)
    }

    /// Physical read of `size` bytes; device or RAM. Nil (and an external abort) when nothing is there.
    @inline(__always)
    func readPhysical(_ pa: UInt64, size: Int, va: UInt64) -> UInt64? {
        stats.loads &+= 1
        if let v = ram.load(pa, size: size) { return v }
        return readDevice(pa, size: size, va: va)
    }

    @inline(never)
    func readDevice(_ pa: UInt64, size: Int, va: UInt64) -> UInt64? {
        if pa >= CPU.splitWindow && pa &- CPU.splitWindow < 64 {
            var v: UInt64 = 0
            for i in 0..<min(size, 8) {
                let k = pa &- CPU.splitWindow &+ UInt64(i)
                guard let b = readPhysical(splitByteAddress(k), size: 1, va: splitVA &+ k) else { return nil }
                v |= b << UInt64(8 * i)
            }
            stats.loads &-= UInt64(min(size, 8))  // one access, counted by the caller
            return v
        }
        guard let r = bus.region(at: pa) else {
            externalAbort(va, write: false)
            return nil
        }
        cycles &+= costs.mmio
        return r.device.read(offset: pa &- r.base, size: size)
    }

    @inline(__always)
    func writePhysical(_ pa: UInt64, size: Int, value: UInt64, va: UInt64) -> Bool {
        stats.stores &+= 1
        monitor.noteStore(by: index, pa: pa)
        if ram.store(pa, size: size, value: value) {
            monitor.decoded.noteStore(pa, size: size)
            return true
        }
        return writeDevice(pa, size: size, value: value, va: va)
    }

    @inline(never)
    func writeDevice(_ pa: UInt64, size: Int, value: UInt64, va: UInt64) -> Bool {
        if pa >= CPU.splitWindow && pa &- CPU.splitWindow < 64 {
            for i in 0..<min(size, 8) {
                let k = pa &- CPU.splitWindow &+ UInt64(i)
                guard writePhysical(splitByteAddress(k), size: 1, value: value >> UInt64(8 * i), va: splitVA &+ k) else { return false }
            }
            stats.stores &-= UInt64(min(size, 8))  // one access, counted by the caller
            return true
        }
        guard let r = bus.region(at: pa) else {
            externalAbort(va, write: true)
            return false
        }
        cycles &+= costs.mmio &+ r.device.write(offset: pa &- r.base, size: size, value: value)
        // A DMA copy may have written code; any other device keeps the decoded code, but the
        // run in progress ends, as the write may have raised an interrupt.
        if r.device.writesMemory { monitor.decoded.invalidateAll() } else { monitor.decoded.endRunInProgress() }
        return true
    }

    /// LDTR/STTR and the other unprivileged loads and stores: at EL1 their stage-1 permission
    /// checks are EL0's (ARM DDI 0487, C3.2.5; no PAN or UAO here); a fault is still reported
    /// as from EL1. `d` is a `.ldstUnprivileged` access.
    @inline(never)
    func unprivilegedLoadStore(_ d: UnsafeMutablePointer<DecodedInstruction>) -> Bool {
        let shift = tlbPermShift
        tlbPermShift = 3
        defer { tlbPermShift = shift }
        return loadStoreSingle(d)
    }

    /// A complete load: translate then read.
    @inline(__always)
    func load(_ va: UInt64, size: Int, syndrome: AccessSyndrome, aligned: Bool = false) -> UInt64? {
        guard let pa = translateData(va, size: size, write: false, aligned: aligned, syndrome: syndrome) else { return nil }
        return readPhysical(pa, size: size, va: va)
    }

    /// A complete store: translate then write.
    @inline(__always)
    func store(_ va: UInt64, size: Int, value: UInt64, syndrome: AccessSyndrome, aligned: Bool = false) -> Bool {
        guard let pa = translateData(va, size: size, write: true, aligned: aligned, syndrome: syndrome) else { return false }
        return writePhysical(pa, size: size, value: value, va: va)
    }
}
