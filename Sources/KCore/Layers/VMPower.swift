/// Coq layer VMPower (implementation level).
extension ImplState {
    /// 0 when the VM is POWEROFF, 1 otherwise (quirk Q2).
    mutating func get_vm_poweron(_ vmid: UInt32, _ ctx: inout CallContext) -> Int {
        acquire(LockID.info(vmid), &ctx)
        let st = data.vminfos[Int(vmid)].state
        release(LockID.info(vmid), .vminfo, &ctx)
        return data.halt ? 0 : (st == .poweroff ? 0 : 1)
    }
    func get_vm_state(_ vmid: UInt32) -> VMState { data.halt ? .unused : data.vminfos[Int(vmid)].state }
}
