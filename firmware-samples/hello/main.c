#include "uart.h"

int main(void) {
    uart_puts("Hello from smmu-emu guest\n");
    return 0;
}
