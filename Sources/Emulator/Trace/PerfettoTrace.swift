/// `--trace-perfetto FILE`: the run as a timeline in the Chrome Trace Event Format (the JSON
/// object form, `{"traceEvents": [...], "displayTimeUnit": "ns"}`), which the Perfetto UI and
/// chrome://tracing open. People look at contention in it; they do not read it.
///
/// Layout: one process (pid 1) for the machine; one thread per CPU (tid = CPU + 1) whose spans
/// are the CPU's states — guest time, each EL2 handler named by handler, WFE waits, and lock
/// waits nested in the handler that waited; one thread per SMMU (tid = 1000 × (SMMU + 1)) with a
/// span per DMA transaction. All spans are complete ("X") events, so begin/end can never be
/// unbalanced, and every track is written sorted by time.
///
/// Time: the model's clock is 1 GHz (Documentation/CostModel.md: CNTFRQ_EL0 = 62.5 MHz =
/// cycles / 16), so one cycle is one nanosecond and `ts`/`dur` (microseconds, as the format
/// requires) are cycles / 1000, written as exact decimals with three places. Each CPU track uses
/// that CPU's own cycle counter; the scheduler keeps the CPUs within one quantum of each other.
///
/// The events are kept in memory until `write`, because an SMMU track collects transactions
/// from every CPU, whose clocks are interleaved by quanta, and must be sorted before writing.
/// The output depends on nothing but the run: the same run gives the same bytes.
public final class PerfettoTrace {
    /// An argument shown in the span's details.
    enum Argument: Equatable {
        case int(UInt64)
        case string(String)
    }

    /// What a CPU is doing from one moment to the next; each state becomes one span.
    enum CPUState: Equatable {
        /// Running the host at EL1/EL0.
        case guest
        /// In an EL2 handler (`emulate_mmio`, `map_page_host`, `el2_alloc_smmu_pgd`, a PSCI
        /// function), up to the return to the host.
        case el2(handler: String, arguments: [(String, Argument)])
        /// WFE: the CPU's clock jumped past the others' to let them run.
        case waitForEvent

        static func == (a: CPUState, b: CPUState) -> Bool {
            switch (a, b) {
            case (.guest, .guest), (.waitForEvent, .waitForEvent): true
            case (.el2(let h1, let a1), .el2(let h2, let a2)): h1 == h2 && a1.elementsEqual(a2) { $0.0 == $1.0 && $0.1 == $1.1 }
            default: false
            }
        }
    }

    struct Event {
        var name: String
        var category: String
        var phase: Character  // "X" complete, "i" instant
        var ts: UInt64
        var dur: UInt64
        var arguments: [(String, Argument)]
    }

    struct OpenSpan {
        var state: CPUState
        var start: UInt64
        var instructions: UInt64
        /// Spans inside this one (lock waits), written after it so that a child that fills its
        /// parent exactly still sorts after it.
        var children: [Event] = []
    }

    public let image: String
    let cpuCount: Int
    let smmuNames: [String]
    var cpuTracks: [[Event]]
    var smmuTracks: [[Event]]
    var open: [OpenSpan?]

    /// - Parameters: image: the image's file name (no directories, so traces compare across
    ///   machines); cpus: how many CPU tracks; smmus: one track per SMMU, in index order.
    init(image: String, cpus: Int, smmus: [String]) {
        self.image = image
        cpuCount = max(0, cpus)
        smmuNames = smmus
        cpuTracks = Array(repeating: [], count: cpuCount)
        smmuTracks = Array(repeating: [], count: smmus.count)
        open = Array(repeating: nil, count: cpuCount)
    }

    /// CPU `cpu` enters `state` (nil: off or waiting for an interrupt, drawn as nothing) at
    /// `cycle`; the span of its previous state ends there. Entering the state it is already in
    /// changes nothing, so guest time across scheduler quanta is one span. `instructions` is
    /// the CPU's retired-instruction count now (guest spans show how many instructions they ran).
    func enter(cpu: Int, _ state: CPUState?, at cycle: UInt64, instructions: UInt64) {
        guard open.indices.contains(cpu) else { return }
        if let o = open[cpu], let state, o.state == state { return }
        close(cpu: cpu, at: cycle, instructions: instructions)
        if let state { open[cpu] = OpenSpan(state: state, start: cycle, instructions: instructions) }
    }

    func close(cpu: Int, at cycle: UInt64, instructions: UInt64) {
        guard let o = open[cpu] else { return }
        open[cpu] = nil
        let dur = cycle >= o.start ? cycle - o.start : 0
        switch o.state {
        case .guest:
            let n = instructions >= o.instructions ? instructions - o.instructions : 0
            cpuTracks[cpu].append(Event(name: "guest", category: "guest", phase: "X", ts: o.start, dur: dur, arguments: [("instructions", .int(n))]))
        case .el2(let handler, let args):
            cpuTracks[cpu].append(Event(name: handler, category: "el2", phase: "X", ts: o.start, dur: dur, arguments: args))
        case .waitForEvent:
            cpuTracks[cpu].append(Event(name: "WFE", category: "wait", phase: "X", ts: o.start, dur: dur, arguments: []))
        }
        cpuTracks[cpu] += o.children
    }

    /// A wait for EL2 lock `lock` on `cpu`, inside the handler span open there.
    func lockWait(cpu: Int, lock: String, start: UInt64, cycles: UInt64) {
        guard cpuTracks.indices.contains(cpu) else { return }
        let e = Event(name: "lock wait " + lock, category: "lock", phase: "X", ts: start, dur: cycles, arguments: [("lock", .string(lock))])
        if open[cpu] != nil { open[cpu]!.children.append(e) } else { cpuTracks[cpu].append(e) }
    }

    /// A marker on `cpu`'s track (how the run ended).
    func instant(cpu: Int, name: String, at cycle: UInt64, arguments: [(String, Argument)]) {
        guard cpuTracks.indices.contains(cpu) else { return }
        cpuTracks[cpu].append(Event(name: name, category: "run", phase: "i", ts: cycle, dur: 0, arguments: arguments))
    }

    /// One DMA transaction on SMMU `smmu`'s track.
    func dmaTransaction(smmu: Int, name: String, start: UInt64, cycles: UInt64, arguments: [(String, Argument)]) {
        guard smmuTracks.indices.contains(smmu) else { return }
        smmuTracks[smmu].append(Event(name: name, category: "dma", phase: "X", ts: start, dur: cycles, arguments: arguments))
    }

    /// Ends every open span at its CPU's cycle count (end of the run). Idempotent.
    func finish(cycles: [UInt64], instructions: [UInt64]) {
        for cpu in open.indices where open[cpu] != nil {
            close(cpu: cpu, at: cycles.indices.contains(cpu) ? cycles[cpu] : 0,
                  instructions: instructions.indices.contains(cpu) ? instructions[cpu] : 0)
        }
    }

    // MARK: Writing

    /// Writes the JSON object, one event per line (so files diff and grep well), via `out`.
    public func write(to out: (String) -> Void) {
        out("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"clock\":\"1 cycle = 1 ns (1 GHz model clock); ts and dur are cycles / 1000\",\"image\":\(PerfettoTrace.quote(image))},\"traceEvents\":[\n")
        var first = true
        func emit(_ line: String) {
            out((first ? "" : ",\n") + line)
            first = false
        }
        emit(metadata("process_name", tid: 0, .string("smmu-emu " + image)))
        for cpu in 0..<cpuCount {
            emit(metadata("thread_name", tid: cpu + 1, .string("cpu\(cpu)")))
            emit(metadata("thread_sort_index", tid: cpu + 1, .int(UInt64(cpu))))
            for e in PerfettoTrace.sorted(cpuTracks[cpu]) { emit(line(e, tid: cpu + 1)) }
        }
        for (i, name) in smmuNames.enumerated() {
            let lanes = PerfettoTrace.lanes(PerfettoTrace.sorted(smmuTracks[i]))
            for (lane, events) in lanes.enumerated() {
                let tid = 1000 * (i + 1) + lane
                emit(metadata("thread_name", tid: tid, .string(lane == 0 ? name : "\(name) (overlap \(lane))")))
                emit(metadata("thread_sort_index", tid: tid, .int(UInt64(100 + 16 * i + min(lane, 15)))))
                for e in events { emit(line(e, tid: tid)) }
            }
        }
        out("\n]}\n")
    }

    /// The whole file as one string (tests, small runs).
    public func json() -> String {
        var s = ""
        write { s += $0 }
        return s
    }

    /// By start time; at equal starts the longer span first, so a parent precedes what it
    /// contains (a handler before its lock waits); otherwise in recording order.
    static func sorted(_ events: [Event]) -> [Event] {
        events.enumerated().sorted {
            ($0.element.ts, UInt64.max - $0.element.dur, $0.offset) < ($1.element.ts, UInt64.max - $1.element.dur, $1.offset)
        }.map(\.element)
    }

    /// Splits a sorted SMMU track into lanes whose spans do not overlap. Transactions started by
    /// different CPUs within one scheduler quantum can overlap in time on one SMMU; a thread
    /// track cannot show overlapping spans that do not nest, so each goes to the first lane
    /// that is free at its start. Runs where the CPUs never overlap on an SMMU have one lane.
    static func lanes(_ events: [Event]) -> [[Event]] {
        var lanes: [[Event]] = [[]]
        var ends: [UInt64] = [0]
        for e in events {
            let end = e.ts &+ e.dur
            if let i = ends.firstIndex(where: { $0 <= e.ts }) {
                lanes[i].append(e)
                ends[i] = end
            } else {
                lanes.append([e])
                ends.append(end)
            }
        }
        return lanes
    }

    func metadata(_ name: String, tid: Int, _ value: Argument) -> String {
        let key = name == "thread_sort_index" ? "sort_index" : "name"
        return "{\"name\":\"\(name)\",\"ph\":\"M\",\"ts\":0,\"pid\":1,\"tid\":\(tid),\"args\":{\"\(key)\":\(PerfettoTrace.encode(value))}}"
    }

    func line(_ e: Event, tid: Int) -> String {
        var s = "{\"name\":\(PerfettoTrace.quote(e.name)),\"cat\":\"\(e.category)\",\"ph\":\"\(e.phase)\",\"ts\":\(PerfettoTrace.microseconds(e.ts))"
        if e.phase == "X" { s += ",\"dur\":\(PerfettoTrace.microseconds(e.dur))" }
        if e.phase == "i" { s += ",\"s\":\"t\"" }
        s += ",\"pid\":1,\"tid\":\(tid)"
        if !e.arguments.isEmpty {
            s += ",\"args\":{" + e.arguments.map { PerfettoTrace.quote($0.0) + ":" + PerfettoTrace.encode($0.1) }.joined(separator: ",") + "}"
        }
        return s + "}"
    }

    /// Cycles as microseconds at 1 GHz, exactly: "1234.567".
    static func microseconds(_ cycles: UInt64) -> String {
        let frac = String(cycles % 1000)
        return "\(cycles / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
    }

    static func encode(_ a: Argument) -> String {
        switch a {
        case .int(let v): String(v)
        case .string(let s): quote(s)
        }
    }

    /// A JSON string literal (RFC 8259 escapes; everything else as UTF-8).
    static func quote(_ s: String) -> String {
        var r = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": r += "\\\""
            case "\\": r += "\\\\"
            case "\n": r += "\\n"
            case "\r": r += "\\r"
            case "\t": r += "\\t"
            case _ where u.value < 0x20:
                let h = String(u.value, radix: 16)
                r += "\\u" + String(repeating: "0", count: 4 - h.count) + h
            default: r.unicodeScalars.append(u)
            }
        }
        return r + "\""
    }
}

/// A wait for an EL2 lock inside a handler: which lock, how far into the handler the wait began,
/// and for how many cycles. The timeline nests these in the handler's span.
struct LockWait: Equatable, Sendable {
    var lock: String
    var offset: UInt64
    var cycles: UInt64
    init(lock: String, offset: UInt64, cycles: UInt64) {
        self.lock = lock
        self.offset = offset
        self.cycles = cycles
    }
}
