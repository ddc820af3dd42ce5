#ifndef GIC_H
#define GIC_H
/* GICv2 as QEMU -M virt,gic-version=2 places it (HARDWARE.md), and the EL1 physical timer. */
#define GICD_BASE 0x08000000UL
#define GICC_BASE 0x08010000UL
#define GICD_CTLR        (GICD_BASE + 0x000)
#define GICD_ISENABLER(n) (GICD_BASE + 0x100 + 4 * (n))
#define GICD_ICPENDR(n)  (GICD_BASE + 0x280 + 4 * (n))
#define GICD_IPRIORITYR  (GICD_BASE + 0x400)
#define GICD_ITARGETSR   (GICD_BASE + 0x800)
#define GICD_SGIR        (GICD_BASE + 0xF00)
#define GICC_CTLR        (GICC_BASE + 0x00)
#define GICC_PMR         (GICC_BASE + 0x04)
#define GICC_IAR         (GICC_BASE + 0x0C)
#define GICC_EOIR        (GICC_BASE + 0x10)
#define GICC_RPR         (GICC_BASE + 0x14)

#define TIMER_PHYS_PPI 30

static inline void mmio_w32(unsigned long a, unsigned int v) { *(volatile unsigned int *)a = v; }
static inline unsigned int mmio_r32(unsigned long a) { return *(volatile unsigned int *)a; }
static inline void mmio_w8(unsigned long a, unsigned char v) { *(volatile unsigned char *)a = v; }

/* The exception vectors of common/vectors.S: IRQs taken at EL1 with SP_EL1 call irq_handler(). */
extern char irq_vectors[];
void irq_handler(void);
static inline void install_irq_vectors(void) { __asm__ volatile("msr vbar_el1, %0\n isb" : : "r"(irq_vectors)); }
static inline void irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
#endif
