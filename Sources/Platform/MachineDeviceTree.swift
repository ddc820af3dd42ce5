/// The device tree of a `MachineDescription`, node for node what QEMU's
/// `-M virt,gic-version=2 -cpu cortex-a57` gives for the devices both machines have (names,
/// compatibles, interrupt specifiers, phandle-less layout of `/cpus`), plus the SMMUs (the
/// `arm,mmu-500` binding) and the DMA engines behind them.
public struct MachineDeviceTree {
    public var machine: MachineDescription
    /// `/chosen/bootargs` (`--append`).
    public var bootArguments: String?
    /// `/chosen/linux,initrd-start` and `-end` (`--initrd`), physical addresses.
    public var initrd: Range<UInt64>?

    public init(machine: MachineDescription, bootArguments: String? = nil, initrd: Range<UInt64>? = nil) {
        self.machine = machine
        self.bootArguments = bootArguments
        self.initrd = initrd
    }

    // Phandles, numbered as QEMU numbers its own (from 0x8000 down the list), fixed so the blob
    // is the same on every run.
    static let clockPhandle: UInt32 = 0x8000
    static let gicPhandle: UInt32 = 0x8001
    static func smmuPhandle(_ i: Int) -> UInt32 { 0x8002 &+ UInt32(truncatingIfNeeded: i) }

    /// GIC interrupt specifier types (`#interrupt-cells = <3>`: type, number, flags).
    static let spi: UInt32 = 0, ppi: UInt32 = 1
    static let levelHigh: UInt32 = 4

    static func hex(_ v: UInt64) -> String { String(v, radix: 16) }
    static func reg(_ base: UInt64, _ size: UInt64) -> [UInt32] {
        [UInt32(truncatingIfNeeded: base >> 32), UInt32(truncatingIfNeeded: base),
         UInt32(truncatingIfNeeded: size >> 32), UInt32(truncatingIfNeeded: size)]
    }
    static func spiSpecifier(_ intid: MachineDescription.INTID) -> [UInt32] { [spi, intid &- 32, levelHigh] }

    public var root: DeviceTreeNode {
        let m = machine
        var root = DeviceTreeNode("")
        root.cell("interrupt-parent", Self.gicPhandle)
        root.string("model", "linux,dummy-virt")
        root.cell("#size-cells", 2)
        root.cell("#address-cells", 2)
        root.string("compatible", "linux,dummy-virt")

        var psci = DeviceTreeNode("psci")
        psci.cell("migrate", 0xC400_0005)
        psci.cell("cpu_on", 0xC400_0003)
        psci.cell("cpu_off", 0x8400_0002)
        psci.cell("cpu_suspend", 0xC400_0001)
        psci.string("method", "hvc")
        psci.strings("compatible", ["arm,psci-1.0", "arm,psci-0.2", "arm,psci"])
        root.children.append(psci)

        var memory = DeviceTreeNode("memory@" + Self.hex(m.ramBase))
        memory.cells("reg", Self.reg(m.ramBase, m.hostRAMSize))
        memory.string("device_type", "memory")
        root.children.append(memory)

        var uart = DeviceTreeNode("pl011@" + Self.hex(m.uartBase))
        uart.strings("clock-names", ["uartclk", "apb_pclk"])
        uart.cells("clocks", [Self.clockPhandle, Self.clockPhandle])
        uart.cells("interrupts", Self.spiSpecifier(m.uartInterrupt))
        uart.cells("reg", Self.reg(m.uartBase, m.uartSize))
        uart.strings("compatible", ["arm,pl011", "arm,primecell"])
        root.children.append(uart)

        var gic = DeviceTreeNode("intc@" + Self.hex(m.gicDistributorBase))
        gic.cell("phandle", Self.gicPhandle)
        gic.cells("reg", Self.reg(m.gicDistributorBase, m.gicRegionSize) + Self.reg(m.gicCPUInterfaceBase, m.gicRegionSize))
        gic.string("compatible", "arm,cortex-a15-gic")
        gic.flag("ranges")
        gic.cell("#size-cells", 2)
        gic.cell("#address-cells", 2)
        gic.flag("interrupt-controller")
        gic.cell("#interrupt-cells", 3)
        root.children.append(gic)

        var flash = DeviceTreeNode("flash@" + Self.hex(m.flashBase))
        flash.cell("bank-width", 4)
        flash.cells("reg", Self.reg(m.flashBase, m.flashSize))
        flash.string("compatible", "cfi-flash")
        root.children.append(flash)

        var cpus = DeviceTreeNode("cpus")
        cpus.cell("#size-cells", 0)
        cpus.cell("#address-cells", 1)
        for i in 0..<m.cpus {
            var cpu = DeviceTreeNode("cpu@" + Self.hex(UInt64(i)))
            cpu.cell("reg", UInt32(i))
            cpu.string("enable-method", "psci")
            cpu.string("compatible", "arm,cortex-a57")
            cpu.string("device_type", "cpu")
            cpus.children.append(cpu)
        }
        root.children.append(cpus)

        // PPI flags: level-high with the CPU mask of every CPU (GICv2 binding, bits 15:8).
        let ppiFlags = Self.levelHigh | ((UInt32(1) << UInt32(m.cpus)) &- 1) << 8
        var timer = DeviceTreeNode("timer")
        timer.cells("interrupts", [
            m.timerSecurePhysicalInterrupt, m.timerPhysicalInterrupt, m.timerVirtualInterrupt, m.timerEL2PhysicalInterrupt,
        ].flatMap { [Self.ppi, $0 &- 16, ppiFlags] })
        timer.flag("always-on")
        timer.strings("compatible", ["arm,armv8-timer", "arm,armv7-timer"])
        root.children.append(timer)

        var clock = DeviceTreeNode("apb-pclk")
        clock.cell("phandle", Self.clockPhandle)
        clock.string("clock-output-names", "clk24mhz")
        clock.cell("clock-frequency", m.uartClockHz)
        clock.cell("#clock-cells", 0)
        clock.string("compatible", "fixed-clock")
        root.children.append(clock)

        for (i, s) in m.smmus.enumerated() {
            var smmu = DeviceTreeNode("iommu@" + Self.hex(s.base))
            smmu.cell("phandle", Self.smmuPhandle(i))
            smmu.cell("#iommu-cells", 1)
            smmu.cells("interrupts", ([s.globalInterrupt] + (0..<s.contextBanks).map { s.contextInterrupt(bank: $0) }).flatMap(Self.spiSpecifier))
            smmu.cell("#global-interrupts", 1)
            smmu.cells("reg", Self.reg(s.base, s.size))
            smmu.strings("compatible", ["arm,mmu-500", "arm,smmu-v2"])
            root.children.append(smmu)
        }

        for d in m.dmaEngines {
            var dma = DeviceTreeNode("dma@" + Self.hex(d.base))
            dma.cells("iommus", [Self.smmuPhandle(d.smmu), d.streamID])
            dma.cells("interrupts", Self.spiSpecifier(d.interrupt))
            dma.cells("reg", Self.reg(d.base, d.size))
            dma.string("compatible", "smmu-emu,dma-engine")
            root.children.append(dma)
        }

        var chosen = DeviceTreeNode("chosen")
        if let initrd {
            chosen.cells("linux,initrd-end", [UInt32(truncatingIfNeeded: initrd.upperBound >> 32), UInt32(truncatingIfNeeded: initrd.upperBound)])
            chosen.cells("linux,initrd-start", [UInt32(truncatingIfNeeded: initrd.lowerBound >> 32), UInt32(truncatingIfNeeded: initrd.lowerBound)])
        }
        if let bootArguments { chosen.string("bootargs", bootArguments) }
        chosen.string("stdout-path", "/pl011@" + Self.hex(m.uartBase))
        root.children.append(chosen)
        return root
    }

    /// The flattened blob (v17) of `root`.
    public var blob: [UInt8] { FlattenedDeviceTree.blob(root: root) }
}
