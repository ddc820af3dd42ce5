import Foundation
import AArch64
#if canImport(Glibc)
import Glibc
#endif

/// A gdb remote-protocol stub for a `Debugger` (all-stop mode, every CPU a thread, id = index + 1).
///
/// Serves one connection on a loopback TCP port or a Unix-domain socket: the AArch64 core
/// registers (`g/G`, `p/P`) with a read-only system-register feature, memory through the CPU's
/// view or physical (`maint packet Qqemu.PhyMemMode:1`), software and hardware breakpoints
/// (`Z0`/`Z1`), write/read/access watchpoints (`Z2`–`Z4`), `s`/`c` and `vCont` on a thread,
/// Ctrl-C, `k` and `D`.
public final class GDBServer {
    let debugger: Debugger
    let listener: Int32
    /// The TCP port the server listens on (the one asked for, or the one the system chose for 0);
    /// 0 for a Unix-domain socket.
    public let port: UInt16
    /// Where gdb connects: `127.0.0.1:PORT` or `unix:PATH` (what `target remote` takes).
    public let address: String
    private let socketPath: String?
    private var connection: Int32 = -1
    private var input: [UInt8] = []
    private var selectedThread = 0  // CPU index for g/p/m (Hg)
    private var resumeThread: Int?  // CPU index s steps (Hc); nil: the selected one
    private var physicalMemory = false
    /// Whether gdb ended the session with `k` (kill) rather than detaching or hanging up.
    public private(set) var killed = false

    /// Listens on 127.0.0.1:`port` (0: any free port).
    public init(debugger: Debugger, port: UInt16) throws {
        self.debugger = debugger
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let fd = try GDBServer.listening(on: addr, "127.0.0.1:\(port)")
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        self.port = UInt16(bigEndian: actual.sin_port)
        address = "127.0.0.1:\(self.port)"
        socketPath = nil
    }

    /// Listens on a Unix-domain socket at `path`, which must not exist yet; removed on deinit.
    public init(debugger: Debugger, unixPath path: String) throws {
        self.debugger = debugger
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else {
            throw GDBServerError.socket("unix socket path must be 1 to \(capacity - 1) bytes: \(path)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            for (i, b) in bytes.enumerated() { p[i] = b }
        }
        listener = try GDBServer.listening(on: addr, "unix:\(path)")
        port = 0
        address = "unix:\(path)"
        socketPath = path
    }

    /// A stream socket bound to `address` (a sockaddr_in or sockaddr_un) and listening.
    private static func listening<Address>(on address: Address, _ name: String) throws -> Int32 {
        var address = address
        let family = withUnsafeBytes(of: &address) { $0.load(as: sockaddr.self).sa_family }
        let fd = socket(Int32(family), Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw GDBServerError.socket("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        if family == sa_family_t(AF_INET) { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<Address>.size)) }
        }
        guard bound == 0, listen(fd, 1) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw GDBServerError.socket("cannot listen on \(name): \(message)")
        }
        return fd
    }

    deinit {
        if connection >= 0 { close(connection) }
        close(listener)
        if let socketPath { unlink(socketPath) }
    }

    /// Accepts one gdb and serves it until it kills, detaches or disconnects, or the run ends.
    /// Returns the run's exit status if it ended, nil after kill/detach/disconnect.
    public func serve() -> Int32? {
        connection = accept(listener, nil, nil)
        guard connection >= 0 else { return nil }
        var one: Int32 = 1
        if socketPath == nil { setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        // Attaching stops the machine, as QEMU's stub does.
        if debugger.stop == nil { debugger.interrupt() }
        while true {
            guard let packet = readPacket() else { return nil }
            switch handle(packet) {
            case .reply(let r): send(r)
            case .resumed:
                guard let stop = waitForStop() else { return nil }
                // gdb prints console output (O packets) it gets before the stop reply.
                if case .el2(_, let report) = stop { send("O" + GDBServer.hex(Array(report.utf8))) }
                send(stopReply(stop))
                if case .exited(let status, _) = stop {
                    // Wait (briefly) for gdb's acknowledgement: closing first makes its '+' fail
                    // on a Unix-domain socket, and gdb would report a broken connection.
                    var pfd = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                    if poll(&pfd, 1, 2000) > 0 { _ = readByte() }
                    return status
                }
            case .finished: return nil
            }
        }
    }

    enum Outcome { case reply(String), resumed, finished }

    /// One packet's effect.
    func handle(_ p: String) -> Outcome {
        let b = Array(p.utf8)
        guard let c = b.first else { return .reply("") }
        let rest = String(p.dropFirst())
        switch c {
        case UInt8(ascii: "?"):
            return .reply(stopReply(debugger.waitForStop(timeout: 60) ?? .interrupted(cpu: 0)))
        case UInt8(ascii: "g"):
            return .reply((0..<34).map { registerHex($0)! }.joined())
        case UInt8(ascii: "G"):
            let bytes = GDBServer.bytes(fromHex: rest)
            guard bytes.count >= 34 * 8 else { return .reply("E01") }
            for i in 0..<34 { setRegister(i, bytes: Array(bytes[(i * 8)...])) }
            return .reply("OK")
        case UInt8(ascii: "p"):
            guard let n = Int(rest, radix: 16), let v = registerHex(n) else { return .reply("E01") }
            return .reply(v)
        case UInt8(ascii: "P"):
            let parts = rest.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let n = Int(parts[0], radix: 16),
                  setRegister(n, bytes: GDBServer.bytes(fromHex: String(parts[1]))) else { return .reply("E01") }
            return .reply("OK")
        case UInt8(ascii: "m"):
            guard let (addr, len) = GDBServer.addressLength(rest) else { return .reply("E01") }
            let data = debugger.readMemory(cpu: selectedThread, address: addr, count: len, physical: physicalMemory)
            return .reply(data.isEmpty && len > 0 ? "E14" : GDBServer.hex(data))
        case UInt8(ascii: "M"):
            let parts = rest.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let (addr, _) = GDBServer.addressLength(String(parts[0])) else { return .reply("E01") }
            let ok = debugger.writeMemory(cpu: selectedThread, address: addr, bytes: GDBServer.bytes(fromHex: String(parts[1])), physical: physicalMemory)
            return .reply(ok ? "OK" : "E14")
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            let fields = rest.split(separator: ",")
            guard fields.count >= 3, let type = UInt8(fields[0]), let addr = UInt64(fields[1], radix: 16),
                  let length = UInt64(fields[2].prefix { $0 != ";" }, radix: 16) else { return .reply("E01") }
            let insert = c == UInt8(ascii: "Z")
            if type <= 1 {
                if insert { debugger.insertBreakpoint(addr) } else { debugger.removeBreakpoint(addr) }
                return .reply("OK")
            }
            guard let kind = DataWatchpoint.Kind(rawValue: type), length > 0 else { return .reply("") }
            let w = DataWatchpoint(address: addr, length: length, kind: kind)
            if insert { debugger.insertWatchpoint(w) } else { debugger.removeWatchpoint(w) }
            return .reply("OK")
        case UInt8(ascii: "v"):
            return verbose(p)
        case UInt8(ascii: "s"), UInt8(ascii: "c"):
            if !rest.isEmpty, let addr = UInt64(rest, radix: 16) { selectedCPU.pc = addr }
            debugger.resume(step: c == UInt8(ascii: "s") ? resumeThread ?? selectedThread : nil)
            return .resumed
        case UInt8(ascii: "H"):
            let id = Int(String(rest.dropFirst())) ?? 0
            if rest.first == "g" {
                if id > 0 {
                    guard id <= debugger.machine.cpus.count else { return .reply("E01") }
                    selectedThread = id - 1
                } else {
                    selectedThread = debugger.stop?.cpu ?? 0
                }
            }
            if rest.first == "c" {
                guard id <= debugger.machine.cpus.count else { return .reply("E01") }
                resumeThread = id > 0 ? id - 1 : nil
            }
            return .reply("OK")
        case UInt8(ascii: "T"):
            let id = Int(rest, radix: 16) ?? 0
            return .reply(id >= 1 && id <= debugger.machine.cpus.count ? "OK" : "E01")
        case UInt8(ascii: "k"):
            killed = true
            return .finished
        case UInt8(ascii: "D"):
            send("OK")
            return .finished
        case UInt8(ascii: "q"), UInt8(ascii: "Q"):
            return .reply(query(p))
        default:
            return .reply("")
        }
    }

    /// `vCont?`, `vCont;ACTION[:THREAD]...` (s/S steps one thread while the others run, c/C
    /// continues; signals are ignored, as the guest has no signals), `vKill`.
    func verbose(_ p: String) -> Outcome {
        if p == "vCont?" { return .reply("vCont;c;C;s;S") }
        if p.hasPrefix("vKill") {
            killed = true
            send("OK")
            return .finished
        }
        guard p.hasPrefix("vCont;") else { return .reply("") }
        var step: Int?
        for action in p.dropFirst(6).split(separator: ";") {
            let parts = action.split(separator: ":", maxSplits: 1)
            guard let kind = parts.first?.first else { return .reply("E01") }
            guard kind == "s" || kind == "S" else {
                guard kind == "c" || kind == "C" else { return .reply("E01") }
                continue
            }
            guard step == nil else { continue }  // the first action that names a thread wins
            if parts.count == 2, let id = Int(parts[1], radix: 16), id > 0 {
                guard id <= debugger.machine.cpus.count else { return .reply("E01") }
                step = id - 1
            } else {
                step = resumeThread ?? selectedThread
            }
        }
        debugger.resume(step: step)
        return .resumed
    }

    func query(_ p: String) -> String {
        if p.hasPrefix("qSupported") { return "PacketSize=4000;qXfer:features:read+;vContSupported+" }
        if p == "qAttached" { return "1" }
        if p == "qC" { return "QC" + String(selectedThread + 1, radix: 16) }
        if p == "qfThreadInfo" { return "m" + (1...debugger.machine.cpus.count).map { String($0, radix: 16) }.joined(separator: ",") }
        if p == "qsThreadInfo" { return "l" }
        if p == "Qqemu.PhyMemMode:1" { physicalMemory = true; return "OK" }
        if p == "Qqemu.PhyMemMode:0" { physicalMemory = false; return "OK" }
        if p == "qqemu.PhyMemMode" { return physicalMemory ? "1" : "0" }
        if p.hasPrefix("qRcmd,") {
            let command = String(decoding: GDBServer.bytes(fromHex: String(p.dropFirst(6))), as: UTF8.self)
            return GDBServer.hex(Array(debugger.monitor(command).utf8))
        }
                if p.hasPrefix("qXfer:features:read:") {
            let fields = p.dropFirst("qXfer:features:read:".count).split(separator: ":")
            guard fields.count == 2, let xml = GDBTargetDescription.document(named: String(fields[0])),
                  let (offset, length) = GDBServer.addressLength(String(fields[1])) else { return "E00" }
            let bytes = Array(xml.utf8)
            let start = Int(min(offset, UInt64(bytes.count)))
            let end = min(bytes.count, start + length)
            return (end == bytes.count ? "l" : "m") + String(decoding: bytes[start..<end], as: UTF8.self)
        }
        return ""
    }

    var selectedCPU: CPU { debugger.machine.cpus[selectedThread] }

    /// x0–x30, sp, pc, cpsr: gdb's register numbers 0–33 of org.gnu.gdb.aarch64.core.
    func coreRegisters(_ cpu: CPU) -> [UInt64] {
        (0..<31).map { cpu.x($0) } + [cpu.sp, cpu.pc, cpu.pstate & 0xFFFF_FFFF]
    }

    /// Register `n` in target byte order: 8 bytes; 4 for cpsr, fpsr and fpcr; 16 for v0–v31.
    func registerHex(_ n: Int) -> String? {
        let cpu = selectedCPU
        typealias T = GDBTargetDescription
        switch n {
        case 0..<33: return GDBServer.hexLE(coreRegisters(cpu)[n])
        case 33: return String(GDBServer.hexLE(cpu.pstate & 0xFFFF_FFFF).prefix(8))
        case T.v0..<(T.v0 + 32):
            let q = cpu.simd.q(n - T.v0)
            return GDBServer.hexLE(q.lo) + GDBServer.hexLE(q.hi)
        case T.fpsr: return String(GDBServer.hexLE(UInt64(cpu.simd.fpsr)).prefix(8))
        case T.fpcr: return String(GDBServer.hexLE(UInt64(cpu.simd.fpcr)).prefix(8))
        default:
            let s = n - T.firstSystemRegister
            guard s >= 0, s < T.systemRegisters.count else { return nil }
            return GDBServer.hexLE(T.read(T.systemRegisters[s], cpu))
        }
    }

    /// Writes register `n` from its bytes in target byte order (`P`, `G`). - Returns: false for
    /// a register gdb may not write (the system registers are read-only) or too few bytes.
    @discardableResult
    func setRegister(_ n: Int, bytes: [UInt8]) -> Bool {
        let cpu = selectedCPU
        typealias T = GDBTargetDescription
        let size = n >= T.v0 && n < T.v0 + 32 ? 16 : (n == 33 || n == T.fpsr || n == T.fpcr ? 4 : 8)
        guard bytes.count >= size else { return false }
        let v = GDBServer.le(bytes, at: 0, count: min(8, size))
        switch n {
        case 0..<31: cpu.setX(n, v)
        case 31: cpu.sp = v
        case 32: cpu.pc = v
        case 33: cpu.nzcv = v & 0xF000_0000  // the flags; EL, SP and DAIF change only by exceptions
        case T.v0..<(T.v0 + 32): cpu.simd.setQ(n - T.v0, lo: v, hi: GDBServer.le(bytes, at: 8, count: 8))
        case T.fpsr: cpu.simd.setFPSR(v)
        case T.fpcr: cpu.simd.setFPCR(v)
        default: return false
        }
        return true
    }

    /// T05 with the thread, or W with the exit status.
    func stopReply(_ stop: DebugStop) -> String {
        guard let cpu = stop.cpu else {
            if case .exited(let status, _) = stop { return "W" + GDBServer.hex([UInt8(truncatingIfNeeded: status)]) }
            return "W00"
        }
        selectedThread = cpu
        let signal = if case .interrupted = stop { "02" } else { "05" }
        var reply = "T\(signal)thread:\(String(cpu + 1, radix: 16));"
        if case .watchpoint(_, let w) = stop {
            let name = switch w.kind { case .write: "watch"; case .read: "rwatch"; case .access: "awatch" }
            reply += "\(name):\(String(w.address, radix: 16));"
        }
        return reply
    }

    /// Waits for the machine to stop; a Ctrl-C (0x03) from gdb meanwhile interrupts it.
    func waitForStop() -> DebugStop? {
        while true {
            if let s = debugger.waitForStop(timeout: 0.05) { return s }
            var pfd = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 0) > 0 {
                var byte: UInt8 = 0
                guard recv(connection, &byte, 1, 0) == 1 else { return nil }
                if byte == 3 { debugger.interrupt() }
            }
        }
    }

    // MARK: Framing

    func readByte() -> UInt8? {
        var byte: UInt8 = 0
        return recv(connection, &byte, 1, 0) == 1 ? byte : nil
    }

    /// The next packet's payload (acknowledged); nil when gdb hung up.
    func readPacket() -> String? {
        while true {
            guard let b = readByte() else { return nil }
            if b == 3 { debugger.interrupt(); continue }
            guard b == UInt8(ascii: "$") else { continue }  // acks and noise
            var payload: [UInt8] = []
            while let c = readByte(), c != UInt8(ascii: "#") {
                payload.append(c)
                if payload.count > 1 << 20 { return nil }
            }
            guard let h = readByte(), let l = readByte() else { return nil }
            let sum = payload.reduce(UInt8(0)) { $0 &+ $1 }
            if UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16) != sum {
                _ = write(connection, "-", 1)
                continue
            }
            _ = write(connection, "+", 1)
            return String(decoding: payload, as: UTF8.self)
        }
    }

    func send(_ payload: String) {
        var body: [UInt8] = []
        for c in payload.utf8 {
            if c == UInt8(ascii: "$") || c == UInt8(ascii: "#") || c == UInt8(ascii: "}") || c == UInt8(ascii: "*") {
                body += [UInt8(ascii: "}"), c ^ 0x20]
            } else {
                body.append(c)
            }
        }
        let sum = body.reduce(UInt8(0)) { $0 &+ $1 }
        let frame = [UInt8(ascii: "$")] + body + [UInt8(ascii: "#")] + Array(GDBServer.hex([sum]).utf8)
        frame.withUnsafeBytes { p in
            var sent = 0
            while sent < p.count {
                let n = write(connection, p.baseAddress! + sent, p.count - sent)
                if n <= 0 { return }
                sent += n
            }
        }
        // gdb acknowledges with '+'; readPacket skips it.
    }

    // MARK: Encoding

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out += [digits[Int(b >> 4)], digits[Int(b & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexLE(_ v: UInt64) -> String { hex((0..<8).map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) }) }

    static func bytes(fromHex s: String) -> [UInt8] {
        let u = Array(s.utf8)
        return stride(from: 0, to: u.count - 1, by: 2).compactMap { UInt8(String(decoding: u[$0...$0 + 1], as: UTF8.self), radix: 16) }
    }

    static func le(_ b: [UInt8], at offset: Int, count: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<count where offset + i < b.count { v |= UInt64(b[offset + i]) << (8 * i) }
        return v
    }

    /// "ADDR,LENGTH" in hex; lengths above 64 KiB are cut.
    static func addressLength(_ s: String) -> (UInt64, Int)? {
        let f = s.split(separator: ",")
        guard f.count == 2, let a = UInt64(f[0], radix: 16), let l = UInt64(f[1], radix: 16) else { return nil }
        return (a, Int(min(l, 1 << 16)))
    }
}

/// Why a `GDBServer` could not start.
public enum GDBServerError: Error, CustomStringConvertible {
    case socket(String)
    public var description: String {
        switch self { case .socket(let m): m }
    }
}

/// The target description gdb reads with qXfer:features:read: the AArch64 core feature (x0–x30,
/// sp, pc, cpsr: 0–33), the FP/SIMD feature (v0–v31, fpsr, fpcr: 34–67, gdb's own numbering of
/// them) and the system registers of this machine (read-only, from 68).
enum GDBTargetDescription {
    static let v0 = 34
    static let fpsr = 66
    static let fpcr = 67
    static let firstSystemRegister = 68

    /// EL1 registers the CPU names, and EL2's registers kept by the EL2 model.
    static let systemRegisters = [
        "SCTLR_EL1", "TCR_EL1", "TTBR0_EL1", "TTBR1_EL1", "ESR_EL1", "FAR_EL1", "ELR_EL1", "SPSR_EL1", "VBAR_EL1",
        "ESR_EL2", "FAR_EL2", "ELR_EL2", "SPSR_EL2", "HPFAR_EL2", "HCR_EL2", "VTTBR_EL2", "VTCR_EL2",
    ]

    static func read(_ name: String, _ cpu: CPU) -> UInt64 {
        switch name {
        case "HCR_EL2": cpu.el2.hcr
        case "VTTBR_EL2": cpu.el2.vttbr
        case "VTCR_EL2": cpu.el2.vtcr
        default: cpu.readSystemRegister(name) ?? 0
        }
    }

    /// The lane vectors the unions below are made of: id, element type, lanes.
    static let vectorTypes: [(String, String, Int)] = [
        ("v2d", "ieee_double", 2), ("v2u", "uint64", 2), ("v2i", "int64", 2),
        ("v4f", "ieee_single", 4), ("v4u", "uint32", 4), ("v4i", "int32", 4),
        ("v8u", "uint16", 8), ("v8i", "int16", 8), ("v16u", "uint8", 16), ("v16i", "int8", 16),
        ("v1u", "uint128", 1), ("v1i", "int128", 1),
    ]

    /// org.gnu.gdb.aarch64.fpu with the vector views gdb shows (`p $v0.d.f`, `$q0`, `$s0`…): each
    /// Vn is a union of its lanes as doubles/singles/halves and integers of every width.
    static let fpuFeature: String = {
        var xml = """
            <?xml version="1.0"?>
            <!DOCTYPE feature SYSTEM "gdb-target.dtd">
            <feature name="org.gnu.gdb.aarch64.fpu">

            """
        for (id, type, count) in vectorTypes { xml += "<vector id=\"\(id)\" type=\"\(type)\" count=\"\(count)\"/>\n" }
        xml += """
            <union id="vnd"><field name="f" type="v2d"/><field name="u" type="v2u"/><field name="s" type="v2i"/></union>
            <union id="vns"><field name="f" type="v4f"/><field name="u" type="v4u"/><field name="s" type="v4i"/></union>
            <union id="vnh"><field name="u" type="v8u"/><field name="s" type="v8i"/></union>
            <union id="vnb"><field name="u" type="v16u"/><field name="s" type="v16i"/></union>
            <union id="vnq"><field name="u" type="v1u"/><field name="s" type="v1i"/></union>
            <union id="aarch64v"><field name="d" type="vnd"/><field name="s" type="vns"/><field name="h" type="vnh"/><field name="b" type="vnb"/><field name="q" type="vnq"/></union>

            """
        for i in 0..<32 { xml += "<reg name=\"v\(i)\" bitsize=\"128\" type=\"aarch64v\" regnum=\"\(v0 + i)\"/>\n" }
        xml += "<reg name=\"fpsr\" bitsize=\"32\" regnum=\"\(fpsr)\"/>\n<reg name=\"fpcr\" bitsize=\"32\" regnum=\"\(fpcr)\"/>\n</feature>\n"
        return xml
    }()

    static func document(named name: String) -> String? {
        switch name {
        case "target.xml":
            return """
                <?xml version="1.0"?>
                <!DOCTYPE target SYSTEM "gdb-target.dtd">
                <target><architecture>aarch64</architecture>
                <xi:include href="aarch64-core.xml"/>
                <xi:include href="aarch64-fpu.xml"/>
                <xi:include href="smmu-emu-sysregs.xml"/>
                </target>
                """
        case "aarch64-core.xml":
            var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n<feature name=\"org.gnu.gdb.aarch64.core\">\n"
            for i in 0..<31 { xml += "<reg name=\"x\(i)\" bitsize=\"64\" regnum=\"\(i)\"/>\n" }
            xml += "<reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\" regnum=\"31\"/>\n"
            xml += "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>\n"
            xml += "<reg name=\"cpsr\" bitsize=\"32\" regnum=\"33\"/>\n</feature>\n"
            return xml
        case "aarch64-fpu.xml":
            return fpuFeature
        case "smmu-emu-sysregs.xml":
            var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE feature SYSTEM \"gdb-target.dtd\">\n<feature name=\"org.smmu-emu.sysregs\">\n"
            for (i, r) in systemRegisters.enumerated() {
                xml += "<reg name=\"\(r.lowercased())\" bitsize=\"64\" regnum=\"\(firstSystemRegister + i)\" group=\"system\"/>\n"
            }
            return xml + "</feature>\n"
        default:
            return nil
        }
    }
}
