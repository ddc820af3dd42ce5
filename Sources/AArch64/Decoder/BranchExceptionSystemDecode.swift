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

    /// BR, BLR, RET decoded; ERET and the pointer-authentication forms (UNDEFINED: not
    /// implemented) executed from the word (`branchRegister`).
    static let unconditionalBranchRegister: A64Decoder = { w, d in
        d.rn = UInt8((w >> 5) & 31)
        switch w & 0xFFFF_FC1F {
        case 0xD65F_0000: d.op = .ret
        case 0xD61F_0000: d.op = .br
        case 0xD63F_0000: d.op = .blr
        default: d.op = .branchRegister
        }
    }

    /// NOP, YIELD, SEV, SEVL and the unallocated hints execute as NOP; WFE and WFI are executed
    /// from the word (`system`: they leave the run loop).
    static let hint: A64Decoder = { w, d in
        let crmOp2 = (w >> 5) & 0x7F
        d.op = crmOp2 == 2 || crmOp2 == 3 ? .system : .nop
    }
}
