/// VM registration and image verification (BootOps: register_kvm, register_vcpu,
/// set_boot_info, remap_vm_image, verify_and_load_images), over EL2 data. The same code runs
/// for both levels (these are not seed functions); only the host-NPT revocation on
/// verification goes through the level in use.
enum VMBoot {
    static func register_kvm(_ d: inout EL2Data, _ ctx: inout CallContext) -> UInt64 {
        if d.halt { return 0 }
        _ = d.locks.acquire(LockID.core, &ctx)
        let vmid = d.nextVmid
        guard vmid < KC.COREVISOR else { return halt(&d, &ctx, "register_kvm", "no vmid left") }
        d.nextVmid = vmid + 1
        _ = d.locks.release(LockID.core, &ctx, pushing: .coreData)
        _ = d.locks.acquire(LockID.info(vmid), &ctx)
        guard d.vminfos[Int(vmid)].state == .unused else { return halt(&d, &ctx, "register_kvm", "vmid \(vmid) in use") }
        d.vminfos[Int(vmid)].state = .ready
        _ = d.locks.release(LockID.info(vmid), &ctx, pushing: .vminfo)
        d.tstate = 1
        return UInt64(vmid)
    }

    static func register_vcpu(_ d: inout EL2Data, _ ctx: inout CallContext, vmid: UInt32, vcpu: Int) {
        if d.halt { return }
        _ = d.locks.acquire(LockID.info(vmid), &ctx)
        let info = d.vminfos[Int(vmid)]
        guard info.state == .ready, info.registeredVCPUs & (1 << vcpu) == 0 else {
            _ = halt(&d, &ctx, "register_vcpu", "vmid \(vmid) is \(info.state) or vcpu \(vcpu) already registered")
            return
        }
        d.vminfos[Int(vmid)].registeredVCPUs |= 1 << vcpu
        _ = d.locks.release(LockID.info(vmid), &ctx, pushing: .vminfo)
        d.tstate = 1
    }

    static func set_boot_info(_ d: inout EL2Data, _ ctx: inout CallContext, vmid: UInt32, addr: UInt64, size: UInt64) -> UInt64 {
        if d.halt { return 0 }
        _ = d.locks.acquire(LockID.info(vmid), &ctx)
        guard d.vminfos[Int(vmid)].state == .ready else {
            return halt(&d, &ctx, "set_boot_info", "vmid \(vmid) is \(d.vminfos[Int(vmid)].state), not READY")
        }
        let idx = UInt64(d.vminfos[Int(vmid)].loads.count)
        if idx < KC.MAX_LOAD_INFO_NUM {
            // alloc_remap_addr (BootCore): under the CORE lock, the load's pages must end
            // below REMAP_END; sizes are host values, so the page count saturates rather than
            // wrapping into a small number.
            _ = d.locks.acquire(LockID.core, &ctx)
            let remap = d.nextRemapPtr
            let pages = size / 4096 + (size % 4096 == 0 ? 0 : 1)
            let (bytes, overflow) = pages.multipliedReportingOverflow(by: 4096)
            guard !overflow, bytes < KC.REMAP_END, remap < KC.REMAP_END - bytes else {
                return halt(&d, &ctx, "set_boot_info", "load \(idx) of vmid \(vmid) (\(pages) pages) does not fit EL2's remap window: next free 0x\(String(remap, radix: 16)), end 0x\(String(KC.REMAP_END, radix: 16))")
            }
            d.nextRemapPtr = remap + bytes
            _ = d.locks.release(LockID.core, &ctx, pushing: .coreData)
            d.vminfos[Int(vmid)].loads.append(LoadInfo(loadAddress: addr, size: size, remapAddress: remap))
        }
        _ = d.locks.release(LockID.info(vmid), &ctx, pushing: .vminfo)
        d.tstate = 1
        return idx
    }

    static func remap_vm_image(_ d: inout EL2Data, _ ctx: inout CallContext, vmid: UInt32, pfn: UInt64, loadIdx: Int) {
        if d.halt { return }
        _ = d.locks.acquire(LockID.info(vmid), &ctx)
        // Read in place, not through a copy of the VMInfo: a live copy would make the append
        // below copy the whole page list.
        let v = Int(vmid)
        guard d.vminfos[v].state == .ready else {
            _ = halt(&d, &ctx, "remap_vm_image", "vmid \(vmid) is \(d.vminfos[v].state), not READY")
            return
        }
        if loadIdx < d.vminfos[v].loads.count,
            UInt64(d.vminfos[v].loads[loadIdx].remappedPFNs.count) < d.vminfos[v].loads[loadIdx].pageCount
        {
            d.vminfos[v].loads[loadIdx].remappedPFNs.append(pfn)
        }
        _ = d.locks.release(LockID.info(vmid), &ctx, pushing: .vminfo)
        d.tstate = 1
    }

    /// Hashes the remapped pages (each load truncated to its size, loads in order) and compares
    /// with the configured digest. - Returns: the (pfn, gfn) pages to give the VM, or nil after
    /// a panic (INFO lock kept). Ownership is not checked here but page by page in
    /// `verify_commit`, as SeKVM loads each page after the image check.
    static func verify_check(
        _ d: inout EL2Data, _ ctx: inout CallContext, vmid: UInt32, expected: [UInt8]?,
        digest: (([UInt8]) -> [UInt8])?, read: (UInt64) -> [UInt8]?
    ) -> [(pfn: UInt64, gfn: UInt64)]? {
        if d.halt { return nil }
        _ = d.locks.acquire(LockID.info(vmid), &ctx)
        let info = d.vminfos[Int(vmid)]
        guard info.state == .ready else {
            _ = halt(&d, &ctx, "verify_vm_image", "vmid \(vmid) is \(info.state), not READY")
            return nil
        }
        // verify_and_load_images checks each load in a loop: with no load the loop runs zero
        // times, nothing is hashed, and the VM becomes VERIFIED with no image pages.
        if info.loads.isEmpty { return [] }
        // More pages than RAM holds means one repeats, and the second assign of it panics in
        // verify_commit anyway; stopping here keeps a hostile host from making the emulator
        // hash terabytes of the same page.
        let total = info.loads.reduce(UInt64(0)) { $0 &+ UInt64($1.remappedPFNs.count) }
        guard total <= d.s2page.ramEndPFN &- d.s2page.ramFirstPFN else {
            _ = halt(&d, &ctx, "verify_vm_image", "image of vmid \(vmid) spans \(total) pages, more than RAM holds: a page repeats")
            return nil
        }
        var image: [UInt8] = []
        var pages: [(pfn: UInt64, gfn: UInt64)] = []
        for load in info.loads {
            guard UInt64(load.remappedPFNs.count) == load.pageCount else {
                _ = halt(&d, &ctx, "verify_vm_image", "image of vmid \(vmid) not fully remapped")
                return nil
            }
            var bytes: [UInt8] = []
            for (i, pfn) in load.remappedPFNs.enumerated() {
                guard d.s2page[pfn].owner != KC.INVALID, let page = read(pfn) else {
                    _ = halt(&d, &ctx, "verify_vm_image", "image page 0x\(String(pfn, radix: 16)) is not RAM")
                    return nil
                }
                bytes += page
                pages.append((pfn, load.loadAddress / 4096 &+ UInt64(i)))
            }
            image += bytes.prefix(Int(clamping: load.size))
        }
        guard let expected, let digest, digest(image) == expected else {
            _ = halt(&d, &ctx, "verify_vm_image", "SHA-256 of vmid \(vmid)'s image does not match the configured hash")
            return nil
        }
        return pages
    }

    /// Gives each image page to the VM (`assign_pfn_to_vm`, MemManager), then marks the VM
    /// VERIFIED and releases its INFO lock. A page that cannot be the VM's panics there, INFO
    /// kept, the pages before it already moved — as SeKVM's load loop leaves them.
    static func verify_commit(
        _ d: inout EL2Data, _ ctx: inout CallContext, vmid: UInt32, pages: [(pfn: UInt64, gfn: UInt64)],
        revoke: (UInt64, inout CallContext) -> Void
    ) {
        if d.halt { return }
        for p in pages {
            guard assign_pfn_to_vm(&d, &ctx, vmid: vmid, gfn: p.gfn, pfn: p.pfn, revoke: revoke) else { return }
        }
        d.vminfos[Int(vmid)].state = .verified
        _ = d.locks.release(LockID.info(vmid), &ctx, pushing: .vminfo)
        d.tstate = 1
    }

    /// Coq: MemManager, assign_pfn_to_vm_spec. A host page with share count 0 leaves the host
    /// NPT (`revoke`, at the level in use) and becomes the VM's at `gfn` with count 0; a host
    /// page some host bank still maps (count > 0) panics; a page the VM already owns at `gfn`
    /// (or at no gfn) stays, its SMMU-assign marker count INVALID reset to 0; any other owner
    /// panics. - Returns: false after a panic (S2PAGE lock kept).
    static func assign_pfn_to_vm(
        _ d: inout EL2Data, _ ctx: inout CallContext, vmid: UInt32, gfn: UInt64, pfn: UInt64,
        revoke: (UInt64, inout CallContext) -> Void
    ) -> Bool {
        _ = d.locks.acquire(LockID.s2page, &ctx)
        let page = d.s2page[pfn]
        let name = "image page 0x\(String(pfn, radix: 16))"
        if page.owner == KC.HOSTVISOR {
            guard page.count == 0 else {
                _ = halt(&d, &ctx, "verify_vm_image", "\(name) is still shared with the host's devices (count \(page.count))")
                return false
            }
            revoke(pfn, &ctx)
            d.s2page[pfn] = S2Page(owner: vmid, count: 0, gfn: gfn)
        } else if page.owner == vmid && (page.gfn == KC.INVALID64 || page.gfn == gfn) {
            d.s2page[pfn] = S2Page(owner: vmid, count: page.count == KC.INVALID ? 0 : page.count, gfn: gfn)
        } else {
            let who = page.owner == KC.COREVISOR ? "EL2 (COREVISOR)" : page.owner == vmid ? "vmid \(vmid) at gfn 0x\(String(page.gfn, radix: 16))" : "vmid \(page.owner)"
            _ = halt(&d, &ctx, "verify_vm_image", "\(name) is owned by \(who)")
            return false
        }
        _ = d.locks.release(LockID.s2page, &ctx, pushing: .s2page)
        return true
    }

    /// PSCI SYSTEM_OFF from a VM (`set_vm_poweroff`): unconditional.
    static func set_vm_poweroff(_ d: inout EL2Data, _ ctx: inout CallContext, vmid: UInt32) {
        if d.halt { return }
        _ = d.locks.acquire(LockID.info(vmid), &ctx)
        d.vminfos[Int(vmid)].state = .poweroff
        _ = d.locks.release(LockID.info(vmid), &ctx, pushing: .vminfo)
        d.tstate = 1
    }

    private static func halt(_ d: inout EL2Data, _ ctx: inout CallContext, _ f: String, _ why: String) -> UInt64 {
        d.halt = true
        d.tstate = 0
        if ctx.panic == nil { ctx.panic = PanicReason(function: f, condition: why) }
        return 0
    }
}
