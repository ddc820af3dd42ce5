import Foundation
import Testing
@testable import Emulator

/// The JSON Lines schema (Documentation/Trace.md, version 1), checked against the records of
/// every sample: each line is one JSON object whose keys are exactly those the schema allows for
/// its kind, with the required ones present and every value of its documented type.
///
/// The tables here are written from the documentation, not from `TraceEvent`, so a field added
/// to the code but not to the schema (or the other way round) fails.
@Suite struct TraceSchemaTests {
    enum ValueType { case int, string, hex, strings }

    static let always: [String: ValueType] = [
        "v": .int, "kind": .string, "cycle": .int, "cpu": .int, "pc": .hex, "symbol": .string,
        "target": .string, "action": .string, "el2Cycles": .int,
    ]
    /// Per kind: keys that must be present, and keys that may be.
    static let kinds: [String: (required: [String: ValueType], optional: [String: ValueType])] = [
        "mmio": (["insn": .string, "ipa": .hex, "dir": .string], ["size": .int, "value": .hex, "panic": .string]),
        "s2": (["insn": .string, "ipa": .hex, "dir": .string], ["size": .int, "value": .hex, "panic": .string]),
        "hvc": (["call": .int, "args": .strings, "result": .hex], ["panic": .string]),
        "dma": (
            ["smmu": .int, "sid": .int, "iova": .hex, "dir": .string, "size": .int, "smmuCycles": .int],
            ["cb": .int, "pa": .hex, "fault": .string, "bypass": .string]
        ),
    ]
    static let actions: [String: Set<String>] = [
        "mmio": ["emulated", "rewritten", "ignored", "panic"], "s2": ["mapped", "panic"],
        "hvc": ["called", "ignored", "panic"], "dma": ["translated", "bypassed", "fault"],
    ]

    static func isHex(_ v: Any) -> Bool {
        guard let s = v as? String, s.hasPrefix("0x"), s.count > 2 else { return false }
        return s.dropFirst(2).allSatisfy { "0123456789abcdef".contains($0) }
    }

    static func matches(_ v: Any, _ t: ValueType) -> Bool {
        switch t {
        case .int: (v as? NSNumber)?.stringValue.allSatisfy(\.isNumber) ?? false  // no fraction, no sign
        case .string: v is String
        case .hex: isHex(v)
        case .strings: (v as? [Any])?.allSatisfy(isHex) ?? false
        }
    }

    /// The problems of one line (empty: it follows the schema).
    static func problems(_ line: String) -> [String] {
        guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return ["not a JSON object"] }
        guard o["v"] as? Int == TraceEvent.schemaVersion else { return ["v is not \(TraceEvent.schemaVersion)"] }
        guard let kind = o["kind"] as? String, let k = kinds[kind] else { return ["unknown kind \(o["kind"] ?? "none")"] }
        var problems: [String] = []
        let required = always.merging(k.required) { a, _ in a }
        let allowed = required.merging(k.optional) { a, _ in a }
        for (key, type) in required where o[key] == nil { problems.append("\(kind): \(key) (\(type)) missing") }
        for (key, value) in o {
            guard let type = allowed[key] else { problems.append("\(kind): unknown key \(key)"); continue }
            if !matches(value, type) { problems.append("\(kind): \(key) is not \(type): \(value)") }
        }
        if let a = o["action"] as? String, !(actions[kind]?.contains(a) ?? false) { problems.append("\(kind): action \(a)") }
        if let d = o["dir"] as? String, !["R", "W", "X"].contains(d) { problems.append("dir \(d)") }
        if kind == "dma" && (o["pa"] == nil) == (o["fault"] == nil) { problems.append("dma: exactly one of pa and fault") }
        if kind == "hvc" && (o["args"] as? [Any])?.count != 5 { problems.append("hvc: args is not x1–x5") }
        return problems
    }

    @Test(.enabled(if: !SampleTraces.runs.isEmpty, "make samples first"), arguments: SampleTraces.runs.map(\.name))
    func everyRecordFollowsTheSchema(run: String) throws {
        let trace = try #require(SampleTraces.traces[run], "\(run) did not load")
        #expect(!trace.json.isEmpty)
        var lastCycle: [Int: UInt64] = [:]
        for (i, line) in trace.json.enumerated() {
            let p = TraceSchemaTests.problems(line)
            #expect(p.isEmpty, "\(run) line \(i + 1): \(p) in \(line)")
            if !p.isEmpty { return }
            // Every line decodes as a TraceEvent and says what the text line says.
            let e = try JSONDecoder().decode(TraceEvent.self, from: Data(line.utf8))
            #expect(e.text == trace.text[i])
            #expect(e.cycle >= lastCycle[e.cpu, default: 0], "\(run) line \(i + 1): cycle went back")
            lastCycle[e.cpu] = e.cycle
        }
    }

    /// The checker itself: it rejects what it should.
    @Test func theCheckerRejectsUnknownKeysMissingKeysAndWrongTypes() {
        let good = #"{"action":"translated","cpu":0,"cycle":1,"dir":"R","el2Cycles":0,"iova":"0x10","kind":"dma","pa":"0x40","pc":"0x4","sid":5,"size":64,"smmu":0,"smmuCycles":2,"symbol":"main","target":"SMMU0.CB1","v":1}"#
        #expect(TraceSchemaTests.problems(good).isEmpty)
        #expect(!TraceSchemaTests.problems(good.replacingOccurrences(of: #""sid":5,"#, with: "")).isEmpty)
        #expect(!TraceSchemaTests.problems(good.replacingOccurrences(of: #""sid":5,"#, with: #""sid":5,"extra":1,"#)).isEmpty)
        #expect(!TraceSchemaTests.problems(good.replacingOccurrences(of: #""size":64"#, with: #""size":"64""#)).isEmpty)
        #expect(!TraceSchemaTests.problems(good.replacingOccurrences(of: #""v":1"#, with: #""v":2"#)).isEmpty)
        #expect(!TraceSchemaTests.problems(good.replacingOccurrences(of: #""pa":"0x40""#, with: #""pa":"40""#)).isEmpty)
        #expect(!TraceSchemaTests.problems("not json").isEmpty)
    }
}
