/* The bench loop (bench/main.c, same rounds and output) with the stage-1 MMU on: an identity
 * map of the image, its data and stack in 4 KiB pages (Normal write-back) and the UART page
 * (Device) in TTBR0, so every fetch, load and store is translated. Compared with bench.elf it
 * measures what translation costs (BENCHMARKS.md). */
#define main bench_main
#include "../bench/main.c"
#undef main

typedef unsigned long u64;

static u64 tables[8][512] __attribute__((aligned(4096)));
static int used;

static void map_page(u64 *root, u64 va, u64 attrs) {
    u64 *t = root;
    for (int level = 0; level < 3; level++) {
        u64 *e = &t[(va >> (39 - 9 * level)) & 511];
        if (!(*e & 1)) *e = (u64)tables[used++] | 3;
        t = (u64 *)(*e & 0x0000FFFFFFFFF000UL);
    }
    t[(va >> 12) & 511] = va | attrs | 3;
}

int main(void) {
    extern char _start[], __stack_top[];
    u64 *root = tables[used++];
    const u64 normal = 0UL << 2 | 3UL << 8 | 1UL << 10, device = 1UL << 2 | 1UL << 10 | 3UL << 53;
    for (u64 pa = (u64)_start & ~4095UL; pa < (u64)__stack_top; pa += 4096) map_page(root, pa, normal);
    map_page(root, 0x09000000, device);
    u64 tcr = 16 | 5UL << 32 | 1UL << 8 | 1UL << 10 | 3UL << 12 | 2UL << 30 | 1UL << 23; /* TG1 4 KiB, EPD1: no TTBR1 walks */
    u64 sctlr;
    __asm__ volatile("msr mair_el1, %1\n msr tcr_el1, %2\n msr ttbr0_el1, %3\n isb\n mrs %0, sctlr_el1"
                     : "=r"(sctlr) : "r"(0xFFUL), "r"(tcr), "r"((u64)root) : "memory");
    __asm__ volatile("dsb ish\n msr sctlr_el1, %0\n isb" ::"r"((sctlr | 1 | 1UL << 2 | 1UL << 12) & ~2UL) : "memory");
    return bench_main();
}
