import Foundation
import Testing
@testable import Emulator

/// `--trace-json`: every record parses, follows schema version 1 (Documentation/Trace.md), and
/// says exactly what the text line says.
@Suite struct TraceJSONTests {
    @Test(.enabled(if: SamplePaths.has("smmu-dma"), "make samples first"))
    func jsonLinesFollowTheSchemaAndMatchTheTextTrace() throws {
        var config = MachineConfiguration()
        config.trace = [.mmio, .hvc, .s2]
        let m = try Machine(imagePath: SamplePaths.sample("smmu-dma"), configuration: config) { _ in }
        var text: [String] = [], json: [String] = []
        m.traceSink = { text.append($0) }
        m.traceJSONSink = { json.append($0) }
        #expect(m.run().exitStatus == 0)
        #expect(json.count == text.count && json.count > 10)
        var lastCycle: [Int: UInt64] = [:]
        for (line, t) in zip(json, text) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["v"] as? Int == 1)
            for key in ["kind", "cycle", "cpu", "pc", "symbol", "target", "action", "el2Cycles"] {
                #expect(object[key] != nil, "\(key) missing in \(line)")
            }
            let kind = object["kind"] as? String
            #expect(["mmio", "hvc", "s2"].contains(kind))
            if kind == "hvc" {
                #expect(object["call"] is Int && (object["args"] as? [String])?.count == 5 && object["result"] is String)
            } else {
                #expect(object["ipa"] is String && object["dir"] is String && object["insn"] is String)
            }
            let e = try JSONDecoder().decode(TraceEvent.self, from: Data(line.utf8))
            #expect(e.text == t)
            #expect(e.cycle >= lastCycle[e.cpu, default: 0])
            lastCycle[e.cpu] = e.cycle
        }
    }
}

/// `--trace insn`: each executed instruction, disassembled, with the registers it changed.
@Suite struct InstructionTraceTests {
    @Test(.enabled(if: SamplePaths.has("hello"), "make samples first"))
    func everyInstructionWithItsRegisterChanges() throws {
        var config = MachineConfiguration()
        config.trace = [.insn]
        var out: [UInt8] = []
        let m = try Machine(imagePath: SamplePaths.sample("hello"), configuration: config) { out.append($0) }
        var lines: [String] = []
        m.traceSink = { lines.append($0) }
        #expect(m.run().exitStatus == 0)
        #expect(String(decoding: out, as: UTF8.self) == "Hello from smmu-emu guest\n")
        #expect(lines.first?.hasSuffix("cpu0 insn _start ldr x1, #0x40080038 ; x1=0x40091000") == true)
        #expect(lines.contains { $0.contains("_start+0x10 cmp x1, x2 ; nzcv=0x6") })
        #expect(lines.contains { $0.contains("bl #0x") && $0.contains("x30=0x40080024") })
        // One line per retired instruction but the last (printed when the next one starts).
        #expect(lines.count >= Int(m.cpus[0].instructionsRetired) - 1)
    }
}
