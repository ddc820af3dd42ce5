import Stage2
import Testing
@testable import AArch64

/// Writes to RAM by another bus master (a DMA copy) drop the CPUs' decoded code only when they
/// cover a page code was fetched from (`CodePages`, `GlobalMonitor.noteMemoryWritten`).
@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as (make setup)"))
struct CodePagesTests {
    static let program = """
        start:
        mov x0, #1
        hvc #0
        b start
        """
    /// `mov x0, #2`.
    static let replacement: UInt32 = 0xD280_0040

    func overwriteFirstInstruction(_ m: TestMachine) {
        m.ram.store(TestMachine.codeBase, size: 4, value: UInt64(CodePagesTests.replacement))
    }

    @Test func aReportedWriteOverCachedCodeTakesEffect() throws {
        let m = try TestMachine(CodePagesTests.program)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(0) == 1)
        overwriteFirstInstruction(m)
        m.monitor.noteMemoryWritten(TestMachine.codeBase, length: 4)
        m.cpu.returnFromEL2(ramWritten: false)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(0) == 2)
    }

    @Test func aWriteThatCoversTheCodePageAmongOthersCounts() throws {
        let m = try TestMachine(CodePagesTests.program)
        _ = m.run()
        overwriteFirstInstruction(m)
        m.monitor.noteMemoryWritten(TestMachine.codeBase - 0x10_0000, length: 0x10_0000 + 0x1000)
        m.cpu.returnFromEL2(ramWritten: false)
        _ = m.run()
        #expect(m.cpu.x(0) == 2)
    }

    /// A write reported elsewhere keeps the decoded code: here the code bytes were changed
    /// without telling anyone, and the CPU still runs what it decoded (as a CPU with an
    /// instruction cache that nobody invalidated may).
    @Test func aReportedWriteToADataPageKeepsTheDecodedCode() throws {
        let m = try TestMachine(CodePagesTests.program)
        _ = m.run()
        overwriteFirstInstruction(m)
        m.monitor.noteMemoryWritten(TestMachine.codeBase + 0x10_0000, length: 0x4000)
        m.cpu.returnFromEL2(ramWritten: false)
        _ = m.run()
        #expect(m.cpu.x(0) == 1)
    }

    @Test func pagesOutsideRAMAndEmptyRangesAreNoCode() {
        let ram = PhysicalMemory(base: 0x4000_0000, size: 1 << 20)!
        let pages = CodePages(ram: ram)
        pages.mark(0x4000_5123)
        pages.mark(0x1000)  // below RAM: ignored
        #expect(pages.intersects(0x4000_5000, length: 1))
        #expect(pages.intersects(0x4000_4FFF, length: 2))
        #expect(!pages.intersects(0x4000_4000, length: 0x1000))
        #expect(!pages.intersects(0x4000_6000, length: 0x1000))
        #expect(!pages.intersects(0x4000_5000, length: 0))
        #expect(!pages.intersects(0x0, length: 0x2000))
        #expect(pages.intersects(0x0, length: UInt64.max))
        #expect(pages.intersects(0x4000_0000, length: UInt64.max))  // runs past 2^64
    }
}
