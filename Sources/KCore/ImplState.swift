import Stage2

/// The implementation level's state: EL2 data plus the real machine (tables in RAM, SMMU
/// registers through `SMMUHardware`). Pool pointers are real addresses.
public struct ImplState {
    public var data: EL2Data
    public let memory: PhysicalMemory
    public let smmu: SMMUHardware
    public let carve: CarveOutLayout
    public var sptPgdNext: UInt64
    public var sptPmdNext: UInt64
    public var nptPgdNext: UInt64
    public var nptPudNext: UInt64
    public var nptPmdNext: UInt64

    public init(data: EL2Data, memory: PhysicalMemory, smmu: SMMUHardware, carve: CarveOutLayout) {
        self.data = data
        self.memory = memory
        self.smmu = smmu
        self.carve = carve
        sptPgdNext = carve.sptPA(KC.SMMU_PGD_START)
        sptPmdNext = carve.sptPA(KC.SMMU_PMD_START)
        let l = carve.nptLayout
        nptPgdNext = carve.nptPA(l.pgdStart)
        nptPudNext = carve.nptPA(l.pudStart)
        nptPmdNext = carve.nptPA(l.pmdStart)
    }

    /// VTTBR_EL2 for the host: the NPT root (`pt_vttbr(0)`, VMID 0).
    public var vttbr: UInt64 { carve.nptPA(carve.nptLayout.poolStart) }
    /// VTCR_EL2: T0SZ = 16 (48-bit IPA), SL0 = 2 (start at level 0), inner/outer WB,
    /// inner-shareable, 4 KiB granule, PS = 48 bits, RES1 bit 31.
    public static let vtcr: UInt64 = 16 | (2 << 6) | (1 << 8) | (1 << 10) | (3 << 12) | (5 << 16) | (1 << 31)

    @inline(__always) func load(_ pa: UInt64, _ ctx: inout CallContext) -> UInt64 {
        ctx.tableAccesses += 1
        return memory.load(pa, size: 8) ?? 0
    }
    @inline(__always) func store(_ pa: UInt64, _ v: UInt64, _ ctx: inout CallContext) {
        ctx.tableAccesses += 1
        memory.store(pa, size: 8, value: v)
    }

    /// Abstraction function: reads the real shadow tables back into the spec's maps.
    public func abstractSPT() -> AbstractSPT {
        var a = AbstractSPT()
        a.pgdNext = carve.sptModel(sptPgdNext)
        a.pmdNext = carve.sptModel(sptPmdNext)
        let pgdLo = carve.sptPA(KC.SMMU_PGD_START), pgdHi = carve.sptPA(KC.SMMU_PMD_START)
        let pmdLo = pgdHi, pmdHi = carve.sptPA(KC.SMMU_POOL_END)
        for slot in 0..<16 {
            let ttbr = KC.SMMU_TTBR(slot / 8, slot % 8)
            let root = carve.sptPA(ttbr)
            for g in 0..<1024 {
                let e1 = memory.load(root + UInt64(g) * 8, size: 8) ?? 0
                if e1 == 0 { continue }
                a.pgdT[ttbr, default: []].insert(g)
                let t2 = KC.phys_page(e1)
                guard t2 >= pgdLo && t2 < pgdHi else { continue }
                for m in 0..<512 {
                    let e2 = memory.load(t2 + UInt64(m) * 8, size: 8) ?? 0
                    if e2 == 0 { continue }
                    a.pmdT[ttbr, default: []].insert(g << 9 | m)
                    let t3 = KC.phys_page(e2)
                    guard t3 >= pmdLo && t3 < pmdHi else { continue }
                    for p in 0..<512 {
                        let leaf = memory.load(t3 + UInt64(p) * 8, size: 8) ?? 0
                        if leaf == 0 { continue }
                        let gfn = UInt64(g) << 18 | UInt64(m) << 9 | UInt64(p)
                        a.setEntry(ttbr, gfn, .init(pfn: KC.phys_page(leaf) / 4096, pte: leaf))
                    }
                }
            }
        }
        return a
    }

    /// Abstraction function for the host NPT (4 levels from the root page).
    public func abstractNPT() -> AbstractNPT {
        let l = carve.nptLayout
        var a = AbstractNPT(layout: l)
        a.pgdNext = carve.nptModel(nptPgdNext)
        a.pudNext = carve.nptModel(nptPudNext)
        a.pmdNext = carve.nptModel(nptPmdNext)
        let root = vttbr
        let lo = carve.nptPA(l.pgdStart), hi = carve.nptPA(l.poolEnd)
        func table(_ e: UInt64) -> UInt64? {
            let t = KC.phys_page(e)
            return e & 3 == 3 && t >= lo && t < hi ? t : nil
        }
        for g in 0..<512 {
            let e0 = memory.load(root + UInt64(g) * 8, size: 8) ?? 0
            if e0 == 0 { continue }
            a.pgdT.insert(g)
            guard let t1 = table(e0) else { continue }
            for u in 0..<512 {
                let e1 = memory.load(t1 + UInt64(u) * 8, size: 8) ?? 0
                if e1 == 0 { continue }
                a.pudT.insert(g << 9 | u)
                guard let t2 = table(e1) else { continue }
                for m in 0..<512 {
                    let e2 = memory.load(t2 + UInt64(m) * 8, size: 8) ?? 0
                    if e2 == 0 { continue }
                    a.pmdT.insert(g << 18 | u << 9 | m)
                    guard let t3 = table(e2) else { continue }
                    for p in 0..<512 {
                        let leaf = memory.load(t3 + UInt64(p) * 8, size: 8) ?? 0
                        if leaf == 0 { continue }
                        let gfn = UInt64(g) << 27 | UInt64(u) << 18 | UInt64(m) << 9 | UInt64(p)
                        a.pt[gfn] = .init(pfn: KC.phys_page(leaf) / 4096, level: 3, pte: leaf)
                    }
                }
            }
        }
        return a
    }

    /// The spec-level view of this state.
    public func abstraction() -> SpecState { SpecState(data: data, spt: abstractSPT(), npt: abstractNPT()) }
}
