/* FP and Advanced SIMD as gcc -O3 emits them (built without -mgeneral-regs-only): SIMD memcpy,
 * memset and strlen written with NEON intrinsics (LD1/ST1, LD4/ST4, LD1R, CMEQ, UMAXV...),
 * auto-vectorised integer and floating-point loops, scalar FP maths, -ffast-math reductions and
 * estimate steps, and integer intrinsics. Each result is printed
 * as a hash of its bytes so that the output can be compared with QEMU's byte for byte. */
#include <arm_neon.h>
#include <stdint.h>
#include "uart.h"

#define N 512

static uint8_t src[N + 64], dst[N + 64];
static int32_t ia[N], ib[N], ic[N];
static int16_t sa[N];
static float fa[N], fb[N], fc[N];
static double da[N], db[N];
static char text[N];

static uint64_t hash(const void *p, unsigned long n) {
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned long i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static void report(const char *name, uint64_t value) {
    uart_puts(name);
    uart_puts(" ");
    uart_puthex(value);
    uart_puts("\n");
}

static uint32_t lcg = 12345;
static uint32_t next(void) { lcg = lcg * 1103515245u + 12345u; return lcg >> 8; }

__attribute__((noinline)) static void simd_memcpy(uint8_t *d, const uint8_t *s, unsigned long n) {
    for (; n >= 64; n -= 64, s += 64, d += 64) vst4q_u8(d, vld4q_u8(s));
    for (; n >= 16; n -= 16, s += 16, d += 16) vst1q_u8(d, vld1q_u8(s));
    for (; n; n--) *d++ = *s++;
}

__attribute__((noinline)) static void simd_memset(uint8_t *d, uint8_t c, unsigned long n) {
    uint8x16_t v = vld1q_dup_u8(&c);
    for (; n >= 16; n -= 16, d += 16) vst1q_u8(d, v);
    for (; n; n--) *d++ = c;
}

/* 16 bytes at a time (the buffer is padded): the first lane equal to zero ends the string. */
__attribute__((noinline)) static unsigned long simd_strlen(const char *s) {
    unsigned long n = 0;
    for (;;) {
        uint8x16_t v = vld1q_u8((const uint8_t *)s + n);
        uint8x16_t z = vceqq_u8(v, vdupq_n_u8(0));
        if (vmaxvq_u8(z)) {
            uint64_t lo = vgetq_lane_u64(vreinterpretq_u64_u8(z), 0);
            uint64_t hi = vgetq_lane_u64(vreinterpretq_u64_u8(z), 1);
            return n + (lo ? (unsigned long)__builtin_ctzll(lo) / 8 : 8 + (unsigned long)__builtin_ctzll(hi) / 8);
        }
        n += 16;
    }
}

__attribute__((noinline)) static int32_t dot(const int32_t *a, const int32_t *b) {
    int32_t s = 0;
    for (int i = 0; i < N; i++) s += a[i] * b[i];
    return s;
}

__attribute__((noinline)) static void int_loops(void) {
    for (int i = 0; i < N; i++) ic[i] = (ia[i] + ib[i]) >> 1;
    for (int i = 0; i < N; i++) ic[i] ^= (ia[i] > ib[i]) ? ia[i] : ib[i];
    for (int i = 0; i < N; i++) ic[i] += sa[i];  /* widening */
    for (int i = 0; i < N; i++) sa[i] = (int16_t)(ic[i] >> 3);  /* narrowing */
    for (int i = 0; i < N; i++) src[i] = (uint8_t)(src[i] * 3 + (src[i] >> 2));
}

__attribute__((noinline)) static int32_t max_reduce(const int32_t *a) {
    int32_t m = a[0];
    for (int i = 1; i < N; i++) m = a[i] > m ? a[i] : m;
    return m;
}

__attribute__((noinline)) static void float_loops(float k) {
    for (int i = 0; i < N; i++) fc[i] = fa[i] * k + fb[i];
    for (int i = 0; i < N; i++) fc[i] = fc[i] / (fb[i] + 3.0f);
    for (int i = 0; i < N; i++) ic[i] = (int32_t)(fc[i] * 100.0f);
    for (int i = 0; i < N; i++) fa[i] = (float)ia[i] * 0.25f;
    for (int i = 0; i < N; i++) da[i] = (double)fc[i] * db[i] - 1.0;
    for (int i = 0; i < N; i++) fb[i] = fa[i] < fb[i] ? fa[i] : fb[i];
}

__attribute__((noinline)) static uint64_t scalar_fp(void) {
    uint64_t h = 0;
    double x = 0.1;
    for (int i = 0; i < 200; i++) {
        double y = __builtin_sqrt(x * 3.0 + (double)i) / (1.0 + x);
        float f = (float)y;
        double r = __builtin_fma(y, x, -0.5);
        long n = (long)(y * 1000.0);
        unsigned long u = (unsigned long)__builtin_floor(y * 7.0);
        double rounded = __builtin_round(y * 3.3) + __builtin_ceil(x) + __builtin_trunc(-y);
        __fp16 half = (__fp16)f;
        x = r < 0 ? -r : r + (double)half * 0.001;
        h = h * 31 + (uint64_t)n + u + (uint64_t)(int64_t)rounded;
        union { double d; uint64_t u; } bits = { x };
        h ^= bits.u;
    }
    return h;
}

/* Reductions gcc vectorises only with -ffast-math (reassociation): FADDP/FMAXNMV/FMINNMV, and
 * a reciprocal square root through FRSQRTE and FRSQRTS steps. */
__attribute__((noinline, optimize("fast-math"))) static uint64_t fast_math(void) {
    float sum = 0.0f, mx = -1e30f, mn = 1e30f;
    for (int i = 0; i < N; i++) {
        sum += fa[i] * fb[i];
        mx = fa[i] > mx ? fa[i] : mx;
        mn = fb[i] < mn ? fb[i] : mn;
    }
    float32x4_t x = vld1q_f32(&fb[8]);
    float32x4_t e = vrsqrteq_f32(x);
    e = vmulq_f32(e, vrsqrtsq_f32(vmulq_f32(x, e), e));
    float32x4_t r = vrecpeq_f32(x);
    r = vmulq_f32(r, vrecpsq_f32(x, r));
    union { float f[3]; uint32_t u[3]; } bits = { { sum, mx, mn } };
    return hash(bits.u, sizeof bits.u) ^ hash(&e, sizeof e) ^ hash(&r, sizeof r);
}

/* Integer AdvSIMD through intrinsics: population counts, byte reversal, absolute differences,
 * saturation, table lookup, interleaving, widening multiplies, narrowing shifts, pairwise adds. */
__attribute__((noinline)) static uint64_t intrinsics(void) {
    uint64_t h = 0;
    for (int i = 0; i + 16 <= N; i += 16) {
        uint8x16_t a = vld1q_u8(&src[i]), b = vld1q_u8(&dst[i]);
        uint8x16_t sat = vqaddq_u8(a, b);
        uint8x16_t idx = vandq_u8(b, vdupq_n_u8(31));
        uint8x16x2_t table = { { a, sat } };
        uint8x16_t looked = vqtbl2q_u8(table, idx);
        uint8x16x2_t zipped = vzipq_u8(looked, vrev64q_u8(a));
        uint16x8_t absdiff = vabdl_u8(vget_low_u8(a), vget_high_u8(b));
        absdiff = vabal_u8(absdiff, vget_high_u8(a), vget_low_u8(b));
        int16x8_t products = vreinterpretq_s16_u16(vmull_u8(vget_low_u8(zipped.val[0]), vget_low_u8(zipped.val[1])));
        int8x8_t narrowed = vqrshrn_n_s16(products, 5);
        uint32x4_t pairs = vpaddlq_u16(absdiff);
        uint8x16_t counts = vcntq_u8(veorq_u8(a, b));
        h = h * 1099511628211ull + vaddvq_u8(counts);
        h ^= vgetq_lane_u64(vreinterpretq_u64_u32(pairs), 1) + (uint64_t)vget_lane_s64(vreinterpret_s64_s8(narrowed), 0);
        h += vgetq_lane_u64(vreinterpretq_u64_u8(zipped.val[1]), 0) ^ (uint64_t)vmaxvq_s16(products);
        h ^= (uint64_t)__builtin_popcountll(h) << 7;
    }
    return h;
}

static void enable_fp(void) {
    __asm__ volatile("mrs x0, cpacr_el1\n orr x0, x0, #(3 << 20)\n msr cpacr_el1, x0\n isb" ::: "x0");
}

__attribute__((noinline)) static void run(void) {
    for (int i = 0; i < N; i++) {
        src[i] = (uint8_t)next();
        ia[i] = (int32_t)next() - (1 << 22);
        ib[i] = (int32_t)(next() & 0xFFFF) - 0x8000;
        sa[i] = (int16_t)next();
        fa[i] = (float)(int32_t)(next() & 0xFFFFF) / 1024.0f - 512.0f;
        fb[i] = (float)(next() & 0xFFFF) / 256.0f;
        db[i] = (double)next() / 65536.0;
        text[i] = (char)('a' + next() % 26);
    }
    text[N - 37] = 0;
    simd_memcpy(dst, src, N);
    report("memcpy", hash(dst, N));
    simd_memcpy(dst + 3, src + 1, N - 7);
    report("memcpy-offset", hash(dst, N));
    simd_memset(dst + 5, 0xA5, 301);
    report("memset", hash(dst, N));
    report("strlen", simd_strlen(text));
    text[13] = 0;
    report("strlen-short", simd_strlen(text));
    report("dot", (uint32_t)dot(ia, ib));
    int_loops();
    report("int-loops", hash(ic, sizeof ic) ^ hash(sa, sizeof sa) ^ hash(src, N));
    report("max", (uint32_t)max_reduce(ic));
    float_loops(2.5f);
    report("float-loops", hash(fc, sizeof fc) ^ hash(ic, sizeof ic) ^ hash(fa, sizeof fa) ^ hash(da, sizeof da) ^ hash(fb, sizeof fb));
    report("scalar-fp", scalar_fp());
    report("fast-math", fast_math());
    report("intrinsics", intrinsics());
    uint32_t fpsr;
    __asm__ volatile("mrs %x0, fpsr" : "=r"(fpsr));
    report("fpsr", fpsr);
}

int main(void) {
    enable_fp();
    run();
    uart_puts("fpsimd done\n");
    return 0;
}
