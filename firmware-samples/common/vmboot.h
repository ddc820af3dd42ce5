#ifndef VMBOOT_H
#define VMBOOT_H
#include "hvc.h"
#include "uart.h"

/* What a SeKVM host does to boot a VM up to (not including) verification: register a vCPU, tell
 * EL2 where the image goes in the VM (set_boot_info) and hand it the host pages that hold the
 * image, page by page (remap_vm_image). verify_vm_image (HVC 12) then hashes those pages against
 * the machine's configured SHA-256 and, if they match, gives them to the VM. */
extern unsigned char vm_image[], vm_image_end[];

/* Where the image loads in the VM's address space (its first gfn = VM_LOAD_IPA / 4096). */
#define VM_LOAD_IPA 0x10000000UL

static inline unsigned long vm_image_size(void) { return (unsigned long)(vm_image_end - vm_image); }
static inline unsigned long vm_image_pages(void) { return (vm_image_size() + 4095) / 4096; }

/* Returns the load index set_boot_info gave. */
static inline unsigned long vm_prepare(unsigned long vmid) {
    hvc(HVC_REGISTER_VCPU, vmid, 0, 0, 0, 0);
    unsigned long idx = hvc(HVC_SET_BOOT_INFO, vmid, VM_LOAD_IPA, vm_image_size(), 0, 0);
    unsigned long pfn = (unsigned long)vm_image >> 12;
    for (unsigned long i = 0; i < vm_image_pages(); i++) hvc(HVC_REMAP_VM_IMAGE, vmid, pfn + i, idx, 0, 0);
    return idx;
}
#endif
