#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Stage2

/// The implementation level's state: EL2 data plus the real machine (tables in RAM, SMMU
/// registers through `SMMUHardware`). Pool pointers are real addresses.
struct ImplState {
    public var data: EL2Data
    let memory: PhysicalMemory
    let smmu: SMMUHardware
    let carve: CarveOutLayout
    var sptPgdNext: UInt64
    var sptPmdNext: UInt64
    var nptPgdNext: UInt64
    var nptPudNext: UInt64
    var nptPmdNext: UInt64

    init(data: EL2Data, memory: PhysicalMemory, smmu: SMMUHardware, carve: CarveOutLayout) {
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
        if pa < carve.nptBase { ctx.sptWritten = true } else { ctx.nptWrites.append(pa) }
        memory.store(pa, size: 8, value: v)
    }

    /// Calls `body(i, word)` for each non-zero 64-bit word of the `count`-word table at `pa`
    /// (none when the table is not in RAM). The refinement check abstracts every table after
    /// every call that touched one, and tables are mostly zeros: runs of 64 zero words are
    /// skipped with one `memcmp` against a zero block instead of 64 loads.
    func forEachEntry(_ pa: UInt64, count: Int, _ body: (Int, UInt64) -> Void) {
        guard let p = memory.pointer(pa, length: UInt64(count) * 8) else { return }
        for chunk in stride(from: 0, to: count, by: 64) {
            let n = min(64, count - chunk)
            if memcmp(p + chunk * 8, ImplState.zeroBlock, n * 8) == 0 { continue }
            for i in chunk..<(chunk + n) {
                let w = UInt64(littleEndian: p.load(fromByteOffset: i * 8, as: UInt64.self))
                if w != 0 { body(i, w) }
            }
        }
    }
    private static let zeroBlock = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 512, alignment: 8).initializeMemory(as: UInt8.self, repeating: 0, count: 512))

    /// Abstraction function: reads the real shadow tables back into the spec's maps.
    func abstractSPT() -> AbstractSPT {
        var a = AbstractSPT()
        a.pgdNext = carve.sptModel(sptPgdNext)
        a.pmdNext = carve.sptModel(sptPmdNext)
        let pgdLo = carve.sptPA(KC.SMMU_PGD_START), pgdHi = carve.sptPA(KC.SMMU_PMD_START)
        let pmdLo = pgdHi, pmdHi = carve.sptPA(KC.SMMU_POOL_END)
        for slot in 0..<16 {
            let ttbr = KC.SMMU_TTBR(slot / 8, slot % 8)
            forEachEntry(carve.sptPA(ttbr), count: 1024) { g, e1 in
                a.pgdT[ttbr, default: []].insert(g)
                let t2 = KC.phys_page(e1)
                guard t2 >= pgdLo && t2 < pgdHi else { return }
                forEachEntry(t2, count: 512) { m, e2 in
                    a.pmdT[ttbr, default: []].insert(g << 9 | m)
                    let t3 = KC.phys_page(e2)
                    guard t3 >= pmdLo && t3 < pmdHi else { return }
                    forEachEntry(t3, count: 512) { p, leaf in
                        let gfn = UInt64(g) << 18 | UInt64(m) << 9 | UInt64(p)
                        a.setEntry(ttbr, gfn, .init(pfn: KC.phys_page(leaf) / 4096, pte: leaf))
                    }
                }
            }
        }
        return a
    }

    /// Abstraction function for the host NPT (4 levels from the root page).
    func abstractNPT() -> AbstractNPT { abstractNPTIndexed().0 }

    /// The spec-level view of this state.
    func abstraction() -> SpecState { SpecState(data: data, spt: abstractSPT(), npt: abstractNPT()) }
}
