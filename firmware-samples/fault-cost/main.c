#include "uart.h"

/* Measures, from the guest, what a host stage-2 fault costs: touches PAGES fresh pages (each
 * faults to EL2, which maps it on demand with map_page_host), then the same pages again (now
 * mapped), and prints both in CPU cycles per page. The generic counter runs at 1/16 of the
 * cycle clock (Documentation/CostModel.md), so cycles = CNTVCT ticks * 16. `--stats` shows the
 * same cost from the emulator's side (EL2 map_page_host: cycles per call). */
#define PAGES 512UL
#define AREA 0x48000000UL

static inline unsigned long cntvct(void) {
    unsigned long v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) :: "memory");
    return v;
}

static void put_dec(unsigned long v) {
    char buf[24];
    int n = 0;
    do { buf[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) uart_putc(buf[--n]);
}

static unsigned long touch_all(void) {
    unsigned long t0 = cntvct();
    for (unsigned long p = 0; p < PAGES; p++) *(volatile unsigned long *)(AREA + p * 4096) = p;
    return (cntvct() - t0) * 16;
}

int main(void) {
    unsigned long first = touch_all();   /* every store faults to EL2 */
    unsigned long second = touch_all();  /* every page is mapped now */
    uart_puts("pages ");
    put_dec(PAGES);
    uart_puts("\nfirst touch (stage-2 fault + map_page_host): ");
    put_dec(first / PAGES);
    uart_puts(" cycles/page\nsecond touch (mapped): ");
    put_dec(second / PAGES);
    uart_puts(" cycles/page\nfault cost: ");
    put_dec((first - second) / PAGES);
    uart_puts(" cycles/page\n");
    return 0;
}
