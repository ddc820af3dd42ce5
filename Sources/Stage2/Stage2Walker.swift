/// The configuration of one stage-2 translation regime, as VTCR_EL2/VTTBR_EL2 (CPU) or an SMMU
/// context bank's TCR/TTBR0 describe it. 4 KiB granule only.
public struct Stage2Regime: Hashable {
    /// Physical address of the first-level table (or of the first of its concatenated tables).
    public var root: UInt64
    /// T0SZ: the input address space is 2^(64 − t0sz) bytes.
    public var t0sz: Int
    /// Level the walk starts at (0–3), decoded from SL0.
    public var startLevel: Int
    /// Output address size in bits (from PS).
    public var outputBits: Int

    public init(root: UInt64, t0sz: Int, startLevel: Int, outputBits: Int = 48) {
        self.root = root
        self.t0sz = t0sz
        self.startLevel = startLevel
        self.outputBits = outputBits
    }

    /// Input size in bits.
    public var inputBits: Int { 64 - t0sz }

    /// Decodes VTCR_EL2 (or an SMMU stage-2 TCR, which has the same T0SZ/SL0/TG0/PS layout for
    /// 4 KiB granules) plus a root address. SL0 for 4 KiB: 0 → level 2, 1 → level 1, 2 → level 0.
    /// - Returns: nil for configurations the architecture calls out of range (caller reports a
    ///   level-0 translation fault, as hardware does for an inconsistent regime).
    public static func fromVTCR(_ vtcr: UInt64, root: UInt64) -> Stage2Regime? {
        let t0sz = Int(vtcr & 0x3F)
        let sl0 = Int((vtcr >> 6) & 0x3)
        let tg0 = (vtcr >> 14) & 0x3
        let ps = Int((vtcr >> 16) & 0x7)
        guard tg0 == 0 else { return nil }
        let start: Int
        switch sl0 {
        case 0: start = 2
        case 1: start = 1
        case 2: start = 0
        default: return nil
        }
        let psBits: Int
        switch ps {
        case 0: psBits = 32
        case 1: psBits = 36
        case 2: psBits = 40
        case 3: psBits = 42
        case 4: psBits = 44
        case 6: psBits = 52
        default: psBits = 48  // 0b101, and the reserved 0b111
        }
        let regime = Stage2Regime(root: root, t0sz: t0sz, startLevel: start, outputBits: min(psBits, 48))
        guard regime.isConsistent else { return nil }
        return regime
    }

    /// The architecture allows at most 16 concatenated tables at the start level.
    public var isConsistent: Bool {
        guard t0sz >= 16, t0sz <= 39, (0...3).contains(startLevel) else { return false }
        // Bits resolved from the start level down: 9 per level plus 12 of page offset.
        let resolved = 12 + 9 * (4 - startLevel)
        let extra = inputBits - resolved
        return extra >= -8 && extra <= 4 && inputBits > 12 + 9 * (3 - startLevel)
    }

    /// Bits of the IPA that index the start-level table (9 plus up to 4 for concatenation).
    var startIndexBits: Int { inputBits - (12 + 9 * (3 - startLevel)) }
}

/// Why a stage-2 walk failed, with the level at which it failed (ESR DFSC encodings).
public struct Stage2Fault: Error, Hashable, CustomStringConvertible {
    public enum Kind: Hashable {
        case addressSize, translation, accessFlag, permission
        /// A descriptor read that hit no RAM (synchronous external abort on the walk).
        case externalAbortOnWalk
    }
    public var kind: Kind
    public var level: Int
    public init(_ kind: Kind, level: Int) {
        self.kind = kind
        self.level = level
    }

    /// The DFSC/IFSC value for ESR_ELx.ISS[5:0].
    public var faultStatusCode: UInt32 {
        let l = UInt32(max(0, min(3, level)))
        switch kind {
        case .addressSize: return 0b000000 | l
        case .translation: return 0b000100 | l
        case .accessFlag: return 0b001000 | l
        case .permission: return 0b001100 | l
        case .externalAbortOnWalk: return 0b010100 | l
        }
    }

    public var description: String { "\(kind) fault, level \(level)" }
}

/// A successful stage-2 translation.
public struct Stage2Translation: Hashable {
    /// Output physical address of the input address (page/block base plus offset).
    public var physicalAddress: UInt64
    /// Rights granted by the leaf descriptor.
    public var permissions: Stage2Permissions
    /// Level of the leaf (1 or 2 for a block, 3 for a page).
    public var level: Int
    /// The leaf descriptor as read from memory.
    public var descriptor: Stage2Descriptor
    /// log2 of the mapped region's size (12, 21 or 30).
    public var sizeShift: Int { 12 + 9 * (3 - level) }
}

/// The stage-2 table walk, 4 KiB granule (ARM DDI 0487, D8.2–D8.4).
///
/// Reads real descriptors from physical memory, as hardware does, so a table a hypervisor built
/// in RAM is walked the same way by the CPU's stage 2 and by the SMMU. The loop is bounded by the
/// number of levels, whatever the tables contain.
public enum Stage2Walker {
    /// Counts the descriptor reads of the last walk (for cycle accounting by callers).
    public struct Walk {
        public var result: Result<Stage2Translation, Stage2Fault>
        public var descriptorReads: Int
    }

    /// Translates `ipa` under `regime`. Access permission is not checked here (see `check`).
    // Specialised for RAM here: callers in other modules (the CPU's stage 2, the SMMU's walks)
    // would otherwise run the generic body, reading each descriptor through a witness table.
    @_specialize(exported: true, where R == PhysicalMemory)
    public static func walk<R: PhysicalReader>(_ ipa: UInt64, regime: Stage2Regime, memory: R) -> Walk {
        // An inconsistent regime and an IPA beyond 2^(64 − T0SZ) are both level-0 translation
        // faults, whatever the start level (ARM DDI 0487, AArch64.S2Translate: S2InvalidSL,
        // S2InconsistentSL and IPAIsOutOfRange all report Fault_Translation with level 0).
        guard regime.isConsistent else { return Walk(result: .failure(.init(.translation, level: 0)), descriptorReads: 0) }
        if regime.inputBits < 64 && ipa >> UInt64(regime.inputBits) != 0 {
            return Walk(result: .failure(.init(.translation, level: 0)), descriptorReads: 0)
        }
        let oaLimit: UInt64 = regime.outputBits >= 64 ? .max : (1 << UInt64(regime.outputBits))
        // A table base with bits set in [47:PS] is an address-size fault at level 0 (ARMv8.0
        // TranslationTableWalk: !IsZero(baseregister<47:outputsize>)).
        if regime.root & Stage2Descriptor.addressMask >= oaLimit {
            return Walk(result: .failure(.init(.addressSize, level: 0)), descriptorReads: 0)
        }
        var level = regime.startLevel
        var table = regime.root & Stage2Descriptor.addressMask
        var reads = 0
        // Index at the start level may span concatenated tables.
        var indexBits = regime.startIndexBits
        while level <= 3 {
            let shift = UInt64(12 + 9 * (3 - level))
            let index = (ipa >> shift) & ((1 << UInt64(indexBits)) - 1)
            let entryAddr = table &+ index &* 8
            reads += 1
            guard let raw = memory.readPhysical64(entryAddr) else {
                return Walk(result: .failure(.init(.externalAbortOnWalk, level: level)), descriptorReads: reads)
            }
            let d = Stage2Descriptor(rawValue: raw)
            if !d.isValid {
                return Walk(result: .failure(.init(.translation, level: level)), descriptorReads: reads)
            }
            if level < 3 && d.isTableOrPage {
                if d.address >= oaLimit {
                    return Walk(result: .failure(.init(.addressSize, level: level)), descriptorReads: reads)
                }
                table = d.address
                level += 1
                indexBits = 9
                continue
            }
            // Leaf: a page at level 3, a block at level 1 or 2. Level-0 blocks and a level-3
            // descriptor with bit 1 clear are reserved: translation faults.
            if level == 0 || (level == 3 && !d.isTableOrPage) {
                return Walk(result: .failure(.init(.translation, level: level)), descriptorReads: reads)
            }
            let blockMask: UInt64 = (1 << shift) - 1
            let outBase = d.address & ~blockMask
            if outBase >= oaLimit {
                return Walk(result: .failure(.init(.addressSize, level: level)), descriptorReads: reads)
            }
            if !d.af {
                return Walk(result: .failure(.init(.accessFlag, level: level)), descriptorReads: reads)
            }
            var perms: Stage2Permissions = []
            if d.s2ap & 1 != 0 { perms.insert(.read) }
            if d.s2ap & 2 != 0 { perms.insert(.write) }
            if !d.executeNever { perms.insert(.execute) }
            let t = Stage2Translation(
                physicalAddress: outBase | (ipa & blockMask), permissions: perms, level: level, descriptor: d)
            return Walk(result: .success(t), descriptorReads: reads)
        }
        return Walk(result: .failure(.init(.translation, level: 3)), descriptorReads: reads)
    }

    /// Checks an access against a translation: a permission fault at the leaf's level if the
    /// leaf does not grant `needed`.
    public static func check(_ t: Stage2Translation, needed: Stage2Permissions) -> Stage2Fault? {
        t.permissions.isSuperset(of: needed) ? nil : Stage2Fault(.permission, level: t.level)
    }
}
