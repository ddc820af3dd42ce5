import Stage2

/// What a tool may ask EL2 about its state (scenario expectations, the reachability check, the
/// gdb stub's `monitor` commands, the invariant check): always at the level that drives the
/// handlers — with `.spec` the spec's abstract state, with `.impl` the tables in RAM, read the
/// way the hardware would walk them. Nothing here changes the state.
extension KCore {
    /// `s2page[pfn]`: the page's owner (HOSTVISOR, a VM, COREVISOR, INVALID), share count, gfn.
    public func page(pfn: UInt64) -> S2Page { data.s2page[pfn] }

    /// The pages VMs own (owner 1–15), in ascending pfn order.
    public func vmOwnedPages() -> [(pfn: UInt64, owner: UInt32)] {
        data.s2page.changed.filter { $0.value.owner >= 1 && $0.value.owner <= 15 }
            .map { (pfn: $0.key, owner: $0.value.owner) }.sorted { $0.pfn < $1.pfn }
    }

    /// A VM's information (state, vCPUs, loads); nil outside 0–16.
    func vm(_ vmid: UInt32) -> VMInfo? {
        let d = data
        return vmid < d.vminfos.count ? d.vminfos[Int(vmid)] : nil
    }

    /// Whether bank `cb` of SMMU `smmu` exists in the configuration EL2 was given (`smmu_conf`).
    func hasBank(smmu: Int, cb: Int) -> Bool {
        smmu >= 0 && smmu < configuration.smmuConf.num && cb >= 0 && cb < configuration.smmuConf.banks(smmu) && cb < 8
    }

    /// The VM that owns bank `cb` of SMMU `smmu` in EL2's SMMU configuration (`smmu_vmid`;
    /// INVALID when none), or nil when there is no such bank.
    public func bankOwner(smmu: Int, cb: Int) -> UInt32? {
        guard hasBank(smmu: smmu, cb: cb) else { return nil }
        let slot = KC.smmu_id(smmu, cb), owners = data.smmuVmid
        return slot < owners.count ? owners[slot] : nil
    }

    /// The root of the shadow table EL2 keeps for a bank: what `emulate_mmio` writes to the
    /// device's TTBR0 in place of the host's value. nil when there is no such bank.
    public func shadowRoot(smmu: Int, cb: Int) -> UInt64? {
        hasBank(smmu: smmu, cb: cb) ? carveOut.sptPA(KC.SMMU_TTBR(smmu, cb)) : nil
    }

    /// The shadow-table entry of a bank for `iova` (0: no entry), at the driving level: the
    /// spec's map, or a walk of the tables in RAM exactly as the abstraction function reads them.
    public func shadowEntry(smmu: Int, cb: Int, iova: UInt64) -> UInt64 {
        guard hasBank(smmu: smmu, cb: cb) else { return 0 }
        let ttbr = KC.SMMU_TTBR(smmu, cb), gfn = iova >> 12
        if configuration.handlers == .spec { return spec.spt.entry(ttbr, gfn).pte }
        return impl.sptLeaf(ttbr: ttbr, gfn: gfn)
    }

    /// The driving level's shadow tables in the spec's terms (every bank; costs a read of all
    /// of them at the implementation level).
    public var drivingSPT: AbstractSPT { configuration.handlers == .spec ? spec.spt : impl.abstractSPT() }

    /// The driving level's host NPT in the spec's terms (a read of every table at the
    /// implementation level).
    public var drivingNPT: AbstractNPT { configuration.handlers == .spec ? spec.npt : impl.abstractNPT() }

    /// The pte the driving level's host NPT holds for `gfn` (0: none), read from the tables
    /// alone, without building an abstraction.
    public func hostNPTEntry(gfn: UInt64) -> UInt64 {
        configuration.handlers == .spec ? spec.npt.entry(gfn).pte : impl.nptLeaf(gfn: gfn)
    }

    /// EL2's own memory (the carve-out at the top of RAM): no device and no host may reach it.
    public var el2Memory: Range<UInt64> { carveOut.base..<(carveOut.base + carveOut.size) }
}

extension ImplState {
    /// The leaf the abstraction function (`abstractSPT`) finds for `gfn` under the shadow root
    /// `ttbr` (a spec-level root address), or 0: the same three levels, the same checks that each
    /// link stays inside its pool, without reading the other entries.
    func sptLeaf(ttbr: UInt64, gfn: UInt64) -> UInt64 {
        let g = gfn >> 18, m = (gfn >> 9) & 511, p = gfn & 511
        guard g < 1024 else { return 0 }
        let pgdLo = carve.sptPA(KC.SMMU_PGD_START), pgdHi = carve.sptPA(KC.SMMU_PMD_START)
        let pmdLo = pgdHi, pmdHi = carve.sptPA(KC.SMMU_POOL_END)
        let e1 = memory.load(carve.sptPA(ttbr) &+ g &* 8, size: 8) ?? 0
        let t2 = KC.phys_page(e1)
        guard e1 != 0, t2 >= pgdLo && t2 < pgdHi else { return 0 }
        let e2 = memory.load(t2 &+ m &* 8, size: 8) ?? 0
        let t3 = KC.phys_page(e2)
        guard e2 != 0, t3 >= pmdLo && t3 < pmdHi else { return 0 }
        return memory.load(t3 &+ p &* 8, size: 8) ?? 0
    }
}
