import Foundation
import FuzzTargets

// Two builds of one program. Built with `-sanitize=fuzzer,address -DFUZZING` (`make fuzz`), it
// is a libFuzzer target (libFuzzer supplies `main`): SMMU_FUZZ_TARGET names which `FuzzTarget`
// it runs. Built plainly, it replays files through a target (`smmu-fuzz TARGET FILE...`: how a
// saved finding is reproduced without the sanitizers) and runs the soak (`smmu-fuzz soak`).

#if FUZZING
/// libFuzzer's entry for programs that keep their own `main` (SwiftPM names the executable's
/// entry point itself, so libFuzzer's `main` cannot be used).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

nonisolated(unsafe) var fuzzTarget = FuzzTarget.elf

@main
enum SmmuFuzz {
    static func main() {
        let name = ProcessInfo.processInfo.environment["SMMU_FUZZ_TARGET"] ?? ""
        guard let t = FuzzTarget(rawValue: name) else {
            fatalError("set SMMU_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue))")
        }
        fuzzTarget = t
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            fuzzTarget.run(data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
    }
}
#else
@main
enum SmmuFuzz {
    static func fail(_ message: String, _ status: Int32) -> Never {
        FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
        exit(status)
    }

    static func main() {
        let args = CommandLine.arguments
        if args.count >= 2 && args[1] == "soak" {
            // smmu-fuzz soak IMAGES SCENARIOS SEEDHEX SAMPLE.elf...
            guard args.count >= 6, let images = Int(args[2]), let scenarios = Int(args[3]), let seed = UInt64(args[4], radix: 16) else {
                fail("usage: smmu-fuzz soak IMAGES SCENARIOS SEEDHEX SAMPLE.elf...", 64)
            }
            let soak = Soak(seed: seed, images: images, scenarios: scenarios, samples: Array(args.dropFirst(5)))
            let report = soak.run { FileHandle.standardError.write("soak: \($0.runs) runs...\n".data(using: .utf8)!) }
            print("soak: \(report)")
            exit(report.findings.isEmpty ? 0 : 1)
        }
        guard args.count >= 3, let target = FuzzTarget(rawValue: args[1]) else {
            fail("usage: smmu-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE...\n       smmu-fuzz soak IMAGES SCENARIOS SEEDHEX SAMPLE.elf...", 64)
        }
        for path in args.dropFirst(2) {
            guard let data = FileManager.default.contents(atPath: path) else { fail("smmu-fuzz: cannot read \(path)", 2) }
            target.run([UInt8](data))
        }
        print("\(args.count - 2) inputs ran through \(target.rawValue)")
    }
}
#endif
