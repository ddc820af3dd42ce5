import Foundation

/// One trapped event, the single source of both trace formats: the `--trace` text line and the
/// `--trace-json` JSON Lines record (schema: Documentation/Trace.md, version `TraceEvent.schemaVersion`).
public struct TraceEvent: Codable, Equatable {
    public static let schemaVersion = 1
    public var v = TraceEvent.schemaVersion
    public var kind: String  // "mmio", "hvc", "s2" or "dma"
    public var cycle: UInt64  // the CPU's cycle counter when it trapped
    public var cpu: Int
    public var pc: String  // hex
    public var symbol: String
    public var insn: String?  // disassembly (stage-2 faults)
    public var ipa: String?  // hex (stage-2 faults)
    public var size: Int?  // bytes, when ESR_EL2.ISV = 1
    public var dir: String?  // "R", "W" or "X"
    public var call: Int?  // HVC function id
    public var args: [String]?  // HVC x1–x5, hex
    public var result: String?  // HVC x0 after the call, hex
    public var target: String  // "SMMU0.CB1.TTBR0", a handler name, or the called function
    public var action: String  // emulated, rewritten, ignored, mapped, called, panic
    public var value: String?  // hex
    public var panic: String?
    public var el2Cycles: UInt64
    // DMA transactions (kind "dma"): which SMMU saw which stream, and what it made of the IOVA.
    public var smmu: Int?
    public var sid: Int?
    public var cb: Int?  // the context bank that translated or faulted
    public var iova: String?  // hex
    public var pa: String?  // hex, when the transaction reached memory
    public var fault: String?  // CBn_FSR or sGFSR bit name: TF, AFF, PF, EF, ASF, ICF, USF, SMCF, UCBF
    public var bypass: String?  // the register that let it through untranslated
    public var smmuCycles: UInt64?

    /// The `--trace` line.
    public var text: String {
        var line = "[\(cycle)] cpu\(cpu) \(kind) "
        if kind == "dma" {
            line += "\(symbol) \(target) sid \(sid ?? 0) \(dir ?? "?")\(size ?? 0) IOVA \(iova ?? "?") "
            if let fault { line += "fault \(fault)" } else { line += "-> \(pa ?? "?") \(action)" }
            if let bypass { line += " (\(bypass))" }
            return line + " smmu \(smmuCycles ?? 0)"
        }
        if kind == "hvc" {
            line += "\(call ?? 0) \(target)(\((args ?? []).joined(separator: ", "))) -> \(result ?? "?") \(action)"
        } else {
            line += "\(symbol) \(insn ?? "") IPA \(ipa ?? "?") \(dir ?? "?")\(size.map(String.init) ?? (dir == "X" ? "" : "?")) \(target) \(action)"
            if let value { line += " " + value }
        }
        if let panic { line += " (\(panic))" }
        return line + " el2 \(el2Cycles)"
    }

    /// The `--trace-json` line (keys sorted, so files diff cleanly).
    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(self)) ?? Data(), as: UTF8.self)
    }
}
