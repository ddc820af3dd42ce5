import Stage2

/// The guest program that performs a scenario's host actions, in order, at EL1 like any image:
///
///     vectors:   every entry: ELR_EL1 += 4; x1 = ESR_EL1; x27 = 2; ERET
///     start:     VBAR_EL1 = vectors; x28 = results; x27 = 1
///     action i:  hvc:   x0 = id, x1…x5 = args;    HVC #0
///                read:  x1 = 0, x2 = address;     LDR{B,H,W,X} x1, [x2]
///                write: x1 = value, x2 = address; STR{B,H,W,X} x1, [x2]
///                then:  STP x0 (hvc) or x1, x27, [x28], #16; x27 = 1
///     x0 = 0x8400_0008 (PSCI SYSTEM_OFF); HVC #0
///
/// Register loads are MOVZ/MOVK, so an SMMU access traps as a stage-2 fault into
/// `emulate_mmio` and an HVC goes through the dispatcher, with real syndromes. Each action
/// leaves (value, 1) in the results area; (ESR_EL1, 2) when the access took an exception at EL1
/// (an external abort: nothing at the address), which is then skipped; (0, 0) when it never
/// completed (the hypervisor panicked in it or before it). The code sits at 0x4008_0000 (where
/// the samples link) and the results on the next page boundary after it: both are host pages
/// that EL2 maps on demand, as for any image.
public struct HostActionProgram {
    public static let base: UInt64 = 0x4008_0000
    /// The vector table takes the first 2 KiB (VBAR_EL1 alignment); the program starts after it.
    public static let entry: UInt64 = base + 0x800
    public let actions: [HostAction]
    public let code: [UInt32]
    public let resultsAddress: UInt64
    /// Where each action's code starts (the trace names it `action<N>`, N from 1).
    public let actionAddresses: [UInt64]
    /// Where the closing PSCI SYSTEM_OFF sequence starts (the `system_off` symbol).
    public let systemOffAddress: UInt64

    /// What an action left in the results area.
    public enum Outcome: Equatable {
        case value(UInt64)
        case exceptionAtEL1(esr: UInt64)
        case notCompleted
    }

    public init(actions: [HostAction]) {
        typealias E = A64Encoding
        let handler = [
            E.mrs(9, .ELR_EL1), E.addImmediate(9, 9, 4), E.msr(.ELR_EL1, 9), E.mrs(1, .ESR_EL1), E.movz(27, 2, hw: 0), E.eret,
        ]
        var vectors: [UInt32] = []
        for _ in 0..<16 { vectors += handler + [UInt32](repeating: E.branchToSelf, count: 32 - handler.count) }
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
                body += E.movImmediate(1, 0)
                body += E.movImmediate(2, address)
                body.append(E.load(size: size, rt: 1, rn: 2))
                body.append(E.stpPostIndex(1, 27, 28, imm: 16))
            case .write(let address, let size, let value):
                body += E.movImmediate(1, value)
                body += E.movImmediate(2, address)
                body.append(E.store(size: size, rt: 1, rn: 2))
                body.append(E.stpPostIndex(1, 27, 28, imm: 16))
            }
            body.append(E.movz(27, 1, hw: 0))
        }
        let ending = E.movImmediate(0, 0x8400_0008) + [E.hvc(), E.branchToSelf]
        // The prologue's length does not depend on the addresses: MOVZ plus three MOVKs each for
        // VBAR_EL1's value and x28, the MSR, x27.
        let prologueLength = 10
        let codeEnd = HostActionProgram.entry + UInt64(prologueLength + body.count + ending.count) * 4
        let results = (codeEnd + 0xFFF) & ~0xFFF
        func wide(_ rd: Int, _ v: UInt64) -> [UInt32] { [E.movz(rd, v, hw: 0)] + (1..<4).map { E.movk(rd, v >> (16 * $0), hw: $0) } }
        let prologue = wide(9, HostActionProgram.base) + [E.msr(.VBAR_EL1, 9)] + wide(28, results) + [E.movz(27, 1, hw: 0)]
        code = vectors + prologue + body + ending
        resultsAddress = results
        actionAddresses = starts.map { HostActionProgram.entry + UInt64(prologueLength + $0) * 4 }
        systemOffAddress = codeEnd - UInt64(ending.count) * 4
        self.actions = actions
    }

    /// Loads the program into RAM as the machine's image.
    public func load(into memory: PhysicalMemory) throws(ELFLoadError) -> ELFImage {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(code.count * 4)
        for w in code { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: w >> (8 * UInt32(i)))) } }
        var symbols = [(address: HostActionProgram.base, name: "vectors"), (HostActionProgram.entry, "actions")]
        for (i, a) in actionAddresses.enumerated() { symbols.append((a, "action\(i + 1)")) }
        symbols.append((systemOffAddress, "system_off"))
        return try ELFImage(code: bytes, at: HostActionProgram.base, entry: HostActionProgram.entry, symbols: symbols, into: memory)
    }

    /// After a run: what each action left in the results area.
    public func outcomes(in memory: PhysicalMemory) -> [Outcome] {
        actions.indices.map { i in
            let at = resultsAddress + UInt64(i) * 16
            let value = memory.load(at, size: 8) ?? 0
            switch memory.load(at + 8, size: 8) {
            case 1: return .value(value)
            case 2: return .exceptionAtEL1(esr: value)
            default: return .notCompleted
            }
        }
    }
}
