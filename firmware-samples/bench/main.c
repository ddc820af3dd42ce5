#include "uart.h"

/* CPU-bound benchmark: bitwise CRC-32 over a 4 KiB buffer, many rounds. Integer ALU, byte loads,
 * branches; no devices until the final checksum. BENCH_ROUNDS sets the length. */
#ifndef BENCH_ROUNDS
#define BENCH_ROUNDS 16000
#endif

static unsigned int crc(const unsigned char *p, int n, unsigned int c) {
    for (int i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & -(c & 1));
    }
    return c;
}

static unsigned char buf[4096];

int main(void) {
    for (int i = 0; i < 4096; i++) buf[i] = (unsigned char)(i * 7 + 3);
    unsigned int c = 0;
    for (int r = 0; r < BENCH_ROUNDS; r++) c = crc(buf, 4096, c);
    uart_puts("crc ");
    uart_puthex(c);
    uart_putc('\n');
    return 0;
}
