#ifndef UART_H
#define UART_H
/* PL011 at 0x0900_0000 (HARDWARE.md): DR at +0x00, FR at +0x18 (TXFF = bit 5). */
void uart_putc(char c);
void uart_puts(const char *s);
void uart_puthex(unsigned long v);
#endif
