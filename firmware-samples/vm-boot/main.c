#include "uart.h"
#include "hvc.h"
#include "smmu.h"
#include "vmboot.h"

/* A SeKVM host booting a VM with a pass-through device, end to end on smmu-emu (run with
 * --vm-image 1=firmware-samples/build/vm-boot.img):
 *   register_kvm, register_vcpu, set_boot_info, remap_vm_image page by page;
 *   the device: el2_alloc_smmu_pgd for the VM on bank 1 of SMMU0, el2_arm_lpae_map of three
 *   host pages (each becomes the VM's page, leaving the host NPT), iova_to_phys, stream 5 routed
 *   to bank 1, DMA through the mapping, el2_arm_lpae_clear of one page;
 *   verify_vm_image: SHA-256 of the remapped pages against the configured digest; the image
 *   pages become the VM's and the VM is VERIFIED;
 *   after verification the VM's device still translates (iova_to_phys, DMA) but its table is
 *   frozen: the C (and the seed) panic on a map or clear for a VERIFIED VM, and the host must
 *   never touch the VM's pages again (attack-touch-vm-page, attack-map-verified,
 *   attack-clear-verified show each panic).
 * Pass-through pages are mapped before verification because SeKVM's C panics in smmu_assign_page
 * for a VERIFIED VM; the seed's atomic spec does the reverse (divergence D1), so under
 * --handlers spec this image stops at its first el2_arm_lpae_map. */
#define IOVA 0x20000000UL
#define SID 5

static unsigned char buf_src[4096] __attribute__((aligned(4096)));
static unsigned char buf_dst[4096] __attribute__((aligned(4096)));
static unsigned char buf_tmp[4096] __attribute__((aligned(4096)));

static void say(const char *what, unsigned long v) {
    uart_puts(what);
    uart_puthex(v);
    uart_putc('\n');
}

int main(void) {
    say("vm-boot: image bytes ", vm_image_size());
    unsigned long vmid = hvc(HVC_REGISTER_KVM, 0, 0, 0, 0, 0);
    say("register_kvm: vmid ", vmid);
    unsigned long idx = vm_prepare(vmid);
    say("set_boot_info: load index ", idx);
    say("remap_vm_image: pages ", vm_image_pages());

    /* The pass-through device, while the VM is READY. The host fills the buffers first: once
     * assigned, they are the VM's and the host keeps its hands off them. */
    for (int i = 0; i < 256; i++) buf_src[i] = (unsigned char)(0xA0 ^ i);
    buf_dst[0] = 0;
    buf_tmp[0] = 0;
    hvc(HVC_ALLOC_SMMU_PGD, 1, vmid, 0, 0, 0);
    hvc(HVC_ARM_LPAE_MAP, IOVA, (unsigned long)buf_src, SMMU_PROT_RW, 1, 0);
    hvc(HVC_ARM_LPAE_MAP, IOVA + 0x1000, (unsigned long)buf_dst, SMMU_PROT_RW, 1, 0);
    hvc(HVC_ARM_LPAE_MAP, IOVA + 0x2000, (unsigned long)buf_tmp, SMMU_PROT_RW, 1, 0);
    unsigned long pa = hvc(HVC_ARM_LPAE_IOVA_TO_PHYS, IOVA + 0x10, 1, 0, 0, 0);
    uart_puts("el2_arm_lpae_map x3, iova_to_phys(IOVA+0x10) ");
    uart_puthex(pa);
    uart_puts(pa == (unsigned long)buf_src + 0x10 ? " ok\n" : " WRONG\n");
    smmu_attach(1, vmid, SID);
    say("dma src -> dst before verification: status ", dma_copy(IOVA, IOVA + 0x1000, 256, SID));
    hvc(HVC_ARM_LPAE_CLEAR, IOVA + 0x2000, 1, 0, 0, 0);
    say("el2_arm_lpae_clear(IOVA+0x2000), iova_to_phys now ", hvc(HVC_ARM_LPAE_IOVA_TO_PHYS, IOVA + 0x2008, 1, 0, 0, 0));

    hvc(HVC_VERIFY_VM_IMAGE, vmid, 0, 0, 0, 0);
    uart_puts("verify_vm_image: VERIFIED\n");

    pa = hvc(HVC_ARM_LPAE_IOVA_TO_PHYS, IOVA + 0x1000, 1, 0, 0, 0);
    uart_puts("after verification: iova_to_phys(IOVA+0x1000) ");
    uart_puthex(pa);
    uart_puts(pa == (unsigned long)buf_dst ? " ok\n" : " WRONG\n");
    say("dma dst -> src after verification: status ", dma_copy(IOVA + 0x1000, IOVA, 64, SID));
    say("dma from the cleared iova: status ", dma_copy(IOVA + 0x2000, IOVA, 64, SID));
    uart_puts("vm-boot done\n");
    return 0;
}
