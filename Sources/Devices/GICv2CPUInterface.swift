import Stage2

/// The GICv2 CPU interface register frame (ARM IHI 0048B 4.4), 0x0801_0000 on this machine,
/// banked per CPU: every access reaches the interface of `currentCPU`. GICC_DIR is at +0x1000,
/// as on QEMU's virt machine, so the frame is 8 KiB or more.
public final class GICv2CPUInterface: MMIODevice {
    /// Register writes never reach RAM (decoded code stays valid across them).
    public var writesMemory: Bool { false }
    public let name = "GICC"
    public let gic: GICv2
    /// The CPU making the access.
    public var currentCPU = 0

    public init(gic: GICv2) { self.gic = gic }

    /// Register offsets.
    enum Register {
        static let ctlr: UInt64 = 0x00, pmr: UInt64 = 0x04, bpr: UInt64 = 0x08, iar: UInt64 = 0x0C
        static let eoir: UInt64 = 0x10, rpr: UInt64 = 0x14, hppir: UInt64 = 0x18, abpr: UInt64 = 0x1C
        static let apr: UInt64 = 0xD0, iidr: UInt64 = 0xFC, dir: UInt64 = 0x1000
    }

    /// GICC_IIDR: architecture version 2 (19:16), implementer ARM (0x43B), as QEMU reports.
    static let interfaceID: UInt32 = 0x0002_043B

    public func read(offset: UInt64, size: Int) -> UInt64 {
        guard offset & 3 == 0, size == 4 else {
            gic.guestError("GICC: \(size)-byte read at +0x\(String(offset, radix: 16))")
            return 0
        }
        let cpu = min(currentCPU, gic.cpuCount - 1)
        switch offset {
        case Register.ctlr: return UInt64(gic.cpuControl[cpu])
        case Register.pmr: return UInt64(gic.priorityMask[cpu])
        case Register.bpr: return UInt64(gic.binaryPoint[cpu])
        case Register.abpr: return UInt64(gic.aliasedBinaryPoint[cpu])
        case Register.iar: return UInt64(gic.acknowledge(cpu))
        case Register.rpr: return UInt64(gic.runningPriority(cpu))
        case Register.hppir:
            guard let p = gic.presented(cpu) else { return UInt64(GICv2.spurious) }
            if p.id < 16 {
                let source = gic.sgiSources[cpu * 16 + p.id].trailingZeroBitCount
                return UInt64(p.id | source << 10)
            }
            return UInt64(p.id)
        case Register.apr..<Register.apr + 0x10:
            let (lo, hi) = gic.activePriorities[cpu]
            let word = (offset - Register.apr) / 4
            return word < 2 ? (lo >> (32 * word)) & 0xFFFF_FFFF : (hi >> (32 * (word - 2))) & 0xFFFF_FFFF
        case Register.iidr: return UInt64(Self.interfaceID)
        case Register.eoir, Register.dir: return 0  // write-only
        default: return 0
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) -> UInt64 {
        guard offset & 3 == 0, size == 4 else {
            gic.guestError("GICC: \(size)-byte write at +0x\(String(offset, radix: 16)) ignored")
            return 0
        }
        let cpu = min(currentCPU, gic.cpuCount - 1)
        let v = UInt32(truncatingIfNeeded: value)
        switch offset {
        case Register.ctlr: gic.cpuControl[cpu] = v & CPUInterfaceControl.writable
        case Register.pmr: gic.priorityMask[cpu] = UInt8(truncatingIfNeeded: v)
        case Register.bpr: gic.binaryPoint[cpu] = max(GICv2.minimumBinaryPoint, UInt8(v & 7))
        case Register.abpr: gic.aliasedBinaryPoint[cpu] = max(GICv2.minimumBinaryPoint + 1, UInt8(v & 7))
        case Register.eoir: gic.endOfInterrupt(cpu, v); return 0
        case Register.dir: gic.deactivateInterrupt(cpu, v); return 0
        case Register.apr..<Register.apr + 0x10:
            let word = (offset - Register.apr) / 4
            var (lo, hi) = gic.activePriorities[cpu]
            if word < 2 {
                lo = lo & ~(0xFFFF_FFFF << (32 * word)) | UInt64(v) << (32 * word)
            } else {
                hi = hi & ~(0xFFFF_FFFF << (32 * (word - 2))) | UInt64(v) << (32 * (word - 2))
            }
            gic.activePriorities[cpu] = (lo, hi)
        case Register.iar, Register.rpr, Register.hppir, Register.iidr:
            gic.guestError("GICC: write to read-only register +0x\(String(offset, radix: 16)) ignored")
            return 0
        default:
            return 0
        }
        gic.update()
        return 0
    }
}
