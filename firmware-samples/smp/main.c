#include "uart.h"
#include "hvc.h"

/* SMP sample: CPU 0 starts every other CPU with PSCI CPU_ON (until one does not exist), then all
 * CPUs add to two shared counters: one under an LDAXR/STLXR spinlock, one with LSE LDADD.
 * Only CPU 0 prints, after every CPU has reported done, so the output is deterministic. */
#define ROUNDS 2000

extern void _secondary_start(void);

static volatile unsigned int lock;
static volatile unsigned long locked_counter;
static volatile unsigned long lse_counter;
static volatile unsigned long done;


static void spin_lock(volatile unsigned int *l) {
    unsigned int tmp, fail;
    __asm__ volatile(
        "1: ldaxr %w0, [%2]\n"
        "   cbnz %w0, 1b\n"
        "   stxr %w1, %w3, [%2]\n"
        "   cbnz %w1, 1b\n"
        : "=&r"(tmp), "=&r"(fail) : "r"(l), "r"(1u) : "memory");
}

static void spin_unlock(volatile unsigned int *l) {
    __asm__ volatile("stlr wzr, [%0]" : : "r"(l) : "memory");
}

static void lse_add(volatile unsigned long *p, unsigned long v) {
    __asm__ volatile(".arch_extension lse\n ldaddal %1, xzr, [%0]" : : "r"(p), "r"(v) : "memory");
}

static void work(void) {
    for (int i = 0; i < ROUNDS; i++) {
        spin_lock(&lock);
        locked_counter = locked_counter + 1;
        spin_unlock(&lock);
        lse_add(&lse_counter, 1);
    }
}

void secondary_main(unsigned long index) {
    (void)index;
    work();
    lse_add(&done, 1);
}

static void putdec(unsigned long v) {
    char b[24];
    int n = 0;
    do { b[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) uart_putc(b[--n]);
}

int main(void) {
    unsigned long cpus = 1;
    for (unsigned long i = 1; i < 8; i++) {
        if ((long)hvc(PSCI_CPU_ON, i, (unsigned long)_secondary_start, i, 0, 0) != 0) break;
        cpus++;
    }
    work();
    while (done != cpus - 1) { }
    uart_puts("cpus ");
    putdec(cpus);
    uart_puts(" locked ");
    putdec(locked_counter);
    uart_puts(" lse ");
    putdec(lse_counter);
    uart_puts(locked_counter == cpus * ROUNDS && lse_counter == cpus * ROUNDS ? " ok\n" : " MISMATCH\n");
    return 0;
}
