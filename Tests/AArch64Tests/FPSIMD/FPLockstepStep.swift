import CUnicorn
@testable import AArch64

/// One instruction at `pc` on the CPU and on Unicorn, and what differs after it: whether each
/// side treated it as UNDEFINED, then (when both executed it) the V registers `vregs`, the X
/// registers `xregs`, NZCV, FPSR and FPCR (the bits Unicorn keeps of them). The FP/SIMD lockstep
/// tests share it.
func stepFPLockstep(_ cpu: CPU, _ uc: UnicornEngine, pc: UInt64, vregs: Range<Int>, xregs: ClosedRange<Int>)
    -> (diffs: [String], unicornUndefined: Bool)
{
    func hex(_ v: UInt64) -> String { String(v, radix: 16) }
    cpu.pc = pc
    _ = cpu.run(cycleLimit: .max, instructionLimit: 1)
    let err = uc.step(from: pc, until: pc + 4)
    let ucUndefined = err != UC_ERR_OK || uc.pc() != pc + 4
    let ourUndefined = cpu.pc != pc + 4
    var diffs: [String] = []
    if ucUndefined != ourUndefined { diffs.append("undefined: unicorn \(ucUndefined) (err \(err.rawValue)), cpu \(ourUndefined)") }
    if !ucUndefined && !ourUndefined {
        for v in vregs where cpu.simd.q(v) != uc.q(v) {
            diffs.append("v\(v): unicorn \(hex(uc.q(v).hi)):\(hex(uc.q(v).lo)) cpu \(hex(cpu.simd.q(v).hi)):\(hex(cpu.simd.q(v).lo))")
        }
        for x in xregs where cpu.x(x) != uc.x(x) { diffs.append("x\(x): unicorn \(hex(uc.x(x))) cpu \(hex(cpu.x(x)))") }
        if cpu.nzcv != uc.nzcv() { diffs.append("nzcv: unicorn \(hex(uc.nzcv())) cpu \(hex(cpu.nzcv))") }
        let ucFPSR = uc.reg(UC_ARM64_REG_FPSR) & 0x0800_009F
        if UInt64(cpu.simd.fpsr) != ucFPSR { diffs.append("fpsr: unicorn \(hex(ucFPSR)) cpu \(hex(UInt64(cpu.simd.fpsr)))") }
        if UInt64(cpu.simd.fpcr) != uc.reg(UC_ARM64_REG_FPCR) & 0x07C0_0000 { diffs.append("fpcr differs") }
    }
    return (diffs, ucUndefined)
}
