import CCapstone

/// One-instruction AArch64 disassembly through capstone 4 (CS_ARCH_ARM64), for traces only:
/// never on the hot path (traces record raw words and disassemble when printing).
final class Disassembler {
    var handle: csh = 0
    let ok: Bool

    init() {
        ok = cs_open(CS_ARCH_ARM64, CS_MODE_LITTLE_ENDIAN, &handle) == CS_ERR_OK
    }

    deinit { if ok { cs_close(&handle) } }

    /// "ldr x1, [x2, #8]", or ".word 0x…" for a word capstone cannot decode.
    func disassemble(_ word: UInt32, at address: UInt64) -> String {
        let fallback = ".word 0x" + String(word, radix: 16)
        guard ok else { return fallback }
        var bytes = [UInt8(word & 0xFF), UInt8((word >> 8) & 0xFF), UInt8((word >> 16) & 0xFF), UInt8(word >> 24)]
        var insn: UnsafeMutablePointer<cs_insn>?
        let n = cs_disasm(handle, &bytes, 4, address, 1, &insn)
        guard n == 1, let i = insn else { return fallback }
        defer { cs_free(i, n) }
        let mnemonic = withUnsafeBytes(of: i.pointee.mnemonic) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let operands = withUnsafeBytes(of: i.pointee.op_str) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return operands.isEmpty ? mnemonic : mnemonic + " " + operands
    }
}
