/// Decoders of "Branches, Exception Generating and System instructions" (ARM DDI 0487, C4.1.87).
extension A64Decode {
    /// B.cond: the condition as a truth table over NZCV; BC.cond (o0 = 1, FEAT_HBC, not
    /// implemented) and o1 = 1 are UNDEFINED.
    static let conditionalBranch: A64Decoder = { w, d in
        guard (w >> 24) & 1 == 0 && (w >> 4) & 1 == 0 else { return }
        d.op = .bCond
        d.imm = branchOffset(w, lsb: 5, bits: 19)
        d.imm2 = CPU.conditionTable(w & 0xF)
    }

    /// B, BL.
    static let unconditionalBranchImmediate: A64Decoder = { w, d in
        d.op = w >> 31 == 1 ? .bl : .b
        d.imm = branchOffset(w, lsb: 0, bits: 26)
    }

    /// CBZ, CBNZ: Rt's width as a mask.
    static let compareAndBranch: A64Decoder = { w, d in
        d.op = (w >> 24) & 1 == 1 ? .cbnz : .cbz
        d.rd = UInt8(w & 31)
        d.imm = branchOffset(w, lsb: 5, bits: 19)
        d.imm2 = widthMask(w)
    }

    /// TBZ, TBNZ: the bit number b5:b40 in aux.
    static let testAndBranch: A64Decoder = { w, d in
        d.op = (w >> 24) & 1 == 1 ? .tbnz : .tbz
        d.rd = UInt8(w & 31)
        d.aux = UInt8((w >> 31) << 5 | (w >> 19) & 31)
        d.imm = branchOffset(w, lsb: 5, bits: 14)
    }

    /// BR, BLR, RET; ERET (`.exceptionReturn`, executed out of line). The pointer-authentication
    /// forms and DRPS are UNDEFINED (not implemented).
    static let unconditionalBranchRegister: A64Decoder = { w, d in
        d.rn = UInt8((w >> 5) & 31)
        switch w & 0xFFFF_FC1F {
        case 0xD65F_0000: d.op = .ret
        case 0xD61F_0000: d.op = .br
        case 0xD63F_0000: d.op = .blr
        default: if w == 0xD69F_03E0 { d.op = .exceptionReturn }
        }
    }

    /// NOP, YIELD, SEV, SEVL and the unallocated hints execute as NOP; WFE and WFI are `.system`
    /// forms (they leave the run loop).
    static let hint: A64Decoder = { w, d in
        switch (w >> 5) & 0x7F {
        case 2: system(&d, .wfe, w)
        case 3: system(&d, .wfi, w)
        default: d.op = .nop
        }
    }

    /// SVC, HVC, SMC, BRK: aux = `ExceptionGenerationOp`, imm = imm16. HLT, DCPS1-3 (no
    /// debug state here) and op2 != 0 are UNDEFINED.
    static let exceptionGeneration: A64Decoder = { w, d in
        guard (w >> 2) & 7 == 0 else { return }
        let op: ExceptionGenerationOp
        switch ((w >> 21) & 7, w & 3) {
        case (0, 1): op = .svc
        case (0, 2): op = .hvc
        case (0, 3): op = .smc
        case (1, 0): op = .brk
        default: return
        }
        d.op = .exceptionGeneration
        d.aux = op.rawValue
        d.imm = UInt64((w >> 5) & 0xFFFF)
    }

    /// A `.system` form: aux = `SystemOp`, rd = Rt, imm = op0:op1:CRn:CRm:op2 (bits 20:5, the
    /// system register or SYS operation), imm2 = CRm (the immediate of MSR (immediate)).
    static func system(_ d: inout DecodedInstruction, _ op: SystemOp, _ w: UInt32) {
        d.op = .system
        d.aux = op.rawValue
        d.rd = UInt8(w & 31)
        d.imm = UInt64((w >> 5) & 0xFFFF)
        d.imm2 = UInt64((w >> 8) & 0xF)
    }

    /// CLREX, DSB, DMB, ISB; Rt != 31 and the other barriers (SB, FEAT_XS forms) are UNDEFINED.
    static let barrier: A64Decoder = { w, d in
        guard w & 31 == 31 else { return }
        switch (w >> 5) & 7 {
        case 2: system(&d, .clrex, w)
        case 4, 5, 6: system(&d, .barrier, w)
        default: return
        }
    }

    /// MSR (immediate): SPSel, DAIFSet, DAIFClr. The other PSTATE fields (PAN, UAO, DIT, SSBS,
    /// TCO, ...) are not implemented (the ID registers say so): UNDEFINED, as is Rt != 31.
    static let pstate: A64Decoder = { w, d in
        guard w & 31 == 31 else { return }
        switch ((w >> 16) & 7, (w >> 5) & 7) {
        case (0, 5): system(&d, .msrSPSel, w)
        case (3, 6): system(&d, .msrDAIFSet, w)
        case (3, 7): system(&d, .msrDAIFClr, w)
        default: return
        }
    }

    /// SYS (DC, IC, AT, TLBI: what each does, or whether it exists, is the executor's); SYSL is
    /// UNDEFINED.
    static let systemInstruction: A64Decoder = { w, d in
        guard (w >> 21) & 1 == 0 else { return }
        system(&d, .sys, w)
    }

    /// MRS, MSR (register): which registers exist is the executor's (`readSysReg`,
    /// `writeSysReg`).
    static let systemRegisterMove: A64Decoder = { w, d in
        system(&d, (w >> 21) & 1 == 1 ? .mrs : .msr, w)
    }
}
