import Stage2

/// A DMA engine behind an SMMU (HARDWARE.md): SRC, DST, LEN (≤ 1 MiB), SID, CTRL, STATUS,
/// FAULT_IOVA. Writing 1 to CTRL copies LEN bytes beat by beat; every beat's source and
/// destination are translated by the SMMU exactly as a device's transactions are. The first
/// translation the SMMU aborts (a fault with SCTLR.CFRE or sCR0.GFRE set, as Linux programs
/// them) or an address with no RAM behind it stops the copy with STATUS = 2 and FAULT_IOVA; a
/// fault the SMMU does not report to the client reads as zero and drops the write. The copy
/// completes before the CTRL write returns, and the write returns its cycles.
public final class DMAEngine: MMIODevice {
    public let name: String
    public let smmu: SMMU
    let memory: PhysicalMemory
    /// Largest copy accepted; a larger LEN faults at once with FAULT_IOVA = SRC (documented choice).
    public static let maxLength: UInt64 = 1 << 20
    /// Bytes per beat; beats never cross a 4 KiB page, so each is one translation.
    public static let beatSize: UInt64 = 64
    /// Cycles per beat on top of the SMMU's translation cost.
    public var cyclesPerBeat: UInt64 = 4

    public private(set) var src: UInt64 = 0
    public private(set) var dst: UInt64 = 0
    public private(set) var len: UInt64 = 0
    public private(set) var sid: UInt64 = 0
    /// 0 idle, 1 done, 2 faulted.
    public private(set) var status: UInt64 = 0
    public private(set) var faultIOVA: UInt64 = 0
    public private(set) var bytesCopied: UInt64 = 0
    /// Called with every transaction of a copy, in order, when set (traces). Nil costs one
    /// check per beat.
    public var transactionObserver: ((DMATransaction) -> Void)?
    /// Told the physical range of every write the engine makes to RAM (the machine drops the
    /// CPUs' decoded code when it covers a page code came from). Without one, a write to the
    /// engine counts as a write to all of RAM (`writesMemory`).
    public var memoryWritten: ((_ pa: UInt64, _ length: UInt64) -> Void)?
    public var writesMemory: Bool { memoryWritten == nil }
    /// Told when a copy ends, done or faulted (STATUS, `bytesCopied` and `faultIOVA` are final).
    public var copyEnded: ((DMAEngine) -> Void)?
    /// The copy-done/faulted interrupt line: raised when a copy ends (done or faulted), lowered
    /// by the next CTRL start or by any write to STATUS (which keeps its value: the write only
    /// acknowledges). HARDWARE.md numbers the line but gives no acknowledge; this is the model's.
    public var interrupt: (Bool) -> Void = { _ in }
    public private(set) var interruptLevel = false

    func setInterrupt(_ high: Bool) {
        guard high != interruptLevel else { return }
        interruptLevel = high
        interrupt(high)
    }

    public init(name: String, smmu: SMMU, memory: PhysicalMemory) {
        self.name = name
        self.smmu = smmu
        self.memory = memory
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        let v: UInt64
        switch offset & ~3 {
        case 0x00: v = src
        case 0x04: v = src >> 32
        case 0x08: v = dst
        case 0x0C: v = dst >> 32
        case 0x10: v = len
        case 0x14: v = sid
        case 0x1C: v = status
        case 0x20: v = faultIOVA
        case 0x24: v = faultIOVA >> 32
        default: v = 0
        }
        if size == 8 && (offset == 0 || offset == 8 || offset == 0x20) { return v }
        let word = v & 0xFFFF_FFFF
        guard size < 4 else { return word }
        return (word >> ((offset & 3) * 8)) & ((1 << UInt64(max(1, size) * 8)) - 1)
    }

    /// 32-bit writes (64-bit ones to SRC, DST); sub-word writes are ignored, so a stray byte
    /// store cannot start a copy.
    public func write(offset: UInt64, size: Int, value: UInt64) -> UInt64 {
        guard size >= 4 else { return 0 }
        func set(_ r: inout UInt64, _ at: UInt64) {
            if size == 8 && offset == at { r = value }
            else if offset == at { r = (r & ~0xFFFF_FFFF) | (value & 0xFFFF_FFFF) }
            else if offset == at + 4 { r = (r & 0xFFFF_FFFF) | (value & 0xFFFF_FFFF) << 32 }
        }
        switch offset {
        case 0x00, 0x04: set(&src, 0)
        case 0x08, 0x0C: set(&dst, 8)
        case 0x10: len = value & 0xFFFF_FFFF
        case 0x14: sid = value & 0xFFFF_FFFF
        case 0x18:
            if value & 1 == 1 {
                setInterrupt(false)
                let cycles = copy()
                setInterrupt(true)
                copyEnded?(self)
                return cycles
            }
        case 0x1C: setInterrupt(false)
        default: break
        }
        return 0
    }

    /// Runs the programmed copy. Bounded: at most 1 MiB in 64-byte beats.
    func copy() -> UInt64 {
        bytesCopied = 0
        guard len <= DMAEngine.maxLength else {
            status = 2
            faultIOVA = src
            return 0
        }
        var cycles: UInt64 = 0
        var done: UInt64 = 0
        var buffer = [UInt8](repeating: 0, count: Int(DMAEngine.beatSize))
        while done < len {
            let s = src &+ done, d = dst &+ done
            if transactionObserver == nil, let (bytes, c) = copyRun(s, d, len - done) {
                done &+= bytes
                bytesCopied = done
                cycles &+= c
                continue
            }
            let n = min(len - done, DMAEngine.beatSize, 0x1000 - (s & 0xFFF), 0x1000 - (d & 0xFFF))
            // A faulting beat stops the copy when the SMMU returns an abort; when the fault is
            // not reported to the client (SCTLR.CFRE / sCR0.GFRE clear) the read returns zeros,
            // the write is dropped, and the engine, seeing no error, goes on.
            let stream = UInt32(truncatingIfNeeded: sid)
            let rs = smmu.translate(streamID: stream, iova: s, write: false)
            transactionObserver?(DMATransaction(streamID: stream, iova: s, write: false, size: n, startOffset: cycles, translation: rs))
            cycles &+= rs.cycles
            var from: UnsafeMutableRawPointer?
            switch rs.outcome {
            case .address(let ps):
                guard let p = memory.pointer(ps, length: n) else { return fault(at: s, cycles: cycles) }  // no RAM: bus error
                from = p
            default:
                if rs.abortsClient { return fault(at: s, cycles: cycles) }
            }
            let rd = smmu.translate(streamID: stream, iova: d, write: true)
            transactionObserver?(DMATransaction(streamID: stream, iova: d, write: true, size: n, startOffset: cycles, translation: rd))
            cycles &+= rd.cycles
            var to: UnsafeMutableRawPointer?
            switch rd.outcome {
            case .address(let pd):
                guard let p = memory.pointer(pd, length: n) else { return fault(at: d, cycles: cycles) }
                to = p
                memoryWritten?(pd, n)
            default:
                if rd.abortsClient { return fault(at: d, cycles: cycles) }
            }
            buffer.withUnsafeMutableBytes { b in
                if let from { b.baseAddress!.copyMemory(from: from, byteCount: Int(n)) } else { b.initializeMemory(as: UInt8.self, repeating: 0) }
                to?.copyMemory(from: b.baseAddress!, byteCount: Int(n))
            }
            done &+= n
            bytesCopied = done
            cycles &+= cyclesPerBeat
        }
        status = 1
        return cycles
    }

    /// Copies the beats that stay in the current source and destination pages at once, when
    /// every one of them would hit the IOTLB with the permission it needs: the beats' results,
    /// cycles and SMMU counters are those of the beat-by-beat copy (each beat two IOTLB hits
    /// and `cyclesPerBeat`), only without translating the same two pages again for each.
    /// Returns the bytes copied and their cycles, or nil when a beat could miss, fault or leave
    /// RAM, or the two ranges overlap (the beat order then matters): the caller does one beat.
    func copyRun(_ s: UInt64, _ d: UInt64, _ remaining: UInt64) -> (UInt64, UInt64)? {
        let run = min(remaining, 0x1000 - (s & 0xFFF), 0x1000 - (d & 0xFFF))
        let beats = (run + DMAEngine.beatSize - 1) / DMAEngine.beatSize
        guard beats > 1 else { return nil }
        let stream = UInt32(truncatingIfNeeded: sid)
        guard let ps = smmu.hitAddress(streamID: stream, iova: s, write: false),
              let pd = smmu.hitAddress(streamID: stream, iova: d, write: true),
              ps &+ run <= pd || pd &+ run <= ps,
              let from = memory.pointer(ps, length: run), let to = memory.pointer(pd, length: run) else { return nil }
        to.copyMemory(from: from, byteCount: Int(run))
        memoryWritten?(pd, run)
        smmu.hits(2 &* beats)
        return (run, beats &* (2 &* smmu.costs.tlbHit &+ cyclesPerBeat))
    }

    func fault(at iova: UInt64, cycles: UInt64) -> UInt64 {
        status = 2
        faultIOVA = iova
        return cycles
    }
}
