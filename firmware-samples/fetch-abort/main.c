#include "uart.h"

/* An instruction fetch from a physical address with nothing behind it (0x2000_0000: no RAM, no
 * device on this machine) is a synchronous external abort on the fetch, taken to EL1 (EC 0x21,
 * IFSC 0x10, FAR = the address), as a data access there is. Prints ESR_EL1 and FAR_EL1 from
 * the vector and powers off. Emulator only: QEMU's virt machine has PCIe MMIO there. */

__asm__(".balign 2048\n"
        "fetch_abort_vectors:\n"
        ".rept 16\n mrs x0, esr_el1\n b report\n .balign 128\n.endr\n");
extern char fetch_abort_vectors[];

void report(unsigned long esr) {
    unsigned long far;
    __asm__ volatile("mrs %0, far_el1" : "=r"(far));
    uart_puts("esr ");
    uart_puthex(esr);
    uart_puts(" far ");
    uart_puthex(far);
    uart_putc('\n');
    __asm__ volatile("movz x0, #0x0008\n movk x0, #0x8400, lsl #16\n hvc #0");
}

int main(void) {
    __asm__ volatile("msr vbar_el1, %0\n isb" ::"r"(fetch_abort_vectors));
    void (*nowhere)(void) = (void (*)(void))0x20000000UL;
    nowhere();
    return 0;
}
