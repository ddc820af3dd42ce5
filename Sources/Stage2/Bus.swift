/// A memory-mapped device on the physical bus (UART, SMMU register frame, DMA engine).
///
/// Offsets are relative to the device's base. Devices must accept any offset and size a guest
/// can produce: reserved offsets read as zero and ignore writes; they never trap.
public protocol MMIODevice: AnyObject {
    /// Short name used in traces ("UART0", "SMMU0", "DMA1").
    var name: String { get }
    /// A read of `size` bytes (1, 2, 4 or 8) at `offset`.
    func read(offset: UInt64, size: Int) -> UInt64
    /// A write of the low `size` bytes of `value` at `offset`.
    /// - Returns: extra cycles the access costs the CPU that made it (a DMA copy started by a
    ///   CTRL write completes before the write returns, and its time is charged here).
    func write(offset: UInt64, size: Int, value: UInt64) -> UInt64
    /// Whether a write to this device can change RAM (a DMA engine's copy): after one, the CPUs
    /// drop the code they decoded. True unless the device says otherwise, so that a device that
    /// does write memory can never leave stale instructions behind.
    var writesMemory: Bool { get }
}

extension MMIODevice {
    public var writesMemory: Bool { true }
}

/// One device window on the bus.
public struct MMIORegion {
    public let base: UInt64
    public let size: UInt64
    public let device: MMIODevice
    public init(base: UInt64, size: UInt64, device: MMIODevice) {
        self.base = base
        self.size = size
        self.device = device
    }
    @inline(__always) public func contains(_ pa: UInt64) -> Bool { pa >= base && pa &- base < size }
}

/// The physical address space: RAM plus device windows. Everything below the CPU's and the
/// SMMU's translation (CPU accesses after stage 2, SMMU table walks, DMA beats) ends here.
public final class PhysicalBus {
    public let ram: PhysicalMemory
    public private(set) var regions: [MMIORegion] = []

    public init(ram: PhysicalMemory) { self.ram = ram }

    /// Adds a device window. - Returns: false if it overlaps RAM or another window.
    @discardableResult
    public func attach(_ device: MMIODevice, base: UInt64, size: UInt64) -> Bool {
        guard size > 0, base <= UInt64.max - size else { return false }
        let end = base + size
        if base < ram.base + ram.size && ram.base < end { return false }
        for r in regions where base < r.base + r.size && r.base < end { return false }
        regions.append(MMIORegion(base: base, size: size, device: device))
        regions.sort { $0.base < $1.base }
        return true
    }

    /// The device window holding `pa`, if any. The windows are sorted and disjoint, so the only
    /// candidate is the last one starting at or below `pa` (a binary search: every device access
    /// of the guest comes through here).
    public func region(at pa: UInt64) -> MMIORegion? {
        var lo = 0, hi = regions.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if regions[mid].base <= pa { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0, regions[lo - 1].contains(pa) else { return nil }
        return regions[lo - 1]
    }

    /// What lies at a physical address.
    public enum Target { case ram, device(MMIORegion), none }

    public func target(of pa: UInt64) -> Target {
        if ram.contains(pa) { return .ram }
        if let r = region(at: pa) { return .device(r) }
        return .none
    }
}

/// Read access to physical memory for table walkers (the CPU's stage-2 walk, the SMMU's walk).
/// Descriptor reads come from RAM only; a walk that points outside RAM is an external abort.
public protocol PhysicalReader {
    func readPhysical64(_ pa: UInt64) -> UInt64?
}

extension PhysicalMemory: PhysicalReader {
    @inline(__always)
    public func readPhysical64(_ pa: UInt64) -> UInt64? { load(pa, size: 8) }
}
