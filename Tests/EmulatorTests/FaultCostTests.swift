import Foundation
import Testing
@testable import Emulator

/// The fault-cost sample measures a host stage-2 fault from the guest's side (CNTVCT around a
/// loop of first touches and one of second touches). These tests tie that guest-visible figure
/// to what the emulator accounts for the EL2 handler in `--stats`.
@Suite struct FaultCostTests {
    /// "fault cost: N cycles/page" from the sample's output.
    func guestFaultCost(_ out: String) -> Int? {
        guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("fault cost: ") }) else { return nil }
        return Int(line.dropFirst("fault cost: ".count).prefix { $0.isNumber })
    }

    func run(tableAccess: UInt64) throws -> (guest: Int, el2PerCall: Double, stats: String) {
        var config = MachineConfiguration()
        config.el2Costs.tableAccess = tableAccess
        var out: [UInt8] = []
        let m = try Machine(imagePath: SamplePaths.sample("fault-cost"), configuration: config) { out.append($0) }
        let r = m.run()
        #expect(r.exitStatus == 0, "\(r.reason)")
        let e = try #require(m.el2Statistics.byHandler["map_page_host"])
        let text = String(decoding: out, as: UTF8.self)
        return (try #require(guestFaultCost(text), "no fault cost in \(text)"), Double(e.cycles) / Double(e.calls), m.statistics())
    }

    /// The guest sees the EL2 handler's cycles plus the CPU's own part of a fault (the failed
    /// walk, exception entry): never less than the handler, and not much more.
    @Test(.enabled(if: SamplePaths.has("fault-cost"), "make samples first"))
    func guestMeasuredFaultCostCoversTheHandler() throws {
        let r = try run(tableAccess: 10)
        #expect(Double(r.guest) >= r.el2PerCall)
        #expect(Double(r.guest) <= r.el2PerCall + 200, "guest \(r.guest), EL2 \(r.el2PerCall) per call")
        #expect(r.stats.contains("EL2 map_page_host: calls"))
        #expect(r.stats.contains("host NPT pool: "))
    }

    /// Making EL2's table accesses dearer moves the guest-measured cost by exactly what the
    /// handler's accounting moved (within the counter's 16-cycle tick over 512 pages).
    @Test(.enabled(if: SamplePaths.has("fault-cost"), "make samples first"))
    func guestMeasuredFaultCostFollowsTheEL2CostModel() throws {
        let a = try run(tableAccess: 10), b = try run(tableAccess: 110)
        let el2Delta = b.el2PerCall - a.el2PerCall
        #expect(el2Delta > 0)
        #expect(abs(Double(b.guest - a.guest) - el2Delta) <= 2, "guest moved \(b.guest - a.guest), EL2 moved \(el2Delta)")
    }
}
