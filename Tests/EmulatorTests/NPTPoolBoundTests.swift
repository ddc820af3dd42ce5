import Foundation
import Testing
@testable import Emulator

/// The bound, stated and checked: the host NPT pool is Coq's (Constants.v), 1 root + 256
/// level-1 + 2048 level-2 + 5887 level-3 pages = 8192 pages (32 MiB), whatever the RAM size.
/// touch-all touches the 220 MiB the host owns plus the UART page: one level-1 table (IPA
/// bits 47:39 are zero), two level-2 tables (IPA GiB 0 for the UART, GiB 1 for RAM), and
/// 220 / 2 + 1 = 111 level-3 tables, 115 pages with the root.
@Suite struct NPTPoolBoundTests {
    @Test(.enabled(if: SamplePaths.has("touch-all"), "make samples first"))
    func touchAllUsesTheHandComputedShareOfThePool() throws {
        let m = try Machine(imagePath: SamplePaths.sample("touch-all"), configuration: MachineConfiguration()) { _ in }
        #expect(m.run().exitStatus == 0)
        let u = m.kcore.nptPoolUsage
        #expect(u.capacity == 8192)
        #expect(u.pgdUsed == 1 && u.pudUsed == 2 && u.pmdUsed == 111)
        #expect(u.used == 115)
    }
}
