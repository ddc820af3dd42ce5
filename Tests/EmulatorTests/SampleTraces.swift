import Foundation
@testable import Emulator

/// The traces of every built sample with every event stream on (`--trace mmio,hvc,s2,dma`), run
/// once per test process and shared by the schema and golden tests (touch-all alone is 64,514
/// events).
enum SampleTraces {
    struct Run {
        /// Golden file stem: the image name, or image + "-4cpus".
        var name: String
        var image: String
        var cpus = 1
        /// bench loops for billions of cycles; its trace is cut at this many (exit status 4).
        var maxCycles: UInt64 = .max
    }

    struct Trace {
        var text: [String]
        var json: [String]
        /// FNV-1a 64 of the loaded segments and the symbol table: what the trace depends on in
        /// the image (not its file, which holds the compiler's temporary file names).
        var imageFingerprint: String
    }

    /// Every image in firmware-samples/build, by name, with smp also on 4 CPUs; not the EL2
    /// micro-benchmarks (el2-bench-*), whose 400,000-round loops are for `make bench`.
    static let runs: [Run] = {
        let dir = SamplePaths.root.appendingPathComponent("firmware-samples/build").path
        let images = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasSuffix(".elf") && !$0.hasPrefix("el2-bench") }.map { String($0.dropLast(4)) }.sorted()
        var runs: [Run] = []
        for image in images {
            runs.append(Run(name: image, image: image, maxCycles: image == "bench" ? 2_000_000 : .max))
            if image == "smp" { runs.append(Run(name: "smp-4cpus", image: image, cpus: 4)) }
        }
        return runs
    }()

    static let traces: [String: Trace] = {
        var out: [String: Trace] = [:]
        for r in runs { out[r.name] = try? trace(r) }
        return out
    }()

    static func trace(_ run: Run) throws -> Trace {
        var config = MachineConfiguration()
        config.cpus = run.cpus
        config.maxCycles = run.maxCycles
        config.trace = TraceKind.events
        let m = try Machine(imagePath: SamplePaths.sample(run.image), configuration: config) { _ in }
        // Before the run, which writes the image's data.
        var f = FNV1a()
        for s in m.image.segments { f.add(m.ram.read(s.start, count: Int(s.end - s.start)) ?? []) }
        for s in m.image.symbols { f.add("\(s.address) \(s.name)\n") }
        var text: [String] = [], json: [String] = []
        m.traceSink = { text.append($0) }
        m.traceJSONSink = { json.append($0) }
        _ = m.run()
        return Trace(text: text, json: json, imageFingerprint: f.hex)
    }
}

/// FNV-1a, 64 bits: a stable digest for golden files (not for security).
struct FNV1a {
    var value: UInt64 = 0xCBF2_9CE4_8422_2325
    mutating func add(_ bytes: [UInt8]) {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x100_0000_01B3 }
    }
    mutating func add(_ s: String) { add(Array(s.utf8)) }
    var hex: String {
        let h = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - h.count) + h
    }
}
