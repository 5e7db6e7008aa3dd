/* SPDX-License-Identifier: MIT */
/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit hash for
 * tables and values that outside input must not be able to steer (hash
 * flooding, predictable sequence numbers). Keep the key secret and
 * random (getrandom()). Any task; no state.
 */
#ifndef MOSAIC_SIPHASH_H
#define MOSAIC_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t mosaic_siphash24(const uint64_t key[2], const void *msg, size_t len);

#endif /* MOSAIC_SIPHASH_H */
