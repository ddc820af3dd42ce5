/// Coq layer BootOps: the VM-state checks around the SMMU operations (implementation level).
extension ImplState {
    mutating func alloc_smmu(_ vmid: UInt32, _ cbndx: Int, _ index: Int, _ ctx: inout CallContext) {
        acquire(LockID.info(vmid), &ctx)
        if KC.HOSTVISOR < vmid && vmid < KC.COREVISOR && get_vm_state(vmid) == .verified {
            hit(.allocVMVerified, &ctx)
            panic(&ctx, "el2_alloc_smmu_pgd", "vmid \(vmid) is VERIFIED")
        }
        init_spt(cbndx, index, &ctx)
        release(LockID.info(vmid), .vminfo, &ctx)
    }
    mutating func assign_smmu(_ vmid: UInt32, _ pfn: UInt64, _ gfn: UInt64, _ ctx: inout CallContext) {
        acquire(LockID.info(vmid), &ctx)
        if KC.HOSTVISOR < vmid && vmid < KC.COREVISOR {
            if get_vm_state(vmid) == .verified {
                hit(.assignVMVerified, &ctx)
                panic(&ctx, "smmu_assign_page", "vmid \(vmid) is VERIFIED")
            } else {
                hit(.assignVMNotVerified, &ctx)
                assign_pfn_to_smmu(vmid, gfn, pfn, &ctx)
            }
        } else {
            hit(.assignHostBank, &ctx)
        }
        release(LockID.info(vmid), .vminfo, &ctx)
    }
    mutating func map_smmu(_ vmid: UInt32, _ cbndx: Int, _ index: Int, _ iova: UInt64, _ pte: UInt64, _ ctx: inout CallContext) {
        acquire(LockID.info(vmid), &ctx)
        if KC.HOSTVISOR < vmid && vmid < KC.COREVISOR && get_vm_state(vmid) == .verified {
            hit(.mapVMVerified, &ctx)
            panic(&ctx, "smmu_map_page", "vmid \(vmid) is VERIFIED: its SMMU tables are frozen")
        }
        update_smmu_page(vmid, cbndx, index, iova, pte, &ctx)
        release(LockID.info(vmid), .vminfo, &ctx)
    }
    mutating func clear_smmu(_ vmid: UInt32, _ cbndx: Int, _ index: Int, _ iova: UInt64, _ ctx: inout CallContext) {
        acquire(LockID.info(vmid), &ctx)
        if KC.HOSTVISOR < vmid && vmid < KC.COREVISOR && get_vm_state(vmid) == .verified {
            hit(.clearVMVerified, &ctx)
            panic(&ctx, "el2_arm_lpae_clear", "vmid \(vmid) is VERIFIED: its SMMU tables are frozen")
        }
        unmap_smmu_page(cbndx, index, iova, &ctx)
        release(LockID.info(vmid), .vminfo, &ctx)
    }
}
