/* SPDX-License-Identifier: MIT */
/*
 * <stdint.h>. GCC's own header only defines the types itself in a
 * freestanding compile; a hosted one (tools/mosaic-cc) would look for the
 * C library's through #include_next, so the C library here is that one,
 * and it takes the compiler's definitions, which are right for any target.
 */
#ifndef _MOSAIC_STDINT_H
#define _MOSAIC_STDINT_H

#include <stdint-gcc.h>

#endif /* _MOSAIC_STDINT_H */
