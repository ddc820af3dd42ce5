import Crypto
import Foundation

/// One `--vm-image VMID=SHA256HEX` or `--vm-image VMID=FILE` of the machine configuration: the
/// SHA-256 that `verify_vm_image` requires of VM `vmid`'s remapped image (issue 4).
///
/// The digest is what the machine owner trusts, so it comes either written out (64 hex digits)
/// or hashed here, with swift-crypto, from the image file the owner built — never typed in by
/// hand from another tool's output. A value of exactly 64 hex digits is a digest; anything else
/// names a file.
public struct VMImageOption: Equatable, Sendable {
    public var vmid: UInt32
    public var sha256: [UInt8]

    /// Why a `VMID=…` value was refused (a usage error, exit status 64, or a scenario rejection).
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// The SHA-256 digest of `bytes` (swift-crypto). The machine plugs this into KCore.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// Parses `VMID=SHA256HEX` or `VMID=FILE`. VMIDs are those `register_kvm` hands out,
    /// 1…15 (HOSTVISOR 0 and COREVISOR 16 never boot an image). A relative FILE is read
    /// relative to `directory` (the scenario's folder; the working directory for the CLI).
    public static func parse(_ text: String, relativeTo directory: String? = nil) throws(ParseError) -> VMImageOption {
        guard let eq = text.firstIndex(of: "=") else {
            throw ParseError(description: "'\(text)' is not VMID=SHA256HEX or VMID=FILE")
        }
        let idText = text[..<eq].trimmingCharacters(in: .whitespaces)
        let value = String(text[text.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        guard let vmid = UInt32(idText), (1...15).contains(vmid) else {
            throw ParseError(description: "VMID '\(idText)' must be a number from 1 to 15")
        }
        if let digest = hexDigest(value) { return VMImageOption(vmid: vmid, sha256: digest) }
        guard !value.isEmpty else { throw ParseError(description: "VM \(vmid): empty SHA-256 or file name") }
        let path = value.hasPrefix("/") || directory == nil ? value : (directory! as NSString).appendingPathComponent(value)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ParseError(description: "VM \(vmid): '\(value)' is neither 64 hex digits nor a readable file")
        }
        return VMImageOption(vmid: vmid, sha256: sha256([UInt8](data)))
    }

    /// 32 bytes from exactly 64 hex digits, else nil.
    static func hexDigest(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count == 64 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for i in stride(from: 0, to: 64, by: 2) {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The digest in lower-case hex, for messages.
    public var hex: String { sha256.map { String(format: "%02x", $0) }.joined() }
}
