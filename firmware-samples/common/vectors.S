/* Exception vectors for interrupt samples: the IRQ entry of "current EL with SP_ELx" (+0x280)
 * saves the caller-saved registers, calls irq_handler() and returns with ERET; every other
 * entry spins (a sample that reaches one is broken, and the run ends at its limit). */
    .section .text
    .balign 2048
    .global irq_vectors
irq_vectors:
    .rept 5     /* current EL with SP_EL0: sync, IRQ, FIQ, SError; current EL with SP_ELx: sync */
    b       .
    .balign 128
    .endr
    /* +0x280: IRQ, current EL, SP_ELx */
    sub     sp, sp, #176
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x29, [sp, #144]
    str     x30, [sp, #160]
    bl      irq_handler
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x29, [sp, #144]
    ldr     x30, [sp, #160]
    add     sp, sp, #176
    eret
    .balign 128
    .rept 10    /* FIQ, SError; the lower-EL groups */
    b       .
    .balign 128
    .endr
