import Foundation
import Platform
import Stage2

/// Booting an arm64 Linux `Image` (Documentation/arch/arm64/booting.rst): the image at RAM
/// base + text_offset, the initrd after it on the next 2 MiB boundary, the device tree at
/// `MachineDescription.deviceTreeAddress`; CPU 0 enters at the image's first byte at EL1h with
/// the MMU off, DAIF masked, x0 = the device tree's address and x1–x3 = 0 (`CPU.powerOn`).
extension Machine {
    convenience init(
        linuxImage bytes: [UInt8], header: LinuxImageHeader, configuration: MachineConfiguration,
        output: @escaping (UInt8) -> Void, imageName: String
    ) throws(ELFLoadError) {
        let platform = configuration.platform
        let load = header.loadAddress(ramBase: configuration.ramBase)
        let kernelEnd = load &+ header.footprint(fileSize: bytes.count)
        var initrd: [UInt8]?
        if let path = configuration.initrdFile {
            guard let d = FileManager.default.contents(atPath: path) else { throw .unreadable("no such initrd: \(path)") }
            initrd = [UInt8](d)
        }
        let initrdStart = (kernelEnd &+ 0x1F_FFFF) & ~UInt64(0x1F_FFFF)
        let initrdRange = initrd.map { initrdStart..<initrdStart &+ UInt64($0.count) }
        var tree: [UInt8]
        if let path = configuration.deviceTreeFile {
            guard let d = FileManager.default.contents(atPath: path) else { throw .unreadable("no such device tree: \(path)") }
            tree = [UInt8](d)
        } else {
            tree = MachineDeviceTree(machine: platform, bootArguments: configuration.bootArguments, initrd: initrdRange).blob
        }
        let treeAddress = platform.deviceTreeAddress(size: tree.count)
        let used = initrdRange?.upperBound ?? kernelEnd
        // Kernel, initrd and device tree must not overlap, and all must lie in the host's RAM.
        guard load >= configuration.ramBase, used > load, used <= treeAddress,
              treeAddress &+ UInt64(tree.count) <= configuration.ramBase &+ platform.hostRAMSize
        else { throw .segmentOutsideRAM(index: 0, start: load, end: used) }
        try self.init(configuration: configuration, output: output, imageName: imageName) {
            ram throws(ELFLoadError) in try ELFImage(code: bytes, at: load, entry: load, symbols: [], into: ram)
        }
        if let initrd { initrd.withUnsafeBytes { _ = ram.write($0, at: initrdStart) } }
        tree.withUnsafeBytes { _ = ram.write($0, at: treeAddress) }
        deviceTreeAddress = treeAddress
        cpus[0].powerOn(entry: load, context: treeAddress)
    }
}
