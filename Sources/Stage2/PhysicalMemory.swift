#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The machine's RAM: one contiguous range of guest physical addresses.
///
/// Backed by a single anonymous `mmap` reservation with `MAP_NORESERVE`: the host kernel hands
/// out zero pages only when they are first touched, so a 4 GiB guest that touches 10 MiB costs
/// about 10 MiB of host memory, while the CPU's fast path can still turn a physical address into
/// a host pointer with one subtraction (no per-page lookup table on the hot path).
public final class PhysicalMemory {
    /// First physical address of RAM (HARDWARE.md: 0x4000_0000).
    public let base: UInt64
    /// Size of RAM in bytes; a multiple of 4 KiB.
    public let size: UInt64
    /// Host address of physical address `base`.
    public let bytes: UnsafeMutableRawPointer

    /// Reserves `size` bytes of RAM at physical address `base`.
    /// - Returns: nil when the size is zero, not 4 KiB aligned, or the host cannot reserve it.
    public init?(base: UInt64, size: UInt64) {
        guard size > 0, size & 0xFFF == 0, base & 0xFFF == 0, size <= (1 << 40),
            base <= UInt64.max - size
        else { return nil }
        let p = mmap(nil, Int(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else { return nil }
        self.base = base
        self.size = size
        self.bytes = p
    }

    deinit { munmap(bytes, Int(size)) }

    /// True when `[pa, pa + length)` lies entirely in RAM.
    @inlinable @inline(__always)
    public func contains(_ pa: UInt64, length: UInt64 = 1) -> Bool {
        pa >= base && length <= size && pa &- base <= size &- length
    }

    /// Host pointer for `pa`, or nil when `[pa, pa + length)` is not RAM.
    @inlinable @inline(__always)
    public func pointer(_ pa: UInt64, length: UInt64 = 1) -> UnsafeMutableRawPointer? {
        contains(pa, length: length) ? bytes + Int(pa &- base) : nil
    }

    /// Little-endian load of `size` (1, 2, 4 or 8) bytes; nil outside RAM.
    @inlinable @inline(__always)
    public func load(_ pa: UInt64, size: Int) -> UInt64? {
        guard let p = pointer(pa, length: UInt64(size)) else { return nil }
        switch size {
        case 1: return UInt64(p.load(as: UInt8.self))
        case 2: return UInt64(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
        case 4: return UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
        case 8: return UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        default: return nil
        }
    }

    /// Little-endian store of the low `size` (1, 2, 4 or 8) bytes; false outside RAM.
    @discardableResult @inlinable @inline(__always)
    public func store(_ pa: UInt64, size: Int, value: UInt64) -> Bool {
        guard let p = pointer(pa, length: UInt64(size)) else { return false }
        switch size {
        case 1: p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
        case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, toByteOffset: 0, as: UInt16.self)
        case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, toByteOffset: 0, as: UInt32.self)
        case 8: p.storeBytes(of: value.littleEndian, toByteOffset: 0, as: UInt64.self)
        default: return false
        }
        return true
    }

    /// Copies `data` to physical address `pa`; false (and nothing written) if it does not fit.
    @discardableResult
    public func write(_ data: UnsafeRawBufferPointer, at pa: UInt64) -> Bool {
        guard let p = pointer(pa, length: UInt64(data.count)) else { return data.isEmpty }
        if let src = data.baseAddress { p.copyMemory(from: src, byteCount: data.count) }
        return true
    }

    /// Reads `count` bytes from `pa`; nil if the range is not RAM.
    public func read(_ pa: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, let p = pointer(pa, length: UInt64(count)) else { return nil }
        return Array(UnsafeRawBufferPointer(start: p, count: count))
    }

    /// Zeroes `[pa, pa + length)`; false if the range is not RAM.
    @discardableResult
    public func zero(_ pa: UInt64, length: UInt64) -> Bool {
        guard let p = pointer(pa, length: length) else { return false }
        // Whole host pages are given back (MADV_DONTNEED on a private anonymous mapping: they
        // read as zero again and cost no host memory), so clearing EL2's 36 MiB carve-out at
        // boot touches nothing; the ragged ends are written.
        let page = 4096
        let start = UInt(bitPattern: p), end = start + UInt(length)
        let first = (start + UInt(page - 1)) & ~UInt(page - 1), last = end & ~UInt(page - 1)
        if length >= 64 * 1024 && first < last,
            madvise(UnsafeMutableRawPointer(bitPattern: first), Int(last - first), MADV_DONTNEED) == 0
        {
            memset(p, 0, Int(first - start))
            memset(p + Int(last - start), 0, Int(end - last))
        } else {
            memset(p, 0, Int(length))
        }
        return true
    }
}
