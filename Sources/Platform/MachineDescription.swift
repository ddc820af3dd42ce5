/// The emulated machine in one place (HARDWARE.md's memory map and interrupt table): the bus
/// places its devices from it and the device-tree writer describes it, so the two cannot drift.
public struct MachineDescription: Equatable, Sendable {
    /// A GIC interrupt: its INTID (SGI 0–15, PPI 16–31, SPI 32–1019).
    public typealias INTID = UInt32

    /// One SMMUv2 frame and the interrupts it raises.
    public struct SMMUDescription: Equatable, Sendable {
        public var base: UInt64
        public var size: UInt64
        public var contextBanks: Int
        /// Global fault interrupt; the context banks' follow it, one each, in bank order.
        public var globalInterrupt: INTID
        public func contextInterrupt(bank: Int) -> INTID { globalInterrupt &+ 1 &+ UInt32(truncatingIfNeeded: bank) }
    }

    /// A DMA engine: its register page, the SMMU it sits behind, the stream it presents by
    /// default in the device tree, and its copy-done/faulted interrupt.
    public struct DMAEngineDescription: Equatable, Sendable {
        public var base: UInt64
        public var size: UInt64
        public var smmu: Int
        public var streamID: UInt32
        public var interrupt: INTID
    }

    public var ramBase: UInt64
    public var ramSize: UInt64
    /// CPUs 0..<cpus, MPIDR_EL1.Aff0 = index (1–8).
    public var cpus: Int

    public var flashBase: UInt64 = 0
    public var flashSize: UInt64 = 0x0400_0000
    public var gicDistributorBase: UInt64 = 0x0800_0000
    public var gicCPUInterfaceBase: UInt64 = 0x0801_0000
    public var gicRegionSize: UInt64 = 0x1_0000
    public var uartBase: UInt64 = 0x0900_0000
    public var uartSize: UInt64 = 0x1000
    public var uartInterrupt: INTID = 33
    /// The PL011's reference clock (QEMU virt's `apb-pclk`: a fixed 24 MHz clock).
    public var uartClockHz: UInt32 = 24_000_000
    public var smmus: [SMMUDescription] = [
        SMMUDescription(base: 0x0905_0000, size: 0x1_0000, contextBanks: 8, globalInterrupt: 40),
        SMMUDescription(base: 0x0906_0000, size: 0x1_0000, contextBanks: 4, globalInterrupt: 50),
    ]
    public var dmaEngines: [DMAEngineDescription] = [
        DMAEngineDescription(base: 0x0907_0000, size: 0x1000, smmu: 0, streamID: 0, interrupt: 60),
        DMAEngineDescription(base: 0x0907_1000, size: 0x1000, smmu: 1, streamID: 0, interrupt: 61),
    ]

    /// Generic timer PPIs (INTIDs), as QEMU virt wires them.
    public var timerEL2PhysicalInterrupt: INTID = 26
    public var timerVirtualInterrupt: INTID = 27
    public var timerSecurePhysicalInterrupt: INTID = 29
    public var timerPhysicalInterrupt: INTID = 30

    /// The EL2 carve-out at the top of RAM (`ramBase + ramSize - carveOutSize` up); the host
    /// never sees it, so the device tree's memory node stops below it.
    public var carveOutSize: UInt64

    public init(ramBase: UInt64 = 0x4000_0000, ramSize: UInt64 = 256 << 20, cpus: Int = 1, carveOutSize: UInt64 = 0) {
        self.ramBase = ramBase
        self.ramSize = ramSize
        self.cpus = max(1, min(8, cpus))
        self.carveOutSize = min(carveOutSize, ramSize)
    }

    /// RAM the host may use: RAM less the EL2 carve-out.
    public var hostRAMSize: UInt64 { ramSize - carveOutSize }

    /// Where the generated device tree goes (HARDWARE.md): RAM base + 128 MiB, or the last
    /// 2 MiB-aligned `size` bytes below the carve-out when RAM is smaller.
    public func deviceTreeAddress(size: Int) -> UInt64 {
        let preferred = ramBase &+ (128 << 20)
        let limit = ramBase &+ hostRAMSize
        if preferred &+ UInt64(size) <= limit { return preferred }
        let room = (UInt64(size) &+ 0x1F_FFFF) & ~UInt64(0x1F_FFFF)
        return room <= hostRAMSize ? limit &- room : ramBase
    }
}
