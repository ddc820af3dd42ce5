import Testing
@testable import AArch64

/// The decode cache and its runs (Documentation/Interpreter.md, "Runs and the limits"): code
/// written while cached runs, colliding cache slots, and limits that fall inside a run.
@Suite(.enabled(if: Assembler.available, "needs aarch64-linux-gnu-as (make setup)"))
struct DecodeCacheTests {
    @Test func storeOverTheNextInstructionOfTheSameRunTakesEffect() throws {
        let m = try TestMachine("""
            adr x1, target
            ldr w2, replacement
            str w2, [x1]
            target:
            mov x0, #1
            hvc #0
            replacement:
            mov x0, #2
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(0) == 2)
    }

    @Test func storeIntoTheMiddleOfACachedLoopBodyTakesEffectOnTheNextIteration() throws {
        let m = try TestMachine("""
            adr x1, patch
            ldr w2, newinsn
            loop:
            add x3, x3, #1
            patch:
            add x4, x4, #1
            cmp x3, #1
            b.ne done
            str w2, [x1]
            b loop
            done:
            hvc #0
            newinsn:
            add x4, x4, #100
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(3) == 2)
        #expect(m.cpu.x(4) == 101)
    }

    @Test func codeInCollidingCacheSlotsRunsCorrectlyInTurn() throws {
        // `far` is 512 KiB after `loop` (2^17 entries of 4 bytes): both map to the same slots of
        // the direct-mapped cache.
        let m = try TestMachine("""
            start:
            mov x0, #0
            mov x2, #3
            loop:
            add x0, x0, #1
            bl far
            subs x2, x2, #1
            b.ne loop
            hvc #0
            .skip 0x80000 - (. - loop)
            far:
            add x0, x0, #10
            add x0, x0, #0
            ret
            """)
        #expect(m.run() == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(0) == 33)
    }

    /// 2 MOVs, 20 × (ADD: cost 1, LDR: cost 4), NOP (cost 6), MADD (cost 4), then B to an HVC:
    /// one straight-line run of 45 instructions ending in a pre-decoded branch, with uneven
    /// costs so that a run cost summed over the wrong instructions shows.
    static let straightLine = """
        movz x1, #0x4000, lsl #16
        mov x0, #0

        """ + String(repeating: "add x0, x0, #1\nldr x5, [x1]\n", count: 20) + """
        nop
        madd x6, x0, x0, x0
        b 1f
        1:
        hvc #0

        """
    static let runLength = 45

    /// Cycles before instruction i of `straightLine` (default costs: ALU 1, load 4, branch 1,
    /// NOP branch + system = 6, MADD ALU + multiply = 4).
    static func cyclesBefore(_ i: Int) -> UInt64 {
        var c: UInt64 = 0
        for k in 0..<i {
            switch k {
            case 0, 1: c += 1
            case 42: c += 6
            case 43: c += 4
            case 44: c += 1
            default: c += (k - 2) % 2 == 0 ? 1 : 4
            }
        }
        return c
    }

    @Test func instructionLimitInsideARunStopsAfterExactlyThatManyInstructions() throws {
        for n in 1...Self.runLength - 1 {
            let m = try TestMachine(Self.straightLine)
            #expect(m.cpu.run(cycleLimit: .max, instructionLimit: UInt64(n)) == .instructionLimit)
            #expect(m.cpu.instructionsRetired == UInt64(n))
            #expect(m.cpu.pc == TestMachine.codeBase + UInt64(4 * n))
            #expect(m.cpu.cycles == Self.cyclesBefore(n))
        }
    }

    @Test func cycleLimitInsideARunStopsBeforeTheFirstInstructionAtOrPastIt() throws {
        for limit in 1...Int(Self.cyclesBefore(Self.runLength)) {
            let m = try TestMachine(Self.straightLine)
            #expect(m.cpu.run(cycleLimit: UInt64(limit), instructionLimit: .max) == .cycleLimit)
            // The reference: instruction i runs while the cycles before it are below the limit.
            var expected = 0
            while Self.cyclesBefore(expected) < UInt64(limit) { expected += 1 }
            #expect(m.cpu.instructionsRetired == UInt64(expected), "limit \(limit)")
            #expect(m.cpu.cycles == Self.cyclesBefore(expected), "limit \(limit)")
        }
    }

    @Test func slicedRunEndsInTheSameStateAsOneRun() throws {
        let whole = try TestMachine(Self.straightLine)
        #expect(whole.cpu.run(cycleLimit: .max, instructionLimit: .max) == .hypervisorCall(imm: 0))
        for slice in [1, 3, 7, 10] {
            let m = try TestMachine(Self.straightLine)
            var exit = CPUExit.cycleLimit
            while exit == .cycleLimit { exit = m.cpu.run(cycleLimit: m.cpu.cycles + UInt64(slice), instructionLimit: .max) }
            #expect(exit == .hypervisorCall(imm: 0))
            #expect(m.cpu.cycles == whole.cpu.cycles)
            #expect(m.cpu.instructionsRetired == whole.cpu.instructionsRetired)
            #expect(m.cpu.x(0) == 20)
            #expect(m.cpu.x(6) == 420)
        }
    }

    /// Run costs are sums of the cost model's fields: a model changed between two runs is
    /// adopted by the next (the cached runs dropped), so a cycle limit inside a run still stops
    /// where stepping stops. (Only ALU costs can show it: after a load the run loop re-checks
    /// the limit with the cycles the load really added.)
    @Test func aCostModelChangedBetweenRunsIsAdopted() throws {
        for slice: UInt64 in stride(from: 20, through: 280, by: 7) {
            let fast = try TestMachine(Self.straightLine), stepped = try TestMachine(Self.straightLine)
            stepped.cpu.traceInstructions = true
            for m in [fast, stepped] {
                #expect(m.cpu.run(cycleLimit: .max, instructionLimit: 3) == .instructionLimit)
                m.cpu.costs.alu = 9
            }
            let a = stepped.cpu.run(cycleLimit: stepped.cpu.cycles + slice, instructionLimit: .max)
            let b = fast.cpu.run(cycleLimit: fast.cpu.cycles + slice, instructionLimit: .max)
            #expect(a == b, "slice \(slice)")
            #expect(fast.cpu.cycles == stepped.cpu.cycles, "slice \(slice)")
            #expect(fast.cpu.instructionsRetired == stepped.cpu.instructionsRetired, "slice \(slice)")
        }
    }

    /// Register 31 is XZR or SP depending on the operand; the pre-decoded forms resolve it to
    /// a zero slot, a sink slot or the banked SP (Documentation/Interpreter.md).
    @Test func registerThirtyOneIsZeroRegisterOrStackPointerAsEachOperandSays() throws {
        let m = try TestMachine("""
            movz x1, #0x4010, lsl #16
            add sp, x1, #0x100
            mov x2, sp
            sub sp, sp, #16
            mov x3, sp
            mov x4, #5
            str x4, [sp, #8]
            ldr x5, [sp, #8]
            stp xzr, x4, [sp, #-16]!
            ldp x6, x7, [sp], #16
            mov x8, sp
            orr x9, xzr, x4
            add x10, xzr, x4, lsl #1
            cmp x4, #5
            csel x11, xzr, x4, eq
            csinc x12, xzr, xzr, ne
            madd x13, x4, x4, xzr
            tst x4, #1
            cset x14, ne
            str xzr, [x1]
            ldr x15, [x1]
            mov x16, xzr
            cbz xzr, 1f
            mov x16, #99
            1:
            tbz xzr, #3, 2f
            mov x16, #98
            2:
            subs x17, sp, #0x100
            hvc #0
            """)
        m.cpu.setX(15, 0xDEAD)
        #expect(m.run() == .hypervisorCall(imm: 0))
        let base: UInt64 = 0x4010_0000
        #expect(m.cpu.x(2) == base + 0x100)
        #expect(m.cpu.x(3) == base + 0xF0)
        #expect(m.cpu.x(5) == 5)
        #expect(m.cpu.x(6) == 0)
        #expect(m.cpu.x(7) == 5)
        #expect(m.cpu.x(8) == base + 0xF0)
        #expect(m.cpu.x(9) == 5)
        #expect(m.cpu.x(10) == 10)
        #expect(m.cpu.x(11) == 0)
        #expect(m.cpu.x(12) == 1)
        #expect(m.cpu.x(13) == 25)
        #expect(m.cpu.x(14) == 1)
        #expect(m.cpu.x(15) == 0)
        #expect(m.cpu.x(16) == 0)
        #expect(m.cpu.x(17) == base - 0x10)
        #expect(m.cpu.sp == base + 0xF0)
        #expect(m.cpu.x(31) == 0)
    }

    /// The run loop against the one-instruction-at-a-time loop (`runTraced`, taken when tracing
    /// is on): the same program sliced by random cycle and instruction limits must reach the
    /// same state after every slice. The NOP and the MADD near the ends of the two runs cost
    /// more than the branches that end them, which a run cost summed over the wrong
    /// instructions gets wrong (fixed in 267120b).
    @Test func runsMatchSteppingUnderRandomLimits() throws {
        let program = """
            movz x1, #0x4000, lsl #16
            add sp, x1, #0x1000
            mov x2, #300
            loop:
            ldr x3, [x1, #8]
            madd x4, x3, x2, x4
            add x3, x3, x2
            str x3, [x1, #8]
            stp x3, x4, [sp, #-16]!
            ldp x5, x6, [sp], #16
            nop
            eor x7, x7, x5, lsr #3
            tst x7, #4
            csel x8, x7, x8, ne
            cbz x8, 1f
            add x9, x9, #1
            1:
            madd x10, x2, x2, x10
            subs x2, x2, #1
            b.ne loop
            hvc #0
            """
        try Self.expectRunsMatchStepping(program, seed: 0x5EED, programs: 20, maxSlice: 60)
    }

    /// The data-processing classes executed out of line (ROR, extended register, ADC, CCMP,
    /// 1-, 2- and 3-source) stay inside a run: their static cost (UDIV/SDIV add `divide`, the
    /// 3-source forms `multiply`) must be what they charge, or a limit inside the run lands on
    /// another instruction than stepping does.
    @Test func outOfLineDataProcessingStaysInTheRunAndMatchesStepping() throws {
        let program = """
            mov x2, #200
            mov x3, #7
            loop:
            udiv x4, x2, x3
            sdiv w5, w2, w3
            add x6, x6, w4, uxtw #2
            adcs x7, x7, x2
            ccmp x4, #3, #4, ne
            clz x8, x4
            umulh x9, x2, x3
            smaddl x10, w2, w3, x10
            eor x11, x11, x2, ror #5
            lslv x12, x2, x3
            subs x2, x2, #1
            b.ne loop
            hvc #0
            """
        let probe = try TestMachine(program)
        let loopPA = TestMachine.codeBase + 8
        _ = probe.cpu.run(cycleLimit: .max, instructionLimit: 3)
        let entry = probe.cpu.monitor.decoded.slot(loopPA)
        #expect(entry.pointee.tag == probe.cpu.monitor.decoded.tag(loopPA))
        #expect(entry.pointee.runLength == 12, "the loop body is one run up to its B.NE")
        let costs = CPUCostModel()
        #expect(entry.pointee.runCost == 11 * costs.alu + 2 * costs.divide + 2 * costs.multiply)

        try Self.expectRunsMatchStepping(program, seed: 0xD1CE, programs: 10, maxSlice: 80)
    }

    /// A loop that is one run goes round inside the run loop (`CPU.run`'s self-loop path)
    /// without the outer loop's checks: it must stop where stepping stops under any limits, and
    /// a store into its own body (which drops the run) must take effect on the next iteration.
    @Test func aLoopThatIsOneRunGoesRoundInsideTheRunLoopAndMatchesStepping() throws {
        let program = """
            movz x1, #0x4000, lsl #16
            adr x6, patch
            ldr w7, newinsn
            mov x2, #300
            loop:
            add x3, x3, x2
            str x3, [x1, #8]
            eor x4, x4, x3, lsr #2
            patch:
            add x5, x5, #1
            cmp x2, #150
            csel x8, x6, x1, eq
            str w7, [x8]
            subs x2, x2, #1
            b.ne loop
            hvc #0
            newinsn:
            add x5, x5, #1000
            """
        let probe = try TestMachine(program)
        _ = probe.cpu.run(cycleLimit: .max, instructionLimit: 6)
        let loopPA = TestMachine.codeBase + 16
        #expect(probe.cpu.monitor.decoded.slot(loopPA).pointee.runLength == 9, "the loop body is one run")
        try Self.expectRunsMatchStepping(program, seed: 0x100F, programs: 12, maxSlice: 50)
        let m = try TestMachine(program)
        #expect(m.cpu.run(cycleLimit: .max, instructionLimit: .max) == .hypervisorCall(imm: 0))
        // 151 iterations (x2 = 300 ... 150) add 1; the store at x2 = 150 patches the next 149.
        #expect(m.cpu.x(5) == 151 + 149 * 1000)
    }

    /// The last word of a page is cached as `.lastInPage` with its own form beside it, so that
    /// every run ends there: a loop whose body runs across a page end (an ALU instruction, then
    /// a load, as last words) computes what stepping computes, under any limits.
    @Test func loopAcrossAPageEndMatchesStepping() throws {
        let program = """
            movz x1, #0x4000, lsl #16
            mov x2, #150
            b loop
            .balign 4096
            .skip 4096 - 12
            loop:
            add x3, x3, x2
            eor x4, x4, x3, lsl #1
            ldr x5, [x1]
            add x5, x5, #3
            str x5, [x1]
            subs x2, x2, #1
            b.ne loop
            hvc #0
            """
        try Self.expectRunsMatchStepping(program, seed: 0xFACE, programs: 6, maxSlice: 40)
        let m = try TestMachine(program)
        #expect(m.cpu.run(cycleLimit: .max, instructionLimit: .max) == .hypervisorCall(imm: 0))
        #expect(m.cpu.x(5) == 450)
        #expect(m.cpu.x(3) == (1...150).reduce(0, +))
        let lastInPage = m.cpu.monitor.decoded.slot(TestMachine.codeBase + 0x1FFC)
        #expect(lastInPage.pointee.op == .lastInPage)
        #expect(lastInPage.pointee.lastInPageOp == .ldr8)
    }

    /// A fetch that misses the TLB walks the stage-1 tables and charges the walk, which may
    /// take the cycle count past the limit after the loop checked it. The instruction fetched
    /// then executes (stepping checks the limit before the fetch, not after it), but the run
    /// that starts there must not: before the fix its admission test, `cycleLimit - cycles >
    /// runCost` in wrapping arithmetic, passed with the count already past the limit, and the
    /// run went on past it (found on the two-CPU Linux boot).
    @Test func aFetchWalkThatCrossesTheLimitStopsTheRunWhereSteppingStops() throws {
        let program = """
            \(TestMachine.mmuOn())
            movz x1, #0x4010, lsl #16
            mov x2, #120
            loop:
            tlbi vmalle1
            add x6, x6, #3
            eor x7, x7, x6, lsl #2
            add x5, x5, #1
            ldr x3, [x1, #8]
            add x3, x3, x2
            str x3, [x1, #8]
            eor x4, x4, x3, lsr #1
            subs x2, x2, #1
            b.ne loop
            hvc #0
            \(TestMachine.vectors)
            """
        let setup: (TestMachine) -> Void = { m in _ = m.stage1 { t in t.page(0x4010_0000, 0x4010_0000) } }
        let probe = try TestMachine(program)
        setup(probe)
        #expect(probe.cpu.run(cycleLimit: .max, instructionLimit: 100_000) == .hypervisorCall(imm: 0))
        #expect(probe.cpu.x(5) == 120, "the loop ran with the MMU on")
        try Self.expectRunsMatchStepping(program, seed: 0x7A1C, programs: 12, maxSlice: 40, setup: setup)
    }

    /// Runs `program` stepped (traced) and fast side by side, sliced by the same random cycle
    /// and instruction limits, and requires the same exit and state after every slice; the
    /// program counts x2 down to zero. `setup` prepares each machine before it runs.
    static func expectRunsMatchStepping(_ program: String, seed start: UInt64, programs: Int, maxSlice: UInt64, setup: (TestMachine) -> Void = { _ in }) throws {
        var seed = start
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 33
        }
        for _ in 0..<programs {
            let stepped = try TestMachine(program), fast = try TestMachine(program)
            setup(stepped)
            setup(fast)
            stepped.cpu.traceInstructions = true
            var slices = 0
            while true {
                let byCycles = next() % 2 == 0
                let amount = 1 + next() % maxSlice
                let limits = byCycles ? (stepped.cpu.cycles + amount, UInt64.max) : (UInt64.max, amount)
                let a = stepped.cpu.run(cycleLimit: limits.0, instructionLimit: limits.1)
                let b = fast.cpu.run(cycleLimit: limits.0, instructionLimit: limits.1)
                #expect(a == b)
                #expect(stepped.cpu.pc == fast.cpu.pc)
                #expect(stepped.cpu.cycles == fast.cpu.cycles)
                #expect(stepped.cpu.instructionsRetired == fast.cpu.instructionsRetired)
                #expect(stepped.cpu.nzcv == fast.cpu.nzcv)
                for i in 0..<31 { #expect(stepped.cpu.x(i) == fast.cpu.x(i), "x\(i)") }
                slices += 1
                if a != .cycleLimit && a != .instructionLimit || slices > 100_000 { break }
            }
            #expect(fast.cpu.x(2) == 0)
        }
    }
}
