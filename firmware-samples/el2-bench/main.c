#include "uart.h"
#include "hvc.h"
#include "smmu.h"

/* Micro-benchmarks of the EL2 path, one per image (Makefile: build/el2-bench-<mode>.elf, -D
 * EL2_BENCH_<MODE>, ROUNDS iterations), each printing a checksum of what it read:
 *   trap   32-bit reads of SMMU0's IDR0: each a stage-2 data abort, emulate_mmio, and back;
 *   hvc    el2_arm_lpae_iova_to_phys of a mapped IOVA (SPT walk under the SPT lock);
 *   dma    16 KiB copies by DMA engine 0 through context bank 1 (IOTLB hits after the first);
 *   remap  remap_vm_image calls for one VM (VM INFO lock, a growing page list).
 * `make bench` runs them (Benchmarks/el2.sh). Emulator only (QEMU has no SeKVM). */
#define IOVA 0x10000000UL
#define SID 5

#ifndef ROUNDS
#define ROUNDS 1000000
#endif

/* Never touched by the host after they are given to the VM (the host's mapping is revoked). */
static unsigned char pages[8][4096] __attribute__((aligned(4096)));

int main(void) {
    unsigned long sum = 0;
#if defined(EL2_BENCH_TRAP)
    for (unsigned long i = 0; i < ROUNDS; i++) sum += R32(SMMU0 + 0x20);
#elif defined(EL2_BENCH_HVC)
    unsigned long vmid = hvc(HVC_REGISTER_KVM, 0, 0, 0, 0, 0);
    hvc(HVC_ALLOC_SMMU_PGD, 1, vmid, 0, 0, 0);
    hvc(HVC_ARM_LPAE_MAP, IOVA, (unsigned long)pages[0], SMMU_PROT_RW, 1, 0);
    for (unsigned long i = 0; i < ROUNDS; i++) sum += hvc(HVC_ARM_LPAE_IOVA_TO_PHYS, IOVA + (i & 0xFF8), 1, 0, 0, 0);
#elif defined(EL2_BENCH_DMA)
    unsigned long vmid = hvc(HVC_REGISTER_KVM, 0, 0, 0, 0, 0);
    hvc(HVC_ALLOC_SMMU_PGD, 1, vmid, 0, 0, 0);
    for (unsigned long p = 0; p < 8; p++) hvc(HVC_ARM_LPAE_MAP, IOVA + p * 4096, (unsigned long)pages[p], SMMU_PROT_RW, 1, 0);
    smmu_attach(1, vmid, SID);
    for (unsigned long i = 0; i < ROUNDS; i++) sum += dma_copy(IOVA, IOVA + 0x4000, 0x4000, SID);
#elif defined(EL2_BENCH_REMAP)
    unsigned long vmid = hvc(HVC_REGISTER_KVM, 0, 0, 0, 0, 0);
    hvc(HVC_SET_BOOT_INFO, vmid, IOVA, 16UL << 20, 0, 0);  /* 4096 pages: half the remap window */
    for (unsigned long i = 0; i < ROUNDS; i++) sum += hvc(HVC_REMAP_VM_IMAGE, vmid, 0x40000 + (i & 0xFFF), 0, 0, 0);
#else
#error "define one of EL2_BENCH_TRAP, EL2_BENCH_HVC, EL2_BENCH_DMA, EL2_BENCH_REMAP"
#endif
    uart_puts("el2-bench ");
    uart_puthex(sum);
    uart_putc('\n');
    return 0;
}
