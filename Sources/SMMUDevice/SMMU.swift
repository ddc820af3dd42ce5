import Stage2

/// An SMMUv2 in the style of Arm's MMU-500, stage 2 only (HARDWARE.md): register frame, stream
/// matching, context banks, an IOTLB, and translation by walking the context bank's stage-2
/// tables in RAM. It knows nothing of the hypervisor that programs it.
public final class SMMU: MMIODevice {
    public let name: String
    public let contextBankCount: Int
    public let streamMatchGroups: Int
    public var costs: SMMUCostModel
    public private(set) var stats = SMMUStats()
    let memory: PhysicalMemory

    // Global space 0 and 1.
    public private(set) var scr0: UInt64 = 0x0020_0001
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
    struct TLBEntry { var pa: UInt64; var permissions: Stage2Permissions }
    var iotlb: [TLBKey: TLBEntry] = [:]
    public var iotlbSize: Int { iotlb.count }

    public init(name: String, contextBanks: Int, streamMatchGroups: Int = 16, memory: PhysicalMemory, costs: SMMUCostModel = .init()) {
        self.name = name
        self.contextBankCount = max(1, min(8, contextBanks))
        self.streamMatchGroups = max(1, min(128, streamMatchGroups))
        self.memory = memory
        self.costs = costs
        smr = Array(repeating: 0, count: self.streamMatchGroups)
        s2cr = Array(repeating: 2 << 16, count: self.streamMatchGroups)
        cbar = Array(repeating: 2 << 16, count: self.contextBankCount)
        cba2r = Array(repeating: 0, count: self.contextBankCount)
        cbfrsynra = Array(repeating: 0, count: self.contextBankCount)
        self.contextBanks = Array(repeating: ContextBank(), count: self.contextBankCount)
    }

    // MARK: ID registers (truthful for this instance)

    var idr0: UInt64 { 1 << 29 | 1 << 27 | UInt64(streamMatchGroups) }  // S2TS, SMS, NUMSMRG
    var idr1: UInt64 { 2 << 28 | UInt64(contextBankCount) << 16 | UInt64(contextBankCount) }  // NUMPAGENDXB=2, NUMS2CB, NUMCB
    var idr2: UInt64 { 1 << 12 | 2 << 4 | 2 }  // PTFS_4K, OAS = IAS = 40 bits
    var idr7: UInt64 { 0x21 }  // MMU-500 r2p1 style MAJOR/MINOR

    // MARK: MMIODevice

    public func read(offset: UInt64, size: Int) -> UInt64 {
        let off = offset & 0xFFFF
        let laneMask: UInt64 = size >= 4 ? 0xFFFF_FFFF : (1 << UInt64(max(1, size) * 8)) - 1
        if is64(off & ~7) {  // a 64-bit register: whole, or a 32-bit read of either half
            let v = read64(off & ~7) ?? 0
            if size == 8 && off & 7 == 0 { return v }
            return (off & 4 == 0 ? v : v >> 32) & laneMask
        }
        return (read32(off & ~3) >> ((off & 3) * 8)) & laneMask
    }

    public func write(offset: UInt64, size: Int, value: UInt64) -> UInt64 {
        let off = offset & 0xFFFF
        if is64(off & ~7) {
            let old = read64(off & ~7) ?? 0
            let v: UInt64
            if size == 8 && off & 7 == 0 { v = value }
            else if off & 4 == 0 { v = (old & ~0xFFFF_FFFF) | (value & 0xFFFF_FFFF) }
            else { v = (old & 0xFFFF_FFFF) | (value & 0xFFFF_FFFF) << 32 }
            write64(off & ~7, v)
            return 0
        }
        guard size >= 4 else { return 0 }  // sub-word writes to 32-bit registers are ignored
        write32(off & ~3, value & 0xFFFF_FFFF)
        return 0
    }

    func is64(_ off: UInt64) -> Bool {
        if off == 0x40 { return true }
        if off >= 0x8000 {
            let r = off & 0xFFF
            return r == 0x20 || r == 0x28 || r == 0x50 || r == 0x60 || r == 0x630 || r == 0x638
        }
        return false
    }

    func cbIndex(_ off: UInt64) -> Int? {
        guard off >= 0x8000 else { return nil }
        let n = Int((off - 0x8000) >> 12)
        return n < contextBankCount ? n : nil
    }

    func read64(_ off: UInt64) -> UInt64? {
        guard is64(off) else { return nil }
        if off == 0x40 { return gfar }
        guard let n = cbIndex(off) else { return 0 }
        switch off & 0xFFF {
        case 0x20: return contextBanks[n].ttbr0
        case 0x28: return contextBanks[n].ttbr1
        case 0x50: return contextBanks[n].par
        case 0x60: return contextBanks[n].far
        default: return 0  // TLBIIPAS2(L): write-only
        }
    }

    func write64(_ off: UInt64, _ v: UInt64) {
        if off == 0x40 { gfar = v; return }
        guard let n = cbIndex(off) else { return }
        switch off & 0xFFF {
        case 0x20: contextBanks[n].ttbr0 = v
        case 0x28: contextBanks[n].ttbr1 = v
        case 0x60: contextBanks[n].far = v
        case 0x630, 0x638: invalidate(cb: n, page: v & 0xF_FFFF_FFFF)  // TLBIIPAS2(L): IPA >> 12
        default: break
        }
    }

    func read32(_ off: UInt64) -> UInt64 {
        switch off {
        case 0x00: return scr0
        case 0x08: return scr2
        case 0x20: return idr0
        case 0x24: return idr1
        case 0x28: return idr2
        case 0x3C: return idr7
        case 0x48: return gfsr
        case 0x50, 0x54, 0x58: return gfsynr[Int((off - 0x50) / 4)]
        case 0x74: return 0  // sTLBGSTATUS.GSACTIVE: syncs complete at once
        case 0x800..<0xC00:
            let i = Int((off - 0x800) / 4)
            return i < streamMatchGroups ? smr[i] : 0
        case 0xC00..<0x1000:
            let i = Int((off - 0xC00) / 4)
            return i < streamMatchGroups ? s2cr[i] : 0
        case 0x1000..<0x1400:
            let i = Int((off - 0x1000) / 4)
            return i < contextBankCount ? cbar[i] : 0
        case 0x1400..<0x1800:
            let i = Int((off - 0x1400) / 4)
            return i < contextBankCount ? cbfrsynra[i] : 0
        case 0x1800..<0x1C00:
            let i = Int((off - 0x1800) / 4)
            return i < contextBankCount ? cba2r[i] : 0
        default:
            guard let n = cbIndex(off) else { return 0 }
            let cb = contextBanks[n]
            switch off & 0xFFF {
            case 0x00: return cb.sctlr
            case 0x04: return cb.actlr
            case 0x10: return cb.tcr2
            case 0x30: return cb.tcr
            case 0x34: return cb.contextidr
            case 0x38: return cb.mair0
            case 0x3C: return cb.mair1
            case 0x58: return cb.fsr
            case 0x68: return cb.fsynr0
            case 0x6C: return cb.fsynr1
            default: return 0  // TLBSTATUS.SACTIVE = 0, reserved offsets RAZ
            }
        }
    }

    func write32(_ off: UInt64, _ v: UInt64) {
        switch off {
        case 0x00: scr0 = (v & 0xFFFF_FFFF) | 1 << 21  // SMCFCFG is RO 1 on MMU-500
        case 0x08: scr2 = v & 0xFF
        case 0x48: gfsr &= ~v  // write 1 to clear
        case 0x64: invalidate(vmid: v & 0xFFFF)  // TLBIVMID
        case 0x68: iotlb.removeAll()  // TLBIALLNSNH
        case 0x800..<0xC00:
            let i = Int((off - 0x800) / 4)
            if i < streamMatchGroups { smr[i] = v & 0xFFFF_7FFF }
        case 0xC00..<0x1000:
            let i = Int((off - 0xC00) / 4)
            if i < streamMatchGroups { s2cr[i] = v & 0x0303_04FF }
        case 0x1000..<0x1400:
            let i = Int((off - 0x1000) / 4)
            if i < contextBankCount { cbar[i] = v & 0x0003_F7FF }
        case 0x1800..<0x1C00:
            let i = Int((off - 0x1800) / 4)
            if i < contextBankCount { cba2r[i] = v & 0xFFFF_0003 }
        default:
            guard let n = cbIndex(off) else { return }
            switch off & 0xFFF {
            case 0x00: contextBanks[n].sctlr = v & 0x1FFF
            case 0x04: contextBanks[n].actlr = v
            case 0x10: contextBanks[n].tcr2 = v
            case 0x30: contextBanks[n].tcr = v
            case 0x34: contextBanks[n].contextidr = v
            case 0x38: contextBanks[n].mair0 = v
            case 0x3C: contextBanks[n].mair1 = v
            case 0x58: contextBanks[n].fsr &= ~v  // write 1 to clear
            case 0x5C: contextBanks[n].fsr = v  // FSRRESTORE
            case 0x68: contextBanks[n].fsynr0 = v
            case 0x618: invalidate(vmid: vmid(ofContextBank: n))  // TLBIALL for a stage-2 context
            default: break
            }
        }
    }

    // MARK: TLB maintenance

    func vmid(ofContextBank n: Int) -> UInt64 {
        scr0 & (1 << 31) != 0 ? cba2r[n] >> 16 : cbar[n] & 0xFF
    }

    func invalidate(vmid: UInt64) { iotlb = iotlb.filter { $0.key.vmid != vmid } }
    func invalidate(cb: Int, page: UInt64) { iotlb = iotlb.filter { !($0.key.cb == cb && $0.key.page == page) } }

    // MARK: Translation (ARM IHI 0062: stream matching → S2CR → CBAR → context bank → walk)

    /// Translates one transaction from `streamID` at `iova`.
    public func translate(streamID: UInt32, iova: UInt64, write: Bool) -> SMMUTranslation {
        stats.translations &+= 1
        if scr0 & 1 != 0 {  // CLIENTPD: every client bypasses
            stats.bypassed &+= 1
            return SMMUTranslation(outcome: .address(iova), cycles: costs.tlbHit)
        }
        let sid = UInt64(streamID & 0x7FFF)
        var hit: Int?
        for n in 0..<streamMatchGroups where smr[n] >> 31 == 1 {
            let id = smr[n] & 0x7FFF, mask = (smr[n] >> 16) & 0x7FFF
            if (sid ^ id) & ~mask == 0 {
                if hit != nil { return globalFault(0x4, sid: sid, iova: iova, write: write) }  // SMCF
                hit = n
            }
        }
        guard let n = hit else {
            if scr0 & (1 << 10) != 0 { return globalFault(0x2, sid: sid, iova: iova, write: write) }  // USF
            stats.bypassed &+= 1
            return SMMUTranslation(outcome: .address(iova), cycles: costs.tlbHit)
        }
        switch (s2cr[n] >> 16) & 3 {
        case 1:
            stats.bypassed &+= 1
            return SMMUTranslation(outcome: .address(iova), cycles: costs.tlbHit)
        case 0: break
        default: return globalFault(0x1, sid: sid, iova: iova, write: write)  // S2CR fault type (ICF-style)
        }
        let cb = Int(s2cr[n] & 0xFF)
        guard cb < contextBankCount, (cbar[cb] >> 16) & 3 == 0 else {
            return globalFault(0x8, sid: sid, iova: iova, write: write)  // UCBF: no usable stage-2 bank
        }
        let bank = contextBanks[cb]
        if !bank.enabled {
            stats.bypassed &+= 1
            return SMMUTranslation(outcome: .address(iova), cycles: costs.tlbHit)
        }
        let vmid = vmid(ofContextBank: cb)
        let needed: Stage2Permissions = write ? .write : .read
        let key = TLBKey(cb: cb, vmid: vmid, page: iova >> 12)
        if let e = iotlb[key], e.permissions.contains(needed) {
            stats.tlbHits &+= 1
            return SMMUTranslation(outcome: .address(e.pa | (iova & 0xFFF)), cycles: costs.tlbHit)
        }
        stats.tlbMisses &+= 1
        stats.walks &+= 1
        guard let regime = Stage2Regime.fromVTCR(bank.tcr, root: bank.ttbr0 & 0xFF_FFFF_FFFF) else {
            return contextFault(cb, kind: 1 << 1, level: 0, iova: iova, write: write, sid: sid, cycles: costs.fault)
        }
        let walk = Stage2Walker.walk(iova, regime: regime, memory: memory)
        let walkCycles = UInt64(walk.descriptorReads) &* costs.walkPerLevel
        switch walk.result {
        case .success(let t):
            if let f = Stage2Walker.check(t, needed: needed) {
                return contextFault(cb, kind: 1 << 3, level: f.level, iova: iova, write: write, sid: sid, cycles: walkCycles &+ costs.fault)
            }
            iotlb[key] = TLBEntry(pa: t.physicalAddress & ~0xFFF, permissions: t.permissions)
            return SMMUTranslation(outcome: .address(t.physicalAddress), cycles: walkCycles)
        case .failure(let f):
            let bit: UInt64
            switch f.kind {
            case .translation: bit = 1 << 1
            case .accessFlag: bit = 1 << 2
            case .permission: bit = 1 << 3
            case .externalAbortOnWalk: bit = 1 << 4
            case .addressSize: bit = 1 << 7
            }
            return contextFault(cb, kind: bit, level: f.level, iova: iova, write: write, sid: sid, cycles: walkCycles &+ costs.fault)
        }
    }

    /// Records a context fault: the first fault fills FSR/FAR/FSYNR0/CBFRSYNRA; a further one
    /// while FSR is non-zero only sets FSR.MULTI.
    func contextFault(_ cb: Int, kind: UInt64, level: Int, iova: UInt64, write: Bool, sid: UInt64, cycles: UInt64) -> SMMUTranslation {
        stats.contextFaults &+= 1
        if contextBanks[cb].fsr & 0xFF == 0 {
            contextBanks[cb].fsr |= kind
            contextBanks[cb].far = iova
            contextBanks[cb].fsynr0 = UInt64(max(0, min(3, level))) | (write ? 1 << 4 : 0)
            cbfrsynra[cb] = sid
        } else {
            contextBanks[cb].fsr |= 1 << 31
        }
        return SMMUTranslation(outcome: .contextFault(contextBank: cb), cycles: cycles)
    }

    func globalFault(_ bit: UInt64, sid: UInt64, iova: UInt64, write: Bool) -> SMMUTranslation {
        stats.globalFaults &+= 1
        if gfsr == 0 {
            gfsr = bit
            gfar = iova
            gfsynr[0] = write ? 1 << 1 : 0
            gfsynr[1] = sid
        } else {
            gfsr |= 1 << 31
        }
        return SMMUTranslation(outcome: .globalFault, cycles: costs.fault)
    }
}
