import Stage2
import Testing
@testable import AArch64

/// The CPUs a broadcast TLBI reaches are the live CPUs sharing a monitor; a CPU that is gone
/// leaves the domain (the monitor holds its members without a reference count).
@Suite struct ShareableDomainTests {
    @Test func aCPUThatIsGoneLeavesTheDomain() {
        let ram = PhysicalMemory(base: 0x4000_0000, size: 1 << 20)!
        let bus = PhysicalBus(ram: ram)
        let monitor = GlobalMonitor()
        let a = CPU(index: 0, bus: bus, monitor: monitor)
        var b: CPU? = CPU(index: 1, bus: bus, monitor: monitor)
        #expect(monitor.shareableDomain.map(\.index) == [0, 1])
        b = nil
        #expect(b == nil && monitor.shareableDomain.map(\.index) == [0])
        withExtendedLifetime(a) {}
    }
}
