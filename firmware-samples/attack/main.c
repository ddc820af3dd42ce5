#include "uart.h"
#include "hvc.h"
#include "vmboot.h"

/* Attacks a host kernel could make on the SMMU under SeKVM. Built once per attack
 * (-DATTACK_<NAME>); each ends as the spec prescribes: a hypervisor panic (exit status 3) for the
 * forbidden ones. Setup for all: VM 1 owns context bank 1 of SMMU0. */
#define SMMU0 0x09050000UL
#define CB(n) (SMMU0 + 0x8000UL + (n) * 0x1000UL)
#define R32(a) (*(volatile unsigned int *)(a))
#define R16(a) (*(volatile unsigned short *)(a))


#if defined(ATTACK_NPT_EXHAUST)
/* EL1 vectors that resume after the faulting instruction (all 16 entries alike). */
extern char skip_vectors[];
__asm__(".pushsection .text\n.balign 2048\nskip_vectors:\n.rept 16\n"
        "str x0, [sp, #-16]!\nmrs x0, elr_el1\nadd x0, x0, #4\nmsr elr_el1, x0\nldr x0, [sp], #16\neret\n"
        ".balign 128\n.endr\n.popsection\n");
#endif

int main(void) {
    unsigned long vmid = hvc(13, 0, 0, 0, 0, 0);
    hvc(24, 1, vmid, 0, 0, 0);
    R32(SMMU0 + 0x1000 + 4 * 1) = (unsigned int)vmid;  /* allowed: CBAR1 with the bank's own VMID */
    uart_puts("setup done\n");
#if defined(ATTACK_CBAR_VMID)
    uart_puts("repoint CB1 to VMID 2\n");
    R32(SMMU0 + 0x1000 + 4 * 1) = 2;
#elif defined(ATTACK_CBAR_TYPE)
    uart_puts("make CB1 a stage-1 context\n");
    R32(SMMU0 + 0x1000 + 4 * 1) = (1u << 16) | (unsigned int)vmid;
#elif defined(ATTACK_CONTEXTIDR)
    uart_puts("write CB1.CONTEXTIDR\n");
    R32(CB(1) + 0x34) = 7;
#elif defined(ATTACK_HALFWORD)
    uart_puts("2-byte write to CB1.SCTLR\n");
    R16(CB(1) + 0x00) = 0x67;
#elif defined(ATTACK_SCR0)
    uart_puts("sCR0 with SMCFCFG clear\n");
    R32(SMMU0 + 0x0) = 0;
#elif defined(ATTACK_FREE_LIVE_VM)
    uart_puts("free a live VM's page table\n");
    hvc(23, 1, 0, 0, 0, 0);
#elif defined(ATTACK_MAP_EL2_PAGE)
    uart_puts("map an EL2 page for the VM\n");
    hvc(25, 0x10000000UL, 0x4FFFF000UL, 0xFF, 1, 0);
#elif defined(ATTACK_BAD_CBNDX)
    uart_puts("allocate bank 5 of SMMU1 (it has 4)\n");
    hvc(24, 5, vmid, 1, 0, 0);
#elif defined(ATTACK_NPT_EXHAUST)
    /* Every access outside RAM maps as a device page on demand (map_page_host); one access per
     * 2 MiB region of IPA space needs a new level-3 table each, and Coq's host NPT pool holds
     * 5887: the 5888th region (and the level-2 tables on the way) empty it, which must be a
     * hypervisor panic, not a silent failure. */
    uart_puts("touch one device page per 2 MiB of IPA space\n");
    /* Nothing answers at those addresses: once EL2 has mapped one, the load takes a synchronous
     * external abort to EL1; skip_vectors steps over the load so the loop goes on. */
    __asm__ volatile("msr vbar_el1, %0; isb" ::"r"(skip_vectors));
    for (unsigned long a = 0x8000000000UL - 0x200000UL; a >= 0x7000000000UL; a -= 0x200000UL)
        (void)*(volatile unsigned int *)a;
#elif defined(ATTACK_DMA_BYPASS)
    /* A route no source checks: S2CR bypass for the DMA engine's stream. The engine then reads
     * EL2's carve-out (the shadow table root of SMMU0 bank 1) into host memory. */
    static unsigned long leak[2] __attribute__((aligned(64)));
    hvc(25, 0x10000000UL, 0x40100000UL, 0xFF, 1, 0);  /* map a page: the root gets a table entry */
    R32(SMMU0 + 0xC00) = 1u << 16;                    /* S2CR0: bypass */
    R32(SMMU0 + 0x800) = 0x80000005;                  /* SMR0: stream 5 */
    R32(SMMU0 + 0x0) = 0x00200000;                    /* enable */
    *(volatile unsigned long *)(0x09070000UL + 0x00) = 0x4DC02000UL;  /* SRC: EL2 memory */
    *(volatile unsigned long *)(0x09070000UL + 0x08) = (unsigned long)leak;
    R32(0x09070000UL + 0x10) = 8;
    R32(0x09070000UL + 0x14) = 5;
    R32(0x09070000UL + 0x18) = 1;
    uart_puts("dma status ");
    uart_puthex(R32(0x09070000UL + 0x1C));
    uart_puts(", leaked EL2 word ");
    uart_puthex(leak[0]);
    uart_putc('\n');
#elif defined(ATTACK_TOUCH_VM_PAGE)
    /* Boot VM vmid (run with --vm-image 1=build/vm-boot.img): after verification its image
     * pages are the VM's, gone from the host NPT; a host read faults and map_page_host panics. */
    vm_prepare(vmid);
    hvc(HVC_VERIFY_VM_IMAGE, vmid, 0, 0, 0, 0);
    uart_puts("verified; host reads the VM's first image page\n");
    uart_puthex(*(volatile unsigned long *)vm_image);
    uart_putc('\n');
#elif defined(ATTACK_MAP_VERIFIED)
    /* A VERIFIED VM's SMMU table is frozen: el2_arm_lpae_map panics (the C already in
     * smmu_assign_page, the seed in smmu_map_page). */
    vm_prepare(vmid);
    hvc(HVC_VERIFY_VM_IMAGE, vmid, 0, 0, 0, 0);
    uart_puts("verified; map a host page into the VM's bank\n");
    hvc(HVC_ARM_LPAE_MAP, 0x20000000UL, 0x40100000UL, 0xFF, 1, 0);
#elif defined(ATTACK_CLEAR_VERIFIED)
    /* ... and el2_arm_lpae_clear on it panics too, mapped or not. */
    vm_prepare(vmid);
    hvc(HVC_VERIFY_VM_IMAGE, vmid, 0, 0, 0, 0);
    uart_puts("verified; clear an IOVA of the VM's bank\n");
    hvc(HVC_ARM_LPAE_CLEAR, 0x20000000UL, 1, 0, 0, 0);
#else
#error "choose an attack"
#endif
    uart_puts("not stopped\n");
    return 0;
}
