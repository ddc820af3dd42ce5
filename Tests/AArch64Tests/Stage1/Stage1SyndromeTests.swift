import Stage2
import TestSupport
import Testing
@testable import AArch64

/// ESR_EL1/FAR_EL1 of stage-1 faults, each expectation computed by hand from the ARM ARM
/// (ISS encoding for a Data Abort / Instruction Abort: EC 0x24 from EL0, 0x25 from EL1, 0x20/
/// 0x21 for instruction aborts, IL = 1, ISV = 0 for faults taken to EL1, WnR bit 6, DFSC/IFSC
/// 5:0: translation 0b0001LL, Access flag 0b0010LL, permission 0b0011LL, alignment 0b100001),
/// and of stage-2 faults on a stage-1 walk (ESR_EL2: S1PTW bit 7, HPFAR_EL2 = the descriptor's
/// IPA page, FAR_EL2 = the VA).
@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as (make setup)"))
struct Stage1SyndromeTests {
    static let data: UInt64 = 0x4010_0000  // RW at EL1 only
    static let readOnly: UInt64 = 0x4010_1000  // AP = 0b10
    static let noAF: UInt64 = 0x4010_2000
    static let user: UInt64 = 0x4010_3000  // AP = 0b01: RW at EL0 and EL1 (so PXN at EL1)
    static let deviceVA: UInt64 = 0x4010_4000
    static let pxnCode: UInt64 = 0x4010_5000
    static let uxnCode: UInt64 = 0x4010_6000  // AP = 0b11, UXN
    static let roBlock: UInt64 = 0x4060_0000  // 2 MiB block, AP = 0b10

    /// Runs `body` (EL1, MMU on) with the mappings above; x1 = `address`.
    func run(_ body: String, address: UInt64) throws -> TestMachine {
        let m = try TestMachine("""
            \(TestMachine.mmuOn())
            ldr x1, =\(address)
            \(body)
            hvc #0
            \(TestMachine.vectors)
            """)
        _ = m.stage1 { t in
            t.page(Self.data, Self.data)
            t.page(Self.readOnly, Self.readOnly, Stage1Tables.attributes(ap: 2))
            t.page(Self.noAF, Self.noAF, Stage1Tables.attributes(af: false))
            t.page(Self.user, Self.user, Stage1Tables.attributes(ap: 1))
            t.page(Self.deviceVA, Self.deviceVA, Stage1Tables.attributes(attr: Stage1Tables.device))
            t.page(Self.pxnCode, Self.pxnCode, Stage1Tables.attributes(pxn: true))
            t.page(Self.uxnCode, Self.uxnCode, Stage1Tables.attributes(ap: 3, uxn: true))
            t.block(Self.roBlock, Self.roBlock, level: 2, Stage1Tables.attributes(ap: 2))
        }
        _ = m.ram.store(Self.pxnCode, size: 4, value: 0xD400_0002)  // hvc #0
        _ = m.ram.store(Self.uxnCode, size: 4, value: 0xD400_0002)
        return m
    }

    func expectFault(_ m: TestMachine, esr: UInt64, far: UInt64, vector: UInt16 = 7, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(m.run() == .hypervisorCall(imm: vector), sourceLocation: sourceLocation)
        #expect(m.cpu.readSystemRegister("ESR_EL1") == esr, sourceLocation: sourceLocation)
        #expect(m.cpu.readSystemRegister("FAR_EL1") == far, sourceLocation: sourceLocation)
    }

    static let dataAbortEL1: UInt64 = 0x25 << 26 | 1 << 25
    static let dataAbortEL0: UInt64 = 0x24 << 26 | 1 << 25

    @Test func mappedAccessesTranslate() throws {
        let m = try run("str x1, [x1]\nldr x2, [x1]\nldr x3, [x1, #0x1000]", address: Self.data)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(2) == Self.data)
    }

    @Test func translationFaultAtEachLevel() throws {
        // Level 0: L0[1] is empty. Level 1: L1[2] of L0[0]. Level 2: L2[3] under L1[1].
        // Level 3: L3[0x107] under the table holding the test pages.
        for (va, level) in [(UInt64(0x0000_8000_0000_0000), 0), (0x8000_0000, 1), (0x4060_0000 + 0x20_0000, 2), (0x4010_7000, 3)] {
            try expectFault(run("ldr x2, [x1]", address: va), esr: Self.dataAbortEL1 | 0x04 | UInt64(level), far: va)
            try expectFault(run("str x2, [x1]", address: va), esr: Self.dataAbortEL1 | 1 << 6 | 0x04 | UInt64(level), far: va)
        }
    }

    @Test func addressOutsideBothRangesIsALevel0TranslationFault() throws {
        // Bits 63:48 neither all zeros nor all ones (TBI off): no TTBR covers the address.
        try expectFault(run("ldr x2, [x1]", address: 0x0001_0000_0000_0000), esr: Self.dataAbortEL1 | 0x04, far: 0x0001_0000_0000_0000)
        // TTBR1's range with EPD1 = 0 but no table under it: TTBR1_EL1 = 0 is not RAM, so the
        // first descriptor read is a synchronous external abort on the walk, level 0 (0x14).
        try expectFault(run("ldr x2, [x1]", address: 0xFFFF_0000_0000_0000), esr: Self.dataAbortEL1 | 0x14, far: 0xFFFF_0000_0000_0000)
    }

    @Test func accessFlagFault() throws {
        try expectFault(run("ldr x2, [x1, #8]", address: Self.noAF), esr: Self.dataAbortEL1 | 0x0B, far: Self.noAF + 8)
    }

    @Test func permissionFaults() throws {
        try expectFault(run("str x2, [x1]", address: Self.readOnly), esr: Self.dataAbortEL1 | 1 << 6 | 0x0F, far: Self.readOnly)
        try expectFault(run("str x2, [x1, #16]", address: Self.roBlock), esr: Self.dataAbortEL1 | 1 << 6 | 0x0E, far: Self.roBlock + 16)
        // An atomic read-modify-write of a readable page: WnR = 1 (a read would not fault).
        try expectFault(run("ldadd x2, x3, [x1]", address: Self.readOnly), esr: Self.dataAbortEL1 | 1 << 6 | 0x0F, far: Self.readOnly)
        // Reading a read-only page is fine.
        let m = try run("ldr x2, [x1]", address: Self.readOnly)
        #expect(m.run() == .hypervisorCall(imm: 0))
    }

    @Test func instructionFetchPermissionFaults() throws {
        // PXN: EL1 may not execute. A page EL0 may write is never executable at EL1 either.
        try expectFault(run("br x1", address: Self.pxnCode), esr: 0x21 << 26 | 1 << 25 | 0x0F, far: Self.pxnCode)
        try expectFault(run("br x1", address: Self.user), esr: 0x21 << 26 | 1 << 25 | 0x0F, far: Self.user)
        // UXN does not stop EL1.
        let m = try run("br x1", address: Self.uxnCode)
        #expect(m.run() == .hypervisorCall(imm: 0))
    }

    /// EL0 code (the read-only code pages) at `label`, entered by ERET with SPSR = EL0t.
    func runAtEL0(_ el0Body: String, address: UInt64) throws -> TestMachine {
        try run("""
            adr x9, el0
            msr elr_el1, x9
            msr spsr_el1, xzr
            eret
            el0:
            \(el0Body)
            """, address: address)
    }

    @Test func el0Faults() throws {
        // EL1-only page read from EL0: permission fault, level 3, EC 0x24, to the lower-EL vector.
        try expectFault(runAtEL0("ldr x2, [x1]", address: Self.data), esr: Self.dataAbortEL0 | 0x0F, far: Self.data, vector: 8)
        // Read-only (AP = 0b11) code page written from EL0.
        try expectFault(runAtEL0("str x2, [x1]", address: TestMachine.codeBase), esr: Self.dataAbortEL0 | 1 << 6 | 0x0F, far: TestMachine.codeBase, vector: 8)
        // UXN page executed from EL0: instruction abort from a lower EL (0x20), IFSC 0x0F.
        try expectFault(runAtEL0("br x1", address: Self.uxnCode), esr: 0x20 << 26 | 1 << 25 | 0x0F, far: Self.uxnCode, vector: 8)
        // Translation fault from EL0.
        try expectFault(runAtEL0("ldr x2, [x1]", address: 0x8000_0000), esr: Self.dataAbortEL0 | 0x05, far: 0x8000_0000, vector: 8)
    }

    @Test func unprivilegedAccessesUseEL0Permissions() throws {
        // LDTR of an EL1-only page at EL1: permission fault, reported from EL1 (EC 0x25).
        try expectFault(run("ldtr x2, [x1]", address: Self.data), esr: Self.dataAbortEL1 | 0x0F, far: Self.data)
        // STTR to a page EL0 may write, LDTRB of the read-only (AP = 0b11) code page: allowed.
        let m = try run("sttr x1, [x1]\nldtr x2, [x1]\nldr x3, =\(TestMachine.codeBase)\nldtrb w4, [x3]", address: Self.user)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(2) == Self.user)
        // STTR to the read-only code page: EL0 may not write it.
        try expectFault(run("sttr x1, [x1]", address: TestMachine.codeBase), esr: Self.dataAbortEL1 | 1 << 6 | 0x0F, far: TestMachine.codeBase)
    }

    @Test func debugTranslateWalksWithoutSideEffects() throws {
        let m = try run("hvc #1", address: Self.data)
        #expect(m.run() == .hypervisorCall(imm: 1))
        let cycles = m.cpu.cycles
        #expect(m.cpu.debugTranslate(va: Self.roBlock + 0x1234) == Self.roBlock + 0x1234)
        #expect(m.cpu.debugTranslate(va: Self.noAF) == nil)
        #expect(m.cpu.debugTranslate(va: 0x8000_0000) == nil)
        // The caller's stage 2 maps descriptor reads and the output alike.
        #expect(m.cpu.debugTranslate(va: Self.data + 8, ipaToPA: { $0 }) == Self.data + 8)
        #expect(m.cpu.debugTranslate(va: Self.data, ipaToPA: { $0 == Self.data ? 0x4500_0000 : $0 }) == 0x4500_0000)
        #expect(m.cpu.debugTranslate(va: Self.data, ipaToPA: { _ in nil }) == nil)
        #expect(m.cpu.cycles == cycles)
    }

    @Test func alignmentByMemoryType() throws {
        // Device memory: an unaligned access is an alignment fault (DFSC 0x21), after translation.
        try expectFault(run("ldur x2, [x1, #1]", address: Self.deviceVA), esr: Self.dataAbortEL1 | 0x21, far: Self.deviceVA + 1)
        // Exclusives always need alignment, Normal memory or not.
        try expectFault(run("ldxr x2, [x1]", address: Self.data + 4), esr: Self.dataAbortEL1 | 0x21, far: Self.data + 4)
        // Normal memory: allowed, inside a page and across one.
        let m = try run("ldur x2, [x1, #3]\nadd x4, x1, #0xFFD\nldr x3, [x4]", address: Self.data)
        #expect(m.run() == .hypervisorCall(imm: 0))
        // A store crossing into the read-only page: its permission fault, FAR in that page.
        try expectFault(run("add x4, x1, #0xFFD\nstr x1, [x4]", address: Self.data), esr: Self.dataAbortEL1 | 1 << 6 | 0x0F, far: Self.readOnly)
    }

    @Test func crossingAccessReachesBothPhysicalPages() throws {
        // VA 0x4020_0000 → PA 0x4030_1000, VA 0x4020_1000 → PA 0x4030_5000: not contiguous.
        let m = try TestMachine("""
            \(TestMachine.mmuOn())
            ldr x1, =0x40200ffc
            ldr x2, =0x1122334455667788
            str x2, [x1]
            ldr x3, [x1]
            ldr w4, [x1, #2]
            hvc #0
            \(TestMachine.vectors)
            """)
        _ = m.stage1 { t in
            t.page(0x4020_0000, 0x4030_1000)
            t.page(0x4020_1000, 0x4030_5000)
        }
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(3) == 0x1122_3344_5566_7788)
        #expect(m.cpu.x(4) == 0x3344_5566)
        #expect(m.ram.load(0x4030_1FFC, size: 4) == 0x5566_7788)
        #expect(m.ram.load(0x4030_5000, size: 4) == 0x1122_3344)
        #expect(m.ram.load(0x4030_2000, size: 4) == 0)
    }

    @Test func crossingIntoAnUnmappedPageFaultsThere() throws {
        // The second page (VA 0x4010_7000) is unmapped: translation fault level 3, FAR in it.
        try expectFault(run("add x1, x1, #0xFFC\nldr x2, [x1]", address: Self.uxnCode), esr: Self.dataAbortEL1 | 0x07, far: 0x4010_7000)
    }

    @Test func sctlrAlignmentCheckFaultsOnNormalMemory() throws {
        let m = try TestMachine("""
            \(TestMachine.mmuOn(sctlr: 3))
            ldr x1, =\(Self.data)
            ldr x2, [x1, #1]
            hvc #0
            \(TestMachine.vectors)
            """)
        _ = m.stage1 { t in t.page(Self.data, Self.data) }
        expectFault(m, esr: Self.dataAbortEL1 | 0x21, far: Self.data + 1)
    }

    @Test func hierarchicalTablePermissions() throws {
        // APTable = 0b10 (no writes below) on the level-2 table holding 0x4040_0000's page.
        let m = try TestMachine("""
            \(TestMachine.mmuOn())
            ldr x1, =0x40400000
            ldr x2, [x1]
            str x2, [x1]
            hvc #0
            \(TestMachine.vectors)
            """)
        _ = m.stage1 { t in
            t.page(0x4040_0000, 0x4040_0000)
            _ = t.table(for: 0x4040_0000, below: 2, tableBits: 2 << 61)
        }
        expectFault(m, esr: Self.dataAbortEL1 | 1 << 6 | 0x0F, far: 0x4040_0000)
    }

    @Test func topByteIgnoredWithTBI0() throws {
        let tagged: UInt64 = 0x5A00_0000_0000_0000 | Self.data
        let m = try TestMachine("""
            \(TestMachine.mmuOn(tcr: Stage1Tables.tcr(1 << 37)))
            ldr x1, =\(tagged)
            str x1, [x1]
            ldr x2, [x1]
            hvc #0
            \(TestMachine.vectors)
            """)
        _ = m.stage1 { t in t.page(Self.data, Self.data) }
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(2) == tagged)
        // Without TBI0 the same address is outside both ranges.
        let n = try TestMachine("""
            \(TestMachine.mmuOn())
            ldr x1, =\(tagged)
            ldr x2, [x1]
            hvc #0
            \(TestMachine.vectors)
            """)
        _ = n.stage1 { t in t.page(Self.data, Self.data) }
        expectFault(n, esr: Self.dataAbortEL1 | 0x04, far: tagged)
    }

    @Test func epd0DisablesTTBR0Walks() throws {
        let m = try TestMachine("""
            \(TestMachine.mmuOn())
            ldr x1, =\(Self.data)
            ldr x9, =\(Stage1Tables.tcr(1 << 7))
            msr tcr_el1, x9
            isb
            ldr x2, [x1]
            hvc #0
            \(TestMachine.vectors)
            """)
        _ = m.stage1 { t in t.page(Self.data, Self.data) }
        // The fetch after the TCR write faults too (the code is in TTBR0's range): level 0.
        #expect(m.run() == .exceptionLivelock)
        #expect(m.cpu.readSystemRegister("ESR_EL1") == 0x21 << 26 | 1 << 25 | 0x04)
    }

    /// Stage 2 on (identity map of the code pages and the test data page); the stage-1 tables
    /// at 0x4200_0000… are not mapped, so the first walk's level-0 descriptor read faults.
    @Test func stage2FaultOnTheWalkGoesToEL2WithS1PTW() throws {
        let m = try TestMachine("""
            \(TestMachine.mmuOn())
            ldr x1, =\(Self.data)
            ldr x2, [x1]
            hvc #0
            \(TestMachine.vectors)
            """)
        _ = m.stage1 { t in t.page(Self.data, Self.data) }
        let root: UInt64 = 0x4300_0000
        let s2 = Stage2Tables(ram: m.ram, root: root)
        for i in 0..<4 { s2.map(TestMachine.codeBase + UInt64(i) * 0x1000) }
        s2.map(Self.data)
        m.cpu.el2.hcr = 1
        m.cpu.el2.vtcr = 0x8000_0000 | (2 << 6) | 16 | (5 << 16)
        m.cpu.el2.vttbr = root
        // The instruction fetch right after SCTLR_EL1.M = 1 walks first: its level-0 descriptor
        // at IPA 0x4200_0000 lies under an empty stage-2 level-2 entry (stage 2 maps only the
        // code's 2 MiB), a level-2 translation fault.
        #expect(m.run() == .stage2Abort)
        // EC 0x20 (instruction abort from a lower EL: the walk was for a fetch), IL, S1PTW, IFSC 6.
        #expect(m.cpu.el2.esr == 0x20 << 26 | 1 << 25 | 1 << 7 | 0x06)
        #expect(m.cpu.el2.hpfar == (0x4200_0000 >> 12) << 4)
        let fetchVA = m.cpu.el2.far
        #expect(fetchVA == m.cpu.el2.elr)
        // EL2 maps the table pages (as map_page_host does); then the data access's walk runs.
        s2.map(0x4200_0000)
        m.cpu.returnFromEL2()
        #expect(m.run() == .stage2Abort)
        #expect(m.cpu.el2.hpfar == (0x4200_1000 >> 12) << 4)
        for p in 1..<8 { s2.map(0x4200_0000 + UInt64(p) * 0x1000) }
        m.cpu.invalidateStage2TLB()
        m.cpu.returnFromEL2()
        #expect(m.run() == .hypervisorCall(imm: 0))
    }

    @Test func stage2FaultOnADataWalkIsADataAbortWithS1PTW() throws {
        // The code's own walk is satisfied (its tables mapped), the data page's level-3 table
        // (a separate table page, for VA 0x4800_0000) is not.
        let m = try TestMachine("""
            \(TestMachine.mmuOn())
            ldr x1, =0x48000000
            ldr x2, [x1]
            hvc #0
            \(TestMachine.vectors)
            """)
        var tables = m.stage1 { t in t.page(0x4800_0000, Self.data) }
        let l3 = tables.table(for: 0x4800_0000, below: 2)
        let root: UInt64 = 0x4300_0000
        let s2 = Stage2Tables(ram: m.ram, root: root)
        for i in 0..<4 { s2.map(TestMachine.codeBase + UInt64(i) * 0x1000) }
        var p: UInt64 = 0x4200_0000
        while p < tables.next { if p != l3 { s2.map(p) }; p += 0x1000 }
        s2.map(Self.data)
        m.cpu.el2.hcr = 1
        m.cpu.el2.vtcr = 0x8000_0000 | (2 << 6) | 16 | (5 << 16)
        m.cpu.el2.vttbr = root
        #expect(m.run() == .stage2Abort)
        // EC 0x24, IL, ISV = 0, S1PTW, WnR = 0 (a descriptor read), DFSC 7.
        #expect(m.cpu.el2.esr == 0x24 << 26 | 1 << 25 | 1 << 7 | 0x07)
        #expect(m.cpu.el2.hpfar == (l3 >> 12) << 4)
        #expect(m.cpu.el2.far == 0x4800_0000)
    }
}

/// A 4-level stage-2 identity map (T0SZ 16, start level 0) of single pages, for stage-1 tests.
final class Stage2Tables {
    let ram: PhysicalMemory
    let root: UInt64
    var next: UInt64
    init(ram: PhysicalMemory, root: UInt64) {
        self.ram = ram
        self.root = root
        next = root + 0x1000
    }
    func map(_ ipa: UInt64) {
        var t = root
        for l in 0..<3 {
            let slot = t + ((ipa >> UInt64(39 - 9 * l)) & 511) * 8
            let d = ram.load(slot, size: 8)!
            if d & 3 == 3 { t = d & 0x0000_FFFF_FFFF_F000; continue }
            let n = next
            next += 0x1000
            ram.store(slot, size: 8, value: Stage2Descriptor.table(n).rawValue)
            t = n
        }
        ram.store(t + ((ipa >> 12) & 511) * 8, size: 8, value: Stage2Descriptor.leaf(address: ipa & ~0xFFF, level: 3).rawValue)
    }
}

/// The guest is hostile: any TCR/TTBR/MAIR/SCTLR values and any table contents end every walk
/// within four descriptor reads, with a translation or a fault, never a trap of the emulator.
@Suite struct Stage1HostileTablesTests {
    @Test func randomRegimesAndTablesNeverTrap() {
        let ram = PhysicalMemory(base: 0x4000_0000, size: 1 << 20)!
        let bus = PhysicalBus(ram: ram)
        let cpu = CPU(index: 0, bus: bus, monitor: GlobalMonitor())
        var rng = SplitMix64(state: 0x5EED_0001)
        func ramAddress() -> UInt64 { 0x4000_0000 | (rng.next() & 0xF_FFF8) }
        for _ in 0..<64 {
            // Descriptors that mostly point back into this RAM, with random attribute bits.
            for i in stride(from: 0, to: 1 << 20, by: 8) {
                let r = rng.next()
                let d = r & 1 == 0 ? r : (r & 0xFFF0_0000_0000_0FFF) | (ramAddress() & ~0xFFF)
                ram.store(0x4000_0000 + UInt64(i), size: 8, value: d)
            }
            cpu.powerOn(entry: 0x4000_0000, context: 0)
            for (key, value) in [(SysReg.tcrEL1, rng.next()), (SysReg.mairEL1, rng.next()),
                                 (SysReg.ttbr0EL1, rng.next() & 0xFFFF_0000_0000_0000 | ramAddress()),
                                 (SysReg.ttbr1EL1, rng.next()), (SysReg.sctlrEL1, rng.next() | 1)] {
                _ = cpu.writeSysReg(key, value)
            }
            for _ in 0..<256 {
                let va = rng.next() & (rng.next() & 1 == 0 ? 0x0000_FFFF_FFFF_FFFF : .max)
                _ = cpu.walkStage1(va, isFetch: false)
                _ = cpu.debugTranslate(va: va)
                _ = cpu.translate(va, perm: CPU.permRead, syndrome: .none, isFetch: false)
                _ = cpu.translateData(va, size: 8, write: true, aligned: false, syndrome: .none)
                _ = cpu.addressTranslate(va, write: true, el0: true)
                #expect(cpu.pendingExit == nil)  // stage 2 is off: nothing goes to EL2
            }
        }
    }
}
