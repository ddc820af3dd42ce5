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
}
