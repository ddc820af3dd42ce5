#include "uart.h"
#include "hvc.h"

/* What a host kernel's SMMU driver does under SeKVM, end to end on smmu-emu (not on QEMU: it needs
 * the hypervisor and the SMMU): register a VM, give it context bank 1 of SMMU0
 * (el2_alloc_smmu_pgd), map two host pages for it (el2_arm_lpae_map: assign + map), translate
 * (el2_arm_lpae_iova_to_phys), program stream 5 → CB1 through trapped register writes
 * (emulate_mmio; the TTBR0 write is replaced by the shadow table root), then run DMA engine 0
 * through the mapping and into an unmapped IOVA. */
#define SMMU0 0x09050000UL
#define CB(n) (SMMU0 + 0x8000UL + (n) * 0x1000UL)
#define DMA0 0x09070000UL
#define R32(a) (*(volatile unsigned int *)(a))
#define R64(a) (*(volatile unsigned long *)(a))


static unsigned long dma(unsigned long src, unsigned long dst, unsigned int len) {
    R64(DMA0 + 0x00) = src;
    R64(DMA0 + 0x08) = dst;
    R32(DMA0 + 0x10) = len;
    R32(DMA0 + 0x14) = 5;
    R32(DMA0 + 0x18) = 1;
    return R32(DMA0 + 0x1C);
}

/* arm_smmu_device_cfg_probe (Linux arm-smmu.c): the ID registers must describe a stage-2 SMMU
 * with stream matching, 4 KiB register pages, 8 context banks and 40-bit addresses; then
 * arm_smmu_test_smr_masks learns the implemented SMR ID and MASK bits (15 each). */
static int smmu_probe(void) {
    unsigned int id0 = R32(SMMU0 + 0x20), id1 = R32(SMMU0 + 0x24), id2 = R32(SMMU0 + 0x28), id7 = R32(SMMU0 + 0x3C);
    int ok = (id0 >> 29 & 1) && !(id0 >> 30 & 1) && (id0 >> 27 & 1) && (id0 & 0xFF) >= 1 /* S2TS, no S1TS, SMS, NUMSMRG */
          && !(id1 >> 31) && (id1 >> 28 & 7) == 2 && (id1 & 0xFF) == 8   /* PAGESIZE 4K, NUMPAGENDXB 2, NUMCB */
          && (id2 & 0xF) == 2 && (id2 >> 4 & 0xF) == 2 && (id2 >> 12 & 1)  /* IAS = OAS = 40 bits, 4K tables */
          && (id7 >> 4 & 0xF) >= 1;                                        /* IDR7.MAJOR */
    R32(SMMU0 + 0x800) = 0x7FFFu;                     /* SMR0.ID all ones (VALID clear) */
    unsigned int idbits = R32(SMMU0 + 0x800) & 0xFFFFu;
    R32(SMMU0 + 0x800) = 0x7FFFu << 16;               /* SMR0.MASK all ones */
    unsigned int maskbits = R32(SMMU0 + 0x800) >> 16;
    return ok && idbits == 0x7FFF && maskbits == 0x7FFF;
}

/* arm_smmu_device_reset (Linux arm-smmu.c, MMU-500): clear the global fault status, make every
 * stream fault until routed, disable and clear every context bank, invalidate the TLBs and wait
 * for the sync. Every write here traps to EL2 and goes through emulate_mmio. */
static void smmu_reset(void) {
    R32(SMMU0 + 0x48) = R32(SMMU0 + 0x48);           /* sGFSR: write back to clear */
    for (int i = 0; i < 16; i++) {
        R32(SMMU0 + 0x800 + 4 * i) = 0;              /* SMRn: invalid */
        R32(SMMU0 + 0xC00 + 4 * i) = 2u << 16;       /* S2CRn: TYPE fault */
    }
    for (int n = 0; n < 8; n++) {
        R32(CB(n) + 0x00) = 0;                        /* SCTLR: off */
        R32(CB(n) + 0x58) = 0xFFFFFFFFu;             /* FSR: write 1 to clear */
    }
    R32(SMMU0 + 0x68) = 0;                            /* TLBIALLNSNH */
    R32(SMMU0 + 0x70) = 0;                            /* sTLBGSYNC */
    while (R32(SMMU0 + 0x74) & 1) { }                 /* sTLBGSTATUS.GSACTIVE */
}

static void tlb_sync_cb(int n) {
    R32(CB(n) + 0x7F0) = 0;                           /* TLBSYNC */
    while (R32(CB(n) + 0x7F4) & 1) { }                /* TLBSTATUS.SACTIVE */
}

static unsigned char page_a[4096] __attribute__((aligned(4096)));
static unsigned char page_b[4096] __attribute__((aligned(4096)));

int main(void) {
    for (int i = 0; i < 256; i++) page_a[i] = (unsigned char)i;
    page_b[0] = 0;

    unsigned long vmid = hvc(13, 0, 0, 0, 0, 0);  /* register_kvm */
    uart_puts("vmid ");
    uart_puthex(vmid);
    uart_putc('\n');
    hvc(24, 1, vmid, 0, 0, 0);  /* el2_alloc_smmu_pgd(cbndx 1, vmid, smmu 0) */
    unsigned long prot = 0x3 | (0xF << 2) | (0x3 << 6);  /* page, normal WB, S2AP read+write */
    hvc(25, 0x10000000UL, (unsigned long)page_a, prot, 1, 0);  /* el2_arm_lpae_map */
    hvc(25, 0x10001000UL, (unsigned long)page_b, prot, 1, 0);
    unsigned long pa = hvc(26, 0x10000010UL, 1, 0, 0, 0);  /* el2_arm_lpae_iova_to_phys */
    uart_puts("iova 0x10000010 -> ");
    uart_puthex(pa);
    uart_puts(pa == (unsigned long)page_a + 0x10 ? " ok\n" : " WRONG\n");

    /* Linux arm-smmu style: probe, reset, context bank 1 for stage 2, stream 5 routed to it, enable. */
    uart_puts(smmu_probe() ? "probe ok\n" : "probe WRONG\n");
    smmu_reset();
    R32(SMMU0 + 0x1800 + 4 * 1) = 1;                    /* CBA2R1: VA64 (AArch64 descriptors) */
    R32(SMMU0 + 0x1000 + 4 * 1) = (unsigned int)vmid;  /* CBAR1: TYPE 0 (stage 2), VMID */
    R32(CB(1) + 0x30) = 0x80023558;                     /* TCR */
    R64(CB(1) + 0x20) = 0x12345000;                     /* TTBR0: EL2 substitutes the shadow root */
    R32(CB(1) + 0x00) = 0x67;                           /* SCTLR */
    R32(SMMU0 + 0xC00) = 1;                             /* S2CR0: translate via CB1 */
    R32(SMMU0 + 0x800) = 0x80000005;                    /* SMR0: VALID, stream 5 */
    R32(CB(1) + 0x618) = 0;                             /* CB1.TLBIALL */
    tlb_sync_cb(1);
    /* sCR0 read-modify-write as arm_smmu_device_reset does it: report and interrupt global
     * faults (GFRE|GFIE|GCFGFRE|GCFGFIE), VMIDPNE|PTM, and clear CLIENTPD, USFCFG (SeKVM
     * deleted disable_bypass), FB and BSU. SMCFCFG (bit 21) reads as 1 and is kept, as EL2
     * requires. */
    unsigned int scr0 = R32(SMMU0 + 0x0);
    scr0 |= 0x2 | 0x4 | 0x10 | 0x20 | 0x800 | 0x1000;
    scr0 &= ~(0x1u | 0x400u | 0x2000u | 0xC000u);
    R32(SMMU0 + 0x0) = scr0;
    R32(SMMU0 + 0x70) = 0;                              /* sTLBGSYNC after enabling */
    while (R32(SMMU0 + 0x74) & 1) { }

    unsigned long st = dma(0x10000000UL, 0x10001000UL, 256);
    uart_puts("dma through the mapping: status ");
    uart_puthex(st);
    uart_putc('\n');
    st = dma(0x10005000UL, 0x10001000UL, 64);
    uart_puts("dma from an unmapped iova: status ");
    uart_puthex(st);
    uart_puts(" fault iova ");
    uart_puthex(R64(DMA0 + 0x20));
    uart_puts(" CB1.FSR ");
    uart_puthex(R32(CB(1) + 0x58));
    uart_putc('\n');
    R32(CB(1) + 0x58) = R32(CB(1) + 0x58);             /* FSR: write back to clear */

    /* Unmap as arm_lpae_unmap does under SeKVM: HVC 27, then TLB maintenance by trapped MMIO.
     * Until the TLBIIPAS2 the IOTLB still holds the old translation, as on hardware. */
    hvc(27, 0x10001000UL, 1, 0, 0, 0);                 /* el2_arm_lpae_clear */
    st = dma(0x10000000UL, 0x10001000UL, 64);
    uart_puts("dma after unmap, before TLBI: status ");
    uart_puthex(st);
    uart_putc('\n');
    R64(CB(1) + 0x630) = 0x10001000UL >> 12;           /* TLBIIPAS2: IPA >> 12 */
    tlb_sync_cb(1);
    st = dma(0x10000000UL, 0x10001000UL, 64);
    uart_puts("dma after TLBIIPAS2: status ");
    uart_puthex(st);
    uart_puts(" fault iova ");
    uart_puthex(R64(DMA0 + 0x20));
    uart_putc('\n');
    return 0;
}
