import Foundation
import Testing
@testable import Emulator

/// The scenario runner on host actions and state queries: a passing file passes, every kind of
/// failed expectation fails with both values, and bad files are rejected with file and line.
@Suite struct HostActionScenarioTests {
    func write(_ yaml: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("actions-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
    func run(_ yaml: String, _ adjust: @escaping (inout MachineConfiguration) -> Void = { _ in }) throws -> String? {
        let r = ScenarioRunner.run(files: [try write(yaml)], jobs: 1, override: adjust)
        return r.first?.failure
    }

    /// VM 1's bank 1 of SMMU0 with one page mapped, and the expectations that hold afterwards.
    static let mapped = """
        actions:
          - hvc: register_kvm
            expect: 1
          - hvc: el2_alloc_smmu_pgd
            args: {cbndx: 1, vmid: 1, index: 0}
          - hvc: el2_arm_lpae_map
            args: [0x5000, 0x40400000, 0xc0, 1, 0]
          - hvc: 26
            args: [0x5010, 1, 0]
            expect: 0x40400010
          - write: SMMU0.CB1.TTBR0
            value: 0x1000
          - read: SMMU0.CB1.TTBR0[63:32]
            expect: 0
        expect:
          exit: 0
          state:
            - {pfn: 0x40400, owner: vm 1, count: invalid, gfn: 5}
            - {smmu: 0, cb: 1, iova: 0x5000, maps-to: 0x40400000}
            - {smmu: 0, cb: 1, vmid: 1, ttbr0: shadow-root}
            - {npt: 0x40400000, unmapped: true}
            - {panicked: false}

        """

    @Test func aPassingScenarioPasses() throws {
        #expect(try run(HostActionScenarioTests.mapped) == nil)
    }

    @Test(arguments: [
        ("expect: 0x40400010", "expect: 0x40400011", "action 4 (line 8: hvc el2_arm_lpae_iova_to_phys): x0 0x40400010, expected 0x40400011"),
        ("owner: vm 1, count", "owner: host, count", "state (line 18): pfn 0x40400: owner vm 1, expected host"),
        ("maps-to: 0x40400000}", "maps-to: 0x40401000}", "IOVA 0x5000 (impl level): maps to 0x40400000, expected maps to 0x40401000"),
        ("vmid: 1, ttbr0", "vmid: 2, ttbr0", "SMMU0 CB1: EL2 config vmid 1, expected 2"),
        ("ttbr0: shadow-root", "ttbr0: 0x1000", "SMMU0 CB1: TTBR0 0x4dc02000, expected 0x1000"),
        ("{npt: 0x40400000, unmapped: true}", "{npt: 0x40080000, unmapped: true}", "host NPT IPA 0x40080000 (impl level): maps to 0x40080000"),
        ("{panicked: false}", "{panicked: true}", "panicked false"),
    ])
    func aFailingExpectationNamesBothValues(from: String, to: String, message: String) throws {
        let failure = try run(HostActionScenarioTests.mapped.replacingOccurrences(of: from, with: to))
        #expect(failure?.contains(message) == true, "\(failure ?? "passed")")
    }

    /// A bank number the dispatcher rejects (cbndx 9) panics in action 3.
    @Test func actionsAfterAPanicDidNotComplete() throws {
        let yaml = HostActionScenarioTests.mapped.replacingOccurrences(of: "args: [0x5000, 0x40400000, 0xc0, 1, 0]", with: "args: [0x5000, 0x40400000, 0xc0, 9, 0]")
        let failure = try run(yaml)
        #expect(failure?.contains("action 4 (line 8: hvc el2_arm_lpae_iova_to_phys) did not complete: hypervisor panic in host_hvc_dispatcher") == true, "\(failure ?? "passed")")
    }

    /// The same file at the spec level: the spec refuses the page (D1) in action 3.
    @Test func theHandlerOverrideAppliesToActions() throws {
        let failure = try run(HostActionScenarioTests.mapped) { $0.handlers = .spec }
        #expect(failure?.contains("action 4") == true && failure?.contains("not VERIFIED") == true, "\(failure ?? "passed")")
    }

    @Test(arguments: [
        ("actions:\n  - hvc: register_kvm\n  - bogus: 1\nexpect: {exit: 0}\n", ":3: an action is one of hvc:, read:, write:"),
        ("actions:\n  - hvc: no_such_call\nexpect: {exit: 0}\n", ":2: unknown hypercall 'no_such_call'"),
        ("actions:\n  - hvc: el2_arm_lpae_map\n    args: {iova: 1, colour: 2}\nexpect: {exit: 0}\n", ":3: el2_arm_lpae_map has no argument 'colour'"),
        ("actions:\n  - write: SMMU0.GR0.sCR9\n    value: 1\nexpect: {exit: 0}\n", ":2: unknown register 'SMMU0.GR0.sCR9'"),
        ("actions:\n  - read: SMMU2.GR0.sCR0\nexpect: {exit: 0}\n", ":2: unknown register 'SMMU2.GR0.sCR0'"),
        ("actions:\n  - write: SMMU0.GR0.sCR0\n    value: 0x100000000\nexpect: {exit: 0}\n", ":3: value 0x100000000 does not fit in 4 bytes"),
        ("actions:\n  - read: 0x09050000\nexpect: {exit: 0}\n", ":2: an access to an address needs size"),
        ("actions:\n  - write: SMMU0.GR0.sCR0\nexpect: {exit: 0}\n", ":2: a write action needs value:"),
        ("actions:\n  - read: SMMU0.GR0.sCR0\n    value: 3\nexpect: {exit: 0}\n", ":3: unknown key 'value' in a read action"),
        ("image: a.elf\nactions:\n  - hvc: 13\nexpect: {exit: 0}\n", ":3: a scenario has 'image' or 'actions', not both"),
        ("actions: []\nexpect: {exit: 0}\n", ":1: 'actions' must be a non-empty list"),
        ("actions:\n  - hvc: 13\nexpect:\n  state:\n    - {pfn: 0x40000, colour: red}\n", ":5: unknown key 'colour' in a pfn query"),
        ("actions:\n  - hvc: 13\nexpect:\n  state:\n    - {pfn: 0x40000}\n", ":5: a pfn query needs one of: owner, count, gfn"),
        ("actions:\n  - hvc: 13\nexpect:\n  state:\n    - {pfn: 0x40000, owner: somebody}\n", ":5: owner must be host, el2, none"),
        ("actions:\n  - hvc: 13\nexpect:\n  state:\n    - {smmu: 2, cb: 0, vmid: 1}\n", ":5: smmu must be 0 to 1"),
        ("actions:\n  - hvc: 13\nexpect:\n  state:\n    - {smmu: 0, cb: 0, iova: 0x1000}\n", ":5: a shadow mapping query needs one of"),
        ("actions:\n  - hvc: 13\nexpect:\n  state:\n    - {npt: 0x40000000, perms: rwx}\n", ":5: perms must be none, r, w or rw"),
        ("actions:\n  - hvc: 13\nexpect:\n  state:\n    - {weather: fine}\n", ":5: a state query starts with pfn:, npt:, panicked:"),
        ("actions:\n  - hvc: 13\nexpect:\n  state: {pfn: 1}\n", ":4: expect.state must be a list of queries"),
    ])
    func badFilesAreRejectedWithFileAndLine(yaml: String, why: String) throws {
        let f = try write(yaml)
        #expect {
            _ = try Scenario.load(path: f)
        } throws: { error in
            let d = "\(error)"
            return d.hasPrefix(f + ":") && d.contains(why)
        }
    }

    /// Every access width: 1- and 2-byte accesses of the SMMU panic (the spec's length rule),
    /// 4 and 8 are emulated; an access where nothing answers is skipped with ESR_EL1 recorded.
    @Test func accessWidthsAndExternalAborts() throws {
        let ok = "actions:\n  - read: 0x09050000\n    size: 8\n    expect: 0x200001\n  - read: 0x9050000\n    size: 4\n    expect: 0x200001\nexpect: {exit: 0}\n"
        #expect(try run(ok) == nil)
        let half = "actions:\n  - read: SMMU0.GR0.sCR0\n    size: 2\nexpect: {exit: 3, panic-contains: \"2-byte read\"}\n"
        #expect(try run(half) == nil)
        let nothing = "actions:\n  - read: 0x80000000\n    size: 8\n    expect: 0\nexpect: {exit: 0}\n"
        #expect(try run(nothing)?.contains("took an exception at EL1 (ESR_EL1 0x96000010)") == true)
    }

    /// Scenario-controlled values at their extremes neither trap nor hang: addresses beyond the
    /// PA size, all-ones ids and arguments, an unaligned SMMU access, a bank the SMMU lacks.
    @Test func hostileValuesNeitherTrapNorHang() throws {
        let yaml = """
            actions:
              - read: 0xFFFFFFFFFFFFFFF8
                size: 8
              - write: 0x0000FFFFFFFFF000
                size: 8
                value: 0xFFFFFFFFFFFFFFFF
              - read: 0x09050003
                size: 4
              - hvc: 0xFFFFFFFFFFFFFFFF
                args: [0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF]
              - hvc: el2_arm_lpae_iova_to_phys
                args: [0xFFFFFFFFFF, 7, 1]
              - read: SMMU1.CB7.TTBR0
              - write: SMMU1.CB7.TTBR0
                value: 5
            options: {max-instructions: 100000}
            expect:
              exit: 0
              state:
                - {smmu: 1, cb: 7, ttbr0: shadow-root}
                - {npt: 0xFFFFFFFFFFFFF000, unmapped: true}
                - {pfn: 0xFFFFFFFFFFFFFFFF, owner: none}

            """
        let failure = try run(yaml)
        #expect(failure?.contains("SMMU1 CB7: TTBR0 (no such bank in the device)") == true, "\(failure ?? "passed")")
    }

    /// `repeat:` copies an action, advancing arguments (or address and value) by `step`.
    @Test func repeatAdvancesByStep() throws {
        let f = try write("""
            actions:
              - repeat: 3
                hvc: el2_arm_lpae_map
                args: {iova: 0x1000, paddr: 0x40100000}
                step: {iova: 0x1000, paddr: 0x2000}
              - repeat: 2
                write: SMMU0.GR0.SMR0
                value: 0xff
                step: {address: 4, value: 0x80000000}
            expect: {exit: 0}
            """)
        guard case .actions(let p) = try Scenario.load(path: f).guest else { Issue.record("not actions"); return }
        #expect(p.actions.count == 5)
        #expect(p.actions[2].kind == .hvc(id: 25, args: [0x3000, 0x4010_4000, 0, 0, 0]))
        #expect(p.actions[2].label == "hvc el2_arm_lpae_map (3 of 3)")
        #expect(p.actions[4].kind == .write(address: 0x0905_0804, size: 4, value: 0x8000_00FF))
        let bad = try write("actions:\n  - hvc: 13\n    step: [1]\nexpect: {exit: 0}\n")
        #expect { _ = try Scenario.load(path: bad) } throws: { "\($0)".contains(bad + ":3: step: needs repeat:") }
        let zero = try write("actions:\n  - hvc: 13\n    repeat: 0\nexpect: {exit: 0}\n")
        #expect { _ = try Scenario.load(path: zero) } throws: { "\($0)".contains(zero + ":3: repeat must be 1 to 65536") }
    }
}
