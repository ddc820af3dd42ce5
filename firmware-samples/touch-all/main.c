#include "uart.h"

/* Touches every host-owned 4 KiB page of the default 256 MiB of RAM (all but EL2's 36 MiB
 * carve-out at the top: 3 MiB of SMMU shadow tables and Coq's 32 MiB host NPT pool), so EL2
 * maps each on demand. The host NPT pool must hold them all: pool
 * exhaustion would be a hypervisor panic. */
#define RAM_BASE 0x40000000UL
#define HOST_END 0x4DC00000UL

int main(void) {
    unsigned long pages = 0, sum = 0;
    for (unsigned long a = RAM_BASE; a < HOST_END; a += 4096) {
        sum += *(volatile unsigned char *)a;
        pages++;
    }
    uart_puts("touched ");
    uart_puthex(pages);
    uart_puts(" pages\n");
    (void)sum;
    return 0;
}
