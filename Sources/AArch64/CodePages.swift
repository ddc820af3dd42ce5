import Stage2

/// The RAM pages instructions have been fetched from, shared by every CPU with the decode cache:
/// a device that writes RAM behind the CPUs' backs (a DMA copy) drops the decoded code only when
/// it writes one of these pages, instead of on every copy.
///
/// A superset, never cleared: a page stays marked after the code cache drops its entries, since
/// a CPU keeps fetching from its current page without coming back here. One bit per 4 KiB page
/// of RAM (32 KiB of bits per GiB).
final class CodePages {
    private let ramBase: UInt64
    private let pages: Int
    private let bits: UnsafeMutablePointer<UInt64>
    private let ram: ObjectIdentifier
    /// Set when CPUs on different RAMs share the set: every write then counts as one to code.
    private var everywhere = false

    init(ram: PhysicalMemory) {
        self.ram = ObjectIdentifier(ram)
        ramBase = ram.base
        pages = Int(ram.size >> 12)
        let words = (pages + 63) / 64
        bits = .allocate(capacity: max(1, words))
        bits.initialize(repeating: 0, count: max(1, words))
    }

    deinit { bits.deallocate() }

    func covers(_ other: PhysicalMemory) -> Bool { ObjectIdentifier(other) == ram }
    func assumeCodeEverywhere() { everywhere = true }

    /// Marks the page of `pa` (a fetch from RAM).
    @inline(__always) func mark(_ pa: UInt64) {
        let page = Int(truncatingIfNeeded: (pa &- ramBase) >> 12)
        guard pa >= ramBase, page < pages else { return }
        bits[page >> 6] |= 1 << UInt64(page & 63)
    }

    /// Whether any page of `[pa, pa + length)` was ever fetched from.
    func intersects(_ pa: UInt64, length: UInt64) -> Bool {
        if everywhere { return true }
        // The last byte written, saturated: a range running past 2^64 covers the rest of RAM.
        let (end, overflow) = pa.addingReportingOverflow(length)
        let lastByte = overflow ? UInt64.max : end &- 1
        guard length > 0, lastByte >= ramBase, pa < ramBase &+ UInt64(pages) << 12 else { return false }
        let first = Int((max(pa, ramBase) &- ramBase) >> 12)
        let last = Int(min(UInt64(pages - 1), (lastByte &- ramBase) >> 12))
        guard first <= last else { return false }
        for page in first...last where bits[page >> 6] & (1 << UInt64(page & 63)) != 0 { return true }
        return false
    }
}
