/// The handful of A64 encodings the host-action program needs (ARM ARM C6), so scenarios of
/// host actions run as real guest code: every access traps and every HVC dispatches exactly as
/// an image's would. Field names as in the ARM ARM.
enum A64Encoding {
    /// MOVZ Xd, #imm16, LSL #(hw·16).
    static func movz(_ rd: Int, _ imm16: UInt64, hw: Int) -> UInt32 {
        0xD280_0000 | UInt32(hw & 3) << 21 | UInt32(imm16 & 0xFFFF) << 5 | UInt32(rd & 31)
    }
    /// MOVK Xd, #imm16, LSL #(hw·16).
    static func movk(_ rd: Int, _ imm16: UInt64, hw: Int) -> UInt32 {
        0xF280_0000 | UInt32(hw & 3) << 21 | UInt32(imm16 & 0xFFFF) << 5 | UInt32(rd & 31)
    }
    /// Xd = value: MOVZ of the low halfword, MOVK of every other non-zero one.
    static func movImmediate(_ rd: Int, _ value: UInt64) -> [UInt32] {
        var out = [movz(rd, value, hw: 0)]
        for hw in 1..<4 where (value >> (16 * hw)) & 0xFFFF != 0 { out.append(movk(rd, value >> (16 * hw), hw: hw)) }
        return out
    }
    /// HVC #imm16.
    static func hvc(_ imm16: UInt16 = 0) -> UInt32 { 0xD400_0002 | UInt32(imm16) << 5 }
    /// STRB/STRH/STR Wt/STR Xt, [Xn] (unsigned offset 0) for a 1-, 2-, 4- or 8-byte store.
    static func store(size: Int, rt: Int, rn: Int) -> UInt32 { sizeField(size) << 30 | 0x3900_0000 | UInt32(rn & 31) << 5 | UInt32(rt & 31) }
    /// LDRB/LDRH/LDR Wt/LDR Xt, [Xn]: the narrow forms zero-extend into Xt.
    static func load(size: Int, rt: Int, rn: Int) -> UInt32 { sizeField(size) << 30 | 0x3940_0000 | UInt32(rn & 31) << 5 | UInt32(rt & 31) }
    /// STP Xt1, Xt2, [Xn], #imm (post-index, 64-bit; imm a multiple of 8 in −512…504).
    static func stpPostIndex(_ rt1: Int, _ rt2: Int, _ rn: Int, imm: Int) -> UInt32 {
        0xA880_0000 | UInt32((imm / 8) & 0x7F) << 15 | UInt32(rt2 & 31) << 10 | UInt32(rn & 31) << 5 | UInt32(rt1 & 31)
    }
    /// MRS Xt, <sysreg> / MSR <sysreg>, Xt with the register's (op0, op1, CRn, CRm, op2).
    static func mrs(_ rt: Int, _ r: SystemRegister) -> UInt32 { 0xD520_0000 | r.bits | UInt32(rt & 31) }
    static func msr(_ r: SystemRegister, _ rt: Int) -> UInt32 { 0xD500_0000 | r.bits | UInt32(rt & 31) }
    struct SystemRegister {
        let bits: UInt32
        init(op0: UInt32, op1: UInt32, crn: UInt32, crm: UInt32, op2: UInt32) {
            bits = op0 << 19 | op1 << 16 | crn << 12 | crm << 8 | op2 << 5
        }
        static let ELR_EL1 = SystemRegister(op0: 3, op1: 0, crn: 4, crm: 0, op2: 1)
        static let ESR_EL1 = SystemRegister(op0: 3, op1: 0, crn: 5, crm: 2, op2: 0)
        static let VBAR_EL1 = SystemRegister(op0: 3, op1: 0, crn: 12, crm: 0, op2: 0)
    }
    /// ADD Xd, Xn, #imm12.
    static func addImmediate(_ rd: Int, _ rn: Int, _ imm12: UInt32) -> UInt32 {
        0x9100_0000 | (imm12 & 0xFFF) << 10 | UInt32(rn & 31) << 5 | UInt32(rd & 31)
    }
    static let eret: UInt32 = 0xD69F_03E0
    /// B . (a branch to itself).
    static let branchToSelf: UInt32 = 0x1400_0000

    /// `size` field of the load/store register (unsigned immediate) class: log2 of the bytes.
    private static func sizeField(_ size: Int) -> UInt32 { size == 8 ? 3 : size == 4 ? 2 : size == 2 ? 1 : 0 }
}
