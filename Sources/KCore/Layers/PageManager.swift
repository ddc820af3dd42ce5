/// Coq layer PageManager: the `s2page` getters and setters (implementation level; setters are
/// no-ops on pages whose owner is INVALID).
extension ImplState {
    func get_pfn_owner(_ pfn: UInt64) -> UInt32 { data.halt ? 0 : data.s2page[pfn].owner }
    func get_pfn_count(_ pfn: UInt64) -> UInt32 { data.halt ? 0 : data.s2page[pfn].count }
    func get_pfn_map(_ pfn: UInt64) -> UInt64 { data.halt ? 0 : data.s2page[pfn].gfn }
    mutating func set_pfn_owner(_ pfn: UInt64, _ v: UInt32) {
        if !data.halt && data.s2page[pfn].owner != KC.INVALID { data.s2page[pfn].owner = v }
    }
    mutating func set_pfn_count(_ pfn: UInt64, _ v: UInt32) {
        if !data.halt && data.s2page[pfn].owner != KC.INVALID { data.s2page[pfn].count = v }
    }
    mutating func set_pfn_map(_ pfn: UInt64, _ v: UInt64) {
        if !data.halt && data.s2page[pfn].owner != KC.INVALID { data.s2page[pfn].gfn = v }
    }
}
