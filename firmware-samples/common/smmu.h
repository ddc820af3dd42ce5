#ifndef SMMU_H
#define SMMU_H
/* A host SMMU driver's register work on SMMU0 (Linux arm-smmu sequence, MMU-500), and DMA
 * engine 0 behind it (HARDWARE.md). Every SMMU access traps to EL2 (emulate_mmio). */
#define SMMU0 0x09050000UL
#define SMMU_CB(n) (SMMU0 + 0x8000UL + (n) * 0x1000UL)
#define DMA0 0x09070000UL
#define R32(a) (*(volatile unsigned int *)(a))
#define R64(a) (*(volatile unsigned long *)(a))
#define SMMU_PROT_RW (0x3 | (0xF << 2) | (0x3 << 6)) /* page, normal WB, S2AP read+write */

/* arm_smmu_device_reset: clear global faults, every stream faults until routed, banks off and
 * their faults cleared, TLBs invalidated and synced. */
static inline void smmu_reset(void) {
    R32(SMMU0 + 0x48) = R32(SMMU0 + 0x48);
    for (int i = 0; i < 16; i++) {
        R32(SMMU0 + 0x800 + 4 * i) = 0;
        R32(SMMU0 + 0xC00 + 4 * i) = 2u << 16;
    }
    for (int n = 0; n < 8; n++) {
        R32(SMMU_CB(n) + 0x00) = 0;
        R32(SMMU_CB(n) + 0x58) = 0xFFFFFFFFu;
    }
    R32(SMMU0 + 0x68) = 0;
    R32(SMMU0 + 0x70) = 0;
    while (R32(SMMU0 + 0x74) & 1) { }
}

/* Context bank cb as a stage-2 context of VM vmid, stream sid routed to it, SMMU enabled. The
 * TTBR0 value is the host's; EL2 substitutes the bank's shadow table root. */
static inline void smmu_attach(int cb, unsigned long vmid, unsigned int sid) {
    smmu_reset();
    R32(SMMU0 + 0x1800 + 4 * cb) = 1;                  /* CBA2R: AArch64 descriptors */
    R32(SMMU0 + 0x1000 + 4 * cb) = (unsigned int)vmid; /* CBAR: stage 2, the VM's VMID */
    R32(SMMU_CB(cb) + 0x30) = 0x80023558;              /* TCR: 40-bit, start level 1, 4 KiB */
    R64(SMMU_CB(cb) + 0x20) = 0x12345000;              /* TTBR0 (replaced by EL2) */
    R32(SMMU_CB(cb) + 0x00) = 0x67;                    /* SCTLR */
    R32(SMMU0 + 0xC00) = (unsigned int)cb;             /* S2CR0: translate via cb */
    R32(SMMU0 + 0x800) = 0x80000000u | sid;            /* SMR0: VALID, stream sid */
    R32(SMMU_CB(cb) + 0x618) = 0;                      /* TLBIALL */
    R32(SMMU_CB(cb) + 0x7F0) = 0;                      /* TLBSYNC */
    while (R32(SMMU_CB(cb) + 0x7F4) & 1) { }
    R32(SMMU0 + 0x0) = 0x00200000;                     /* sCR0: SMCFCFG, clients translated */
    R32(SMMU0 + 0x70) = 0;
    while (R32(SMMU0 + 0x74) & 1) { }
}

/* One copy by DMA engine 0 as stream sid; returns STATUS (1 done, 2 faulted). */
static inline unsigned long dma_copy(unsigned long src, unsigned long dst, unsigned int len, unsigned int sid) {
    R64(DMA0 + 0x00) = src;
    R64(DMA0 + 0x08) = dst;
    R32(DMA0 + 0x10) = len;
    R32(DMA0 + 0x14) = sid;
    R32(DMA0 + 0x18) = 1;
    return R32(DMA0 + 0x1C);
}
#endif
