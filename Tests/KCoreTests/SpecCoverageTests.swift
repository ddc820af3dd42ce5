import Testing
@testable import KCore

/// `--coverage`'s counters: the branch table is well formed, each level counts its own branches,
/// and coverage off counts nothing.
@Suite struct SpecCoverageTests {
    @Test func theBranchTableNamesEveryFunctionAndUniqueIDs() {
        let functions = SpecBranch.seedFunctions + SpecBranch.primitives
        for b in SpecBranch.allCases { #expect(functions.contains(b.info.function), "\(b)") }
        for f in functions {
            let ids = SpecBranch.allCases.filter { $0.info.function == f }.map(\.info.id)
            #expect(!ids.isEmpty, "\(f)")
            #expect(Set(ids).count == ids.count, "\(f): duplicate branch ids")
        }
        for f in SpecBranch.seedFunctions {
            #expect(SpecBranch.allCases.contains { $0.info.function == f && $0.info.id == "halted" }, "\(f) lacks its halt branch")
        }
    }

    /// With the refinement check, one call runs both levels: each counts the branch it took.
    /// D1: the C assigns the page (vm-not-verified, then host-page), the spec refuses.
    @Test func refinementCheckingCountsBothLevels() {
        let (k, _, _) = makeCore(.impl, check: true)
        let cov = SpecCoverage()
        k.coverage = cov
        _ = hvc(k, 13)
        _ = hvc(k, 24, 0, 1, 0)
        _ = hvc(k, 25, 0x1000, 0x4020_0000, 3, 0, 0)
        #expect(cov.count(.allocClaim, at: .spec) == 1 && cov.count(.allocClaim, at: .impl) == 1)
        #expect(cov.count(.assignVMNotVerified, at: .spec) == 1 && cov.count(.assignVMNotVerified, at: .impl) == 1)
        #expect(cov.count(.assignHostPage, at: .impl) == 1 && cov.count(.assignHostPage, at: .spec) == 0)
        // From the implementation's state the spec's map takes the same branch as the C's.
        #expect(cov.count(.mapPageMatch, at: .spec) == 1 && cov.count(.mapPageMatch, at: .impl) == 1)
        #expect(cov.count(.sptStored, at: .spec) == 1 && cov.count(.sptStored, at: .impl) == 1)
    }

    @Test(arguments: [KCore.HandlerLevel.impl, .spec])
    func onlyTheDrivingLevelCountsWithoutTheCheck(level: KCore.HandlerLevel) {
        let (k, _, _) = makeCore(level)
        let cov = SpecCoverage()
        k.coverage = cov
        _ = mmio(k, ipa: 0x0905_0000, len: 4, write: true, value: 1 << 21)
        let other: KCore.HandlerLevel = level == .spec ? .impl : .spec
        #expect(cov.count(.emulateSCR0, at: level) == 1 && cov.count(.emulateWrite32, at: level) == 1)
        #expect(cov.count(.emulateSCR0, at: other) == 0)
    }

    @Test func aPanicEndsTheCountingOfTheComposition() {
        let (k, _, _) = makeCore(.impl)
        let cov = SpecCoverage()
        k.coverage = cov
        _ = hvc(k, 24, 5, 1, 1)  // SMMU1 has 4 banks: panic
        #expect(cov.count(.allocCbndxBeyond, at: .impl) == 1)
        #expect(cov.counts.reduce(0, +) == 1)
    }

    @Test func coverageOffCountsNothing() {
        let (k, _, _) = makeCore(.impl)
        #expect(k.coverage == nil)
        _ = hvc(k, 13)
        #expect(k.coverage == nil)
    }

    /// Regression: with the spec level driving, the allowed SMMU writes it records reach the
    /// device (they were recorded and dropped, so an SMMU never saw a register the host set).
    @Test func specLevelWritesReachTheDevice() {
        let (k, s, _) = makeCore(.spec)
        #expect(mmio(k, ipa: 0x0905_8030, len: 4, write: true, value: 0x8002_3558).0.panic == nil)
        #expect(s.writes.count == 1 && s.writes.first?.1 == 0x8030 && s.writes.first?.3 == 0x8002_3558)
    }
}
