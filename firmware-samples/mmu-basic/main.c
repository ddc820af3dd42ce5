#include "uart.h"

/* The EL1&0 stage-1 MMU, as a kernel uses it: an identity map in TTBR0 (Normal RAM, Device
 * UART), a kernel alias in TTBR1's high half, faults reported through the vector table
 * (translation, access flag, permission, from EL1 and EL0), an ASID switch, a remap made
 * visible by TLBI, AT with PAR_EL1, and an unaligned access crossing two pages that are not
 * physically contiguous. Prints ESR/FAR/PAR values: the same bytes as on QEMU -M virt -cpu max.
 * 4 KiB granule, 48-bit VA and IPS, no hardware Access-flag update (TCR_EL1.HA = 0). */

typedef unsigned long u64;

#define PAGE 4096UL
#define VALID 1UL
#define TABLE 3UL
#define PAGE_DESC 3UL
#define AF (1UL << 10)
#define SH_INNER (3UL << 8)
#define NG (1UL << 11)
#define PXN (1UL << 53)
#define UXN (1UL << 54)
#define AP_EL0 (1UL << 6)
#define AP_RO (1UL << 7)
#define ATTR_NORMAL (0UL << 2)
#define ATTR_DEVICE (1UL << 2)
#define NORMAL (ATTR_NORMAL | SH_INNER | AF)

/* Table pool: every table a page of its own, zeroed by the start code (.bss). */
static u64 pool[24][512] __attribute__((aligned(4096)));
static int pool_used;
/* Pages the tests map and remap, on their own pages. */
static volatile u64 pages[6][512] __attribute__((aligned(4096)));

static u64 *new_table(void) { return pool[pool_used++]; }

static inline void dsb_isb(void) { __asm__ volatile("dsb ish\n isb" ::: "memory"); }

/* The level-3 entry for va under root (tables created as needed). */
static u64 *slot(u64 *root, u64 va) {
    u64 *t = root;
    for (int level = 0; level < 3; level++) {
        u64 *e = &t[(va >> (39 - 9 * level)) & 511];
        if (!(*e & VALID)) *e = (u64)new_table() | TABLE;
        t = (u64 *)(*e & 0x0000FFFFFFFFF000UL);
    }
    return &t[(va >> 12) & 511];
}

static void map(u64 *root, u64 va, u64 pa, u64 attrs) { *slot(root, va) = pa | attrs | PAGE_DESC; }

/* Vectors: every synchronous exception records ESR/FAR and skips the instruction, except SVC
 * from EL0, which returns to the EL1 code that entered EL0 (el0_call). */
volatile u64 last_esr, last_far, faults;
u64 el0_saved_sp, el0_saved_lr;
void el1_sync(void);
__asm__(
    ".section .text.vectors, \"ax\"\n"
    ".balign 2048\n"
    "vectors:\n"
    ".rept 4\n b . \n .balign 128\n .endr\n"
    /* current EL, SP_ELx: synchronous at +0x200 */
    "b sync_same\n .balign 128\n b .\n .balign 128\n b .\n .balign 128\n b .\n .balign 128\n"
    /* lower EL, AArch64: +0x400 */
    "b sync_lower\n .balign 128\n b .\n .balign 128\n b .\n .balign 128\n b .\n .balign 128\n"
    ".rept 4\n b . \n .balign 128\n .endr\n"
    "sync_same:\n"
    " stp x0, x1, [sp, #-16]!\n"
    " mrs x0, esr_el1\n adr x1, last_esr\n str x0, [x1]\n"
    " mrs x0, far_el1\n adr x1, last_far\n str x0, [x1]\n"
    " adr x1, faults\n ldr x0, [x1]\n add x0, x0, #1\n str x0, [x1]\n"
    /* an instruction abort returns to the caller of the faulting branch (x30) */
    " mrs x0, esr_el1\n lsr x0, x0, #26\n cmp x0, #0x21\n b.ne 2f\n msr elr_el1, x30\n b 3f\n"
    "2: mrs x0, elr_el1\n add x0, x0, #4\n msr elr_el1, x0\n"
    "3: ldp x0, x1, [sp], #16\n eret\n"
    "sync_lower:\n"
    " mrs x9, esr_el1\n lsr x10, x9, #26\n cmp x10, #0x15\n b.eq 1f\n"
    " adr x10, last_esr\n str x9, [x10]\n"
    " mrs x9, far_el1\n adr x10, last_far\n str x9, [x10]\n"
    " adr x10, faults\n ldr x9, [x10]\n add x9, x9, #1\n str x9, [x10]\n"
    " mrs x9, esr_el1\n lsr x9, x9, #26\n cmp x9, #0x20\n b.ne 2f\n msr elr_el1, x30\n eret\n"
    "2: mrs x9, elr_el1\n add x9, x9, #4\n msr elr_el1, x9\n eret\n"
    "1: adr x10, el0_saved_sp\n ldr x9, [x10]\n mov sp, x9\n"
    " adr x10, el0_saved_lr\n ldr x30, [x10]\n ret\n"
    /* el0_call(entry, x1): runs entry at EL0 with x1; back here when EL0 executes SVC. */
    ".global el0_call\n"
    "el0_call:\n"
    " adr x10, el0_saved_sp\n mov x9, sp\n str x9, [x10]\n"
    " adr x10, el0_saved_lr\n str x30, [x10]\n"
    " msr elr_el1, x0\n msr spsr_el1, xzr\n eret\n"
    /* EL0 code on a page of its own (mapped EL0-executable). */
    ".balign 4096\n"
    ".global el0_load, el0_store, el0_jump\n"
    "el0_load: ldr x0, [x1]\n svc #0\n"
    "el0_store: str x0, [x1]\n svc #0\n"
    "el0_jump: blr x1\n svc #0\n"
    ".balign 4096\n"
    ".text\n");
void el0_call(void (*entry)(void), u64 x1);
void el0_load(void), el0_store(void), el0_jump(void);
extern char vectors[];

static void show(const char *what) {
    uart_puts(what);
    uart_puts(" esr ");
    uart_puthex(last_esr);
    uart_puts(" far ");
    uart_puthex(last_far);
    uart_putc('\n');
    last_esr = last_far = 0;
}

static u64 load(u64 va) {
    u64 v;
    __asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(va) : "memory");
    return v;
}
static void store(u64 va, u64 v) { __asm__ volatile("str %0, [%1]" ::"r"(v), "r"(va) : "memory"); }
static u64 at_s1e1r(u64 va) {
    u64 par;
    __asm__ volatile("at s1e1r, %1\n isb\n mrs %0, par_el1" : "=r"(par) : "r"(va) : "memory");
    return par;
}
static u64 at_s1e0w(u64 va) {
    u64 par;
    __asm__ volatile("at s1e0w, %1\n isb\n mrs %0, par_el1" : "=r"(par) : "r"(va) : "memory");
    return par;
}
static void tlbi_vae1(u64 va, u64 asid) {
    __asm__ volatile("dsb ishst\n tlbi vae1is, %0\n dsb ish\n isb" ::"r"((va >> 12) | asid << 48) : "memory");
}
static void set_ttbr0(u64 root, u64 asid) {
    __asm__ volatile("msr ttbr0_el1, %0\n isb" ::"r"(root | asid << 48) : "memory");
}
static void puthex_line(const char *what, u64 v) {
    uart_puts(what);
    uart_putc(' ');
    uart_puthex(v);
    uart_putc('\n');
}

#define TEST_VA 0x0000008000000000UL /* L0[1]: its own tables */
#define HIGH_VA 0xFFFF800000000000UL /* TTBR1 */

int main(void) {
    extern char _start[], __stack_top[];
    u64 *root0 = new_table(), *root1 = new_table(), *root0b = new_table();
    /* Identity map: the image, its data and stack (Normal, EL1 RW), the UART (Device). */
    for (u64 pa = (u64)_start & ~(PAGE - 1); pa < (u64)__stack_top; pa += PAGE) {
        map(root0, pa, pa, NORMAL);
        map(root0b, pa, pa, NORMAL);
    }
    map(root0, 0x09000000, 0x09000000, ATTR_DEVICE | AF | PXN | UXN);
    map(root0b, 0x09000000, 0x09000000, ATTR_DEVICE | AF | PXN | UXN);
    /* The EL0 code page: read-only at both ELs, executable at EL0 (and so at EL1). */
    u64 el0page = (u64)el0_load & ~(PAGE - 1);
    map(root0, el0page, el0page, NORMAL | AP_EL0 | AP_RO);
    u64 p0 = (u64)pages[0], p1 = (u64)pages[1], p2 = (u64)pages[2], p3 = (u64)pages[3], p4 = (u64)pages[4];
    pages[0][0] = 0x1111;
    pages[1][0] = 0x2222;
    pages[2][0] = 0x3333;
    pages[3][0] = 0x4444;
    map(root0, TEST_VA, p0, NORMAL | NG);                      /* EL1 RW */
    map(root0, TEST_VA + PAGE, p1, NORMAL | AP_RO | NG);       /* EL1 RO */
    map(root0, TEST_VA + 2 * PAGE, p2, ATTR_NORMAL | SH_INNER | NG); /* AF = 0 */
    map(root0, TEST_VA + 3 * PAGE, p3, NORMAL | AP_EL0 | UXN | NG);  /* EL0 RW, not executable */
    map(root0, TEST_VA + 5 * PAGE, p4, NORMAL | NG);           /* crossing: VA +5, +6 → p4, p2 */
    map(root0, TEST_VA + 6 * PAGE, p2, NORMAL | NG);
    map(root0b, TEST_VA, p3, NORMAL | NG);                     /* the other address space */
    map(root1, HIGH_VA, p0, NORMAL);                           /* kernel alias of page 0 */

    __asm__ volatile("msr vbar_el1, %0" ::"r"(vectors));
    u64 mair = 0xFFUL | 0x00UL << 8; /* attr 0 Normal WB, attr 1 Device-nGnRnE */
    /* T0SZ = T1SZ = 16, TG0 4K, TG1 4K (0b10), IPS 48 bits, 16-bit ASIDs, inner-shareable
     * write-back walks. */
    u64 tcr = 16 | 16UL << 16 | 2UL << 30 | 5UL << 32 | 1UL << 36 | 3UL << 12 | 1UL << 8 | 1UL << 10
              | 3UL << 28 | 1UL << 24 | 1UL << 26;
    __asm__ volatile("msr mair_el1, %0\n msr tcr_el1, %1\n msr ttbr0_el1, %2\n msr ttbr1_el1, %3\n isb"
                     ::"r"(mair), "r"(tcr), "r"((u64)root0 | 1UL << 48), "r"((u64)root1) : "memory");
    u64 sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    sctlr = (sctlr | 1) & ~2UL; /* M on, A off */
    __asm__ volatile("dsb ish\n msr sctlr_el1, %0\n isb" ::"r"(sctlr) : "memory");
    uart_puts("mmu on\n");

    puthex_line("test page", load(TEST_VA));
    puthex_line("high alias", load(HIGH_VA));
    store(HIGH_VA + 8, 0xABCD);
    puthex_line("through alias", pages[0][1]);

    /* Faults at EL1. */
    load(TEST_VA + 4 * PAGE);
    show("translation l3");
    load(0x0000010000000000UL);
    show("translation l0");
    load(0x0001000000000000UL);
    show("outside both ranges");
    store(TEST_VA + PAGE, 1);
    show("write read-only");
    load(TEST_VA + 2 * PAGE + 16);
    show("access flag");
    __asm__ volatile("blr %0" ::"r"(TEST_VA + 3 * PAGE) : "x30", "memory");
    show("exec el0-writable");

    /* EL0. */
    el0_call(el0_load, TEST_VA + 3 * PAGE);
    show("el0 read user page");
    el0_call(el0_load, TEST_VA);
    show("el0 read kernel page");
    el0_call(el0_store, el0page);
    show("el0 write read-only");
    el0_call(el0_jump, TEST_VA + 3 * PAGE);
    show("el0 exec uxn");

    /* Unaligned Normal access across two pages mapped to non-adjacent physical pages. */
    store(TEST_VA + 6 * PAGE - 4, 0x8877665544332211UL);
    puthex_line("crossing", load(TEST_VA + 6 * PAGE - 4));
    puthex_line("first page tail", pages[4][511]);
    puthex_line("second page head", pages[2][0]);

    /* AT. */
    puthex_line("par mapped", at_s1e1r(TEST_VA + 0x123) & ~0xFFFFFFFFF000UL);
    puthex_line("par pa ok", (at_s1e1r(TEST_VA + 0x123) & 0xFFFFFFFFF000UL) == p0);
    puthex_line("par unmapped", at_s1e1r(TEST_VA + 4 * PAGE));
    puthex_line("par el0 write kernel", at_s1e0w(TEST_VA));
    puthex_line("par no af", at_s1e1r(TEST_VA + 2 * PAGE));

    /* ASID switch: ASID 2 maps TEST_VA to page 3, ASID 1 to page 0; no TLBI needed. */
    set_ttbr0((u64)root0b, 2);
    puthex_line("asid 2", load(TEST_VA));
    set_ttbr0((u64)root0, 1);
    puthex_line("asid 1", load(TEST_VA));

    /* Remap TEST_VA to page 1, then TLBI VAE1IS for ASID 1. */
    map(root0, TEST_VA, p1, NORMAL | NG);
    tlbi_vae1(TEST_VA, 1);
    puthex_line("after remap", load(TEST_VA));
    /* Unmap it: a translation fault after TLBI. */
    *slot(root0, TEST_VA) = 0;
    tlbi_vae1(TEST_VA, 1);
    load(TEST_VA);
    show("after unmap");

    puthex_line("faults", faults);
    uart_puts("mmu-basic done\n");
    return 0;
}
