#ifndef CUNICORN_SHIM_H
#define CUNICORN_SHIM_H
#include <unicorn/unicorn.h>

/* uc_ctl is variadic and does not import into Swift: wrap the calls the tests use. */
static inline uc_err CUnicorn_set_cpu_model(uc_engine *uc, int model) {
    return uc_ctl(uc, UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1), model);
}
/* Drops translated blocks of [begin, end): code rewritten by uc_mem_write is otherwise not
 * always retranslated (seen with 2.0.1 when a new program reuses the code page). */
static inline uc_err CUnicorn_remove_cache(uc_engine *uc, uint64_t begin, uint64_t end) {
    return uc_ctl(uc, UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2), begin, end);
}
/* uc_hook_add is variadic: an interrupt hook over all addresses. */
static inline uc_err CUnicorn_hook_intr(uc_engine *uc, uc_hook *hh, void (*cb)(uc_engine *, uint32_t, void *), void *user) {
    return uc_hook_add(uc, hh, UC_HOOK_INTR, (void *)cb, user, 1, 0);
}
#endif
