import Foundation

/// One trapped event, the single source of both trace formats: the `--trace` text line and the
/// `--trace-json` JSON Lines record (schema: Documentation/Trace.md, version `TraceEvent.schemaVersion`).
struct TraceEvent: Codable, Equatable {
    static let schemaVersion = 1
    var v = TraceEvent.schemaVersion
    var kind: String  // "mmio", "hvc", "s2" or "dma"
    var cycle: UInt64  // the CPU's cycle counter when it trapped
    var cpu: Int
    var pc: String  // hex
    var symbol: String
    var insn: String?  // disassembly (stage-2 faults)
    var ipa: String?  // hex (stage-2 faults)
    var size: Int?  // bytes, when ESR_EL2.ISV = 1
    var dir: String?  // "R", "W" or "X"
    var call: Int?  // HVC function id
    var args: [String]?  // HVC x1–x5, hex
    var result: String?  // HVC x0 after the call, hex
    var target: String  // "SMMU0.CB1.TTBR0", a handler name, or the called function
    var action: String  // emulated, rewritten, ignored, mapped, called, panic
    var value: String?  // hex
    var panic: String?
    var el2Cycles: UInt64
    // DMA transactions (kind "dma"): which SMMU saw which stream, and what it made of the IOVA.
    var smmu: Int?
    var sid: Int?
    var cb: Int?  // the context bank that translated or faulted
    var iova: String?  // hex
    var pa: String?  // hex, when the transaction reached memory
    var fault: String?  // CBn_FSR or sGFSR bit name: TF, AFF, PF, EF, ASF, ICF, USF, SMCF, UCBF
    var bypass: String?  // the register that let it through untranslated
    var smmuCycles: UInt64?

    /// The `--trace` line.
    var text: String {
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
    var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(self)) ?? Data(), as: UTF8.self)
    }
}
