#include "uart.h"

/* Reads the hypervisor's carve-out at the top of the default 256 MiB of RAM. The host NPT can
 * never map an EL2 page: map_page_host panics (exit status 3), as the spec says. */
int main(void) {
    uart_puts("touching EL2 memory\n");
    volatile unsigned long *el2 = (volatile unsigned long *)0x4FFFF000UL;
    unsigned long v = *el2;
    uart_puts("not reached: ");
    uart_puthex(v);
    uart_putc('\n');
    return 0;
}
