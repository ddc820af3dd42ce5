import Foundation
import Platform
import Testing
@testable import Emulator

/// An arm64 `Image` boots per the Linux boot protocol: loaded at RAM base + text_offset,
/// entered at EL1h with DAIF masked and x0 = the device tree's address, which holds the
/// generated blob (read back by the guest itself, through stage 2).
@Suite struct LinuxImageBootTests {
    /// A tiny Image: code0 branches past the header; the code loads the word at [x0] into x2,
    /// then powers off through PSCI SYSTEM_OFF.
    static func image(textOffset: UInt64 = 0x8_0000, imageSize: UInt64 = 0x1_0000) -> [UInt8] {
        var words: [UInt32] = [0x1400_0010]  // B #64: over the header
        words += [UInt32](repeating: 0, count: 15)
        var bytes = words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
        func put(_ v: UInt64, at o: Int, _ n: Int) { for i in 0..<n { bytes[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) } }
        put(textOffset, at: 8, 8)
        put(imageSize, at: 16, 8)
        put(UInt64(LinuxImageHeader.magic), at: 56, 4)
        var code: [UInt32] = [A64Encoding.load(size: 4, rt: 2, rn: 0)]
        code += A64Encoding.movImmediate(0, 0x8400_0008)
        code.append(A64Encoding.hvc())
        bytes += code.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
        return bytes
    }

    static func write(_ bytes: [UInt8], _ name: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smmu-emu-\(getpid())-\(name)").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @Test func imageBootsWithTheDeviceTreeInX0() throws {
        let path = Self.write(Self.image(), "Image")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var config = MachineConfiguration()
        config.bootArguments = "console=ttyAMA0"
        let m = try Machine(imagePath: path, configuration: config) { _ in }
        let cpu = m.cpus[0]
        #expect(cpu.pc == 0x4008_0000)
        #expect(cpu.x(0) == 0x4800_0000)
        #expect((1...3).allSatisfy { cpu.x($0) == 0 })
        #expect(cpu.currentEL == 1)
        #expect(m.deviceTreeAddress == 0x4800_0000)
        let blob = config.deviceTree
        #expect(m.ram.read(0x4800_0000, count: blob.count) == blob)
        let r = m.run()
        #expect(r.exitStatus == 0, "\(r.reason)")
        #expect(cpu.x(2) == 0xEDFE_0DD0)  // the FDT magic 0xd00dfeed, big-endian in memory
    }

    @Test func initrdFollowsTheKernelAndIsNamedInChosen() throws {
        let path = Self.write(Self.image(imageSize: 0x30_0000), "Image-initrd")
        let rd = Self.write([UInt8](repeating: 0x5A, count: 5000), "initrd")
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: rd) }
        var config = MachineConfiguration()
        config.initrdFile = rd
        let m = try Machine(imagePath: path, configuration: config) { _ in }
        // Kernel at 0x4008_0000 + 3 MiB ends at 0x4038_0000: the initrd starts at 0x4040_0000.
        #expect(m.ram.read(0x4040_0000, count: 5000) == [UInt8](repeating: 0x5A, count: 5000))
        let expected = MachineDeviceTree(machine: config.platform, initrd: 0x4040_0000..<0x4040_0000 + 5000).blob
        #expect(m.ram.read(0x4800_0000, count: expected.count) == expected)
    }

    @Test func anImageThatRunsIntoTheDeviceTreeIsRejected() throws {
        let path = Self.write(Self.image(imageSize: 200 << 20), "Image-huge")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ELFLoadError.self) { try Machine(imagePath: path, configuration: MachineConfiguration()) { _ in } }
    }
}
