#ifndef CUNICORN_SHIM_H
#define CUNICORN_SHIM_H
#include <unicorn/unicorn.h>

/* uc_ctl is variadic and does not import into Swift: wrap the calls the tests use. */
static inline uc_err CUnicorn_set_cpu_model(uc_engine *uc, int model) {
    return uc_ctl(uc, UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1), model);
}
#endif
