/* SPDX-License-Identifier: MIT */
/*
 * The ChaCha20 block function, RFC 8439 §2.1-2.3: quarter rounds on a 4x4
 * state of 32-bit words, 10 double rounds (column then diagonal), then the
 * input state added back. Additions, xors and fixed rotations only, so it
 * runs in constant time.
 */
#include <kernel/chacha20.h>

#define CHACHA20_STATE_WORDS 16

/* "expand 32-byte k" read as four little-endian words (RFC 8439 §2.3). */
static const uint32_t chacha20_sigma[4] = { 0x61707865, 0x3320646e, 0x79622d32,
					    0x6b206574 };

static inline uint32_t rotl32(uint32_t v, unsigned int n)
{
	return (v << n) | (v >> (32 - n));
}

/* RFC 8439 §2.1 */
static inline void quarter_round(uint32_t *x, int a, int b, int c, int d)
{
	x[a] += x[b];
	x[d] = rotl32(x[d] ^ x[a], 16);
	x[c] += x[d];
	x[b] = rotl32(x[b] ^ x[c], 12);
	x[a] += x[b];
	x[d] = rotl32(x[d] ^ x[a], 8);
	x[c] += x[d];
	x[b] = rotl32(x[b] ^ x[c], 7);
}

static void store_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Zeroes key-derived words; volatile so the stores are not elided. */
static void wipe_words(uint32_t *w, int n)
{
	volatile uint32_t *v = w;
	int i;

	for (i = 0; i < n; i++)
		v[i] = 0;
}

void chacha20_block(const uint32_t key[CHACHA20_KEY_WORDS], uint32_t counter,
		    const uint32_t nonce[CHACHA20_NONCE_WORDS],
		    uint8_t out[CHACHA20_BLOCK_BYTES])
{
	uint32_t in[CHACHA20_STATE_WORDS], x[CHACHA20_STATE_WORDS];
	int i;

	for (i = 0; i < 4; i++)
		in[i] = chacha20_sigma[i];
	for (i = 0; i < CHACHA20_KEY_WORDS; i++)
		in[4 + i] = key[i];
	in[12] = counter;
	for (i = 0; i < CHACHA20_NONCE_WORDS; i++)
		in[13 + i] = nonce[i];

	for (i = 0; i < CHACHA20_STATE_WORDS; i++)
		x[i] = in[i];
	for (i = 0; i < 10; i++) {
		quarter_round(x, 0, 4, 8, 12);
		quarter_round(x, 1, 5, 9, 13);
		quarter_round(x, 2, 6, 10, 14);
		quarter_round(x, 3, 7, 11, 15);
		quarter_round(x, 0, 5, 10, 15);
		quarter_round(x, 1, 6, 11, 12);
		quarter_round(x, 2, 7, 8, 13);
		quarter_round(x, 3, 4, 9, 14);
	}
	for (i = 0; i < CHACHA20_STATE_WORDS; i++)
		store_le32(out + 4 * i, x[i] + in[i]);

	wipe_words(in, CHACHA20_STATE_WORDS);
	wipe_words(x, CHACHA20_STATE_WORDS);
}
