/// A data watchpoint: a virtual address range and the accesses that hit it (gdb's Z2 write,
/// Z3 read, Z4 access watchpoints).
public struct DataWatchpoint: Hashable, Sendable {
    public enum Kind: UInt8, Sendable {
        case write = 2, read = 3, access = 4
    }
    public var address: UInt64
    public var length: UInt64
    public var kind: Kind

    public init(address: UInt64, length: UInt64, kind: Kind) {
        self.address = address
        self.length = length
        self.kind = kind
    }

    /// Whether an access of `size` bytes at `va` that reads and/or writes hits this watchpoint.
    @inline(__always)
    func hit(_ va: UInt64, size: Int, read: Bool, write: Bool) -> Bool {
        let wanted = switch kind { case .write: write; case .read: read; case .access: true }
        // Overlap of [va, va+size) and [address, address+length), without overflow.
        return wanted && va &- address < length || wanted && address &- va < UInt64(size)
    }
}

extension CPU {
    /// Records the first watchpoint a data access hits, before its stage-2 translation (here
    /// the check costs a run without watchpoints one flag test per access). The debugger
    /// reports the hit before the CPU's next instruction if the instruction retired, as QEMU's
    /// stub does for gdb's watchpoints.
    @inline(never)
    func noteDataAccess(_ va: UInt64, size: Int, read: Bool, write: Bool) {
        guard watchpointHit == nil else { return }
        for w in dataWatchpoints where w.hit(va, size: size, read: read, write: write) {
            watchpointHit = w
            return
        }
    }
}
