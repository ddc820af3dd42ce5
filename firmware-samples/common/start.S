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

/* Entry of a secondary CPU started by PSCI CPU_ON with context = its CPU index (x0): an 8 KiB
 * stack below CPU 0's per index, secondary_main(index), then PSCI CPU_OFF. */
    .global _secondary_start
_secondary_start:
    ldr     x1, =__stack_top
    lsl     x2, x0, #13
    sub     x1, x1, x2
    mov     sp, x1
    bl      secondary_main
    movz    x0, #0x0002
    movk    x0, #0x8400, lsl #16
    hvc     #0
4:  wfi
    b       4b
    .ltorg

/* Samples without SMP work get a do-nothing secondary_main. */
    .weak   secondary_main
secondary_main:
    ret
