import Foundation
import Testing
@testable import Platform

/// Runs a tool and returns its exit status, stdout and stderr.
private func run(_ tool: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

private let dtc = ["/usr/bin/dtc", "/usr/local/bin/dtc"].first { FileManager.default.isExecutableFile(atPath: $0) }
private let qemu = ["/usr/bin/qemu-system-aarch64", "/usr/local/bin/qemu-system-aarch64"].first { FileManager.default.isExecutableFile(atPath: $0) }

private func temporaryFile(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("smmu-emu-\(getpid())-\(name)").path
}

/// Decompiles a blob with dtc (sorted, so node and property order do not matter) into
/// path → (property → value text); dtc's warnings come back too.
private func decompile(_ blob: [UInt8], name: String) throws -> (nodes: [String: [String: String]], warnings: String) {
    let path = temporaryFile(name + ".dtb")
    FileManager.default.createFile(atPath: path, contents: Data(blob))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let r = try run(dtc!, ["-I", "dtb", "-O", "dts", "-s", path])
    #expect(r.status == 0, "dtc rejected the blob: \(r.err)")
    return (parseDTS(r.out), r.err)
}

/// A minimal reader of dtc's own output: one node header or property per line.
private func parseDTS(_ text: String) -> [String: [String: String]] {
    var nodes: [String: [String: String]] = [:]
    var stack: [String] = []
    func path() -> String { stack.isEmpty ? "/" : "/" + stack.joined(separator: "/") }
    for raw in text.split(separator: "\n") {
        let line = raw.trimmingCharacters(in: .whitespaces)
        if line.hasSuffix("{") {
            let name = line.dropLast().trimmingCharacters(in: .whitespaces)
            if name != "/" { stack.append(name) }
            nodes[path(), default: [:]] = nodes[path()] ?? [:]
        } else if line == "};" {
            if !stack.isEmpty { stack.removeLast() }
        } else if line.hasSuffix(";"), !line.hasPrefix("/dts-v1/") {
            let body = line.dropLast()
            if let eq = body.range(of: " = ") {
                nodes[path(), default: [:]][String(body[..<eq.lowerBound])] = String(body[eq.upperBound...])
            } else {
                nodes[path(), default: [:]][String(body)] = ""
            }
        }
    }
    return nodes
}

/// A cell as dtc prints it: hex, at least two digits.
private func cell(_ v: Int) -> String { "0x" + (v < 16 ? "0" : "") + String(v, radix: 16) }

@Suite("Flattened device tree")
struct DeviceTreeTests {
    /// 256 MiB with KCore's 36 MiB carve-out (what `MachineConfiguration.platform` computes).
    static let machine = MachineDescription(ramSize: 256 << 20, cpus: 2, carveOutSize: 36 << 20)

    @Test func headerIsVersion17AndSizesAddUp() {
        let blob = MachineDeviceTree(machine: Self.machine).blob
        func be32(_ o: Int) -> UInt32 { blob[o..<o + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        #expect(be32(0) == 0xD00D_FEED)
        #expect(Int(be32(4)) == blob.count)
        #expect(be32(20) == 17)
        #expect(be32(24) == 16)
        #expect(Int(be32(12)) + Int(be32(32)) == blob.count)  // strings block ends the blob
        #expect(Int(be32(8)) + Int(be32(36)) == Int(be32(12)))  // structure block ends where strings start
        #expect(be32(8) % 4 == 0 && be32(16) % 8 == 0)
        // FDT_END closes the structure block.
        #expect(be32(Int(be32(12)) - 4) == 9)
        #expect(blob == MachineDeviceTree(machine: Self.machine).blob)
    }

    @Test(.enabled(if: dtc != nil, "needs dtc (Debian package device-tree-compiler)"))
    func dtcReadsTheMachineAsHardwareMdDescribesIt() throws {
        let tree = MachineDeviceTree(machine: Self.machine, bootArguments: "console=ttyAMA0 earlycon", initrd: 0x4800_0000..<0x4810_0000)
        let (n, warnings) = try decompile(tree.blob, name: "ours")
        #expect(warnings.isEmpty, "dtc warnings: \(warnings)")
        // RAM less the 36 MiB carve-out.
        #expect(n["/memory@40000000"]?["reg"] == "<0x00 0x40000000 0x00 0xdc00000>")
        #expect(n["/cpus/cpu@0"]?["enable-method"] == "\"psci\"")
        #expect(n["/cpus/cpu@1"]?["reg"] == "<0x01>")
        #expect(n["/cpus/cpu@2"] == nil)
        #expect(n["/psci"]?["method"] == "\"hvc\"")
        #expect(n["/flash@0"]?["reg"] == "<0x00 0x00 0x00 0x4000000>")
        // Global fault SPI 8 then context banks SPI 9–16; SMMU 1: SPI 18, then 19–22.
        let smmu0 = try #require(n["/iommu@9050000"])
        #expect(smmu0["compatible"] == "\"arm,mmu-500\\0arm,smmu-v2\"")
        #expect(smmu0["#global-interrupts"] == "<0x01>")
        #expect(smmu0["#iommu-cells"] == "<0x01>")
        #expect(smmu0["interrupts"] == "<" + (8...16).map { "0x00 \(cell($0)) 0x04" }.joined(separator: " ") + ">")
        #expect(n["/iommu@9060000"]?["interrupts"] == "<" + (18...22).map { "0x00 \(cell($0)) 0x04" }.joined(separator: " ") + ">")
        // DMA engines point at their SMMU's phandle with a stream ID; SPI 28 and 29.
        #expect(n["/dma@9070000"]?["iommus"] == "<" + (n["/iommu@9050000"]?["phandle"]?.dropFirst().dropLast() ?? "") + " 0x00>")
        #expect(n["/dma@9071000"]?["iommus"] == "<" + (n["/iommu@9060000"]?["phandle"]?.dropFirst().dropLast() ?? "") + " 0x00>")
        #expect(n["/dma@9070000"]?["interrupts"] == "<0x00 0x1c 0x04>")
        #expect(n["/dma@9071000"]?["interrupts"] == "<0x00 0x1d 0x04>")
        #expect(n["/pl011@9000000"]?["interrupts"] == "<0x00 0x01 0x04>")
        #expect(n["/chosen"]?["bootargs"] == "\"console=ttyAMA0 earlycon\"")
        #expect(n["/chosen"]?["stdout-path"] == "\"/pl011@9000000\"")
        #expect(n["/chosen"]?["linux,initrd-start"] == "<0x00 0x48000000>")
        #expect(n["/chosen"]?["linux,initrd-end"] == "<0x00 0x48100000>")
    }

    /// QEMU's own tree for `-M virt,gic-version=2 -cpu cortex-a57` with the same CPUs and RAM:
    /// every node both machines have must carry the same properties with the same values,
    /// except phandle numbers (QEMU numbers them by its device count), the memory size (ours
    /// stops below the EL2 carve-out), the flash (one 64 MiB bank here, two in QEMU), and a
    /// lone CPU's `enable-method`, which QEMU leaves out and HARDWARE.md always gives.
    @Test(.enabled(if: dtc != nil && qemu != nil, "needs dtc and qemu-system-aarch64"),
          arguments: [1, 2, 4])
    func agreesWithQEMUVirtOnSharedNodes(cpus: Int) throws {
        let dump = temporaryFile("qemu-\(cpus).dtb")
        defer { try? FileManager.default.removeItem(atPath: dump) }
        let q = try run(qemu!, ["-M", "virt,gic-version=2,dumpdtb=\(dump)", "-cpu", "cortex-a57", "-smp", "\(cpus)", "-m", "256M", "-nographic"])
        #expect(q.status == 0, "qemu: \(q.err)")
        let theirs = try decompile(Array(try Data(contentsOf: URL(fileURLWithPath: dump))), name: "qemu-\(cpus)").nodes
        let machine = MachineDescription(ramSize: 256 << 20, cpus: cpus, carveOutSize: 36 << 20)
        let ours = try decompile(MachineDeviceTree(machine: machine).blob, name: "ours-\(cpus)").nodes
        let phandleValued: Set<String> = ["phandle", "interrupt-parent", "clocks"]
        var compared = 0
        for (path, props) in ours where path != "/chosen" && !path.hasPrefix("/iommu") && !path.hasPrefix("/dma") {
            let q = try #require(theirs[path], "QEMU has no \(path)")
            for (name, value) in props where !phandleValued.contains(name) {
                if (path == "/memory@40000000" || path == "/flash@0") && name == "reg" { continue }
                if cpus == 1 && name == "enable-method" { continue }
                #expect(q[name] == value, "\(path) \(name): QEMU \(q[name] ?? "absent"), ours \(value)")
                compared += 1
            }
        }
        #expect(theirs["/memory@40000000"]?["reg"] == "<0x00 0x40000000 0x00 0x10000000>")
        #expect(theirs["/flash@0"]?["reg"] == "<0x00 0x00 0x00 0x4000000 0x00 0x4000000 0x00 0x4000000>")
        #expect(compared > 30)
    }

    @Test func deviceTreeGoesAt128MiBOrBelowTheCarveOut() {
        #expect(Self.machine.deviceTreeAddress(size: 0x1000) == 0x4800_0000)
        let small = MachineDescription(ramSize: 128 << 20, cpus: 1, carveOutSize: 36 << 20)
        #expect(small.deviceTreeAddress(size: 0x1000) == 0x4000_0000 + (92 << 20) - (2 << 20))
    }
}
