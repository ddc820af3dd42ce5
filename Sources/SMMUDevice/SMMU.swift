import Stage2

/// An SMMUv2 in the style of Arm's MMU-500, stage 2 only (HARDWARE.md): register frame, stream
/// matching, context banks, an IOTLB, and translation by walking the context bank's stage-2
/// tables in RAM. It knows nothing of the hypervisor that programs it.
public final class SMMU: MMIODevice {
    /// Register writes never reach RAM (decoded code stays valid across them).
    public var writesMemory: Bool { false }
    public let name: String
    public let contextBankCount: Int
    public let streamMatchGroups: Int
    public var costs: SMMUCostModel
    /// Interrupt outputs (line 0 the global fault, 1 + n context bank n), level changes only.
    public var interrupt: (Int, Bool) -> Void = { _, _ in }
    /// The levels last given to `interrupt`.
    public private(set) var interruptLevels: [Bool]
    public private(set) var stats = SMMUStats()
    let memory: PhysicalMemory

    // Global space 0 and 1.
    public private(set) var scr0: UInt64 = SMMU.reset(SMMURegisterMap.gr0, .sCR0)
    public private(set) var scr2: UInt64 = 0
    public private(set) var gfsr: UInt64 = 0
    public private(set) var gfar: UInt64 = 0
    public private(set) var gfsynr: [UInt64] = [0, 0, 0]
    /// SMRn: VALID[31], MASK[30:16], ID[14:0].
    public private(set) var smr: [UInt64]
    /// S2CRn: TYPE[17:16] (0 translate, 1 bypass, 2 fault), CBNDX[7:0]. Reset: fault.
    public private(set) var s2cr: [UInt64]
    /// CBARn: VMID[7:0], TYPE[17:16] (0 = stage 2 only). Reset: TYPE 2.
    public private(set) var cbar: [UInt64]
    public private(set) var cba2r: [UInt64]
    public private(set) var cbfrsynra: [UInt64]
    public private(set) var contextBanks: [ContextBank]

    /// IOTLB: (context bank, VMID, IOVA page) → leaf. Kept until an invalidation command,
    /// as on hardware: a missing TLBI leaves stale translations visible.
    struct TLBKey: Hashable { var cb: Int; var vmid: UInt64; var page: UInt64 }
    struct TLBEntry { var pa: UInt64; var permissions: Stage2Permissions; var level: Int }
    var iotlb: [TLBKey: TLBEntry] = [:] { didSet { generation &+= 1 } }
    public var iotlbSize: Int { iotlb.count }

    /// Counts the changes to anything a translation depends on (a register write, an IOTLB
    /// fill or invalidation): a micro-TLB entry is good while the count is what it was.
    var generation: UInt64 = 0
    /// Per-stream micro-TLB (direct-mapped by stream and page): the last IOTLB hits, checked
    /// before stream matching, so a device streaming through one page costs one compare per
    /// transaction. It only ever repeats an IOTLB hit, with the same result, cycles and
    /// counters; anything else (a miss, a fault, a bypass) takes the full path.
    struct MicroTLBEntry {
        var generation: UInt64 = .max
        var streamID: UInt32 = 0
        var page: UInt64 = 0
        var cb: Int = 0
        var pa: UInt64 = 0
        var permissions: Stage2Permissions = []
    }
    static let microTLBSize = 16
    var microTLB = [MicroTLBEntry](repeating: MicroTLBEntry(), count: SMMU.microTLBSize)

    public init(name: String, contextBanks: Int, streamMatchGroups: Int = 16, memory: PhysicalMemory, costs: SMMUCostModel = .init()) {
        self.name = name
        self.contextBankCount = max(1, min(8, contextBanks))
        self.streamMatchGroups = max(1, min(128, streamMatchGroups))
        self.memory = memory
        self.costs = costs
        smr = Array(repeating: SMMU.reset(SMMURegisterMap.gr0, .SMR), count: self.streamMatchGroups)
        s2cr = Array(repeating: SMMU.reset(SMMURegisterMap.gr0, .S2CR), count: self.streamMatchGroups)
        cbar = Array(repeating: SMMU.reset(SMMURegisterMap.gr1, .CBAR), count: self.contextBankCount)
        cba2r = Array(repeating: 0, count: self.contextBankCount)
        cbfrsynra = Array(repeating: 0, count: self.contextBankCount)
        self.contextBanks = Array(repeating: ContextBank(), count: self.contextBankCount)
        interruptLevels = Array(repeating: false, count: 1 + self.contextBankCount)
    }

    static func reset(_ table: [SMMURegisterMap.Register], _ id: SMMURegisterMap.Name) -> UInt64 {
        table.first { $0.id == id }?.reset ?? 0
    }

    // MARK: ID registers (truthful for this instance)

    /// S2TS[29], SMS[27], ATOSNS[26] (no ATOS), PTFS = 0b10[25:24] (AArch64 tables only),
    /// NUMSIDB = 15[12:9] (15-bit stream IDs, as SMR.ID), NUMSMRG[7:0].
    var idr0: UInt64 { 1 << 29 | 1 << 27 | 1 << 26 | 2 << 24 | 15 << 9 | UInt64(streamMatchGroups) }
    /// PAGESIZE = 0 (4 KiB), NUMPAGENDXB = 2[30:28], NUMS2CB[23:16], NUMCB[7:0].
    var idr1: UInt64 { 2 << 28 | UInt64(contextBankCount) << 16 | UInt64(contextBankCount) }
    /// VMID16 = 0 (8-bit VMIDs), PTFS_4K[12], OAS = IAS = 40 bits (code 2).
    var idr2: UInt64 { 1 << 12 | 2 << 4 | 2 }
    /// MAJOR 2, MINOR 1 (MMU-500 r2p1 style).
    var idr7: UInt64 { 0x21 }
    /// IAS and OAS in bits, as IDR2 reports them.
    static let addressBits = 40

    // MARK: MMIODevice

    /// Any offset and size: reserved offsets and banks or groups beyond NUMCB/NUMSMRG read as
    /// zero; 64-bit registers read whole or by either 32-bit half; smaller reads take byte lanes.
    public func read(offset: UInt64, size: Int) -> UInt64 {
        let off = offset & 0xFFFF
        guard let l = SMMURegisterMap.locate(offset: off) else { return 0 }
        let v = registerValue(l)
        if l.register.width == 64 && size == 8 && off & 7 == 0 { return v }
        let word = l.register.width == 64 && l.upperHalf ? v >> 32 : v & 0xFFFF_FFFF
        guard size < 4 else { return word }
        return (word >> ((off & 3) * 8)) & ((1 << UInt64(max(1, size) * 8)) - 1)
    }

    /// Writes of 32 bits (either half of a 64-bit register) or 64 bits (a whole 64-bit register).
    /// Sub-word and unaligned writes are ignored, as are reserved offsets; each register takes
    /// only its writable bits (SMMURegisterMap).
    public func write(offset: UInt64, size: Int, value: UInt64) -> UInt64 {
        let off = offset & 0xFFFF
        guard size >= 4, off & 3 == 0, let l = SMMURegisterMap.locate(offset: off) else { return 0 }
        generation &+= 1
        let r = l.register
        let old = registerValue(l)
        var v = value & 0xFFFF_FFFF
        if r.width == 64 {
            if size == 8 && off & 7 == 0 { v = value }
            else if l.upperHalf { v = (old & 0xFFFF_FFFF) | v << 32 }
            else { v = (old & ~0xFFFF_FFFF) | v }
        }
        switch r.access {
        case .readOnly: break
        case .command: command(l, v)
        case .writeOneToClear: store(l, old & ~(v & r.writableMask))
        case .readWrite: store(l, (old & ~r.writableMask) | (v & r.writableMask))
        }
        updateInterrupts()
        return 0
    }

    /// Drives the interrupt outputs from the fault records (ARM IHI 0062 10.6): the global
    /// fault interrupt (line 0) is high while sGFSR records a fault and sCR0.GFIE is set; context
    /// bank n's (line 1 + n) while its FSR records a fault and its SCTLR.CFIE is set. Writing
    /// the status bits back (write one to clear) lowers them.
    func updateInterrupts() {
        let global = gfsr != 0 && scr0 & (1 << 2) != 0
        if global != interruptLevels[0] {
            interruptLevels[0] = global
            interrupt(0, global)
        }
        for n in 0..<contextBankCount {
            let high = contextBanks[n].fsr != 0 && contextBanks[n].sctlr & (1 << 6) != 0
            if high != interruptLevels[1 + n] {
                interruptLevels[1 + n] = high
                interrupt(1 + n, high)
            }
        }
    }

    /// The instance `l` names exists on this SMMU (arrays are cut to NUMSMRG or NUMCB).
    func live(_ l: SMMURegisterMap.Location) -> Bool {
        switch l.space {
        case .gr0: return l.register.count == 1 || l.index < streamMatchGroups
        case .gr1: return l.index < contextBankCount
        case .contextBank(let n): return n < contextBankCount
        }
    }

    func registerValue(_ l: SMMURegisterMap.Location) -> UInt64 {
        guard live(l) else { return 0 }
        let i = l.index
        switch l.space {
        case .gr0:
            switch l.register.id {
            case .sCR0: return scr0
            case .sCR2: return scr2
            case .IDR0: return idr0
            case .IDR1: return idr1
            case .IDR2: return idr2
            case .IDR7: return idr7
            case .sGFAR: return gfar
            case .sGFSR: return gfsr
            case .sGFSYNR0: return gfsynr[0]
            case .sGFSYNR1: return gfsynr[1]
            case .sGFSYNR2: return gfsynr[2]
            case .SMR: return smr[i]
            case .S2CR: return s2cr[i]
            default: return 0  // IDR3–6 reserved, sTLBGSTATUS.GSACTIVE = 0 (syncs finish at once), commands
            }
        case .gr1:
            switch l.register.id {
            case .CBAR: return cbar[i]
            case .CBFRSYNRA: return cbfrsynra[i]
            default: return cba2r[i]
            }
        case .contextBank(let n):
            let cb = contextBanks[n]
            switch l.register.id {
            case .SCTLR: return cb.sctlr
            case .ACTLR: return cb.actlr
            case .TCR2: return cb.tcr2
            case .TTBR0: return cb.ttbr0
            case .TTBR1: return cb.ttbr1
            case .TCR: return cb.tcr
            case .CONTEXTIDR: return cb.contextidr
            case .MAIR0: return cb.mair0
            case .MAIR1: return cb.mair1
            case .PAR: return cb.par
            case .FSR: return cb.fsr
            case .FAR: return cb.far
            case .FSYNR0: return cb.fsynr0
            case .FSYNR1: return cb.fsynr1
            default: return 0  // TLBSTATUS.SACTIVE = 0, commands read as zero
            }
        }
    }

    func store(_ l: SMMURegisterMap.Location, _ v: UInt64) {
        guard live(l) else { return }
        let i = l.index
        switch l.space {
        case .gr0:
            switch l.register.id {
            case .sCR0: scr0 = v
            case .sCR2: scr2 = v
            case .sGFAR: gfar = v
            case .sGFSR: gfsr = v
            case .sGFSYNR0: gfsynr[0] = v
            case .sGFSYNR1: gfsynr[1] = v
            case .sGFSYNR2: gfsynr[2] = v
            case .SMR: smr[i] = v
            case .S2CR: s2cr[i] = v
            default: break
            }
        case .gr1:
            switch l.register.id {
            case .CBAR: cbar[i] = v
            case .CBFRSYNRA: cbfrsynra[i] = v
            default: cba2r[i] = v
            }
        case .contextBank(let n):
            switch l.register.id {
            case .SCTLR: contextBanks[n].sctlr = v
            case .ACTLR: contextBanks[n].actlr = v
            case .TCR2: contextBanks[n].tcr2 = v
            case .TTBR0: contextBanks[n].ttbr0 = v
            case .TTBR1: contextBanks[n].ttbr1 = v
            case .TCR: contextBanks[n].tcr = v
            case .CONTEXTIDR: contextBanks[n].contextidr = v
            case .MAIR0: contextBanks[n].mair0 = v
            case .MAIR1: contextBanks[n].mair1 = v
            case .FSR: contextBanks[n].fsr = v
            case .FAR: contextBanks[n].far = v
            case .FSYNR0: contextBanks[n].fsynr0 = v
            case .FSYNR1: contextBanks[n].fsynr1 = v
            default: break
            }
        }
    }

    /// Command registers. Syncs complete at once (the model has no TLB operations in flight),
    /// and RESUME has nothing to resume (no stalling).
    func command(_ l: SMMURegisterMap.Location, _ v: UInt64) {
        guard live(l) else { return }
        switch (l.space, l.register.id) {
        case (.gr0, .sGFSRRESTORE): gfsr = v & 0x8000_017F
        case (.gr0, .TLBIVMID): invalidate(vmid: v & 0xFFFF)
        case (.gr0, .TLBIALLNSNH): iotlb.removeAll()
        case (.contextBank(let n), .FSRRESTORE): contextBanks[n].fsr = v & 0xC000_07FE
        // CBn_TLBIALL is specified for stage-1 banks; on a stage-2 bank the model treats it as
        // "invalidate this bank's VMID", a superset that never keeps a stale entry alive.
        case (.contextBank(let n), .TLBIALL): invalidate(vmid: vmid(ofContextBank: n))
        case (.contextBank(let n), .TLBIIPAS2), (.contextBank(let n), .TLBIIPAS2L):
            invalidate(vmid: vmid(ofContextBank: n), page: v & 0xF_FFFF_FFFF)  // the value is IPA >> 12
        default: break
        }
    }

    // MARK: TLB maintenance

    /// CBAR.VMID: the tag of the bank's TLB entries (8-bit VMIDs: IDR2.VMID16 = 0).
    func vmid(ofContextBank n: Int) -> UInt64 { cbar[n] & 0xFF }

    func invalidate(vmid: UInt64) { iotlb = iotlb.filter { $0.key.vmid != vmid } }
    /// By IPA for a VMID: entries of every bank tagged with that VMID, as a VMID-tagged TLB would.
    func invalidate(vmid: UInt64, page: UInt64) { iotlb = iotlb.filter { !($0.key.vmid == vmid && $0.key.page == page) } }

    // MARK: Translation (ARM IHI 0062: stream matching → S2CR → CBAR → context bank → walk)

    /// Where a transaction from a stream goes (IHI 0062 §2.4, the stream-mapping flow): the
    /// decision of sCR0, the SMRs, the S2CRs, CBAR and the bank's SCTLR, without recording
    /// anything. Translation and the reachability check (`--check-invariants`) share it.
    public enum Route: Equatable, Sendable {
        case bypass(SMMUBypass)
        case globalFault(SMMUFault)
        case contextBank(Int)
    }

    public func route(streamID: UInt32) -> Route {
        if scr0 & 1 != 0 { return .bypass(.clientDisabled) }
        let sid = UInt64(streamID & 0x7FFF)
        var hit: Int?
        for n in 0..<streamMatchGroups where smr[n] >> 31 == 1 {
            let id = smr[n] & 0x7FFF, mask = (smr[n] >> 16) & 0x7FFF
            if (sid ^ id) & ~mask == 0 {
                if hit != nil { return .globalFault(.streamMatchConflict) }
                hit = n
            }
        }
        guard let n = hit else {
            return scr0 & (1 << 10) != 0 ? .globalFault(.unidentifiedStream) : .bypass(.unmatchedStream)
        }
        return route(group: n)
    }

    /// Where stream-match group `n`'s S2CR sends a matched transaction.
    public func route(group n: Int) -> Route {
        switch (s2cr[n] >> 16) & 3 {
        case 1: return .bypass(.streamToContextBypass)
        case 0: break
        default: return .globalFault(.invalidContext)  // S2CR TYPE fault (or reserved 3)
        }
        let cb = Int(s2cr[n] & 0xFF)
        guard cb < contextBankCount else { return .globalFault(.unimplementedContextBank) }  // CBNDX beyond NUMCB
        guard (cbar[cb] >> 16) & 3 == 0 else { return .globalFault(.invalidContext) }  // a stage-1 type on a stage-2-only SMMU
        return contextBanks[cb].enabled ? .contextBank(cb) : .bypass(.contextDisabled)
    }

    @inline(__always) func microSlot(_ streamID: UInt32, _ page: UInt64) -> Int {
        Int(truncatingIfNeeded: (UInt64(streamID) &* 0x9E37 ^ page) & UInt64(SMMU.microTLBSize - 1))
    }

    /// The physical address a transaction would get from an IOTLB hit with the permission it
    /// needs (micro-TLB or IOTLB), or nil; records nothing. With `hits(_:)` a device moves a
    /// run of transactions in one page at the cost of one.
    public func hitAddress(streamID: UInt32, iova: UInt64, write: Bool) -> UInt64? {
        let needed: Stage2Permissions = write ? .write : .read
        let page = iova >> 12
        let m = microTLB[microSlot(streamID, page)]
        if m.generation == generation && m.streamID == streamID && m.page == page && m.permissions.contains(needed) {
            return m.pa | (iova & 0xFFF)
        }
        guard case .contextBank(let cb) = route(streamID: streamID),
              let e = iotlb[TLBKey(cb: cb, vmid: vmid(ofContextBank: cb), page: page)], e.permissions.contains(needed) else { return nil }
        // Filled as `translate` fills it on an IOTLB hit: the next run in this page skips the
        // stream match and the IOTLB.
        microTLB[microSlot(streamID, page)] = MicroTLBEntry(generation: generation, streamID: streamID, page: page, cb: cb, pa: e.pa, permissions: e.permissions)
        return e.pa | (iova & 0xFFF)
    }

    /// Counts `n` transactions that `hitAddress` said hit: what `translate` would have counted.
    public func hits(_ n: UInt64) {
        stats.translations &+= n
        stats.tlbHits &+= n
    }

    /// Translates one transaction from `streamID` at `iova`.
    public func translate(streamID: UInt32, iova: UInt64, write: Bool) -> SMMUTranslation {
        stats.translations &+= 1
        let needed: Stage2Permissions = write ? .write : .read
        let slot = microSlot(streamID, iova >> 12)
        let m = microTLB[slot]
        if m.generation == generation && m.streamID == streamID && m.page == iova >> 12 && m.permissions.contains(needed) {
            stats.tlbHits &+= 1
            return SMMUTranslation(outcome: .address(m.pa | (iova & 0xFFF)), cycles: costs.tlbHit, contextBank: m.cb)
        }
        let sid = UInt64(streamID & 0x7FFF)
        let cb: Int
        switch route(streamID: streamID) {
        case .bypass(let why): return bypass(iova, why)
        case .globalFault(let f): return globalFault(f, sid: sid, iova: iova, write: write)
        case .contextBank(let n): cb = n
        }
        let bank = contextBanks[cb]
        let vmid = vmid(ofContextBank: cb)
        let key = TLBKey(cb: cb, vmid: vmid, page: iova >> 12)
        if let e = iotlb[key] {
            // The cached leaf decides, permissions included: a table changed to grant more
            // without a TLBI still faults, as on hardware.
            stats.tlbHits &+= 1
            guard e.permissions.contains(needed) else {
                return contextFault(cb, .permission, level: e.level, iova: iova, write: write, sid: sid, cycles: costs.tlbHit &+ costs.fault)
            }
            microTLB[slot] = MicroTLBEntry(generation: generation, streamID: streamID, page: iova >> 12, cb: cb, pa: e.pa, permissions: e.permissions)
            return SMMUTranslation(outcome: .address(e.pa | (iova & 0xFFF)), cycles: costs.tlbHit, contextBank: cb)
        }
        stats.tlbMisses &+= 1
        stats.walks &+= 1
        // The output size is bounded by OAS (40 bits), whatever TCR.PS says; a TTBR0 with
        // address bits above it is an address-size fault at level 0 (the walker checks it).
        guard var regime = Stage2Regime.fromVTCR(bank.tcr, root: bank.ttbr0) else {
            return contextFault(cb, .translation, level: 0, iova: iova, write: write, sid: sid, cycles: costs.fault)
        }
        regime.outputBits = min(regime.outputBits, SMMU.addressBits)
        let walk = Stage2Walker.walk(iova, regime: regime, memory: memory)
        let walkCycles = UInt64(walk.descriptorReads) &* costs.walkPerLevel
        switch walk.result {
        case .success(let t):
            // A valid leaf is cached whatever the access, as a TLB fill is.
            iotlb[key] = TLBEntry(pa: t.physicalAddress & ~0xFFF, permissions: t.permissions, level: t.level)
            if let f = Stage2Walker.check(t, needed: needed) {
                return contextFault(cb, .permission, level: f.level, iova: iova, write: write, sid: sid, cycles: walkCycles &+ costs.fault)
            }
            return SMMUTranslation(outcome: .address(t.physicalAddress), cycles: walkCycles, contextBank: cb)
        case .failure(let f):
            let fault: SMMUFault
            switch f.kind {
            case .translation: fault = .translation
            case .accessFlag: fault = .accessFlag
            case .permission: fault = .permission
            case .externalAbortOnWalk: fault = .externalAbort
            case .addressSize: fault = .addressSize
            }
            return contextFault(cb, fault, level: f.level, iova: iova, write: write, sid: sid, cycles: walkCycles &+ costs.fault)
        }
    }

    /// A transaction that reaches memory untranslated (IOVA = PA), for the reason `route`.
    func bypass(_ iova: UInt64, _ route: SMMUBypass) -> SMMUTranslation {
        stats.bypassed &+= 1
        return SMMUTranslation(outcome: .address(iova), cycles: costs.tlbHit, bypass: route)
    }

    /// Records a context fault: the first fault fills FSR/FAR/FSYNR0/CBFRSYNRA; a further one
    /// while FSR is non-zero only sets FSR.MULTI.
    func contextFault(_ cb: Int, _ fault: SMMUFault, level: Int, iova: UInt64, write: Bool, sid: UInt64, cycles: UInt64) -> SMMUTranslation {
        stats.contextFaults &+= 1
        // A fault is already recorded when any fault-type bit (TF..UUT, FSR[8:1]) is set.
        if contextBanks[cb].fsr & 0x1FE == 0 {
            contextBanks[cb].fsr |= fault.statusBit
            contextBanks[cb].far = iova
            contextBanks[cb].fsynr0 = UInt64(max(0, min(3, level))) | (write ? 1 << 4 : 0)
            cbfrsynra[cb] = sid
        } else {
            contextBanks[cb].fsr |= 1 << 31
        }
        updateInterrupts()
        let report = contextBanks[cb].sctlr & (1 << 5) != 0  // SCTLR.CFRE
        return SMMUTranslation(outcome: .contextFault(contextBank: cb), cycles: cycles, abortsClient: report, contextBank: cb, fault: fault)
    }

    func globalFault(_ fault: SMMUFault, sid: UInt64, iova: UInt64, write: Bool) -> SMMUTranslation {
        stats.globalFaults &+= 1
        if gfsr & 0x17F == 0 {  // no fault-type bit (ICF..EF, UUT) recorded yet
            gfsr = fault.statusBit
            gfar = iova
            gfsynr[0] = write ? 1 << 1 : 0
            gfsynr[1] = sid
        } else {
            gfsr |= 1 << 31
        }
        updateInterrupts()
        // sCR0.GFRE. GCFGFRE reads as 0 on MMU-500, so the model lets GFRE govern every global
        // fault, configuration faults (USF, SMCF, ICF, UCBF) included: the model's reading.
        return SMMUTranslation(outcome: .globalFault, cycles: costs.fault, abortsClient: scr0 & (1 << 1) != 0, fault: fault)
    }
}
