#ifndef CELF_SHIM_H
#define CELF_SHIM_H
#include <libelf.h>
#include <gelf.h>

/* Function-like macros do not import into Swift: wrap the ones we use. */
static inline unsigned char CElf_st_type(unsigned char info) { return GELF_ST_TYPE(info); }
static inline unsigned char CElf_st_bind(unsigned char info) { return GELF_ST_BIND(info); }
#endif
