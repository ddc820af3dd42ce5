/// Branch counters of one run (or the sum of several): a flat array indexed by level and
/// `SpecBranch`, so counting is one add. Not thread-safe: one per machine; `add` sums them.
public final class SpecCoverage {
    private(set) var counts: [UInt64]
    static let width = SpecBranch.allCases.count

    public init() { counts = .init(repeating: 0, count: 2 * SpecCoverage.width) }

    @inline(__always) func slot(_ b: SpecBranch, _ level: KCore.HandlerLevel) -> Int {
        (level == .spec ? 0 : SpecCoverage.width) + b.rawValue
    }
    @inline(__always) func record(_ b: SpecBranch, _ level: KCore.HandlerLevel) { counts[slot(b, level)] &+= 1 }

    /// How often `b` was taken at `level`.
    public func count(_ b: SpecBranch, at level: KCore.HandlerLevel) -> UInt64 { counts[slot(b, level)] }

    /// Adds another run's counts to these.
    public func add(_ other: SpecCoverage) {
        for i in counts.indices { counts[i] &+= other.counts[i] }
    }

    /// Branches that exist at a level and were never taken there, in table order.
    public func unreached() -> [(SpecBranch, KCore.HandlerLevel)] {
        var r: [(SpecBranch, KCore.HandlerLevel)] = []
        for b in SpecBranch.allCases {
            for l in [KCore.HandlerLevel.spec, .impl] where b.exists(at: l) && count(b, at: l) == 0 { r.append((b, l)) }
        }
        return r
    }
}

/// What a `CallContext` carries to count branches: the counters and the level the call runs at.
/// nil in the context when coverage is off, so a branch costs one nil check.
struct CoverageProbe {
    let counters: SpecCoverage
    public let level: KCore.HandlerLevel
}

extension CallContext {
    /// Counts branch `b` when coverage is on.
    @inline(__always) func hit(_ b: SpecBranch) {
        if let p = coverage { p.counters.record(b, p.level) }
    }
}
