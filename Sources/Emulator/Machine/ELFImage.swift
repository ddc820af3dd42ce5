import CElf
import Foundation
import Stage2

/// Why an image was rejected (exit status 2, one line).
public enum ELFLoadError: Error, CustomStringConvertible, Equatable {
    case unreadable(String)
    case notELF
    case wrongClass, wrongEndianness, wrongMachine(UInt16), wrongType(UInt16)
    case badProgramHeaders
    case segmentOutsideRAM(index: Int, start: UInt64, end: UInt64)
    case fileSizeLargerThanMemorySize(index: Int)
    case truncated(index: Int)
    case entryOutsideSegments(UInt64)
    case noLoadableSegments
    case segmentInHypervisorMemory(index: Int)

    public var description: String {
        switch self {
        case .unreadable(let why): return "cannot read image: \(why)"
        case .notELF: return "not an ELF file"
        case .wrongClass: return "not a 64-bit ELF file"
        case .wrongEndianness: return "not a little-endian ELF file"
        case .wrongMachine(let m): return "ELF machine \(m) is not AArch64 (183)"
        case .wrongType(let t): return "ELF type \(t) is not an executable (ET_EXEC)"
        case .badProgramHeaders: return "program headers are unreadable"
        case .segmentOutsideRAM(let i, let s, let e):
            return "segment \(i) [0x\(String(s, radix: 16)), 0x\(String(e, radix: 16))) lies outside RAM"
        case .fileSizeLargerThanMemorySize(let i): return "segment \(i) has a file size larger than its memory size"
        case .truncated(let i): return "segment \(i) extends past the end of the file (truncated)"
        case .entryOutsideSegments(let e): return "entry point 0x\(String(e, radix: 16)) is outside the loaded segments"
        case .noLoadableSegments: return "no loadable segment"
        case .segmentInHypervisorMemory(let i): return "segment \(i) overlaps the hypervisor's (EL2) carve-out at the top of RAM"
        }
    }
}

/// An AArch64 executable loaded through libelf: segments copied to their physical addresses.
public struct ELFImage {
    public let entry: UInt64
    /// Loaded ranges [start, end) in program-header order.
    public let segments: [(start: UInt64, end: UInt64)]
    /// Symbols sorted by address, for `symbolize`.
    public let symbols: [(address: UInt64, name: String)]

    /// Parses `bytes` and copies its PT_LOAD segments into `memory` (bss zeroed).
    public init(bytes: [UInt8], into memory: PhysicalMemory) throws(ELFLoadError) {
        guard elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE) else { throw .unreadable("libelf unavailable") }
        guard bytes.count >= 64, bytes[0] == 0x7F, bytes[1] == 0x45, bytes[2] == 0x4C, bytes[3] == 0x46 else { throw .notELF }
        guard bytes[4] == 2 else { throw .wrongClass }
        guard bytes[5] == 1 else { throw .wrongEndianness }
        var copy = bytes
        var loaded: [(UInt64, UInt64)] = []
        let result: Result<(UInt64, [(UInt64, String)]), ELFLoadError> = copy.withUnsafeMutableBytes { buf in
            guard let elf = elf_memory(buf.baseAddress!.assumingMemoryBound(to: CChar.self), buf.count) else {
                return .failure(.notELF)
            }
            defer { elf_end(elf) }
            var ehdr = GElf_Ehdr()
            guard gelf_getehdr(elf, &ehdr) != nil else { return .failure(.notELF) }
            guard ehdr.e_machine == UInt16(EM_AARCH64) else { return .failure(.wrongMachine(ehdr.e_machine)) }
            guard ehdr.e_type == UInt16(ET_EXEC) else { return .failure(.wrongType(ehdr.e_type)) }
            var count = 0
            guard elf_getphdrnum(elf, &count) == 0, count <= 64 else { return .failure(.badProgramHeaders) }
            var ranges: [(UInt64, UInt64)] = []
            for i in 0..<count {
                var ph = GElf_Phdr()
                guard gelf_getphdr(elf, Int32(i), &ph) != nil else { return .failure(.badProgramHeaders) }
                guard ph.p_type == UInt32(PT_LOAD), ph.p_memsz > 0 else { continue }
                guard ph.p_filesz <= ph.p_memsz else { return .failure(.fileSizeLargerThanMemorySize(index: i)) }
                guard ph.p_offset <= UInt64(bytes.count), ph.p_filesz <= UInt64(bytes.count) - ph.p_offset else {
                    return .failure(.truncated(index: i))
                }
                let start = ph.p_paddr
                guard ph.p_memsz <= UInt64.max - start, memory.contains(start, length: ph.p_memsz) else {
                    return .failure(.segmentOutsideRAM(index: i, start: start, end: start &+ ph.p_memsz))
                }
                memory.zero(start, length: ph.p_memsz)
                let off = Int(ph.p_offset), len = Int(ph.p_filesz)
                _ = memory.write(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buf)[off..<(off + len)]), at: start)
                ranges.append((start, start + ph.p_memsz))
            }
            guard !ranges.isEmpty else { return .failure(.noLoadableSegments) }
            guard ranges.contains(where: { ehdr.e_entry >= $0.0 && ehdr.e_entry < $0.1 }) else {
                return .failure(.entryOutsideSegments(ehdr.e_entry))
            }
            loaded = ranges
            return .success((ehdr.e_entry, ELFImage.readSymbols(elf)))
        }
        switch result {
        case .success(let (entry, syms)):
            self.entry = entry
            self.segments = loaded.map { (start: $0.0, end: $0.1) }
            self.symbols = syms.sorted { $0.0 < $1.0 }.map { (address: $0.0, name: $0.1) }
        case .failure(let e): throw e
        }
    }

    /// A program built in memory rather than read from a file (host-action scenarios): one
    /// segment holding `code` at `base`, entered at `entry`, with `symbols` for traces.
    public init(
        code: [UInt8], at base: UInt64, entry: UInt64, symbols: [(address: UInt64, name: String)], into memory: PhysicalMemory
    ) throws(ELFLoadError) {
        let end = base &+ UInt64(code.count)
        guard !code.isEmpty, end > base, memory.contains(base, length: UInt64(code.count)) else {
            throw .segmentOutsideRAM(index: 0, start: base, end: end)
        }
        guard entry >= base && entry < end else { throw .entryOutsideSegments(entry) }
        code.withUnsafeBytes { _ = memory.write($0, at: base) }
        self.entry = entry
        segments = [(start: base, end: end)]
        self.symbols = symbols.sorted { $0.address < $1.address }
    }

    /// Reads the image file at `path` and loads it.
    public init(path: String, into memory: PhysicalMemory) throws(ELFLoadError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable("no such file: \(path)") }
        try self.init(bytes: [UInt8](data), into: memory)
    }

    static func readSymbols(_ elf: OpaquePointer) -> [(UInt64, String)] {
        var out: [(UInt64, String)] = []
        var scn = elf_nextscn(elf, nil)
        var sections = 0
        while let s = scn, sections < 4096 {
            sections += 1
            var sh = GElf_Shdr()
            if gelf_getshdr(s, &sh) != nil, sh.sh_type == UInt32(SHT_SYMTAB), sh.sh_entsize > 0,
                let data = elf_getdata(s, nil)
            {
                let n = Int(min(sh.sh_size / sh.sh_entsize, 1 << 20))
                for i in 0..<n {
                    var sym = GElf_Sym()
                    guard gelf_getsym(data, Int32(i), &sym) != nil else { break }
                    let type = CElf_st_type(sym.st_info)
                    guard type == UInt8(STT_FUNC) || type == UInt8(STT_NOTYPE) || type == UInt8(STT_OBJECT),
                        sym.st_name != 0, let name = elf_strptr(elf, Int(sh.sh_link), Int(sym.st_name))
                    else { continue }
                    out.append((sym.st_value, ELFImage.escapedSymbolName(name)))
                }
            }
            scn = elf_nextscn(elf, s)
        }
        return out
    }

    /// The longest symbol name kept, in bytes of the file; longer names are cut and end in "...".
    static let maxSymbolNameBytes = 256

    /// A symbol name as traces print it: printable ASCII as is, every other byte (control
    /// characters, bytes that are not UTF-8, multi-byte UTF-8 too) as `\xNN`, so a hostile ELF
    /// cannot put escape sequences, newlines or invalid text into a trace line or a JSON record.
    static func escapedSymbolName(_ name: UnsafePointer<CChar>) -> String {
        var out = ""
        var i = 0
        while name[i] != 0 {
            if i == maxSymbolNameBytes { out += "..."; break }
            let b = UInt8(bitPattern: name[i])
            if b >= 0x20 && b < 0x7F && b != UInt8(ascii: "\\") {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "\\x" + String(b, radix: 16, uppercase: false).leftPadded(to: 2)
            }
            i += 1
        }
        return out
    }

    /// "symbol+0xoff" for an address, or the bare address: the nearest symbol at or below it
    /// (the last one of several at the same address), found by binary search.
    public func symbolize(_ address: UInt64) -> String {
        var lo = 0, hi = symbols.count  // first index whose address is above `address`
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if symbols[mid].address <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return "0x" + String(address, radix: 16) }
        let (a, n) = symbols[lo - 1]
        return address == a ? n : "\(n)+0x\(String(address - a, radix: 16))"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
