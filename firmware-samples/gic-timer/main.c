#include "uart.h"
#include "hvc.h"
#include "gic.h"

/* GIC and generic-timer sample: the EL1 physical timer interrupts CPU 0 through the GIC once its
 * count reaches CVAL (and again after a TVAL write), then CPU 0 and CPU 1 exchange SGIs and each
 * reports the source CPU the GIC gave. What is printed does not depend on timing, so QEMU
 * (-M virt,gic-version=2) prints the same. */
extern void _secondary_start(void);

static volatile unsigned long timer_irqs, timer_late, timer_istatus, spurious;
static volatile unsigned long sgi_seen[2];   /* per CPU: IAR value of the last SGI + 1 */
static volatile unsigned long cpu1_ready, stop_spinning;
static volatile unsigned long uart_irqs, uart_mis, uart_ris_after_icr;

#define UART_BASE 0x09000000UL
#define UART_FR   (UART_BASE + 0x18)
#define UART_IMSC (UART_BASE + 0x38)
#define UART_RIS  (UART_BASE + 0x3C)
#define UART_MIS  (UART_BASE + 0x40)
#define UART_ICR  (UART_BASE + 0x44)
#define UART_SPI  33

static unsigned long cntpct(void) { unsigned long v; __asm__ volatile("isb\n mrs %0, cntpct_el0" : "=r"(v)); return v; }
static unsigned long cpu_index(void) { unsigned long v; __asm__ volatile("mrs %0, mpidr_el1" : "=r"(v)); return v & 0xff; }

static void putdec(unsigned long v) {
    char b[24];
    int n = 0;
    do { b[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) uart_putc(b[--n]);
}

void irq_handler(void) {
    unsigned int iar = mmio_r32(GICC_IAR);
    unsigned int id = iar & 0x3ff;
    if (id == TIMER_PHYS_PPI) {
        unsigned long ctl, cval;
        __asm__ volatile("mrs %0, cntp_ctl_el0\n mrs %1, cntp_cval_el0" : "=r"(ctl), "=r"(cval));
        timer_istatus = (ctl >> 2) & 1;
        if (cntpct() < cval) timer_late = 1;           /* taken before the count reached CVAL */
        __asm__ volatile("msr cntp_ctl_el0, %0" : : "r"(3UL));  /* IMASK: the line falls */
        timer_irqs++;
    } else if (id == UART_SPI) {
        uart_mis = mmio_r32(UART_MIS);
        mmio_w32(UART_ICR, 0x20);                       /* TXIC: the line falls */
        uart_ris_after_icr = mmio_r32(UART_RIS);
        uart_irqs++;
    } else if (id < 16) {
        sgi_seen[cpu_index()] = iar + 1;
    } else if (id == 1023) {
        spurious++;
        return;
    }
    mmio_w32(GICC_EOIR, iar);
}

static void cpu_interface_on(void) {
    mmio_w32(GICC_PMR, 0xf0);
    mmio_w32(GICC_CTLR, 1);
    install_irq_vectors();
}

/* Waits with IRQs masked around the test, so an interrupt cannot slip in between the test and
 * WFI (WFI wakes on a pending interrupt even while PSTATE.I masks it). */
static void wait_until(volatile unsigned long *v, unsigned long at_least) {
    irq_disable();
    while (*v < at_least) {
        wfi();
        irq_enable();
        irq_disable();
    }
    irq_enable();
}

void secondary_main(unsigned long index) {
    (void)index;
    cpu_interface_on();
    irq_enable();
    cpu1_ready = 1;
    wait_until(&sgi_seen[1], 1);
    mmio_w32(GICD_SGIR, (1u << 16) | 4);                /* SGI 4 to CPU 0 */
    while (!stop_spinning) { }                          /* busy while CPU 0 sleeps on its timer */
}

static void wait_timer(unsigned long n) { wait_until(&timer_irqs, n); }

int main(void) {
    mmio_w32(GICD_CTLR, 1);
    mmio_w8(GICD_IPRIORITYR + TIMER_PHYS_PPI, 0xa0);
    mmio_w32(GICD_ISENABLER(0), 1u << TIMER_PHYS_PPI);
    cpu_interface_on();

    unsigned long cval = cntpct() + 1000000;  /* 16 ms: QEMU runs in host time */
    __asm__ volatile("msr cntp_cval_el0, %0\n msr cntp_ctl_el0, %1\n isb" : : "r"(cval), "r"(1UL));
    unsigned long ctl;
    __asm__ volatile("mrs %0, cntp_ctl_el0" : "=r"(ctl));
    uart_puts("timer armed, istatus ");
    putdec((ctl >> 2) & 1);
    uart_puts("\n");
    wait_timer(1);
    uart_puts("timer irq ");
    putdec(timer_irqs);
    uart_puts(": istatus ");
    putdec(timer_istatus);
    uart_puts(timer_late ? ", before CVAL\n" : ", at or after CVAL\n");

    __asm__ volatile("msr cntp_tval_el0, %0\n msr cntp_ctl_el0, %1\n isb" : : "r"(1000UL), "r"(1UL));
    wait_timer(2);
    uart_puts("tval irq ");
    putdec(timer_irqs);
    uart_puts(timer_late ? ", before CVAL\n" : ", at or after CVAL\n");
    uart_puts("running priority idle: ");
    uart_puts(mmio_r32(GICC_RPR) == 0xff ? "yes\n" : "no\n");

    if ((long)hvc(PSCI_CPU_ON, 1, (unsigned long)_secondary_start, 1, 0, 0) == 0) {
        while (!cpu1_ready) { }
        mmio_w32(GICD_SGIR, (2u << 16) | 3);            /* SGI 3 to CPU 1 */
        wait_until(&sgi_seen[0], 1);
        uart_puts("cpu1 took sgi ");
        putdec((sgi_seen[1] - 1) & 0x3ff);
        uart_puts(" from cpu");
        putdec(((sgi_seen[1] - 1) >> 10) & 7);
        uart_puts(", cpu0 took sgi ");
        putdec((sgi_seen[0] - 1) & 0x3ff);
        uart_puts(" from cpu");
        putdec(((sgi_seen[0] - 1) >> 10) & 7);
        uart_puts("\n");
        __asm__ volatile("msr cntp_tval_el0, %0\n msr cntp_ctl_el0, %1\n isb" : : "r"(1000UL), "r"(1UL));
        wait_timer(3);
        stop_spinning = 1;
        uart_puts("timer irq 3 while cpu1 spins\n");
    }

    /* PL011: a write raises TXRIS; with IMSC.TX the UART's SPI reaches the GIC. */
    irq_disable();
    mmio_w32(UART_ICR, 0x7ff);
    unsigned int fr = mmio_r32(UART_FR), ris0 = mmio_r32(UART_RIS);
    mmio_w32(UART_IMSC, 0x20);
    uart_puts("uart tx\n");
    unsigned int ris1 = mmio_r32(UART_RIS), mis1 = mmio_r32(UART_MIS);
    mmio_w8(GICD_IPRIORITYR + UART_SPI, 0x80);
    mmio_w8(GICD_ITARGETSR + UART_SPI, 1);
    mmio_w32(GICD_ISENABLER(1), 1u << (UART_SPI - 32));
    unsigned int pending = (mmio_r32(GICD_BASE + 0x204) >> (UART_SPI - 32)) & 1;
    wait_until(&uart_irqs, 1);
    irq_disable();
    mmio_w32(UART_IMSC, 0);
    uart_puts("uart fr txfe ");
    putdec((fr >> 7) & 1);
    uart_puts(" rxfe ");
    putdec((fr >> 4) & 1);
    uart_puts(" txff ");
    putdec((fr >> 5) & 1);
    uart_puts(", ris after icr ");
    putdec(ris0 & 0x20);
    uart_puts(", after a write ris ");
    putdec(ris1 & 0x20);
    uart_puts(" mis ");
    putdec(mis1 & 0x20);
    uart_puts(", spi 33 pending ");
    putdec(pending);
    uart_puts("\nuart irq ");
    putdec(uart_irqs);
    uart_puts(": mis ");
    putdec(uart_mis & 0x20);
    uart_puts(", ris after icr ");
    putdec(uart_ris_after_icr & 0x20);
    uart_puts("\ngic-timer done\n");
    return 0;
}
