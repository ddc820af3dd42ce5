/// `--handlers spec`: the spec level drives and the real tables follow it. After each call the
/// entries the spec changed are written into the real tables (allocating table pages from the
/// real pools as a C walk would), and the pool pointers are set to the spec's.
extension ImplState {
    private mutating func rawWalk(_ table: UInt64, _ idx: Int, next: inout UInt64) -> UInt64 {
        let p = KC.phys_page(table) | UInt64(idx * 8)
        var e = memory.load(p, size: 8) ?? 0
        if e == 0 {
            e = next | 3
            next &+= 4096
            memory.store(p, size: 8, value: e)
        }
        return e
    }

    mutating func materializeSPT(bank: (index: Int, cbndx: Int), from s: AbstractSPT, iova: UInt64?) {
        let ttbr = KC.SMMU_TTBR(bank.index, bank.cbndx)
        let root = carve.sptPA(ttbr)
        if s.pgdT[ttbr] == nil { memory.zero(root, length: 8192) }
        if let iova {
            let e = s.entry(ttbr, iova / 4096)
            if e.pte != 0 || (s.pgdT[ttbr]?.contains(KC.stage2_pgd_index(iova)) ?? false) {
                var pgdNext = sptPgdNext, pmdNext = sptPmdNext
                let l1 = rawWalk(root, KC.stage2_pgd_index(iova), next: &pgdNext)
                let l2 = rawWalk(l1, KC.pmd_index(iova), next: &pmdNext)
                memory.store(KC.phys_page(l2) | UInt64(KC.pte_index(iova) * 8), size: 8, value: e.pte)
            }
        }
        sptPgdNext = carve.sptPA(s.pgdNext)
        sptPmdNext = carve.sptPA(s.pmdNext)
    }

    mutating func materializeNPT(gfns: [UInt64], from s: AbstractNPT) {
        for ipa in gfns {
            let gfn = ipa >> 12
            var a = nptPgdNext, b = nptPudNext, c = nptPmdNext
            let t1 = rawWalk(vttbr, KC.pgd_index(ipa), next: &a)
            let t2 = rawWalk(t1, KC.pud_index(ipa), next: &b)
            let t3 = rawWalk(t2, KC.pmd_index(ipa), next: &c)
            memory.store(KC.phys_page(t3) | UInt64(KC.pte_index(ipa) * 8), size: 8, value: s.entry(gfn).pte)
        }
        nptPgdNext = carve.nptPA(s.pgdNext)
        nptPudNext = carve.nptPA(s.pudNext)
        nptPmdNext = carve.nptPA(s.pmdNext)
    }
}
