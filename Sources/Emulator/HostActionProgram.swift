import Stage2

/// The guest program that performs a scenario's host actions, in order, at EL1 like any image:
///
///     x28 = results, x27 = 1
///     action i:  hvc:   x0 = id, x1…x5 = args;  HVC #0;            STP x0, x27, [x28], #16
///                read:  x2 = address;           LDR{B,H,W,X} x1, [x2]; STP x1, x27, [x28], #16
///                write: x1 = value, x2 = address; STR{B,H,W,X} x1, [x2]; STP x1, x27, [x28], #16
///     x0 = 0x8400_0008 (PSCI SYSTEM_OFF); HVC #0
///
/// Register loads are MOVZ/MOVK, so an SMMU access traps as a stage-2 fault into
/// `emulate_mmio` and an HVC goes through the dispatcher, with real syndromes. Each action
/// leaves (x0 or x1, 1) in the results area; an action that never completed (the hypervisor
/// panicked in it or before it) leaves (0, 0). The code sits at 0x4008_0000 (where the samples
/// link) and the results on the next page boundary after it: both are host pages that EL2 maps
/// on demand, as for any image.
public struct HostActionProgram {
    public static let base: UInt64 = 0x4008_0000
    public let actions: [HostAction]
    public let code: [UInt32]
    public let resultsAddress: UInt64
    /// Where each action's code starts (the trace names it `action<N>`, N from 1).
    public let actionAddresses: [UInt64]

    public init(actions: [HostAction]) {
        typealias E = A64Encoding
        var body: [UInt32] = []
        var starts: [Int] = []
        for a in actions {
            starts.append(body.count)
            switch a.kind {
            case .hvc(let id, let args):
                body += E.movImmediate(0, id)
                for r in 1...5 { body += E.movImmediate(r, r <= args.count ? args[r - 1] : 0) }
                body.append(E.hvc())
                body.append(E.stpPostIndex(0, 27, 28, imm: 16))
            case .read(let address, let size):
                body += E.movImmediate(2, address)
                body.append(E.load(size: size, rt: 1, rn: 2))
                body.append(E.stpPostIndex(1, 27, 28, imm: 16))
            case .write(let address, let size, let value):
                body += E.movImmediate(1, value)
                body += E.movImmediate(2, address)
                body.append(E.store(size: size, rt: 1, rn: 2))
                body.append(E.stpPostIndex(1, 27, 28, imm: 16))
            }
        }
        let ending = E.movImmediate(0, 0x8400_0008) + [E.hvc(), E.branchToSelf]
        // The prologue's length does not depend on the results address: 4 MOVs for x28 (MOVZ
        // plus MOVKs padded to four), 1 for x27.
        let prologueLength = 5
        let codeEnd = HostActionProgram.base + UInt64(prologueLength + body.count + ending.count) * 4
        let results = (codeEnd + 0xFFF) & ~0xFFF
        var prologue = [E.movz(28, results, hw: 0)]
        for hw in 1..<4 { prologue.append(E.movk(28, results >> (16 * hw), hw: hw)) }
        prologue.append(E.movz(27, 1, hw: 0))
        code = prologue + body + ending
        resultsAddress = results
        actionAddresses = starts.map { HostActionProgram.base + UInt64(prologueLength + $0) * 4 }
        self.actions = actions
    }

    /// Loads the program into RAM as the machine's image.
    public func load(into memory: PhysicalMemory) throws(ELFLoadError) -> ELFImage {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(code.count * 4)
        for w in code { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: w >> (8 * UInt32(i)))) } }
        var symbols = [(address: HostActionProgram.base, name: "actions")]
        for (i, a) in actionAddresses.enumerated() { symbols.append((a, "action\(i + 1)")) }
        symbols.append((HostActionProgram.base + UInt64(code.count - 3) * 4, "system_off"))
        return try ELFImage(code: bytes, at: HostActionProgram.base, symbols: symbols, into: memory)
    }

    /// After a run: each action's recorded x0 (HVC) or x1 (access), nil when it did not complete.
    public func results(in memory: PhysicalMemory) -> [UInt64?] {
        actions.indices.map { i in
            let at = resultsAddress + UInt64(i) * 16
            guard memory.load(at + 8, size: 8) == 1 else { return nil }
            return memory.load(at, size: 8)
        }
    }
}
