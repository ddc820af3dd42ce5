import Foundation
import KCore
import SMMUDevice
import Yams

/// Reads a scenario file (schema: Documentation/Scenarios.md) from the YAML node tree, so every
/// error names the file and the line of the offending node: `file.yaml:12: unknown register …`.
/// Unknown keys, options, actions and queries are errors, so a typo cannot silently pass.
struct ScenarioFile {
    let path: String
    /// `path` made absolute: images and VM image files are relative to the scenario.
    var absolutePath: String { path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path }

    func fail(_ node: Node?, _ why: String) -> Scenario.LoadError {
        if let line = node?.mark?.line { return Scenario.LoadError(description: "\(path):\(line): \(why)") }
        return Scenario.LoadError(description: "\(path): \(why)")
    }

    static func parse(path: String) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw Scenario.LoadError(description: "\(path): cannot read the file")
        }
        return try parse(text: text, path: path)
    }

    /// Parses scenario text; `path` names it in messages and anchors its relative image paths.
    static func parse(text: String, path: String) throws -> Scenario {
        // Yams composes nested collections recursively: a few thousand `{` or `[` overflow the
        // stack (found by the scenario fuzz target). No scenario nests deeper than a handful.
        var depth = 0, deepest = 0
        for c in text.utf8 {
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1; deepest = max(deepest, depth) }
            if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") { depth = max(0, depth - 1) }
        }
        // Block collections nest by indentation and `- ` items: bound that too.
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let lead = line.utf8.prefix { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: ":") }
            if lead.count > 256 { deepest = Int.max }
        }
        guard deepest <= 64 else { throw Scenario.LoadError(description: "\(path): collections nested more than 64 deep") }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let e as YamlError {
            throw Scenario.LoadError(description: "\(path): \(String(describing: e).split(separator: "\n").first ?? "invalid YAML")")
        } catch {
            throw Scenario.LoadError(description: "\(path): invalid YAML")
        }
        return try ScenarioFile(path: path).scenario(root)
    }

    // MARK: Scalars

    /// The pairs of a mapping node with string keys, in file order.
    func mapping(_ node: Node, _ what: String) throws -> [(key: String, node: Node, value: Node)] {
        guard let m = node.mapping else { throw fail(node, "\(what) must be a mapping") }
        return try m.map { k, v in
            guard let s = k.scalar?.string else { throw fail(k, "\(what): keys must be names") }
            return (s, k, v)
        }
    }
    func string(_ node: Node, _ what: String) throws -> String {
        guard let s = node.scalar?.string else { throw fail(node, "\(what) must be a string") }
        return s
    }
    func bool(_ node: Node, _ what: String) throws -> Bool {
        guard node.scalar != nil, let b = node.bool else { throw fail(node, "\(what) must be true or false") }
        return b
    }
    /// A non-negative number up to 2^64 − 1: decimal, 0x hex, 0o octal or 0b binary, `_` allowed.
    static func number(_ text: String) -> UInt64? {
        var t = text.replacingOccurrences(of: "_", with: "").lowercased()
        var radix = 10
        for (p, r) in [("0x", 16), ("0o", 8), ("0b", 2)] where t.hasPrefix(p) {
            radix = r
            t.removeFirst(2)
        }
        return t.isEmpty ? nil : UInt64(t, radix: radix)
    }
    func number(_ node: Node, _ what: String) throws -> UInt64 {
        guard let s = node.scalar?.string, let n = ScenarioFile.number(s) else {
            throw fail(node, "\(what) must be a number (decimal or 0x hex), got \(node.scalar?.string.debugDescription ?? "a collection")")
        }
        return n
    }
    func int(_ node: Node, _ what: String, _ range: ClosedRange<Int>) throws -> Int {
        let n = try number(node, what)
        guard n <= UInt64(range.upperBound), Int(n) >= range.lowerBound else {
            throw fail(node, "\(what) must be \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(n)
    }
    func strings(_ node: Node, _ what: String) throws -> [String] {
        if let s = node.scalar?.string { return [s] }
        guard let seq = node.sequence else { throw fail(node, "\(what) must be a string or a list of strings") }
        return try seq.map { try string($0, what) }
    }

    // MARK: The file

    func scenario(_ root: Node?) throws -> Scenario {
        guard let root, root.mapping != nil else { throw fail(root, "a scenario is a mapping (name, image or actions, options, expect)") }
        let top = try mapping(root, "the scenario")
        for t in top where !["name", "image", "actions", "options", "expect"].contains(t.key) {
            throw fail(t.node, "unknown key '\(t.key)'")
        }
        func value(_ k: String) -> Node? { top.first { $0.key == k }?.value }
        let guest: Scenario.Guest
        switch (value("image"), value("actions")) {
        case (let i?, nil):
            let image = try string(i, "'image'")
            let base = URL(fileURLWithPath: absolutePath).deletingLastPathComponent()
            guest = .image(image.hasPrefix("/") ? image : base.appendingPathComponent(image).standardized.path)
        case (nil, let a?):
            guest = .actions(HostActionProgram(actions: try actions(a)))
        case (_?, _?):
            throw fail(value("actions"), "a scenario has 'image' or 'actions', not both")
        case (nil, nil):
            throw fail(root, "'image' (a path to an ELF) or 'actions' (a list of host actions) is required")
        }
        var config = MachineConfiguration()
        if let o = value("options") { try options(o, &config) }
        // Scenarios are bounded even when they do not say so.
        if config.maxInstructions == .max { config.maxInstructions = 50_000_000 }
        guard let ex = value("expect"), let pairs = try? mapping(ex, "'expect'"), !pairs.isEmpty else {
            throw fail(value("expect") ?? root, "'expect' must be a non-empty mapping")
        }
        var expectations: [Scenario.Expectation] = []
        for (k, kn, v) in pairs.sorted(by: { $0.key < $1.key }) {
            let what = "expect.\(k)"
            switch k {
            case "exit": expectations.append(.exit(Int32(try int(v, what, 0...255))))
            case "stdout": expectations.append(.stdout(try string(v, what)))
            case "stdout-contains": expectations += try strings(v, what).map(Scenario.Expectation.stdoutContains)
            case "stdout-matches":
                let items = v.sequence.map(Array.init) ?? [v]
                for item in items {
                    let p = try string(item, what)
                    guard let re = try? NSRegularExpression(pattern: p, options: [.anchorsMatchLines]) else {
                        throw fail(item, "\(what): \(p.debugDescription) is not a valid regular expression")
                    }
                    expectations.append(.stdoutMatches(pattern: p, re))
                }
            case "panic-contains": expectations += try strings(v, what).map(Scenario.Expectation.panicContains)
            case "trace-contains": expectations += try strings(v, what).map(Scenario.Expectation.traceContains)
            case "trace-not-contains": expectations += try strings(v, what).map(Scenario.Expectation.traceNotContains)
            case "divergences": expectations += try strings(v, what).map(Scenario.Expectation.divergence)
            case "state":
                guard let seq = v.sequence else { throw fail(v, "expect.state must be a list of queries") }
                expectations += try seq.map { .state(try query($0)) }
            default: throw fail(kn, "unknown expectation '\(k)'")
            }
        }
        let name = try value("name").map { try string($0, "'name'") } ?? URL(fileURLWithPath: path).lastPathComponent
        return Scenario(file: path, name: name, guest: guest, configuration: config, expectations: expectations)
    }

    func options(_ node: Node, _ config: inout MachineConfiguration) throws {
        for (k, kn, v) in try mapping(node, "'options'") {
            switch k {
            case "cpus": config.cpus = try int(v, "options.cpus", 1...8)
            case "handlers":
                let h = try string(v, "options.handlers")
                guard let level = KCore.HandlerLevel(rawValue: h) else { throw fail(v, "options.handlers must be impl or spec") }
                config.handlers = level
            case "check-refinement": config.checkRefinement = try bool(v, "options.check-refinement")
            case "check-invariants": config.checkInvariants = try bool(v, "options.check-invariants")
            case "strict-smmu": config.strictSMMU = try bool(v, "options.strict-smmu")
            case "max-instructions": config.maxInstructions = UInt64(try int(v, "options.max-instructions", 1...Int.max))
            case "max-cycles": config.maxCycles = UInt64(try int(v, "options.max-cycles", 1...Int.max))
            case "vm-images":
                // ["VMID=SHA256HEX" or "VMID=FILE"], FILE relative to the scenario (issue 4).
                guard let seq = v.sequence else { throw fail(v, "options.vm-images must be a list of \"VMID=SHA256HEX\" or \"VMID=FILE\"") }
                let dir = URL(fileURLWithPath: absolutePath).deletingLastPathComponent().path
                for item in seq {
                    let o: VMImageOption
                    do { o = try VMImageOption.parse(try string(item, "options.vm-images"), relativeTo: dir) } catch let e as VMImageOption.ParseError {
                        throw fail(item, "options.vm-images: \(e)")
                    }
                    guard !config.vmImages.contains(where: { $0.vmid == o.vmid }) else { throw fail(item, "options.vm-images: VM \(o.vmid) given twice") }
                    config.vmImages.append(o)
                }
            case "trace":
                let list = v.sequence?.compactMap { $0.scalar?.string } ?? []
                guard v.sequence?.count == list.count, list.allSatisfy({ TraceKind(rawValue: $0) != nil }) else {
                    throw fail(v, "options.trace must be a list of: \(TraceKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                config.trace = Set(list.compactMap(TraceKind.init(rawValue:)))
            default: throw fail(kn, "unknown option '\(k)'")
            }
        }
    }

    // MARK: Actions

    func actions(_ node: Node) throws -> [HostAction] {
        guard let seq = node.sequence, !seq.isEmpty else { throw fail(node, "'actions' must be a non-empty list") }
        return try seq.flatMap(repeated)
    }

    /// An action, or `repeat: N` copies of it whose arguments (HVC), address and value (access)
    /// advance by `step` each time: the pool-exhaustion scenarios map 257 pages in one entry.
    func repeated(_ node: Node) throws -> [HostAction] {
        let pairs = try mapping(node, "an action")
        let rest = pairs.filter { $0.key != "repeat" && $0.key != "step" }
        let one = try action(Node.mapping(.init(rest.map { ($0.node, $0.value) }, .implicit, .any, node.mark)))
        guard let r = pairs.first(where: { $0.key == "repeat" })?.value else {
            if let s = pairs.first(where: { $0.key == "step" }) { throw fail(s.node, "step: needs repeat:") }
            return [one]
        }
        let count = try int(r, "repeat", 1...65536)
        var step: [UInt64] = []
        var addressStep: UInt64 = 0, valueStep: UInt64 = 0
        if let st = pairs.first(where: { $0.key == "step" })?.value {
            if case .hvc = one.kind, let h = pairs.first(where: { $0.key == "hvc" }) {
                step = try arguments(st, try call(h.value).2, one.label)
            } else {
                for (k, kn, v) in try mapping(st, "step") {
                    switch k {
                    case "address": addressStep = try number(v, "step.address")
                    case "value": valueStep = try number(v, "step.value")
                    default: throw fail(kn, "step of an access takes address: and value:")
                    }
                }
            }
        }
        return (0..<UInt64(count)).map { i in
            var a = one
            a.label += " (\(i + 1) of \(count))"
            switch one.kind {
            case .hvc(let id, let args):
                let n = max(args.count, step.count)
                a.kind = .hvc(id: id, args: (0..<n).map { j in
                    (j < args.count ? args[j] : 0) &+ i &* (j < step.count ? step[j] : 0)
                })
            case .read(let address, let size):
                a.kind = .read(address: address &+ i &* addressStep, size: size)
            case .write(let address, let size, let value):
                let mask: UInt64 = size == 8 ? .max : (1 << UInt64(size * 8)) - 1
                a.kind = .write(address: address &+ i &* addressStep, size: size, value: (value &+ i &* valueStep) & mask)
            }
            return a
        }
    }

    func action(_ node: Node) throws -> HostAction {
        let pairs = try mapping(node, "an action")
        let line = node.mark?.line ?? 0
        func value(_ k: String) -> Node? { pairs.first { $0.key == k }?.value }
        let kinds = pairs.filter { ["hvc", "read", "write"].contains($0.key) }
        guard kinds.count == 1, let kind = kinds.first else {
            throw fail(node, "an action is one of hvc:, read:, write: (got \(pairs.map(\.key).joined(separator: ", ")))")
        }
        let allowed: Set<String> = kind.key == "hvc" ? ["hvc", "args", "expect"] : kind.key == "read" ? ["read", "size", "expect"] : ["write", "size", "value"]
        for p in pairs where !allowed.contains(p.key) {
            throw fail(p.node, "unknown key '\(p.key)' in a \(kind.key) action (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        let expect = try value("expect").map { try number($0, "expect") }
        switch kind.key {
        case "hvc":
            let (id, name, argNames) = try call(kind.value)
            let args = try value("args").map { try arguments($0, argNames, name) } ?? []
            return HostAction(kind: .hvc(id: id, args: args), expect: expect, label: "hvc \(name)", line: line)
        default:
            let (address, natural, label) = try target(kind.value)
            var size = natural
            if let s = value("size") {
                size = try int(s, "size", 1...8)
                guard [1, 2, 4, 8].contains(size) else { throw fail(s, "size must be 1, 2, 4 or 8") }
            }
            guard let size else { throw fail(kind.value, "an access to an address needs size: 1, 2, 4 or 8") }
            if kind.key == "read" {
                return HostAction(kind: .read(address: address, size: size), expect: expect, label: "read \(label)", line: line)
            }
            guard let v = value("value") else { throw fail(node, "a write action needs value:") }
            let data = try number(v, "value")
            guard size == 8 || data >> UInt64(size * 8) == 0 else { throw fail(v, "value 0x\(String(data, radix: 16)) does not fit in \(size) bytes") }
            return HostAction(kind: .write(address: address, size: size, value: data), label: "write \(label)", line: line)
        }
    }

    /// An HVC by name (HARDWARE.md's table, `HostCall`) or by number.
    func call(_ node: Node) throws -> (UInt64, String, [String]?) {
        guard let s = node.scalar?.string else { throw fail(node, "hvc: takes a call name or number") }
        if let n = ScenarioFile.number(s) { return (n, HostCall.named(id: n)?.name ?? s, HostCall.named(id: n)?.args) }
        guard let c = HostCall.named(s) else {
            throw fail(node, "unknown hypercall '\(s)' (known: \(HostCall.table.map(\.name).joined(separator: ", ")); or a number)")
        }
        return (c.id, c.name, c.args)
    }

    /// x1… as a list, or as a mapping by the call's argument names.
    func arguments(_ node: Node, _ names: [String]?, _ call: String) throws -> [UInt64] {
        if let seq = node.sequence {
            guard seq.count <= 5 else { throw fail(node, "at most 5 arguments (x1-x5)") }
            return try seq.map { try number($0, "an argument") }
        }
        guard node.mapping != nil else { throw fail(node, "args must be a list (x1, x2, ...) or a mapping by argument name") }
        guard let names else { throw fail(node, "named args need a known call; give a list for \(call)") }
        var args = [UInt64](repeating: 0, count: names.count)
        for (k, kn, v) in try mapping(node, "args") {
            guard let i = names.firstIndex(of: k) else {
                throw fail(kn, "\(call) has no argument '\(k)' (its arguments: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
            }
            args[i] = try number(v, "argument \(k)")
        }
        return args
    }

    /// A register name as traces print it ("SMMU0.GR0.sCR0", "SMMU1.CB2.TTBR0") or a physical
    /// address: the address, the register's natural size (nil for a bare address), a label.
    func target(_ node: Node) throws -> (UInt64, Int?, String) {
        guard let s = node.scalar?.string else { throw fail(node, "read:/write: take a register name or an address") }
        if let n = ScenarioFile.number(s) { return (n, nil, "0x" + String(n, radix: 16)) }
        let conf = SMMUConf.hardwareDefault
        let parts = s.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0].uppercased().hasPrefix("SMMU"), let i = Int(parts[0].dropFirst(4)), i >= 0, i < conf.num,
            let r = SMMURegisterMap.register(named: parts[1])
        else {
            throw fail(node, "unknown register '\(s)' (names as traces print them: SMMU0.GR0.sCR0, SMMU0.GR1.CBAR2, SMMU1.CB3.TTBR0, SMMU0.CB1.TTBR0[63:32]; SMMU0 or SMMU1)")
        }
        return (conf.physBase[i] + r.offset, r.size, s)
    }

    // MARK: State queries

    func query(_ node: Node) throws -> StateQuery {
        let pairs = try mapping(node, "a state query")
        let line = node.mark?.line ?? 0
        var seen: [String: Node] = [:]
        for p in pairs { seen[p.key] = p.value }
        func only(_ allowed: Set<String>, _ kind: String) throws {
            for p in pairs where !allowed.contains(p.key) {
                throw fail(p.node, "unknown key '\(p.key)' in a \(kind) query (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
        func need(_ keys: [String], _ kind: String) throws {
            guard keys.contains(where: { seen[$0] != nil }) else { throw fail(node, "a \(kind) query needs one of: \(keys.joined(separator: ", "))") }
        }
        func num(_ k: String) throws -> UInt64? { try seen[k].map { try number($0, k) } }
        func yes(_ k: String) throws -> Bool {
            guard let v = seen[k] else { return false }
            guard try bool(v, k) else { throw fail(v, "\(k): only true is meaningful (drop the key otherwise)") }
            return true
        }
        if let p = seen["pfn"] {
            try only(["pfn", "owner", "count", "gfn"], "pfn")
            try need(["owner", "count", "gfn"], "pfn")
            let owner = try seen["owner"].map(owner)
            let count = try seen["count"].map { n -> UInt32 in
                if n.scalar?.string.lowercased() == "invalid" { return KC.INVALID }
                let c = try number(n, "count")
                guard c <= UInt64(UInt32.max) else { throw fail(n, "count must be a 32-bit number or invalid") }
                return UInt32(c)
            }
            return StateQuery(kind: .page(pfn: try number(p, "pfn"), owner: owner, count: count, gfn: try num("gfn")), line: line)
        }
        if let ipa = seen["npt"] {
            try only(["npt", "maps-to", "unmapped", "perms", "memory", "pte"], "npt")
            try need(["maps-to", "unmapped", "perms", "memory", "pte"], "npt")
            let perms = try seen["perms"].map { n -> String in
                let s = try string(n, "perms")
                guard ["none", "r", "w", "rw"].contains(s) else { throw fail(n, "perms must be none, r, w or rw") }
                return s
            }
            let memory = try seen["memory"].map { n -> String in
                let s = try string(n, "memory")
                guard ["normal", "device", "none"].contains(s) else { throw fail(n, "memory must be normal, device or none") }
                return s
            }
            return StateQuery(kind: .npt(ipa: try number(ipa, "npt"), mapsTo: try num("maps-to"), unmapped: try yes("unmapped"),
                                         perms: perms, memory: memory, pte: try num("pte")), line: line)
        }
        if let p = seen["panicked"] {
            try only(["panicked", "reason"], "panicked")
            return StateQuery(kind: .panicked(try bool(p, "panicked"), reason: try seen["reason"].map { try string($0, "reason") }), line: line)
        }
        guard let sm = seen["smmu"], let cbn = seen["cb"] else {
            throw fail(node, "a state query starts with pfn:, npt:, panicked:, or smmu: and cb: (with iova: for a shadow mapping)")
        }
        let smmu = try int(sm, "smmu", 0...(SMMUConf.hardwareDefault.num - 1))
        let cb = try int(cbn, "cb", 0...(KC.SMMU_NUM_CTXT_BANKS - 1))
        if let iova = seen["iova"] {
            try only(["smmu", "cb", "iova", "maps-to", "unmapped", "pte"], "shadow mapping")
            try need(["maps-to", "unmapped", "pte"], "shadow mapping")
            return StateQuery(kind: .shadow(smmu: smmu, cb: cb, iova: try number(iova, "iova"), mapsTo: try num("maps-to"),
                                            unmapped: try yes("unmapped"), pte: try num("pte")), line: line)
        }
        try only(["smmu", "cb", "vmid", "cbar-vmid", "ttbr0"], "context bank")
        try need(["vmid", "cbar-vmid", "ttbr0"], "context bank")
        let vmid = try seen["vmid"].map { n -> UInt32 in
            if n.scalar?.string.lowercased() == "none" { return KC.INVALID }
            return UInt32(try int(n, "vmid", 0...16))
        }
        let ttbr0 = try seen["ttbr0"].map { n -> StateQuery.TTBR0 in
            n.scalar?.string == "shadow-root" ? .shadowRoot : .value(try number(n, "ttbr0 (a number or shadow-root)"))
        }
        return StateQuery(kind: .bank(smmu: smmu, cb: cb, vmid: vmid, cbarVMID: try num("cbar-vmid"), ttbr0: ttbr0), line: line)
    }

    /// host | el2 | none | vm N | N.
    func owner(_ node: Node) throws -> UInt32 {
        let s = (node.scalar?.string ?? "").lowercased()
        switch s {
        case "host": return KC.HOSTVISOR
        case "el2", "corevisor": return KC.COREVISOR
        case "none", "invalid": return KC.INVALID
        default:
            let digits = s.hasPrefix("vm") ? String(s.dropFirst(2)).trimmingCharacters(in: .whitespaces) : s
            guard let n = ScenarioFile.number(digits), n <= 16 else {
                throw fail(node, "owner must be host, el2, none, vm N or a number 0-16")
            }
            return UInt32(n)
        }
    }
}
