import Testing
@testable import Devices

/// GICv2 register behaviour and priority rules (ARM IHI 0048B), driven through the two register
/// frames as a guest would, with the CPU outputs observed at `signal`.
@Suite struct GICv2Tests {
    final class Rig {
        let gic: GICv2
        let d: GICv2Distributor
        let c: GICv2CPUInterface
        var lines: [Int: UInt8] = [:]
        var errors: [String] = []
        init(cpus: Int = 2) {
            gic = GICv2(cpus: cpus)
            d = GICv2Distributor(gic: gic)
            c = GICv2CPUInterface(gic: gic)
            gic.signal = { [unowned self] cpu, v in lines[cpu] = v }
            gic.guestError = { [unowned self] in errors.append($0) }
        }
        func on(_ cpu: Int) -> Rig { d.currentCPU = cpu; c.currentCPU = cpu; return self }
        func dw(_ o: UInt64, _ v: UInt64) { _ = d.write(offset: o, size: 4, value: v) }
        func dr(_ o: UInt64) -> UInt64 { d.read(offset: o, size: 4) }
        func db(_ o: UInt64, _ v: UInt64) { _ = d.write(offset: o, size: 1, value: v) }
        func cw(_ o: UInt64, _ v: UInt64) { _ = c.write(offset: o, size: 4, value: v) }
        func cr(_ o: UInt64) -> UInt64 { c.read(offset: o, size: 4) }
        /// Distributor and this CPU's interface on for both groups, PMR open.
        func enable(_ cpu: Int = 0) {
            _ = on(cpu)
            dw(0, 3)
            cw(0x00, 3)
            cw(0x04, 0xFF)
        }
        func iar() -> UInt64 { cr(0x0C) }
        func eoi(_ v: UInt64) { cw(0x10, v) }
    }

    @Test func identificationRegistersAsQEMUsVirt() {
        let r = Rig(cpus: 2)
        #expect(r.dr(0x004) == 0x28)  // ITLinesNumber 8 (288 interrupts), CPUNumber 1 (two CPUs), no SecurityExtn
        #expect(r.dr(0x008) == 0x43B)
        #expect(r.cr(0xFC) == 0x2_043B)  // GICC_IIDR: architecture version 2
        #expect(r.dr(0xFE8) == 0x2B)  // ICPIDR2: GICv2
        #expect(r.dr(0xC00) == 0xAAAA_AAAA)  // SGIs are edge-triggered
    }

    @Test func sgisAreAlwaysEnabledAndSpisResetDisabled() {
        let r = Rig()
        #expect(r.dr(0x100) == 0xFFFF)
        r.dw(0x180, 0xFFFF_FFFF)
        #expect(r.dr(0x100) == 0xFFFF)
        #expect(r.dr(0x104) == 0)
        r.dw(0x104, 1 << 1)  // INTID 33
        #expect(r.dr(0x104) == 2 && r.dr(0x184) == 2)
        r.dw(0x184, 2)
        #expect(r.dr(0x104) == 0)
    }

    @Test func levelSPIIsSignalledAcknowledgedAndEndedWithPriorityMaskAndTargets() {
        let r = Rig()
        r.enable()
        r.dw(0x104, 2)  // enable 33
        r.db(0x400 + 33, 0xA0)
        r.gic.setLevel(33, high: true)
        #expect(r.lines[0] == nil)  // targets no CPU yet
        r.db(0x800 + 33, 1)
        #expect(r.lines[0] == 2)  // IRQ
        #expect(r.cr(0x18) == 33)  // HPPIR
        r.cw(0x04, 0xA0)  // PMR equal to the priority: masked
        #expect(r.lines[0] == 0)
        #expect(r.iar() == 1023)
        r.cw(0x04, 0xF0)
        #expect(r.iar() == 33)
        #expect(r.lines[0] == 0)
        #expect(r.cr(0x14) == 0xA0)  // running priority
        #expect(r.dr(0x304) == 2 && r.dr(0x204) == 2)  // active and (still high) pending
        r.gic.setLevel(33, high: false)
        #expect(r.dr(0x204) == 0)
        r.eoi(33)
        #expect(r.dr(0x304) == 0 && r.cr(0x14) == 0xFF)
        #expect(r.lines[0] == 0)
    }

    @Test func edgeTriggeredSPILatchesARisingEdgeOnly() {
        let r = Rig()
        r.enable()
        r.dw(0xC08, 2 << 2)  // ICFGR2: INTID 33 edge
        r.dw(0x104, 2)
        r.db(0x800 + 33, 1)
        r.gic.setLevel(33, high: true)
        r.gic.setLevel(33, high: false)
        #expect(r.lines[0] == 2)  // latched after the line fell
        #expect(r.iar() == 33)
        #expect(r.dr(0x204) == 0)  // acknowledged: no longer pending
        r.eoi(33)
        #expect(r.lines[0] == 0)
    }

    @Test func sgiCarriesItsSourceAndEachSourceIsPendingSeparately() {
        let r = Rig(cpus: 3)
        r.enable(0)
        _ = r.on(1); r.dw(0xF00, 5 | 1 << 16)  // CPU 1: SGI 5 to CPU 0
        _ = r.on(2); r.dw(0xF00, 5 | 1 << 24)  // CPU 2: SGI 5 to all others (0 and 1)
        _ = r.on(0)
        #expect(r.db_read(0xF25) == 0b110)  // SPENDSGIR: sources 1 and 2
        #expect(r.iar() == 5 | 1 << 10)
        r.eoi(5 | 1 << 10)
        #expect(r.iar() == 5 | 2 << 10)
        r.eoi(5 | 2 << 10)
        #expect(r.iar() == 1023)
        _ = r.on(1)
        #expect(r.db_read(0xF25) == 0b100)  // CPU 1's copy: from CPU 2
        _ = r.on(2); r.dw(0xF00, 3 | 2 << 24)  // to itself
        #expect(r.db_read(0xF23) == 0b100)
        r.db(0xF13, 0b100)  // CPENDSGIR
        #expect(r.db_read(0xF23) == 0)
    }

    @Test func higherGroupPriorityPreemptsAndBinaryPointGroupsPriorities() {
        let r = Rig()
        r.enable()
        r.dw(0x104, 0b110)  // 33, 34
        r.db(0x800 + 33, 1); r.db(0x800 + 34, 1)
        r.db(0x400 + 33, 0x80); r.db(0x400 + 34, 0x40)
        r.gic.setLevel(33, high: true)
        #expect(r.iar() == 33)
        r.gic.setLevel(34, high: true)
        #expect(r.lines[0] == 2)  // 0x40 preempts 0x80
        #expect(r.iar() == 34)
        #expect(r.cr(0x14) == 0x40)
        r.eoi(34)  // priority drop: back to 0x80
        #expect(r.cr(0x14) == 0x80)
        r.eoi(33)
        #expect(r.cr(0x14) == 0xFF)

        // BPR 7: the group priority field is empty, so nothing preempts anything.
        r.gic.setLevel(33, high: false); r.gic.setLevel(34, high: false)
        r.cw(0x08, 7)
        r.gic.setLevel(33, high: true)
        #expect(r.iar() == 33)
        #expect(r.cr(0x14) == 0)
        r.gic.setLevel(34, high: true)
        #expect(r.lines[0] == 0)
        #expect(r.iar() == 1023)
    }

    @Test func lowestINTIDWinsAmongEqualPriorities() {
        let r = Rig()
        r.enable()
        r.dw(0x104, 0b110)
        r.db(0x800 + 33, 1); r.db(0x800 + 34, 1)
        r.dw(0x204, 0b110)  // set pending by software
        #expect(r.iar() == 33)
    }

    @Test func group0IsFIQWithFIQEnAndGroup1NeedsAckCtl() {
        let r = Rig()
        r.enable()
        r.cw(0x00, 3 | 1 << 3)  // FIQEn
        r.dw(0x104, 0b110)
        r.db(0x800 + 33, 1); r.db(0x800 + 34, 1)
        r.gic.setLevel(33, high: true)
        #expect(r.lines[0] == 1)  // FIQ
        r.gic.setLevel(33, high: false)
        r.dw(0x084, 0b100)  // 34 in group 1
        r.gic.setLevel(34, high: true)
        #expect(r.lines[0] == 2)  // Group 1 is always IRQ
        #expect(r.iar() == 1022)  // AckCtl clear
        r.cw(0x00, 3 | 1 << 2)
        #expect(r.iar() == 34)
        r.dw(0, 1)  // distributor forwards Group 0 only: nothing new is signalled
        r.eoi(34)
        #expect(r.lines[0] == 0)
    }

    @Test func eoiModeSplitsPriorityDropFromDeactivation() {
        let r = Rig()
        r.enable()
        r.cw(0x00, 3 | 1 << 9)
        r.dw(0x104, 2)
        r.db(0x800 + 33, 1)
        r.gic.setLevel(33, high: true)
        #expect(r.iar() == 33)
        r.gic.setLevel(33, high: false)
        r.eoi(33)
        #expect(r.cr(0x14) == 0xFF)
        #expect(r.dr(0x304) == 2)  // still active
        r.cw(0x1000, 33)
        #expect(r.dr(0x304) == 0)
        r.cw(0x00, 3)
        r.cw(0x1000, 33)
        #expect(r.errors.count == 1)  // GICC_DIR with EOImode clear
    }

    @Test func ppisAreBankedPerCPU() {
        let r = Rig()
        r.enable(0)
        r.enable(1)
        _ = r.on(1); r.dw(0x100, 1 << 30)
        r.gic.setLevel(30, cpu: 1, high: true)
        #expect(r.lines[1] == 2)
        #expect(r.lines[0] == nil)
        _ = r.on(0)
        #expect(r.dr(0x100) & 1 << 30 == 0)
        #expect(r.db_read(0x800) == 1 && r.on(1).db_read(0x800) == 2)  // ITARGETSR0 reads the reader
        #expect(r.iar() == 30)
    }

    @Test func unsupportedAccessSizesAreGuestErrorsNotTraps() {
        let r = Rig()
        _ = r.d.write(offset: 0x101, size: 2, value: 0xFFFF)
        #expect(r.d.read(offset: 0x102, size: 1) == 0)
        _ = r.c.write(offset: 0x04, size: 1, value: 0xFF)
        #expect(r.cr(0x04) == 0)
        #expect(r.errors.count == 3)
        _ = r.d.read(offset: .max, size: 8)
        _ = r.c.read(offset: .max - 3, size: 4)
    }
}

extension GICv2Tests {
    /// A hostile guest: random offsets, sizes and values on both GIC frames and the PL011, from
    /// every CPU, never trap, and the same sequence gives the same outputs.
    @Test func randomAccessesNeverTrapAndAreDeterministic() {
        func run(seed: UInt64) -> [UInt8] {
            var s = seed
            func next() -> UInt64 { s &+= 0x9E37_79B9_7F4A_7C15; var z = s; z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9; z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB; return z ^ (z >> 31) }
            let r = Rig(cpus: 3)
            let uart = PL011 { _ in }
            uart.interrupt = { r.gic.setLevel(33, high: $0) }
            for _ in 0..<20_000 {
                let v = next(), cpu = Int(v % 3), size = [1, 2, 4, 8][Int((v >> 8) % 4)]
                let offset = (v >> 16) % 5 == 0 ? next() : (next() % 0x1100)
                let value = next()
                _ = r.on(cpu)
                switch (v >> 12) % 6 {
                case 0: _ = r.d.write(offset: offset, size: size, value: value)
                case 1: _ = r.d.read(offset: offset, size: size)
                case 2: _ = r.c.write(offset: offset, size: size, value: value)
                case 3: _ = r.c.read(offset: offset, size: size)
                case 4: _ = uart.write(offset: offset, size: size, value: value); uart.receive(UInt8(truncatingIfNeeded: value))
                default: r.gic.setLevel(UInt32(truncatingIfNeeded: value % 300), cpu: cpu, high: value & 1 == 0)
                }
            }
            return r.gic.outputs
        }
        #expect(run(seed: 1) == run(seed: 1))
        _ = run(seed: 2)
    }
}

extension GICv2Tests.Rig {
    func db_read(_ o: UInt64) -> UInt64 { d.read(offset: o, size: 1) }
}
