import Foundation
import Testing
@testable import Emulator

/// `--trace-json`: every record parses, follows schema version 1 (Documentation/Trace.md), and
/// says exactly what the text line says.
@Suite struct TraceJSONTests {
    @Test(.enabled(if: SamplePaths.has("smmu-dma"), "make samples first"))
    func jsonLinesFollowTheSchemaAndMatchTheTextTrace() throws {
        var config = MachineConfiguration()
        config.trace = Set(TraceKind.allCases)
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
