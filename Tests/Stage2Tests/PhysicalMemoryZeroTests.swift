import Testing
@testable import Stage2

/// `zero` gives whole pages back to the host and writes the ragged ends: the range reads as
/// zero, the bytes around it keep their values.
@Suite struct PhysicalMemoryZeroTests {
    @Test(arguments: [(UInt64(0x1234), UInt64(300_000)), (0x1000, 0x20_0000), (0x10, 0x100), (0xFFF, 0x10_0001)])
    func aZeroedRangeReadsZeroAndItsNeighboursKeepTheirBytes(offset: UInt64, length: UInt64) throws {
        let m = try #require(PhysicalMemory(base: 0x4000_0000, size: 8 << 20))
        let base = m.base
        for a in stride(from: base, to: base + (4 << 20), by: 8) { _ = m.store(a, size: 8, value: 0xA5A5_A5A5_A5A5_A5A5) }
        let start = base + offset
        #expect(m.zero(start, length: length))
        for a in stride(from: start, to: start + length, by: 1) where (a - start) % 509 == 0 || a + 1 == start + length {
            #expect(m.load(a, size: 1) == 0, "0x\(String(a, radix: 16))")
        }
        if offset > 0 { #expect(m.load(start - 1, size: 1) == 0xA5) }
        #expect(m.load(start + length, size: 1) == 0xA5)
    }
}
