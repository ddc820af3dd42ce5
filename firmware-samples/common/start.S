/* Reset entry for CPU 0: stack, zero .bss, main(), then PSCI SYSTEM_OFF through HVC #0. */
    .section .text.start, "ax"
    .global _start
_start:
    ldr     x1, =__stack_top
    mov     sp, x1
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    str     xzr, [x1], #8
    b       1b
2:  bl      main
    movz    x0, #0x0008
    movk    x0, #0x8400, lsl #16
    hvc     #0
3:  wfi
    b       3b
    .ltorg
