/* SPDX-License-Identifier: MIT */
/* <byteswap.h> (glibc): bswap_16/32/64, the compiler's byte swaps. */
#ifndef MOSAIC_BYTESWAP_H
#define MOSAIC_BYTESWAP_H

#include <stdint.h>

#define bswap_16(x) __builtin_bswap16((uint16_t)(x))
#define bswap_32(x) __builtin_bswap32((uint32_t)(x))
#define bswap_64(x) __builtin_bswap64((uint64_t)(x))

#endif /* MOSAIC_BYTESWAP_H */
