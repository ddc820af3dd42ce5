#include "uart.h"
#include "hvc.h"

/* Lock contention in EL2: every CPU (PSCI CPU_ON brings up as many as exist, up to 8) drives its
 * own context bank of SMMU0 at the same time, so their traps meet on KCore's ticket locks:
 *   - a 32-bit read of SMMU0's IDR0 and a 64-bit write of its bank's TTBR0 (emulate_mmio, SMMU
 *     lock; the write reaches the device as the shadow root),
 *   - el2_arm_lpae_iova_to_phys of an unmapped IOVA (SPT lock; the answer is the page offset),
 *   - el2_arm_lpae_clear of that IOVA (SMMU, VM info, S2PAGE and SPT locks; nothing to clear).
 * Every call is allowed at both handler levels. `smmu-emu run smmu-smp.elf --cpus 8 --stats`
 * shows the waits per lock and per CPU; `--lock-log FILE` the spec's lock events in cycle order.
 * CPU 0 prints once every CPU has finished. Emulator only (QEMU has no SeKVM). */
#define ROUNDS 50
#define SMMU0 0x09050000UL
#define CB(n) (SMMU0 + 0x8000UL + (n) * 0x1000UL)
#define R32(a) (*(volatile unsigned int *)(a))
#define R64(a) (*(volatile unsigned long *)(a))

extern void _secondary_start(void);

static volatile unsigned long vmid;
static volatile unsigned long done;
static volatile unsigned long bad;

static void lse_add(volatile unsigned long *p, unsigned long v) {
    __asm__ volatile(".arch_extension lse\n ldaddal %1, xzr, [%0]" : : "r"(p), "r"(v) : "memory");
}

static void hammer(unsigned long cpu) {
    hvc(HVC_ALLOC_SMMU_PGD, cpu, vmid, 0, 0, 0);
    for (unsigned long i = 0; i < ROUNDS; i++) {
        unsigned long iova = (cpu << 30) | (i << 12) | 0x123;
        if (R32(SMMU0 + 0x20) == 0) lse_add(&bad, 1);        /* IDR0 */
        R64(CB(cpu) + 0x20) = 0x1000;                         /* TTBR0: rewritten by EL2 */
        if (hvc(HVC_ARM_LPAE_IOVA_TO_PHYS, iova, cpu, 0, 0, 0) != 0x123) lse_add(&bad, 1);
        hvc(HVC_ARM_LPAE_CLEAR, iova & ~0xFFFUL, cpu, 0, 0, 0);
    }
}

void secondary_main(unsigned long index) {
    hammer(index);
    lse_add(&done, 1);
}

static void putdec(unsigned long v) {
    char b[24];
    int n = 0;
    do { b[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) uart_putc(b[--n]);
}

int main(void) {
    vmid = hvc(HVC_REGISTER_KVM, 0, 0, 0, 0, 0);
    unsigned long cpus = 1;
    for (unsigned long i = 1; i < 8; i++) {
        if ((long)hvc(PSCI_CPU_ON, i, (unsigned long)_secondary_start, i, 0, 0) != 0) break;
        cpus++;
    }
    hammer(0);
    while (done != cpus - 1) { }
    uart_puts("cpus ");
    putdec(cpus);
    uart_puts(" rounds ");
    putdec(ROUNDS);
    uart_puts(bad == 0 ? " ok\n" : " MISMATCH\n");
    return 0;
}
