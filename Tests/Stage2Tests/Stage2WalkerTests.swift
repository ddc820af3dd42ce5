import Testing
@testable import Stage2

/// The stage-2 walk (ARM DDI 0487 D8): levels, blocks, concatenated start tables, every fault
/// kind at the level it happens, permissions. Tables are real descriptors in RAM.
@Suite struct Stage2WalkerTests {
    let ram = PhysicalMemory(base: 0x4000_0000, size: 64 << 20)!
    // A 4-level 48-bit regime (VTCR: T0SZ 16, SL0 2 = level 0, PS 5 = 48 bits).
    let regime48 = Stage2Regime.fromVTCR(16 | 2 << 6 | 5 << 16, root: 0x4100_0000)!

    func put(_ pa: UInt64, _ d: Stage2Descriptor) { ram.store(pa, size: 8, value: d.rawValue) }

    /// Root 0x4100_0000 → L1 0x4100_1000 → L2 0x4100_2000 → L3 0x4100_3000, for IPA 0x8000_0000 (L0 0, L1 2).
    func buildChain() {
        put(0x4100_0000, .table(0x4100_1000))
        put(0x4100_1000 + 2 * 8, .table(0x4100_2000))
        put(0x4100_2000, .table(0x4100_3000))
    }

    @Test func fourLevelPageWalk() {
        buildChain()
        put(0x4100_3000 + 5 * 8, .leaf(address: 0x4200_0000, level: 3))
        let w = Stage2Walker.walk(0x8000_5123, regime: regime48, memory: ram)
        #expect(w.descriptorReads == 4)
        guard case .success(let t) = w.result else { Issue.record("walk failed: \(w.result)"); return }
        #expect(t.physicalAddress == 0x4200_0123)
        #expect(t.level == 3)
        #expect(t.permissions == [.read, .write, .execute])
    }

    @Test func blockMappingsAtLevelsOneAndTwo() {
        put(0x4100_0000, .table(0x4100_1000))
        put(0x4100_1000 + 3 * 8, .leaf(address: 0x4000_0000, level: 1))  // 1 GiB block for IPA 0xC000_0000
        put(0x4100_1000 + 2 * 8, .table(0x4100_2000))
        put(0x4100_2000 + 1 * 8, .leaf(address: 0x4060_0000, level: 2))  // 2 MiB block for IPA 0x8020_0000
        let gb = Stage2Walker.walk(0xC123_4567, regime: regime48, memory: ram)
        #expect(gb.result == .success(Stage2Translation(physicalAddress: 0x4123_4567, permissions: [.read, .write, .execute], level: 1,
                                                        descriptor: .leaf(address: 0x4000_0000, level: 1))))
        guard case .success(let mb) = Stage2Walker.walk(0x8021_2345, regime: regime48, memory: ram).result else {
            Issue.record("2 MiB block walk failed"); return
        }
        #expect(mb.physicalAddress == 0x4061_2345)
        #expect(mb.sizeShift == 21)
    }

    @Test func translationFaultAtTheLevelThatIsInvalid() {
        #expect(Stage2Walker.walk(0x8000_0000, regime: regime48, memory: ram).result == .failure(Stage2Fault(.translation, level: 0)))
        put(0x4100_0000, .table(0x4100_1000))
        #expect(Stage2Walker.walk(0x8000_0000, regime: regime48, memory: ram).result == .failure(Stage2Fault(.translation, level: 1)))
        buildChain()
        #expect(Stage2Walker.walk(0x8000_0000, regime: regime48, memory: ram).result == .failure(Stage2Fault(.translation, level: 3)))
        // A level-3 descriptor with bit 1 clear is reserved: translation fault.
        put(0x4100_3000, Stage2Descriptor(rawValue: 0x4200_0000 | 1 | 1 << 10))
        #expect(Stage2Walker.walk(0x8000_0000, regime: regime48, memory: ram).result == .failure(Stage2Fault(.translation, level: 3)))
        // A block at level 0 is not allowed with 4 KiB granules.
        put(0x4100_0000, .leaf(address: 0, level: 1))
        #expect(Stage2Walker.walk(0x8000_0000, regime: regime48, memory: ram).result == .failure(Stage2Fault(.translation, level: 0)))
    }

    @Test func translationFaultAtLevelTwo() {
        put(0x4100_0000, .table(0x4100_1000))
        put(0x4100_1000 + 2 * 8, .table(0x4100_2000))
        let w = Stage2Walker.walk(0x8000_0000, regime: regime48, memory: ram)
        #expect(w.result == .failure(Stage2Fault(.translation, level: 2)))
        #expect(w.descriptorReads == 3)
        #expect(Stage2Fault(.translation, level: 2).faultStatusCode == 0b000110)
    }

    /// A table descriptor whose next-level address lies beyond PS is an address-size fault at
    /// the level of that descriptor (40-bit PS, table at 2^40).
    @Test func addressSizeFaultOnATableDescriptor() {
        let regime40 = Stage2Regime.fromVTCR(16 | 2 << 6 | 2 << 16, root: 0x4100_0000)!
        put(0x4100_0000, .table(0x4100_1000))
        put(0x4100_1000 + 2 * 8, .table(1 << 40))
        #expect(Stage2Walker.walk(0x8000_0000, regime: regime40, memory: ram).result == .failure(Stage2Fault(.addressSize, level: 1)))
    }

    @Test func writeOnlyAndNoAccessLeaves() {
        buildChain()
        put(0x4100_3000, .leaf(address: 0x4200_0000, level: 3, s2ap: 2))
        put(0x4100_3008, .leaf(address: 0x4200_1000, level: 3, s2ap: 0))
        guard case .success(let wo) = Stage2Walker.walk(0x8000_0000, regime: regime48, memory: ram).result,
              case .success(let none) = Stage2Walker.walk(0x8000_1000, regime: regime48, memory: ram).result
        else { Issue.record("walks failed"); return }
        #expect(Stage2Walker.check(wo, needed: .write) == nil)
        #expect(Stage2Walker.check(wo, needed: .read) == Stage2Fault(.permission, level: 3))
        #expect(Stage2Walker.check(none, needed: .read) == Stage2Fault(.permission, level: 3))
    }

    @Test func inputBeyondT0SZIsATranslationFault() {
        #expect(Stage2Walker.walk(1 << 48, regime: regime48, memory: ram).result == .failure(Stage2Fault(.translation, level: 0)))
    }

    @Test func accessFlagAndAddressSizeFaults() {
        buildChain()
        put(0x4100_3000, .leaf(address: 0x4200_0000, level: 3, af: false))
        #expect(Stage2Walker.walk(0x8000_0000, regime: regime48, memory: ram).result == .failure(Stage2Fault(.accessFlag, level: 3)))
        // 40-bit output size (PS = 2): an output address at 2^40 is an address-size fault.
        let regime40 = Stage2Regime.fromVTCR(16 | 2 << 6 | 2 << 16, root: 0x4100_0000)!
        put(0x4100_3000, .leaf(address: 1 << 40, level: 3))
        #expect(Stage2Walker.walk(0x8000_0000, regime: regime40, memory: ram).result == .failure(Stage2Fault(.addressSize, level: 3)))
    }

    @Test func tableOutsideRAMIsAnExternalAbortOnTheWalk() {
        put(0x4100_0000, .table(0x1000_0000))
        #expect(Stage2Walker.walk(0x8000_0000, regime: regime48, memory: ram).result == .failure(Stage2Fault(.externalAbortOnWalk, level: 1)))
    }

    @Test func permissionsComeFromS2APAndXN() {
        buildChain()
        put(0x4100_3000, .leaf(address: 0x4200_0000, level: 3, s2ap: 1, xn: 2))
        guard case .success(let t) = Stage2Walker.walk(0x8000_0000, regime: regime48, memory: ram).result else {
            Issue.record("walk failed"); return
        }
        #expect(t.permissions == [.read])
        #expect(Stage2Walker.check(t, needed: .read) == nil)
        #expect(Stage2Walker.check(t, needed: .write) == Stage2Fault(.permission, level: 3))
        #expect(Stage2Walker.check(t, needed: .execute) == Stage2Fault(.permission, level: 3))
    }

    /// SeKVM's shadow tables: 40-bit input, start level 1, two concatenated level-1 tables
    /// (1024 entries, IPA bits 39:30), as TCR = 0x8002_3558 describes.
    @Test func concatenatedStartTablesIndexWithTenBits() {
        let regime = Stage2Regime.fromVTCR(0x8002_3558, root: 0x4100_0000)!
        #expect(regime.startLevel == 1)
        #expect(regime.inputBits == 40)
        put(0x4100_0000 + 600 * 8, .table(0x4100_4000))  // entry 600 lies in the second page
        put(0x4100_4000, .table(0x4100_5000))
        put(0x4100_5000, .leaf(address: 0x4300_0000, level: 3))
        let w = Stage2Walker.walk(600 << 30 | 0x7, regime: regime, memory: ram)
        #expect(w.result.map(\.physicalAddress) == .success(0x4300_0007))
        #expect(w.descriptorReads == 3)
    }

    @Test func inconsistentRegimesAreRejected() {
        #expect(Stage2Regime.fromVTCR(16 | 3 << 6, root: 0) == nil)  // SL0 = 3: reserved for 4 KiB
        #expect(Stage2Regime.fromVTCR(16 | 2 << 6 | 1 << 14, root: 0) == nil)  // 64 KiB granule: not modelled
        #expect(Stage2Regime.fromVTCR(39 | 2 << 6, root: 0) == nil)  // too few bits to start at level 0
    }
}

@Suite struct PhysicalMemoryTests {
    @Test func sparseReservationAndBounds() {
        let ram = PhysicalMemory(base: 0x4000_0000, size: 4 << 30)!  // 4 GiB costs nothing until touched
        #expect(ram.store(0x4000_0000 + (4 << 30) - 8, size: 8, value: 0x1122_3344_5566_7788))
        #expect(ram.load(0x4000_0000 + (4 << 30) - 8, size: 8) == 0x1122_3344_5566_7788)
        #expect(ram.load(0x4000_0000 + (4 << 30) - 4, size: 8) == nil)  // crosses the end
        #expect(ram.load(0x3FFF_FFFF, size: 1) == nil)
        #expect(ram.load(UInt64.max - 3, size: 8) == nil)
        #expect(PhysicalMemory(base: 0x4000_0000, size: 0x1001) == nil)
        #expect(PhysicalMemory(base: UInt64.max - 0xFFF, size: 0x2000) == nil)
    }
}
