#include "uart.h"
#include "gic.h"

/* PL011 receive interrupts: every byte typed (or piped) raises the UART's SPI 33; the handler
 * drains the receive FIFO and main echoes each line in upper case until a line "quit". */
#define UART_BASE 0x09000000UL
#define UART_DR   (UART_BASE + 0x00)
#define UART_FR   (UART_BASE + 0x18)
#define UART_LCRH (UART_BASE + 0x2C)
#define UART_IMSC (UART_BASE + 0x38)
#define UART_ICR  (UART_BASE + 0x44)
#define UART_SPI  33

static volatile unsigned char ring[256];
static volatile unsigned long head, tail;

void irq_handler(void) {
    unsigned int iar = mmio_r32(GICC_IAR);
    if ((iar & 0x3ff) == UART_SPI) {
        while (!(mmio_r32(UART_FR) & 0x10)) {             /* until RXFE */
            unsigned char c = (unsigned char)mmio_r32(UART_DR);
            if (head - tail < sizeof ring) ring[head++ % sizeof ring] = c;
        }
        mmio_w32(UART_ICR, 0x50);
    }
    if ((iar & 0x3ff) != 1023) mmio_w32(GICC_EOIR, iar);
}

static int next_byte(void) {
    irq_disable();
    while (tail == head) {
        wfi();
        irq_enable();
        irq_disable();
    }
    int c = ring[tail++ % sizeof ring];
    irq_enable();
    return c;
}

int main(void) {
    mmio_w32(GICD_CTLR, 1);
    mmio_w8(GICD_IPRIORITYR + UART_SPI, 0x80);
    mmio_w8(GICD_ITARGETSR + UART_SPI, 1);
    mmio_w32(GICD_ISENABLER(1), 1u << (UART_SPI - 32));
    mmio_w32(GICC_PMR, 0xf0);
    mmio_w32(GICC_CTLR, 1);
    install_irq_vectors();
    mmio_w32(UART_LCRH, 0x70);                             /* FIFOs on, 8 bits */
    mmio_w32(UART_IMSC, 0x50);                             /* RX and receive timeout */
    uart_puts("echo> ");
    char line[64];
    unsigned long n = 0, lines = 0;
    for (;;) {
        int c = next_byte();
        if (c == '\r' || c == '\n') {
            line[n] = 0;
            uart_puts("\n");
            if (n == 4 && line[0] == 'q' && line[1] == 'u' && line[2] == 'i' && line[3] == 't') break;
            for (unsigned long i = 0; i < n; i++) uart_putc(line[i] >= 'a' && line[i] <= 'z' ? line[i] - 32 : line[i]);
            uart_puts("\necho> ");
            n = 0;
            lines++;
            continue;
        }
        if (n < sizeof line - 1) line[n++] = (char)c;
    }
    uart_puts("bye\n");
    return 0;
}
