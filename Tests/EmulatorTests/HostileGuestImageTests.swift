import Foundation
import Stage2
import Testing
@testable import Emulator

/// A guest that livelocks EL2 retires no instruction, so --max-instructions cannot stop it.
@Suite struct LivelockTests {
    /// BR X0 with X0 = 0: the fetch at IPA 0 faults, map_page_host maps it as a device page
    /// (execute-never), the fetch faults again, forever. The run stops with exit status 5.
    @Test func fetchingFromADevicePageStopsInsteadOfSpinning() throws {
        var config = MachineConfiguration()
        config.maxInstructions = 1_000
        let m = try Machine(configuration: config, output: { _ in }, imageName: "br-x0") { ram throws(ELFLoadError) in
            try ELFImage(code: [0x00, 0x00, 0x1F, 0xD6], at: 0x4008_0000, entry: 0x4008_0000, symbols: [], into: ram)
        }
        let r = m.run()
        #expect(r.exitStatus == 5, "\(r.reason)")
        #expect(r.reason.contains("cpu0 makes no progress: the same stage-2 fault (pc 0x0"), "\(r.reason)")
    }

    /// VBAR_EL1 left at 0 (flash: every vector fetch faults) is fine here: map_page_host maps
    /// it as a device page and the stage-2 livelock check ends it. A vector in RAM that holds
    /// an undefined instruction is taken again and again at EL1 with nothing retired: exit
    /// status 5 with the EL1 syndrome, well before the instruction limit.
    @Test func anUndefinedInstructionAtTheVectorStopsInsteadOfSpinning() throws {
        var config = MachineConfiguration()
        config.maxInstructions = 50_000_000
        // adr x0, . ; msr vbar_el1, x0 ; udf #0 — the vector for the current EL with SPx is
        // at +0x200 of a 2 KiB-aligned base: the rest of the page is zero, which is UDF #0 too.
        let code: [UInt8] = [0x00, 0x00, 0x00, 0x10, 0x00, 0xC0, 0x18, 0xD5, 0x00, 0x00, 0x00, 0x00]
        let m = try Machine(configuration: config, output: { _ in }, imageName: "udf-vector") { ram throws(ELFLoadError) in
            try ELFImage(code: code + [UInt8](repeating: 0, count: 0x1000 - code.count), at: 0x4008_0000, entry: 0x4008_0000, symbols: [], into: ram)
        }
        let r = m.run()
        #expect(r.exitStatus == 5, "\(r.reason)")
        #expect(r.reason.contains("cpu0 makes no progress: 10000 EL1 exceptions in a row at the first instruction of the vector"), "\(r.reason)")
        #expect(r.reason.contains("ELR_EL1 0x40080200, ESR_EL1 0x2000000"), "\(r.reason)")
    }

    /// The instruction limit bounds attempted instructions: with a limit below the livelock
    /// bound the same guest ends with exit status 4.
    @Test func theInstructionLimitStopsAGuestThatOnlyTakesExceptions() throws {
        var config = MachineConfiguration()
        config.maxInstructions = 2_000
        let code: [UInt8] = [0x00, 0x00, 0x00, 0x10, 0x00, 0xC0, 0x18, 0xD5, 0x00, 0x00, 0x00, 0x00]
        let m = try Machine(configuration: config, output: { _ in }, imageName: "udf-vector") { ram throws(ELFLoadError) in
            try ELFImage(code: code + [UInt8](repeating: 0, count: 0x1000 - code.count), at: 0x4008_0000, entry: 0x4008_0000, symbols: [], into: ram)
        }
        let r = m.run()
        #expect(r.exitStatus == 4, "\(r.reason)")
        #expect(m.cpus[0].instructionsAttempted == 2_000)
    }
}

/// Symbol names come from the guest's ELF: traces print them escaped, never raw.
@Suite struct SymbolNameEscapingTests {
    @Test(.enabled(if: SamplePaths.has("hello"))) func bytesThatAreNotPrintableASCIIArePrintedEscaped() throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: SamplePaths.sample("hello"))))
        // "uart_putc" in the string table becomes ESC [ 3 1 m 0xFF x y z: a terminal escape
        // and a byte that is not UTF-8.
        let needle: [UInt8] = [0] + Array("uart_putc".utf8) + [0]
        let at = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle })
        bytes.replaceSubrange((at + 1)..<(at + 10), with: [0x1B, 0x5B, 0x33, 0x31, 0x6D, 0xFF, 0x78, 0x79, 0x7A])
        let ram = try #require(PhysicalMemory(base: 0x4000_0000, size: 16 << 20))
        let image = try ELFImage(bytes: bytes, into: ram)
        let address = try #require(image.symbols.first { $0.name.hasPrefix("\\x1b") }?.address)
        #expect(image.symbolize(address) == "\\x1b[31m\\xffxyz")
        #expect(image.symbolize(address + 8) == "\\x1b[31m\\xffxyz+0x8")
        #expect(image.symbols.allSatisfy { $0.name.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F } })
    }

    @Test func longNamesAreCut() throws {
        let long = String(repeating: "a", count: 1000)
        let name = long.withCString { ELFImage.escapedSymbolName($0) }
        #expect(name == String(repeating: "a", count: ELFImage.maxSymbolNameBytes) + "...")
        #expect("back\\slash".withCString { ELFImage.escapedSymbolName($0) } == "back\\x5cslash")
    }

    @Test func symbolizeFindsTheNearestSymbolBelow() throws {
        let ram = try #require(PhysicalMemory(base: 0x4000_0000, size: 16 << 20))
        let image = try ELFImage(code: [0, 0, 0, 0], at: 0x4008_0000, entry: 0x4008_0000,
                                 symbols: [(0x4008_0010, "b"), (0x4008_0000, "a"), (0x4008_0100, "c")], into: ram)
        #expect(image.symbolize(0x4007_FFFF) == "0x4007ffff")
        #expect(image.symbolize(0x4008_0000) == "a")
        #expect(image.symbolize(0x4008_000C) == "a+0xc")
        #expect(image.symbolize(0x4008_0010) == "b")
        #expect(image.symbolize(0x4008_0FFF) == "c+0xeff")
    }
}
