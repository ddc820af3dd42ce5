#ifndef CUNICORN_SHIM_H
#define CUNICORN_SHIM_H
#include <unicorn/unicorn.h>
#endif
