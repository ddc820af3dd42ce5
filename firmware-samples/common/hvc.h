#ifndef HVC_H
#define HVC_H
/* Host → EL2 calls (HARDWARE.md): x0 = function id, x1–x5 = arguments, result in x0. */
#define HVC_SET_BOOT_INFO 10
#define HVC_REMAP_VM_IMAGE 11
#define HVC_VERIFY_VM_IMAGE 12
#define HVC_REGISTER_KVM 13
#define HVC_REGISTER_VCPU 14
#define HVC_FREE_SMMU_PGD 23
#define HVC_ALLOC_SMMU_PGD 24
#define HVC_ARM_LPAE_MAP 25
#define HVC_ARM_LPAE_IOVA_TO_PHYS 26
#define HVC_ARM_LPAE_CLEAR 27
#define PSCI_CPU_ON 0xC4000003UL

static inline unsigned long hvc(unsigned long fn, unsigned long a1, unsigned long a2, unsigned long a3,
                                unsigned long a4, unsigned long a5) {
    register unsigned long x0 __asm__("x0") = fn;
    register unsigned long x1 __asm__("x1") = a1;
    register unsigned long x2 __asm__("x2") = a2;
    register unsigned long x3 __asm__("x3") = a3;
    register unsigned long x4 __asm__("x4") = a4;
    register unsigned long x5 __asm__("x5") = a5;
    __asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5) : "memory");
    return x0;
}
#endif
