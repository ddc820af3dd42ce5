import Stage2

/// The GICv2 distributor's register frame (ARM IHI 0048B 4.3), 0x0800_0000 on this machine.
/// Banked registers (SGI/PPI bits, ITARGETSR0–7, the SGI pending registers) show the accessing
/// CPU's copy: `currentCPU` is set by the machine to the CPU that is running.
public final class GICv2Distributor: MMIODevice {
    /// Register writes never reach RAM (decoded code stays valid across them).
    public var writesMemory: Bool { false }
    public let name = "GICD"
    public let gic: GICv2
    /// The CPU making the access.
    public var currentCPU = 0

    public init(gic: GICv2) { self.gic = gic }

    /// Register offsets.
    enum Register {
        static let ctlr: UInt64 = 0x000, typer: UInt64 = 0x004, iidr: UInt64 = 0x008
        static let igroupr: UInt64 = 0x080, isenabler: UInt64 = 0x100, icenabler: UInt64 = 0x180
        static let ispendr: UInt64 = 0x200, icpendr: UInt64 = 0x280
        static let isactiver: UInt64 = 0x300, icactiver: UInt64 = 0x380
        static let ipriorityr: UInt64 = 0x400, itargetsr: UInt64 = 0x800, icfgr: UInt64 = 0xC00
        static let sgir: UInt64 = 0xF00, cpendsgir: UInt64 = 0xF10, spendsgir: UInt64 = 0xF20
        static let identification: UInt64 = 0xFD0
    }

    /// GICD_IIDR as QEMU's GIC reports it: implementer 0x43B (ARM), revision and product 0.
    static let implementerID: UInt32 = 0x0000_043B
    /// Peripheral and component IDs at 0xFD0–0xFFC (QEMU's GICv2 values).
    static let identificationBytes: [UInt8] = [0x04, 0x00, 0x00, 0x00, 0x90, 0xB4, 0x2B, 0x00, 0x0D, 0xF0, 0x05, 0xB1]

    /// GICD_TYPER: ITLinesNumber (4:0) = interrupts/32 − 1, CPUNumber (7:5), no Security Extensions.
    var typer: UInt32 { UInt32(GICv2.interruptCount / 32 - 1) | UInt32(gic.cpuCount - 1) << 5 }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        if isByteRegister(offset) {
            var v: UInt64 = 0
            for i in 0..<min(max(size, 1), 8) { v |= UInt64(readByte(offset &+ UInt64(i))) << (8 * UInt64(i)) }
            return v
        }
        guard offset & 3 == 0, size == 4 || size == 8 else {
            gic.guestError("GICD: \(size)-byte read at +0x\(String(offset, radix: 16))")
            return 0
        }
        var v = UInt64(readWord(offset))
        if size == 8 { v |= UInt64(readWord(offset &+ 4)) << 32 }
        return v
    }

    public func write(offset: UInt64, size: Int, value: UInt64) -> UInt64 {
        if isByteRegister(offset) {
            for i in 0..<min(max(size, 1), 8) { writeByte(offset &+ UInt64(i), UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
        } else if offset & 3 == 0, size == 4 || size == 8 {
            writeWord(offset, UInt32(truncatingIfNeeded: value))
            if size == 8 { writeWord(offset &+ 4, UInt32(truncatingIfNeeded: value >> 32)) }
        } else {
            gic.guestError("GICD: \(size)-byte write at +0x\(String(offset, radix: 16)) ignored")
            return 0
        }
        gic.update()
        return 0
    }

    /// IPRIORITYR, ITARGETSR and the SGI pending registers are byte-accessible.
    func isByteRegister(_ offset: UInt64) -> Bool {
        (Register.ipriorityr..<Register.icfgr).contains(offset) || (Register.cpendsgir..<Register.spendsgir + 0x10).contains(offset)
    }

    func readByte(_ offset: UInt64) -> UInt8 {
        let cpu = currentCPU
        switch offset {
        case Register.ipriorityr..<Register.ipriorityr + 0x400:
            guard let s = gic.slot(cpu, Int(offset - Register.ipriorityr)) else { return 0 }
            return gic.priority[s]
        case Register.itargetsr..<Register.itargetsr + 0x400:
            let id = Int(offset - Register.itargetsr)
            if id < 32 { return UInt8(1 << cpu) }  // SGIs and PPIs target the reading CPU (read-only)
            return id < GICv2.interruptCount ? gic.targets[id - 32] : 0
        case Register.cpendsgir..<Register.spendsgir + 0x10:
            let sgi = Int(offset & 0xF)
            return gic.sgiSources[cpu * 16 + sgi]
        default:
            return 0
        }
    }

    func writeByte(_ offset: UInt64, _ value: UInt8) {
        let cpu = currentCPU
        switch offset {
        case Register.ipriorityr..<Register.ipriorityr + 0x400:
            if let s = gic.slot(cpu, Int(offset - Register.ipriorityr)) { gic.priority[s] = value }
        case Register.itargetsr..<Register.itargetsr + 0x400:
            let id = Int(offset - Register.itargetsr)
            if id >= 32 && id < GICv2.interruptCount {
                gic.targets[id - 32] = value & UInt8(truncatingIfNeeded: (1 << gic.cpuCount) - 1)
            }
        case Register.cpendsgir..<Register.spendsgir:
            gic.sgiSources[cpu * 16 + Int(offset & 0xF)] &= ~value
        case Register.spendsgir..<Register.spendsgir + 0x10:
            gic.sgiSources[cpu * 16 + Int(offset & 0xF)] |= value & UInt8(truncatingIfNeeded: (1 << gic.cpuCount) - 1)
        default:
            break
        }
    }

    /// One bit per interrupt: the 32 interrupts of register `n` of a bitmap starting at `base`.
    func bitmap(_ offset: UInt64, base: UInt64, _ bit: (Int, Int) -> Bool) -> UInt32 {
        let first = Int((offset - base) / 4) * 32
        var v: UInt32 = 0
        for i in 0..<32 {
            if let s = gic.slot(currentCPU, first + i), bit(first + i, s) { v |= 1 << UInt32(i) }
        }
        return v
    }

    func forEachSet(_ offset: UInt64, base: UInt64, _ value: UInt32, _ body: (Int, Int) -> Void) {
        let first = Int((offset - base) / 4) * 32
        for i in 0..<32 where value & (1 << UInt32(i)) != 0 {
            if let s = gic.slot(currentCPU, first + i) { body(first + i, s) }
        }
    }

    func readWord(_ offset: UInt64) -> UInt32 {
        let cpu = currentCPU
        switch offset {
        case Register.ctlr: return gic.distributorControl
        case Register.typer: return typer
        case Register.iidr: return Self.implementerID
        case Register.igroupr..<Register.isenabler: return bitmap(offset, base: Register.igroupr) { gic.group[$1] }
        case Register.isenabler..<Register.ispendr:
            return bitmap(offset, base: offset < Register.icenabler ? Register.isenabler : Register.icenabler) { gic.enabled[$1] }
        case Register.ispendr..<Register.isactiver:
            return bitmap(offset, base: offset < Register.icpendr ? Register.ispendr : Register.icpendr) { gic.isPending(cpu, $0, $1) }
        case Register.isactiver..<Register.ipriorityr:
            return bitmap(offset, base: offset < Register.icactiver ? Register.isactiver : Register.icactiver) { gic.active[$1] }
        case Register.icfgr..<Register.icfgr + 0x100:
            let first = Int(offset - Register.icfgr) * 4
            var v: UInt32 = 0
            for i in 0..<16 {
                if let s = gic.slot(cpu, first + i), gic.edge[s] { v |= 2 << UInt32(2 * i) }
            }
            return v
        case Register.identification..<0x1000:
            return UInt32(Self.identificationBytes[Int(offset - Register.identification) / 4])
        case Register.sgir: return 0  // write-only
        default:
            return 0
        }
    }

    func writeWord(_ offset: UInt64, _ value: UInt32) {
        let cpu = currentCPU
        switch offset {
        case Register.ctlr: gic.distributorControl = value & 3
        case Register.igroupr..<Register.isenabler:
            let first = Int((offset - Register.igroupr) / 4) * 32
            for i in 0..<32 { if let s = gic.slot(cpu, first + i) { gic.group[s] = value & (1 << UInt32(i)) != 0 } }
        // SGIs are always enabled (IMPLEMENTATION DEFINED; QEMU's choice): their enable bits are WI.
        case Register.isenabler..<Register.icenabler:
            forEachSet(offset, base: Register.isenabler, value) { id, s in if id >= 16 { gic.enabled[s] = true } }
        case Register.icenabler..<Register.ispendr:
            forEachSet(offset, base: Register.icenabler, value) { id, s in if id >= 16 { gic.enabled[s] = false } }
        // SGIs are made pending through GICD_SGIR/SPENDSGIR only: their set/clear-pending bits are WI.
        case Register.ispendr..<Register.icpendr:
            forEachSet(offset, base: Register.ispendr, value) { id, s in if id >= 16 { gic.pendingLatch[s] = true } }
        case Register.icpendr..<Register.isactiver:
            forEachSet(offset, base: Register.icpendr, value) { id, s in if id >= 16 { gic.pendingLatch[s] = false } }
        case Register.isactiver..<Register.icactiver:
            forEachSet(offset, base: Register.isactiver, value) { _, s in gic.active[s] = true }
        case Register.icactiver..<Register.ipriorityr:
            forEachSet(offset, base: Register.icactiver, value) { _, s in gic.active[s] = false }
        case Register.icfgr..<Register.icfgr + 0x100:
            let first = Int(offset - Register.icfgr) * 4
            for i in 0..<16 where first + i >= 16 {  // SGIs are edge-triggered, read-only
                if let s = gic.slot(cpu, first + i) { gic.edge[s] = value & (2 << UInt32(2 * i)) != 0 }
            }
        case Register.sgir:
            let id = Int(value & 0xF)
            let all = UInt8(truncatingIfNeeded: (1 << gic.cpuCount) - 1)
            switch (value >> 24) & 3 {
            case 0: gic.sendSGI(id, from: cpu, to: UInt8(truncatingIfNeeded: value >> 16) & all)
            case 1: gic.sendSGI(id, from: cpu, to: all & ~UInt8(1 << cpu))
            case 2: gic.sendSGI(id, from: cpu, to: UInt8(1 << cpu))
            default: gic.guestError("GICD_SGIR: reserved TargetListFilter 0b11 ignored")
            }
        case Register.typer, Register.iidr, Register.identification..<0x1000:
            gic.guestError("GICD: write to read-only register +0x\(String(offset, radix: 16)) ignored")
        default:
            break
        }
    }
}
