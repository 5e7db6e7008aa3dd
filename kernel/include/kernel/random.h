/* SPDX-License-Identifier: MIT */
/*
 * The kernel random generator, for keys and canaries: a ChaCha20 CSPRNG
 * (RFC 8439 §2.3 block function) with fast key erasure (D. J. Bernstein,
 * "Fast-key-erasure random-number generators", 2017), seeded from RDRAND
 * (<kernel/arch.h>) and weak boot-time sources. Not a /dev/random: it
 * never blocks and does not estimate entropy. virtio-rng joins it later.
 */
#ifndef KERNEL_RANDOM_H
#define KERNEL_RANDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

#define RANDOM_KEY_BYTES 32

/*
 * One key serves at most this many bytes of output: 16 ChaCha20 blocks
 * less the 32 bytes that become the next key. random_bytes() serves longer
 * requests in pieces of this size, each under a fresh key.
 */
#define RANDOM_BYTES_PER_KEY (16 * 64 - RANDOM_KEY_BYTES)

/*
 * Seeds the generator, unless random_bytes() already did, and prints one
 * warning line when no healthy hardware source was found: then the seed is
 * guessable and so are keys and canaries. Registered as a "core"
 * initcall; calling it again does nothing. Returns 0 (a missing hardware
 * source is survivable and already reported). Boot only; does not yield.
 */
int random_init(void);

/*
 * Fills buf with len random bytes. Seeds the generator on first use, so it
 * works before the initcalls run (heap key, stack canaries); that seeding
 * prints nothing, random_init() reports on it later. Every call replaces
 * the key before output leaves, so a later memory disclosure does not
 * reveal earlier output (forward secrecy).
 *   buf: caller-owned, len bytes; may be NULL when len is 0
 * Never fails, never blocks, does not yield or allocate. Takes
 * [G random lock]; any context but NMI.
 */
void random_bytes(void *buf, size_t len);

/* A random 64-bit value; random_bytes() of 8 bytes, same context. */
uint64_t random_u64(void);

/*
 * Mixes len bytes of buf into the key (construction: kernel/lib/random.c).
 * The input need not be secret or uniform: mixing never lowers the key's
 * unpredictability. Bytes mixed in before the first seeding are kept.
 *   buf: caller-owned, read only during the call
 * Returns 0 (len 0 is a no-op) or -EINVAL when buf is NULL and len is not
 * 0. Same context as random_bytes().
 */
int __must_check random_add_entropy(const void *buf, size_t len);

/*
 * True when the generator was seeded with 256 bits from a hardware source
 * that passed its health check; false on a CPU without RDRAND, after a
 * failed health check, and before the generator is seeded (by the first
 * random_bytes() or random_init()). Any context.
 */
bool random_is_seeded_by_hw(void);

/*
 * For host unit tests only; kernel code never calls it. Puts the generator
 * back in its boot state (unseeded, all-zero key, nothing reported) when
 * key is NULL; otherwise marks it seeded, not by hardware, with exactly
 * key (RANDOM_KEY_BYTES, read little-endian as ChaCha20 key words), so
 * its output is a fixed function of key and of later inputs.
 */
void random_seed_for_test(const uint8_t *key);

#endif /* KERNEL_RANDOM_H */
