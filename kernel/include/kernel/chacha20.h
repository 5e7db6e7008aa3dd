/* SPDX-License-Identifier: MIT */
/*
 * The ChaCha20 block function (RFC 8439 §2.3), the one primitive under the
 * kernel random generator (<kernel/random.h>). Only the block function: no
 * stream encryption, no Poly1305, no AEAD. Portable C without SSE.
 */
#ifndef KERNEL_CHACHA20_H
#define KERNEL_CHACHA20_H

#include <stdint.h>

#define CHACHA20_KEY_WORDS 8
#define CHACHA20_NONCE_WORDS 3
#define CHACHA20_BLOCK_BYTES 64

/*
 * Computes one ChaCha20 keystream block (RFC 8439 §2.3): 20 rounds over the
 * state (constants, key, counter, nonce), plus the input state, serialised
 * little-endian into out.
 *   key:     the 256-bit key as eight words; word i is the little-endian
 *            reading of key bytes 4i..4i+3 (RFC 8439 §2.3)
 *   counter: the 32-bit block counter
 *   nonce:   the 96-bit nonce as three words, read like the key
 *   out:     receives the 64-byte block; may not overlap key or nonce
 * Constant time: no branch or memory index depends on the inputs. Leaves no
 * copy of the key or state on the stack it used. Pure; any context.
 */
void chacha20_block(const uint32_t key[CHACHA20_KEY_WORDS], uint32_t counter,
		    const uint32_t nonce[CHACHA20_NONCE_WORDS],
		    uint8_t out[CHACHA20_BLOCK_BYTES]);

#endif /* KERNEL_CHACHA20_H */
