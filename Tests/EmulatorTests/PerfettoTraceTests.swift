import Foundation
import Testing
@testable import Emulator

/// `--trace-perfetto`: files from real runs follow the Trace Event Format (TraceEventFormatCheck),
/// show what the run did on the tracks the documentation names, and are the same bytes every time.
@Suite struct PerfettoTraceTests {
    /// Runs `sample` recording the timeline; returns the file's text and the machine.
    func timeline(_ sample: String, cpus: Int = 1) throws -> (String, Machine, RunResult) {
        var config = MachineConfiguration()
        config.cpus = cpus
        config.recordPerfetto = true
        let m = try Machine(imagePath: SamplePaths.sample(sample), configuration: config) { _ in }
        let r = m.run()
        return (try #require(m.perfetto).json(), m, r)
    }

    func names(_ events: [[String: Any]], tid: Int, ph: String = "X") -> [String] {
        events.filter { $0["tid"] as? Int == tid && $0["ph"] as? String == ph }.compactMap { $0["name"] as? String }
    }

    @Test(.enabled(if: SamplePaths.has("smmu-dma"), "make samples first"))
    func smmuDMATimelineIsValidAndShowsHandlersAndTransactions() throws {
        let (json, m, r) = try timeline("smmu-dma")
        #expect(r.exitStatus == 0)
        let (problems, events) = TraceEventFormatCheck.problems(in: Data(json.utf8))
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        let cpu0 = names(events, tid: 1)
        for handler in ["map_page_host", "emulate_mmio", "register_kvm", "el2_alloc_smmu_pgd", "el2_arm_lpae_map", "SYSTEM_OFF"] {
            #expect(cpu0.contains(handler), "no \(handler) span")
        }
        #expect(cpu0.first == "guest")
        // Spans on a CPU track follow each other without gaps or overlaps: guest, handler, guest...
        let spans = events.filter { $0["tid"] as? Int == 1 && $0["ph"] as? String == "X" }
        let cycles = spans.map { (ts: PerfettoTraceTests.cycles($0["ts"]), dur: PerfettoTraceTests.cycles($0["dur"])) }
        for (a, b) in zip(cycles, cycles.dropFirst()) { #expect(a.ts + a.dur == b.ts) }
        #expect(cycles.last.map { $0.ts + $0.dur } == m.cpus[0].cycles)
        // The guest spans add up to the instructions retired.
        let guest = spans.filter { $0["name"] as? String == "guest" }
        #expect(guest.compactMap { ($0["args"] as? [String: Any])?["instructions"] as? Int }.reduce(0, +) == Int(m.cpus[0].instructionsRetired))
        // SMMU0's track: the good copy (4 reads, 4 writes), the faulting read, a copy through the
        // stale IOTLB after el2_arm_lpae_clear, and one after TLBIIPAS2 whose write faults.
        let smmu0 = names(events, tid: 1000)
        #expect(smmu0.count == m.smmus[0].stats.translations)
        #expect(smmu0.filter { $0 == "CB1 R" }.count == 6 && smmu0.last == "fault TF")
        #expect(names(events, tid: 2000).isEmpty)
        let threads = events.filter { $0["name"] as? String == "thread_name" }.compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        #expect(threads == ["cpu0", "SMMU0", "SMMU1"])
    }

    @Test(.enabled(if: SamplePaths.has("smp"), "make samples first"))
    func smpTimelineHasATrackPerCPU() throws {
        let (json, m, r) = try timeline("smp", cpus: 4)
        #expect(r.exitStatus == 0)
        let (problems, events) = TraceEventFormatCheck.problems(in: Data(json.utf8))
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(names(events, tid: 1).filter { $0 == "CPU_ON" }.count == 4)  // CPUs 1–3, then one that does not exist
        for cpu in 1..<4 {
            let track = names(events, tid: cpu + 1)
            #expect(track.first == "guest", "cpu\(cpu): \(track.prefix(5))")
            let guest = events.filter { $0["tid"] as? Int == cpu + 1 && $0["name"] as? String == "guest" }
            #expect(guest.compactMap { ($0["args"] as? [String: Any])?["instructions"] as? Int }.reduce(0, +) == Int(m.cpus[cpu].instructionsRetired))
        }
        #expect(events.contains { $0["ph"] as? String == "i" && $0["name"] as? String == "end of run" })
    }

    /// smmu-smp on 4 CPUs contends for EL2's SMMU and SPT ticket locks: every wait --stats counts
    /// is drawn as a `lock wait LOCK` span inside the handler that waited, and the file stays valid.
    @Test(.enabled(if: SamplePaths.has("smmu-smp"), "make samples first"))
    func lockWaitsOfContendedHandlersAreDrawn() throws {
        let (json, m, r) = try timeline("smmu-smp", cpus: 4)
        #expect(r.exitStatus == 0, "\(r.reason)")
        let (problems, events) = TraceEventFormatCheck.problems(in: Data(json.utf8))
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        let waits = events.filter { ($0["name"] as? String)?.hasPrefix("lock wait ") == true }
        #expect(!waits.isEmpty)
        #expect(Set(waits.compactMap { $0["name"] as? String }).isSubset(of: ["lock wait SMMU", "lock wait SPT", "lock wait S2PAGE", "lock wait CORE", "lock wait NPT(0)"]))
        let drawn = waits.map { PerfettoTraceTests.cycles($0["dur"]) }.reduce(0, +)
        let counted = m.cpus.indices.map { m.kcore.locks.waitByCPU[$0, default: 0] }.reduce(0, +)
        #expect(drawn == counted, "timeline \(drawn) cycles of lock waits, --stats \(counted)")
    }

    @Test(.enabled(if: SamplePaths.has("smp"), "make samples first"))
    func sameRunSameBytes() throws {
        #expect(try timeline("smp", cpus: 2).0 == timeline("smp", cpus: 2).0)
    }

    /// A hypervisor panic leaves the handler's span on the track with the reason.
    @Test(.enabled(if: SamplePaths.has("el2-touch"), "make samples first"))
    func panicEndsInTheHandlerSpan() throws {
        let (json, _, r) = try timeline("el2-touch")
        #expect(r.exitStatus == 3)
        let (problems, events) = TraceEventFormatCheck.problems(in: Data(json.utf8))
        #expect(problems.isEmpty)
        let last = try #require(events.last { $0["tid"] as? Int == 1 && $0["ph"] as? String == "X" })
        #expect(last["name"] as? String == "map_page_host")
        #expect((last["args"] as? [String: Any])?["panic"] is String)
    }

    // MARK: The writer alone

    @Test func lockWaitsNestInTheirHandlerAndOverlappingDMAGetsALane() {
        let t = PerfettoTrace(image: "x.elf", cpus: 1, smmus: ["SMMU0"])
        t.enter(cpu: 0, .guest, at: 0, instructions: 0)
        t.enter(cpu: 0, .el2(handler: "map_page_host", arguments: []), at: 100, instructions: 10)
        t.lockWait(cpu: 0, lock: "npt", start: 100, cycles: 30)
        t.enter(cpu: 0, .guest, at: 300, instructions: 10)
        t.enter(cpu: 0, .guest, at: 400, instructions: 20)  // same state: one span
        t.enter(cpu: 0, .el2(handler: "el2_arm_lpae_map", arguments: []), at: 450, instructions: 30)
        t.lockWait(cpu: 0, lock: "spt", start: 450, cycles: 50)  // as long as the handler: still its child
        t.dmaTransaction(smmu: 0, name: "CB1 R", start: 2000, cycles: 60, arguments: [])
        t.dmaTransaction(smmu: 0, name: "CB1 W", start: 1990, cycles: 60, arguments: [])  // recorded later, earlier in time
        t.dmaTransaction(smmu: 0, name: "CB1 R", start: 2100, cycles: 2, arguments: [])
        t.finish(cycles: [500], instructions: [30])
        t.finish(cycles: [600], instructions: [40])  // idempotent: nothing is open any more
        let json = t.json()
        let (problems, events) = TraceEventFormatCheck.problems(in: Data(json.utf8))
        #expect(problems.isEmpty, "\(problems)")
        #expect(names(events, tid: 1) == ["guest", "map_page_host", "lock wait npt", "guest", "el2_arm_lpae_map", "lock wait spt"])
        #expect(names(events, tid: 1000) == ["CB1 W", "CB1 R"])
        #expect(names(events, tid: 1001) == ["CB1 R"])
        #expect(json.contains("\"ts\":0.100,\"dur\":0.200"))
        #expect(json.contains("\"args\":{\"instructions\":20}"))
    }

    @Test func microsecondsAreExactAndStringsEscaped() {
        #expect(PerfettoTrace.microseconds(0) == "0.000")
        #expect(PerfettoTrace.microseconds(1_234_567) == "1234.567")
        #expect(PerfettoTrace.microseconds(UInt64.max) == "18446744073709551.615")
        #expect(PerfettoTrace.quote("a\"b\\c\n\u{1}é") == "\"a\\\"b\\\\c\\n\\u0001é\"")
    }

    /// `--trace-perfetto FILE` on the command line writes what the machine recorded.
    @Test(.enabled(if: CommandLineTests.binary != nil && SamplePaths.has("smmu-dma"), "build smmu-emu and the samples first"))
    func commandLineWritesTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smmu-emu-perfetto-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (code, _, _) = try CommandLineTests().run(["run", SamplePaths.sample("smmu-dma"), "--trace-perfetto", path])
        #expect(code == 0)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == (try timeline("smmu-dma").0))
        #expect(try CommandLineTests().run(["run", SamplePaths.sample("hello"), "--trace-perfetto", "/nonexistent/dir/x.json"]).0 == 2)
    }

    /// ts/dur in microseconds back to cycles (exact: three decimals).
    static func cycles(_ v: Any?) -> UInt64 {
        UInt64(((v as? NSNumber)?.doubleValue ?? 0) * 1000 + 0.5)
    }
}
