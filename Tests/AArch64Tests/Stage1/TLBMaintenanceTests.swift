import Stage2
import Testing
@testable import AArch64

/// The TLB's architectural contract (ARM DDI 0487, D5.10): a remapped page is seen after the
/// TLBI that covers it; ASID-tagged translations of different address spaces coexist; code
/// fetched through a remapped page is the new page's (no stale decoded instructions); AT
/// reports in PAR_EL1.
@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as (make setup)"))
struct TLBMaintenanceTests {
    static let va: UInt64 = 0x4800_0000
    static let pageA: UInt64 = 0x4030_0000, pageB: UInt64 = 0x4030_1000

    /// x1 = VA, x2 = the L3 descriptor's address, x3 = a descriptor for pageB; the program
    /// reads VA, rewrites the descriptor, runs `maintenance` and reads VA again into x5.
    func remap(_ maintenance: String, nG: Bool = false, asid: UInt64 = 0) throws -> TestMachine {
        var slot: UInt64 = 0
        var m: TestMachine!
        m = try TestMachine("""
            \(TestMachine.mmuOn(root: 0x4200_0000 | asid << 48))
            ldr x1, =\(Self.va)
            ldr x4, [x1]
            ldr x2, =SLOT
            ldr x3, =\(Self.pageB | Stage1Tables.attributes(nG: nG) | 3)
            str x3, [x2]
            dsb ish
            \(maintenance)
            dsb ish
            isb
            ldr x5, [x1]
            hvc #0
            \(TestMachine.vectors)
            """.replacingOccurrences(of: "SLOT", with: "0x42004000"))
        var t = m.stage1 { t in t.page(Self.va, Self.pageA, Stage1Tables.attributes(nG: nG)) }
        slot = t.table(for: Self.va, below: 2) + ((Self.va >> 12) & 511) * 8
        #expect(slot == 0x4200_4000)
        t.page(0x4200_4000, 0x4200_4000)  // the L3 table itself, writable at EL1
        _ = m.ram.store(Self.pageA, size: 8, value: 0xAAAA)
        _ = m.ram.store(Self.pageB, size: 8, value: 0xBBBB)
        return m
    }

    @Test func everyTLBIFormDropsTheTranslation() throws {
        // Xt: VA[55:12] in bits 43:0, the ASID in 63:48.
        let op = (Self.va >> 12)
        for (form, value) in [("vmalle1", nil), ("vmalle1is", nil), ("vae1", op), ("vae1is", op), ("vale1", op), ("vale1is", op),
                              ("vaae1", op), ("vaae1is", op), ("vaale1", op), ("vaale1is", op)] as [(String, UInt64?)] {
            let text = value.map { "ldr x6, =\($0)\ntlbi \(form), x6" } ?? "tlbi \(form)"
            let m = try remap(text)
            #expect(m.run() == .hypervisorCall(imm: 0), "\(form)")
            #expect(m.cpu.x(4) == 0xAAAA && m.cpu.x(5) == 0xBBBB, "\(form)")
        }
    }

    @Test func aside1DropsNonGlobalTranslationsOfThatASID() throws {
        let m = try remap("ldr x6, =\(UInt64(5) << 48)\ntlbi aside1, x6", nG: true, asid: 5)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(5) == 0xBBBB)
    }

    @Test func tlbiOfAnotherASIDOrVAKeepsTheEntry() throws {
        // No TLBI covering the page: hardware may keep using the old translation and this TLB
        // does (the architecture allows either; this pins that a TLBI is selective).
        for text in ["ldr x6, =\(UInt64(6) << 48)\ntlbi aside1, x6", "ldr x6, =\(UInt64(5) << 48 | (Self.va >> 12) + 1)\ntlbi vae1, x6"] {
            let m = try remap(text, nG: true, asid: 5)
            #expect(m.run() == .hypervisorCall(imm: 0))
            #expect(m.cpu.x(5) == 0xAAAA, "\(text)")
        }
    }

    @Test func asidsSelectTheirOwnTranslations() throws {
        // Two tables map VA to different pages, non-global; switching TTBR0 (ASID 1 ↔ 2) without
        // any TLBI reads each table's page, both after their first use is cached.
        let m = try TestMachine("""
            \(TestMachine.mmuOn(root: 0x4200_0000 | 1 << 48))
            ldr x1, =\(Self.va)
            ldr x7, =\(0x4210_0000 | UInt64(2) << 48)
            ldr x8, =\(0x4200_0000 | UInt64(1) << 48)
            ldr x4, [x1]
            msr ttbr0_el1, x7
            isb
            ldr x5, [x1]
            msr ttbr0_el1, x8
            isb
            ldr x6, [x1]
            msr ttbr0_el1, x7
            isb
            ldr x3, [x1]
            hvc #0
            \(TestMachine.vectors)
            """)
        _ = m.stage1 { t in t.page(Self.va, Self.pageA, Stage1Tables.attributes(nG: true)) }
        var t2 = Stage1Tables(ram: m.ram, pool: 0x4210_0000)
        for i in 0..<4 { t2.page(TestMachine.codeBase + UInt64(i) * 0x1000, TestMachine.codeBase + UInt64(i) * 0x1000, Stage1Tables.attributes(ap: 3)) }
        t2.page(Self.va, Self.pageB, Stage1Tables.attributes(nG: true))
        _ = m.ram.store(Self.pageA, size: 8, value: 0xAAAA)
        _ = m.ram.store(Self.pageB, size: 8, value: 0xBBBB)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect([m.cpu.x(4), m.cpu.x(5), m.cpu.x(6), m.cpu.x(3)] == [0xAAAA, 0xBBBB, 0xAAAA, 0xBBBB])
    }

    @Test func remappedCodeRunsTheNewPage() throws {
        // VA 0x4800_0000 runs "mov x0, #1; ret" from page A, then is remapped to page B
        // ("mov x0, #2; ret") with a TLBI: the second call must run page B's instructions.
        let m = try TestMachine("""
            \(TestMachine.mmuOn())
            ldr x1, =\(Self.va)
            blr x1
            mov x4, x0
            ldr x2, =0x42004000
            ldr x3, =\(Self.pageB | Stage1Tables.attributes() | 3)
            str x3, [x2]
            dsb ish
            ldr x6, =\(Self.va >> 12)
            tlbi vae1, x6
            dsb ish
            isb
            blr x1
            mov x5, x0
            hvc #0
            \(TestMachine.vectors)
            """)
        var t = m.stage1 { t in t.page(Self.va, Self.pageA) }
        #expect(t.table(for: Self.va, below: 2) == 0x4200_4000)
        t.page(0x4200_4000, 0x4200_4000)
        _ = m.ram.store(Self.pageA, size: 4, value: 0xD280_0020)  // mov x0, #1
        _ = m.ram.store(Self.pageA + 4, size: 4, value: 0xD65F_03C0)  // ret
        _ = m.ram.store(Self.pageB, size: 4, value: 0xD280_0040)  // mov x0, #2
        _ = m.ram.store(Self.pageB + 4, size: 4, value: 0xD65F_03C0)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(4) == 1)
        #expect(m.cpu.x(5) == 2)
    }

    @Test func addressTranslationReportsInPAR() throws {
        // AT S1E1R of a Normal page: PA, ATTR 0xFF, SH 0b11, NS, bit 11. AT S1E1W of a read-only
        // page: F = 1, FST permission level 3. AT S1E0R of an EL1-only page: permission fault.
        // AT S1E1R of an unmapped page: translation fault level 3. Device: ATTR 0, SH 0b10.
        let m = try TestMachine("""
            \(TestMachine.mmuOn())
            ldr x1, =\(Self.va + 0x123)
            at s1e1r, x1
            mrs x2, par_el1
            ldr x1, =0x48001000
            at s1e1w, x1
            mrs x3, par_el1
            ldr x1, =\(Self.va)
            at s1e0r, x1
            mrs x4, par_el1
            ldr x1, =0x48003000
            at s1e1r, x1
            mrs x5, par_el1
            ldr x1, =0x48002000
            at s1e0w, x1
            mrs x6, par_el1
            hvc #0
            \(TestMachine.vectors)
            """)
        _ = m.stage1 { t in
            t.page(Self.va, Self.pageA)
            t.page(0x4800_1000, Self.pageB, Stage1Tables.attributes(ap: 2))
            t.page(0x4800_2000, 0x0900_0000, Stage1Tables.attributes(attr: Stage1Tables.device, ap: 1))
        }
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(2) == 0xFF << 56 | Self.pageA | 1 << 11 | 1 << 9 | 3 << 7)
        #expect(m.cpu.x(3) == 1 << 11 | 0x0F << 1 | 1)
        #expect(m.cpu.x(4) == 1 << 11 | 0x0F << 1 | 1)
        #expect(m.cpu.x(5) == 1 << 11 | 0x07 << 1 | 1)
        #expect(m.cpu.x(6) == 0x0900_0000 | 1 << 11 | 1 << 9 | 2 << 7)
    }

    @Test func idRegistersDescribeTheMMU() throws {
        let m = try TestMachine("mrs x1, id_aa64mmfr0_el1\nmrs x2, id_aa64mmfr1_el1\nmrs x3, id_aa64mmfr2_el1\nhvc #0")
        #expect(m.run() == .hypervisorCall(imm: 0))
        // PARange 48 bits, 16-bit ASIDs, TGran4 implemented, TGran64 and TGran16 not.
        #expect(m.cpu.x(1) & 0xF == 5)
        #expect((m.cpu.x(1) >> 4) & 0xF == 2)
        #expect((m.cpu.x(1) >> 20) & 0xF == 0)
        #expect((m.cpu.x(1) >> 24) & 0xF == 0xF)
        #expect((m.cpu.x(1) >> 28) & 0xF == 0)
        // No HAFDBS, PAN, UAO.
        #expect(m.cpu.x(2) == 0 && m.cpu.x(3) == 0)
    }
}
