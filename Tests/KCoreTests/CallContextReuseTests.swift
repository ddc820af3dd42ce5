import Stage2
import Testing
@testable import KCore

/// KCore reuses call contexts (`makeContext`): a reused one must be indistinguishable from a new
/// one, and one a caller still holds must never be handed out again.
@Suite struct CallContextReuseTests {
    /// Every stored property of a context that is not a closure, by name, as text.
    func fields(_ c: CallContext) -> [String: String] {
        var d: [String: String] = [:]
        for child in Mirror(reflecting: c).children {
            guard let label = child.label else { continue }
            let type = String(describing: Swift.type(of: child.value))
            if type.contains("->") { continue }
            d[label] = String(describing: child.value)
        }
        return d
    }

    /// A context with every field changed from what a call starts with.
    func dirty(_ c: CallContext, locks: TicketLocks) {
        c.regs.x[3] = 0xDEAD
        c.regs.elr = 1
        c.regs.far = 2
        c.regs.skipTo = 3
        c.panic = PanicReason(function: "f", condition: "c")
        c.undefined = "u"
        c.deviceAccesses.append(DeviceAccess(smmu: 1, offset: 8, size: 4, isWrite: true, value: 9))
        c.steps = 5
        c.tableAccesses = 6
        c.sptWritten = true
        c.nptWrites.append(0x4000_1000)
        c.hostTLBInvalidations.append(0x5000_0000)
        c.lockAcquires = 7
        c.lockReleases = 8
        c.lockWaitCycles = 9
        c.costs.trapEntry &+= 11
        c.clock = HandlerClock(start: 12, locks: locks)
        c.coverage = CoverageProbe(counters: SpecCoverage(), level: .spec)
        c.conf = SMMUConf(physBase: [0], size: [1], contextBanks: [1])
        c.cpu = 7
        c.readDevice = { _, _, _ in 99 }
        c.pageContents = { _ in 98 }
        c.hwTTBR = { _, _ in 97 }
    }

    @Test func aReusedContextIsANewContext() {
        let (k, _, _) = makeCore()
        let h = HostContext(cpu: 2, x: (0..<31).map { UInt64($0) * 3 }, elr: 0x4008_0000, far: 0x123)
        var first: CallContext? = k.makeContext(h)
        let id = ObjectIdentifier(first!)
        dirty(first!, locks: k.locks)
        first = nil
        let reused = k.makeContext(h)
        #expect(ObjectIdentifier(reused) == id, "the pool did not reuse a free context")
        let fresh = CallContext(cpu: h.cpu, conf: k.configuration.smmuConf, regs: HostRegisters(x: h.x, elr: h.elr, far: h.far))
        fresh.costs = k.configuration.costModel
        let a = fields(reused), b = fields(fresh)
        #expect(a.keys.sorted() == b.keys.sorted())
        for key in b.keys.sorted() { #expect(a[key] == b[key], "\(key): reused \(a[key] ?? "-"), new \(b[key] ?? "-")") }
        // The oracles are KCore's again, not the replaced ones.
        #expect(reused.readDevice(0, 0x20, 4) == 0xA5A5_0000_0000_0020)
        #expect(reused.hwTTBR(0, 1) == k.carveOut.sptPA(KC.SMMU_TTBR(0, 1)))
        #expect(reused.pageContents(0x40000) != 98)
    }

    @Test func aHeldContextIsNeverHandedOutAgain() {
        let (k, _, _) = makeCore()
        let h = HostContext(cpu: 0)
        let held = (0..<KCore.contextPoolLimit + 2).map { _ in k.makeContext(h) }
        #expect(Set(held.map(ObjectIdentifier.init)).count == held.count)
    }

    @Test func registersWrittenByAHandlerDoNotLeakIntoTheNextCall() {
        let (k, _, _) = makeCore()
        // A trapped 32-bit read into x5 writes x5; the next call starts from its own registers.
        let (o, h) = mmio(k, ipa: 0x0905_0000, len: 4, rt: 5, write: false)
        #expect(o.panic == nil && h.x[5] == 0x0000_0000_0000_0000 | (0xA5A5_0000_0000_0000 & 0xFFFF_FFFF))
        var next = HostContext(cpu: 0, x: [UInt64](repeating: 7, count: 31))
        let ctx = k.makeContext(next)
        #expect(ctx.regs.x == next.x)
        next.x[5] = 1
        #expect(ctx.regs.x[5] == 7, "the context shares the caller's register array")
    }
}
