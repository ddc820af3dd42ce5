/// One transaction a DMA engine sent through its SMMU: a beat's read of the source or write of
/// the destination, and what the SMMU made of it. The engine hands these to an observer (traces)
/// rather than knowing who watches, so the device model stays free of the machine around it.
public struct DMATransaction: Equatable, Sendable {
    /// The stream ID the engine presented (its SID register).
    public var streamID: UInt32
    public var iova: UInt64
    /// True for the destination write, false for the source read.
    public var write: Bool
    /// Bytes in the beat (at most `DMAEngine.beatSize`, never crossing a 4 KiB page).
    public var size: UInt64
    /// Cycles the copy had spent before this transaction began, counted from the CTRL write
    /// that started it; the transaction itself takes `cycles` more.
    public var startOffset: UInt64
    /// Cycles the SMMU charged for the translation (IOTLB hit, walk, fault).
    public var cycles: UInt64
    /// The physical address, or nil when the transaction faulted.
    public var physicalAddress: UInt64?
    /// The context bank that translated or faulted (nil: bypassed or a global fault).
    public var contextBank: Int?
    public var fault: SMMUFault?
    public var bypass: SMMUBypass?

    public init(streamID: UInt32, iova: UInt64, write: Bool, size: UInt64, startOffset: UInt64, translation t: SMMUTranslation) {
        self.streamID = streamID
        self.iova = iova
        self.write = write
        self.size = size
        self.startOffset = startOffset
        cycles = t.cycles
        if case .address(let pa) = t.outcome { physicalAddress = pa }
        contextBank = t.contextBank
        fault = t.fault
        bypass = t.bypass
    }
}
