import Stage2

/// Data and instruction accesses: stage-2 translation, RAM or device, and the aborts they raise.
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

    /// Translates an IPA through stage 2 for the given permission, or prepares the EL2 exit.
    /// - Returns: the physical address, or nil with `pendingExit` set.
    @inline(__always)
    func stage2(_ va: UInt64, perm: UInt8, syndrome: AccessSyndrome, isFetch: Bool) -> UInt64? {
        if el2.hcr & 1 == 0 { return va }
        let page = va >> 12
        let slot = Int(truncatingIfNeeded: page) & (CPU.tlbSize - 1)
        if tlbTag[slot] == page && tlbPerm[slot] & perm == perm {
            return tlbPA[slot] | (va & 0xFFF)
        }
        return stage2Slow(va, perm: perm, syndrome: syndrome, isFetch: isFetch)
    }

    func stage2Slow(_ va: UInt64, perm: UInt8, syndrome: AccessSyndrome, isFetch: Bool) -> UInt64? {
        // Stage 1 is off, so the IPA is the VA; a VA with bits set at or above PARange is a
        // stage-1 fault that EL1 takes before stage 2 ever sees the access. (Without this, the
        // walk's out-of-range translation fault would reach EL2 with a truncated HPFAR_EL2, and
        // map_page_host would map an alias while the access kept faulting.)
        if va >> CPU.physicalAddressBits != 0 {
            stage1AddressSizeFault(va, write: perm == CPU.permWrite, isFetch: isFetch)
            return nil
        }
        stats.stage2Walks &+= 1
        let fault: Stage2Fault
        // WnR: a store; for an atomic read-modify-write (perm = read|write), 0 when a read of
        // the address would have taken the same fault and 1 otherwise (ARM DDI 0487, ISS
        // encoding for a Data Abort, WnR). Only a leaf that grants read but not write sets it.
        var writeNotRead = perm == CPU.permWrite
        if let regime = Stage2Regime.fromVTCR(el2.vtcr, root: el2.vttbr & 0x0000_FFFF_FFFF_FFFE) {
            let walk = Stage2Walker.walk(va, regime: regime, memory: ram)
            cycles &+= UInt64(walk.descriptorReads) &* costs.stage2WalkPerLevel
            switch walk.result {
            case .success(let t):
                var p: UInt8 = 0
                if t.permissions.contains(.read) { p |= CPU.permRead }
                if t.permissions.contains(.write) { p |= CPU.permWrite }
                if t.permissions.contains(.execute) { p |= CPU.permExec }
                if p & perm == perm {
                    let page = va >> 12
                    let slot = Int(truncatingIfNeeded: page) & (CPU.tlbSize - 1)
                    tlbTag[slot] = page
                    tlbPA[slot] = t.physicalAddress & ~0xFFF
                    tlbPerm[slot] = p
                    return t.physicalAddress
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
        if !isFetch {
            iss |= syndrome.iss
            if writeNotRead { iss |= 1 << 6 }
        }
        trapToEL2(ec, iss: iss, returnAddress: pc)
        el2.far = va
        el2.hpfar = (va >> 12) << 4 & 0x0000_0FFF_FFFF_FFF0
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

    /// Records an exception taken to EL2 (the machine's native hypervisor handles it).
    func trapToEL2(_ ec: ExceptionClass, iss: UInt32, returnAddress: UInt64) {
        el2.esr = UInt64(ec.rawValue) << 26 | 1 << 25 | UInt64(iss & 0x1FF_FFFF)
        el2.elr = returnAddress
        el2.spsr = pstateBits
        stats.exceptionsToEL2[ec.rawValue, default: 0] &+= 1
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
        guard let pa = stage2(pc, perm: CPU.permExec, syndrome: .none, isFetch: true) else { return nil }
        if let p = ram.pointer(pa & ~0xFFF, length: 0x1000) {
            fetchPage = pc >> 12
            fetchHost = p
            fetchPA = pa & ~0xFFF
            return UInt32(littleEndian: p.load(fromByteOffset: Int(pa & 0xFFF), as: UInt32.self))
        }
        takeExceptionToEL1(currentEL == 0 ? .instructionAbortLowerEL : .instructionAbortSameEL, iss: 0x10, far: pc)
        return nil
    }

    /// Translates a data access of `size` bytes. An unaligned access faults (DFSC 0x21) when the
    /// instruction requires alignment (`aligned`), when stage 1 is off (Device memory, ARM DDI
    /// 0487 B2.5.2) or SCTLR_EL1.A is set, and always when it would cross a page: each page has
    /// its own stage-2 translation, and a guest must never reach the next physical page through
    /// the first one's.
    /// - Returns: the physical address, or nil with the fault taken or the EL2 exit pending.
    @inline(__always)
    func translateData(_ va: UInt64, size: Int, write: Bool, aligned: Bool, syndrome: AccessSyndrome) -> UInt64? {
        if va & UInt64(size &- 1) != 0 && (aligned || strictAlignment || (va & 0xFFF) &+ UInt64(size) > 0x1000) {
            alignmentFault(va, write: write)
            return nil
        }
        if watching { noteDataAccess(va, size: size, read: !write, write: write) }
        return stage2(va, perm: write ? CPU.permWrite : CPU.permRead, syndrome: syndrome, isFetch: false)
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
        return stage2(va, perm: CPU.permRead | CPU.permWrite, syndrome: .none, isFetch: false)
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
        guard let r = bus.region(at: pa) else {
            externalAbort(va, write: true)
            return false
        }
        cycles &+= costs.mmio &+ r.device.write(offset: pa &- r.base, size: size, value: value)
        monitor.decoded.invalidateAll()  // the device may have written RAM (a DMA copy)
        return true
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
