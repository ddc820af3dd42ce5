import AArch64

extension Machine {
    /// `--trace insn`: the CPU calls the observer before each instruction; the observer prints
    /// the previous instruction of that CPU with what it changed, then remembers this one.
    func installInstructionTrace() {
        for cpu in cpus {
            var previous: (pc: UInt64, word: UInt32, cycle: UInt64)?
            var regs = [UInt64](repeating: 0, count: 32)
            cpu.traceInstructions = true
            cpu.instructionObserver = { [unowned self, unowned cpu] pc, word in
                if let p = previous {
                    var changes: [String] = []
                    for i in 0..<31 where cpu.x(i) != regs[i] { changes.append("x\(i)=0x" + String(cpu.x(i), radix: 16)) }
                    if cpu.nzcv != regs[31] { changes.append("nzcv=0x" + String(cpu.nzcv >> 28, radix: 16)) }
                    var line = "[\(p.cycle)] cpu\(cpu.index) insn \(self.image.symbolize(p.pc)) "
                    line += self.disassembler.disassemble(p.word, at: p.pc)
                    if !changes.isEmpty { line += " ; " + changes.joined(separator: " ") }
                    self.traceSink(line)
                }
                for i in 0..<31 { regs[i] = cpu.x(i) }
                regs[31] = cpu.nzcv
                previous = (pc, word, cpu.cycles)
            }
        }
    }
}
