import Testing
@testable import Emulator

@Suite struct CostModelFileTests {
    @Test func overridesCPUAndEL2Costs() throws {
        var c = MachineConfiguration()
        try CostModelFile.apply(yaml: "cpu: { load: 3, divide: 20 }\nel2: { trapEntry: 60 }", name: "t", to: &c)
        #expect(c.costs.load == 3)
        #expect(c.costs.divide == 20)
        #expect(c.costs.alu == 1)
        #expect(c.el2Costs.trapEntry == 60)
    }

    @Test(arguments: ["cpu: { lod: 3 }", "gpu: { load: 1 }", "cpu: { load: -1 }", "cpu: { load: 1.5 }", "cpu: 3", "[1, 2]", "cpu: {"])
    func rejectsBadFiles(yaml: String) {
        var c = MachineConfiguration()
        #expect(throws: CostModelError.self) { try CostModelFile.apply(yaml: yaml, name: "t", to: &c) }
    }

    @Test(.enabled(if: SamplePaths.has("hello"), "make samples first"))
    func costsChangeTheCycleCountButNotTheOutput() throws {
        let (out1, _) = try runSample("hello")
        var cycles: [UInt64] = []
        for load in [1, 50] {
            var config = MachineConfiguration()
            try CostModelFile.apply(yaml: "cpu: { load: \(load) }", name: "t", to: &config)
            var out: [UInt8] = []
            let m = try Machine(imagePath: SamplePaths.sample("hello"), configuration: config) { out.append($0) }
            _ = m.run()
            #expect(String(decoding: out, as: UTF8.self) == out1)
            cycles.append(m.cpus[0].cycles)
        }
        #expect(cycles[1] > cycles[0])
    }
}
