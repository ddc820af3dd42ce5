import Foundation
import Testing
@testable import Emulator

/// Golden traces: for every sample image, the text and JSON Lines traces of
/// `--trace mmio,hvc,s2,dma` are compared exactly with the files in Tests/Golden, so any change
/// in what the hypervisor's handlers decide, what they cost, or what the SMMU does shows up as a
/// reviewed diff. Decisions and time are kept apart, so that a cost-model change rewrites one
/// line per run and cannot bury a changed decision among thousands of changed cycle counts:
/// - <run>.txt and <run>.jsonl: every event without its cycle fields (`[cycle]`, `el2 N`,
///   `smmu N`; "cycle", "el2Cycles", "smmuCycles");
/// - <run>.cycles: the totals of those fields and a digest of all of them, in event order.
///
/// Regenerate (then review the diff before committing):
///
///     SMMU_EMU_UPDATE_GOLDEN=1 swift test --filter GoldenTraceTests
///
/// The traces depend on the images, which `make samples` builds with the machine's
/// cross-compiler; Tests/Golden/images.txt records each image's fingerprint (its loaded bytes
/// and symbols) so that a changed image is reported as such rather than as a trace difference,
/// and the toolchain that built them: images from another toolchain are not compared (a note is
/// printed), images from the same one must be the recorded ones.
/// A trace longer than `maxLines` keeps its first `keptLines` lines and ends with one line giving
/// the number of lines and an FNV-1a 64 digest of all of them (touch-all has 56,321).
@Suite struct GoldenTraceTests {
    static let directory = SamplePaths.root.appendingPathComponent("Tests/Golden")
    static let manifest = directory.appendingPathComponent("images.txt")
    static let updating = ProcessInfo.processInfo.environment["SMMU_EMU_UPDATE_GOLDEN"] == "1"
    static let maxLines = 2000
    static let keptLines = 200

    /// The golden form of a trace: every line, each ending in "\n", or the head and a digest.
    static func golden(_ lines: [String]) -> String {
        guard lines.count > maxLines else { return lines.map { $0 + "\n" }.joined() }
        var f = FNV1a()
        for l in lines { f.add(l + "\n") }
        return lines.prefix(keptLines).map { $0 + "\n" }.joined()
            + "... \(lines.count) lines in all, FNV-1a 64 of all of them \(f.hex)\n"
    }

    /// The cross toolchain that built the samples (`make samples`: gcc and ld of
    /// aarch64-linux-gnu-): the first line each prints for `--version`, joined; "unknown" if absent.
    static let toolchain: String = {
        func firstLine(_ tool: String) -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["aarch64-linux-gnu-" + tool, "--version"]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return "unknown" }
            let out = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: out, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "unknown"
        }
        return firstLine("gcc") + " / " + firstLine("ld")
    }()

    /// The toolchain the goldens were recorded with (the manifest's `# toolchain:` line).
    static func recordedToolchain() -> String? {
        guard let text = try? String(contentsOf: manifest, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("# toolchain: ") }.map { String($0.dropFirst("# toolchain: ".count)) }
    }

    /// The recorded fingerprints, by run name.
    static func recordedFingerprints() -> [String: String] {
        guard let text = try? String(contentsOf: manifest, encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }

    /// Where two texts first differ, for a failure message that points at the line.
    static func firstDifference(_ expected: String, _ actual: String) -> String {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(e.count, a.count) where (i < e.count ? e[i] : nil) != (i < a.count ? a[i] : nil) {
            return "line \(i + 1):\n  golden: \(i < e.count ? String(e[i]) : "(end)")\n  now:    \(i < a.count ? String(a[i]) : "(end)")"
        }
        return "no difference"
    }

    /// A text trace line without its time: "[cycle] " in front, " el2 N" or " smmu N" at the end.
    static func decision(text line: String) -> String {
        var l = Substring(line)
        if l.hasPrefix("["), let close = l.firstIndex(of: "]") {
            l = l[l.index(after: close)...].drop { $0 == " " }
        }
        for tag in [" el2 ", " smmu "] {
            if let r = l.range(of: tag, options: .backwards), l[r.upperBound...].allSatisfy(\.isNumber), r.upperBound < l.endIndex {
                l = l[..<r.lowerBound]
                break
            }
        }
        return String(l)
    }

    /// The keys of a JSON trace record that hold time.
    static let timeKeys = ["cycle", "el2Cycles", "smmuCycles"]

    /// A JSON trace record without its time keys (records are written with sorted keys, and "v"
    /// always comes last, so each time key is followed by a comma).
    static func decision(json line: String) -> String {
        var l = line
        for key in timeKeys {
            guard let r = l.range(of: "\"\(key)\":") else { continue }
            var end = r.upperBound
            while end < l.endIndex, l[end].isNumber { l.formIndex(after: &end) }
            if end < l.endIndex, l[end] == "," { l.formIndex(after: &end) }
            l.removeSubrange(r.lowerBound..<end)
        }
        return l
    }

    /// The time of a run: each JSON record's time keys, summed, and digested in event order.
    static func cycles(json lines: [String]) -> String {
        var sums = [UInt64](repeating: 0, count: timeKeys.count)
        var f = FNV1a()
        for line in lines {
            for (i, key) in timeKeys.enumerated() {
                guard let r = line.range(of: "\"\(key)\":") else { continue }
                let digits = line[r.upperBound...].prefix { $0.isNumber }
                let v = UInt64(digits) ?? 0
                sums[i] &+= v
                f.add("\(key)=\(v) ")
            }
            f.add("\n")
        }
        let last = lines.last.flatMap { l in l.range(of: "\"cycle\":").map { UInt64(l[$0.upperBound...].prefix { $0.isNumber }) ?? 0 } } ?? 0
        return "events \(lines.count), last event at cycle \(last), EL2 cycles \(sums[1]), SMMU cycles \(sums[2]), "
            + "FNV-1a 64 of every event's cycle fields \(f.hex)\n"
    }

    /// Whether the samples were built by the toolchain the goldens were recorded with: traces
    /// name addresses, which another compiler lays out differently, so with another toolchain
    /// the comparison cannot be made and is skipped (not passed).
    static let sameToolchain = updating || recordedToolchain() == nil || recordedToolchain() == toolchain

    @Test(.enabled(if: !SampleTraces.runs.isEmpty, "make samples first"),
          .enabled(if: GoldenTraceTests.sameToolchain, "the samples were built by another cross toolchain than the goldens: regenerate with SMMU_EMU_UPDATE_GOLDEN=1"),
          arguments: SampleTraces.runs.map(\.name))
    func traceMatchesGolden(run: String) throws {
        let trace = try #require(SampleTraces.traces[run], "\(run) did not load")
        let files = [("txt", GoldenTraceTests.golden(trace.text.map { GoldenTraceTests.decision(text: $0) })),
                     ("jsonl", GoldenTraceTests.golden(trace.json.map { GoldenTraceTests.decision(json: $0) })),
                     ("cycles", GoldenTraceTests.cycles(json: trace.json))]
        if GoldenTraceTests.updating {
            try FileManager.default.createDirectory(at: GoldenTraceTests.directory, withIntermediateDirectories: true)
            for (ext, content) in files {
                try content.write(to: GoldenTraceTests.directory.appendingPathComponent("\(run).\(ext)"), atomically: true, encoding: .utf8)
            }
            return
        }
        let regenerate = "regenerate with SMMU_EMU_UPDATE_GOLDEN=1 swift test --filter GoldenTraceTests and review the diff"
        let recorded = GoldenTraceTests.recordedFingerprints()[run]
        guard recorded == trace.imageFingerprint else {
            Issue.record("\(run): the image is not the one the golden traces were recorded from (fingerprint \(recorded ?? "none"), now \(trace.imageFingerprint)): was the sample changed or built by another compiler? \(regenerate)")
            return
        }
        for (ext, content) in files {
            let path = GoldenTraceTests.directory.appendingPathComponent("\(run).\(ext)")
            let expected = try #require(try? String(contentsOf: path, encoding: .utf8), "no Tests/Golden/\(run).\(ext): \(regenerate)")
            // Recorded by hand: #expect would print both whole files.
            if expected != content {
                Issue.record("Tests/Golden/\(run).\(ext) differs at \(GoldenTraceTests.firstDifference(expected, content))\nif intended, \(regenerate)")
            }
        }
    }

    /// The manifest lists exactly the runs there are; updating rewrites it (one writer: this test).
    @Test(.enabled(if: !SampleTraces.runs.isEmpty, "make samples first"))
    func manifestNamesEveryRunAndNoOther() throws {
        let fingerprints = SampleTraces.runs.map { ($0.name, SampleTraces.traces[$0.name]?.imageFingerprint ?? "unloadable") }
        if GoldenTraceTests.updating {
            var text = "# Golden traces (GoldenTraceTests): run name, FNV-1a 64 of the image's loaded bytes and symbols.\n"
            text += "# toolchain: \(GoldenTraceTests.toolchain)\n"
            for (name, f) in fingerprints { text += "\(name) \(f)\n" }
            try FileManager.default.createDirectory(at: GoldenTraceTests.directory, withIntermediateDirectories: true)
            try text.write(to: GoldenTraceTests.manifest, atomically: true, encoding: .utf8)
            return
        }
        #expect(Set(GoldenTraceTests.recordedFingerprints().keys) == Set(fingerprints.map(\.0)),
                "Tests/Golden/images.txt and firmware-samples/build disagree on the samples; regenerate with SMMU_EMU_UPDATE_GOLDEN=1")
    }

    /// The goldens are what the command line prints: the trace lines on stderr (the run's own
    /// messages aside) and the --trace-json file.
    @Test(.enabled(if: CommandLineTests.binary != nil && SamplePaths.has("smmu-dma"), "build smmu-emu and the samples first"))
    func commandLineWritesTheSameTraces() throws {
        let trace = try #require(SampleTraces.traces["smmu-dma"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smmu-emu-golden-\(getpid()).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (code, _, err) = try CommandLineTests().run(["run", SamplePaths.sample("smmu-dma"), "--trace", "mmio,hvc,s2,dma", "--trace-json", path])
        #expect(code == 0)
        let lines = err.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("smmu-emu: ") }
        #expect(lines == trace.text)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == trace.json.map { $0 + "\n" }.joined())
    }

    @Test func longTracesKeepTheirHeadAndADigest() {
        let lines = (0..<2001).map { "line \($0)" }
        let g = GoldenTraceTests.golden(lines)
        #expect(g.split(separator: "\n").count == GoldenTraceTests.keptLines + 1)
        #expect(g.hasSuffix(" 2001 lines in all, FNV-1a 64 of all of them \(GoldenTraceTests.digest(lines))\n"))
        #expect(GoldenTraceTests.golden(["a", "b"]) == "a\nb\n")
        #expect(GoldenTraceTests.golden(lines) != GoldenTraceTests.golden(lines.dropLast() + ["changed"]))
    }

    @Test func decisionsLeaveTheirTimeBehind() {
        #expect(GoldenTraceTests.decision(text: "[11349] cpu0 mmio main+0x4c str w19, [x1] IPA 0x9051004 W4 SMMU0.GR1.CBAR1 emulated 0x1 el2 145")
                == "cpu0 mmio main+0x4c str w19, [x1] IPA 0x9051004 W4 SMMU0.GR1.CBAR1 emulated 0x1")
        #expect(GoldenTraceTests.decision(text: "[14410] cpu0 dma main+0xd8 SMMU0 sid 5 R8 IOVA 0x4dc02000 -> 0x4dc02000 bypassed (S2CR.TYPE) smmu 2")
                == "cpu0 dma main+0xd8 SMMU0 sid 5 R8 IOVA 0x4dc02000 -> 0x4dc02000 bypassed (S2CR.TYPE)")
        // A symbol that merely contains " el2 " keeps it.
        #expect(GoldenTraceTests.decision(text: "[1] cpu0 hvc 13 f -> 0x1 el2 x") == "cpu0 hvc 13 f -> 0x1 el2 x")
        let json = #"{"action":"bypassed","cpu":0,"cycle":14410,"dir":"R","el2Cycles":0,"smmuCycles":2,"v":1}"#
        #expect(GoldenTraceTests.decision(json: json) == #"{"action":"bypassed","cpu":0,"dir":"R","v":1}"#)
        #expect(GoldenTraceTests.cycles(json: [json]).hasPrefix("events 1, last event at cycle 14410, EL2 cycles 0, SMMU cycles 2, "))
        #expect(GoldenTraceTests.cycles(json: [json]) != GoldenTraceTests.cycles(json: [json.replacingOccurrences(of: "14410", with: "14411")]))
    }

    /// Every sample's decisions hold no time: a cost-model change can only touch `.cycles`.
    @Test(.enabled(if: !SampleTraces.runs.isEmpty, "make samples first"))
    func noCycleFieldSurvivesInTheDecisions() throws {
        for run in SampleTraces.runs {
            let trace = try #require(SampleTraces.traces[run.name])
            for l in trace.json.map({ GoldenTraceTests.decision(json: $0) }) {
                #expect(!GoldenTraceTests.timeKeys.contains { l.contains("\"\($0)\":") }, "\(run.name): \(l)")
            }
            for l in trace.text.map({ GoldenTraceTests.decision(text: $0) }) {
                let words = l.split(separator: " ")
                let timed = words.count >= 2 && ["el2", "smmu"].contains(words[words.count - 2]) && words[words.count - 1].allSatisfy(\.isNumber)
                #expect(!l.hasPrefix("[") && !timed, "\(run.name): \(l)")
            }
        }
    }

    static func digest(_ lines: [String]) -> String {
        var f = FNV1a()
        for l in lines { f.add(l + "\n") }
        return f.hex
    }
}
