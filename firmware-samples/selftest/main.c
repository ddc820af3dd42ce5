#include "uart.h"

/* CPU self-test: arithmetic and flags, division edge cases, bit operations, memory forms,
 * exclusives and LSE atomics, and synchronous exceptions taken through VBAR_EL1 (SVC, BRK, UDF)
 * with their ESR_EL1 values. Prints one line per check; the same image on QEMU prints the same. */

static int failures;

static void check(const char *name, unsigned long got, unsigned long want) {
    uart_puts(got == want ? "ok   " : "FAIL ");
    uart_puts(name);
    uart_puts(" = ");
    uart_puthex(got);
    uart_putc('\n');
    if (got != want) failures++;
}

/* Exception vectors: the current-EL/SPx synchronous entry records ESR_EL1 and returns past the
 * instruction (SVC's preferred return is already the next instruction). Uses x9/x10 only. */
__asm__(
    ".global vectors\n.global last_esr\n.balign 2048\n"
    "vectors:\n"
    ".skip 0x200\n"
    "    mrs x9, esr_el1\n"
    "    adr x10, last_esr\n"
    "    str x9, [x10]\n"
    "    lsr x9, x9, #26\n"
    "    cmp x9, #0x15\n"
    "    b.eq 1f\n"
    "    mrs x10, elr_el1\n"
    "    add x10, x10, #4\n"
    "    msr elr_el1, x10\n"
    "1:  eret\n"
    ".balign 8\n"
    "last_esr: .quad 0\n");

extern char vectors[];
extern volatile unsigned long last_esr;

static unsigned long op_udiv(unsigned long a, unsigned long b) {
    unsigned long r;
    __asm__ volatile("udiv %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

static long op_sdiv(long a, long b) {
    long r;
    __asm__ volatile("sdiv %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

static unsigned long flags_after_adds(unsigned long a, unsigned long b) {
    unsigned long f, r;
    __asm__ volatile("adds %0, %2, %3\n mrs %1, nzcv" : "=&r"(r), "=r"(f) : "r"(a), "r"(b) : "cc");
    return f;
}

static volatile unsigned long cell[4];

int main(void) {
    __asm__ volatile("msr vbar_el1, %0\n isb" : : "r"(vectors));

    check("adds overflow flags", flags_after_adds(0x7fffffffffffffffUL, 1), 0x90000000UL);
    check("adds carry+zero flags", flags_after_adds(~0UL, 1), 0x60000000UL);
    check("udiv by zero", op_udiv(5, 0), 0);
    check("sdiv INT_MIN/-1", (unsigned long)op_sdiv((long)0x8000000000000000UL, -1), 0x8000000000000000UL);
    check("sdiv rounds toward zero", (unsigned long)op_sdiv(-7, 2), (unsigned long)-3L);
    check("clz", (unsigned long)__builtin_clzl(0x00f0000000000000UL), 8);
    check("rev", __builtin_bswap64(0x0102030405060708UL), 0x0807060504030201UL);
    check("umulh", (unsigned long)(((unsigned __int128)~0UL * 3) >> 64), 2);

    cell[0] = 0x8081828384858687UL;
    check("ldrsb", (unsigned long)(long)*(volatile signed char *)&cell[0], 0xffffffffffffff87UL);
    check("ldrh", *(volatile unsigned short *)&cell[0], 0x8687);
    check("ldrsw", (unsigned long)(long)*(volatile int *)((char *)&cell[0] + 4), 0xffffffff80818283UL);

    unsigned long old, status;
    __asm__ volatile(
        "ldxr %0, [%2]\n"
        "add %0, %0, #1\n"
        "stxr %w1, %0, [%2]\n"
        : "=&r"(old), "=&r"(status) : "r"(&cell[1]) : "memory");
    check("ldxr/stxr succeeds", status, 0);
    check("ldxr/stxr value", cell[1], 1);
    __asm__ volatile(
        "ldxr %0, [%2]\n"
        "clrex\n"
        "stxr %w1, %0, [%2]\n"
        : "=&r"(old), "=&r"(status) : "r"(&cell[1]) : "memory");
    check("stxr fails after clrex", status, 1);

    unsigned long v = 40;
    __asm__ volatile(".arch_extension lse\n ldadd %1, %0, [%2]" : "=r"(old) : "r"(2UL), "r"(&cell[2]) : "memory");
    check("ldadd old", old, 0);
    __asm__ volatile(".arch_extension lse\n swpal %1, %0, [%2]" : "=r"(old) : "r"(v), "r"(&cell[2]) : "memory");
    check("swpal old", old, 2);
    unsigned long expect = 40, desired = 7;
    __asm__ volatile(".arch_extension lse\n casal %0, %2, [%1]" : "+r"(expect) : "r"(&cell[2]), "r"(desired) : "memory");
    check("casal old", expect, 40);
    check("casal stored", cell[2], 7);

    __asm__ volatile("svc #0x42" : : : "x9", "x10", "memory");
    check("svc ESR_EL1", last_esr, 0x56000042UL);
    __asm__ volatile("brk #0x7" : : : "x9", "x10", "memory");
    check("brk ESR_EL1", last_esr, 0xf2000007UL);
    __asm__ volatile(".inst 0x00000000" : : : "x9", "x10", "memory");
    check("udf ESR_EL1", last_esr, 0x02000000UL);

    uart_puts(failures ? "selftest FAILED\n" : "selftest passed\n");
    return 0;
}
