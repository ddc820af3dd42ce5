import Foundation
import Testing
@testable import Emulator

/// Issue 3's bound, stated and checked: for 256 MiB of RAM the host NPT pool is
/// 1 root + 4 level-1 + 16 level-2 + (256 MiB / 2 MiB + 64) level-3 pages = 213 pages (852 KiB).
/// touch-all touches the 252 MiB the host owns plus the UART page: one level-1 table (IPA
/// bits 47:39 are zero), two level-2 tables (IPA GiB 0 for the UART, GiB 1 for RAM), and
/// 252 / 2 + 1 = 127 level-3 tables, 131 pages with the root.
@Suite struct NPTPoolBoundTests {
    @Test(.enabled(if: SamplePaths.has("touch-all"), "make samples first"))
    func touchAllUsesTheHandComputedShareOfThePool() throws {
        let m = try Machine(imagePath: SamplePaths.sample("touch-all"), configuration: MachineConfiguration()) { _ in }
        #expect(m.run().exitStatus == 0)
        let u = m.kcore.nptPoolUsage
        #expect(u.capacity == 213)
        #expect(u.pgdUsed == 1 && u.pudUsed == 2 && u.pmdUsed == 127)
        #expect(u.used == 131)
    }
}
