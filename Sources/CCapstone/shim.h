#ifndef CCAPSTONE_SHIM_H
#define CCAPSTONE_SHIM_H
#include <capstone/capstone.h>
#endif
