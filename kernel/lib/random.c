/* SPDX-License-Identifier: MIT */
/*
 * The kernel random generator (<kernel/random.h>): a 32-byte ChaCha20 key
 * (RFC 8439 §2.3) used with fast key erasure, and a mixing function built
 * from the same block function; both are described before their code.
 * Seeds from arch_hw_random() (RDRAND) and weak sources. No entropy
 * accounting, no blocking, no hash other than the cascade below.
 */
#include <kernel/random.h>

#include <kernel/arch.h>
#include <kernel/chacha20.h>
#include <kernel/compiler.h>
#include <kernel/errno.h>
#include <kernel/init.h>
#include <kernel/log.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

#define RNG_BLOCKS_PER_KEY 16
#define RNG_MIX_PIECE_BYTES (CHACHA20_NONCE_WORDS * 4)
#define RNG_MIX_ABSORB 0x80000000u
#define RNG_MIX_FINAL 0x80000001u
#define RNG_HW_WORDS (RANDOM_KEY_BYTES / 8)

BUILD_ASSERT(RANDOM_KEY_BYTES == CHACHA20_KEY_WORDS * 4);
BUILD_ASSERT(RANDOM_BYTES_PER_KEY + RANDOM_KEY_BYTES ==
	     RNG_BLOCKS_PER_KEY * CHACHA20_BLOCK_BYTES);
/* Output counters stay below the mixing counters (domain separation). */
BUILD_ASSERT(RNG_BLOCKS_PER_KEY <= RNG_MIX_ABSORB);

/*
 * Locking: [G random lock] guards every field.
 */
struct rng_state {
	uint32_t rng_key[CHACHA20_KEY_WORDS]; /* [G] the only secret */
	bool rng_seeded; /* [G] rng_seed() or the test hook ran */
	bool rng_hw; /* [G] seeded with RNG_HW_WORDS healthy hw words */
	bool rng_reported; /* [G] random_init() has reported */
	int rng_hw_err; /* [G] arch_hw_random() error while seeding, or 0 */
};

static struct rng_state rng;
static struct spinlock random_lock = SPINLOCK_INIT("random");

static const uint32_t rng_zero_nonce[CHACHA20_NONCE_WORDS];

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Zeroes secrets; volatile so the stores survive dead-store elimination. */
static void rng_wipe(void *p, size_t len)
{
	volatile uint8_t *v = p;

	while (len--)
		*v++ = 0;
}

/* The new key is the first RANDOM_KEY_BYTES of block, little-endian. */
static void rng_set_key(const uint8_t *block)
{
	int i;

	for (i = 0; i < CHACHA20_KEY_WORDS; i++)
		rng.rng_key[i] = load_le32(block + 4 * i);
}

/*
 * Output, fast key erasure (Bernstein 2017). With key K, block i is
 * ChaCha20(K, counter i, nonce 0) for i < RNG_BLOCKS_PER_KEY. The first 32
 * bytes of block 0 become the next key, replacing K before any byte is
 * copied out; the output is the last 32 bytes of block 0, then blocks 1,
 * 2, ... as far as len needs (the unused tail of the last block is
 * dropped). K is then wiped, so no later state can recompute this output,
 * and since every call runs under a new key, no output is served twice.
 * len <= RANDOM_BYTES_PER_KEY.
 */
static void rng_generate(uint8_t *out, size_t len)
{
	uint32_t old[CHACHA20_KEY_WORDS];
	uint8_t block[CHACHA20_BLOCK_BYTES];
	size_t done, n;
	uint32_t ctr;

	memcpy(old, rng.rng_key, sizeof(old));
	chacha20_block(old, 0, rng_zero_nonce, block);
	rng_set_key(block);
	done = CHACHA20_BLOCK_BYTES - RANDOM_KEY_BYTES;
	if (done > len)
		done = len;
	memcpy(out, block + RANDOM_KEY_BYTES, done);
	for (ctr = 1; done < len; ctr++) {
		chacha20_block(old, ctr, rng_zero_nonce, block);
		n = len - done < sizeof(block) ? len - done : sizeof(block);
		memcpy(out + done, block, n);
		done += n;
	}
	rng_wipe(old, sizeof(old));
	rng_wipe(block, sizeof(block));
}

/* Reads up to 12 bytes of p (avail bytes left) as a zero-padded nonce. */
static void rng_load_piece(uint32_t *piece, const uint8_t *p, size_t avail)
{
	uint8_t bytes[RNG_MIX_PIECE_BYTES] = { 0 };
	int i;

	memcpy(bytes, p, avail < sizeof(bytes) ? avail : sizeof(bytes));
	for (i = 0; i < CHACHA20_NONCE_WORDS; i++)
		piece[i] = load_le32(bytes + 4 * i);
	rng_wipe(bytes, sizeof(bytes));
}

/*
 * Mixing, a cascade over the block function keyed by the current key K_0:
 * split the input into 12-byte pieces P_1..P_n (n >= 1, the last
 * zero-padded), then
 *   K_i = first 32 bytes of ChaCha20(K_{i-1}, counter 2^31,     nonce P_i)
 *   K   = first 32 bytes of ChaCha20(K_n,     counter 2^31 + 1, nonce L)
 * where L is the input length in bytes as (low word, high word, 0). The
 * counters at 2^31 keep mixing apart from output (counters below 16); the
 * distinct final counter makes the encoding prefix-free, so while K_0 is
 * secret, K is a pseudorandom function of the input (Bellare, Canetti,
 * Krawczyk, "Pseudorandom functions revisited: the cascade construction",
 * FOCS 1996). While K_0 is known (nothing seeded yet), K is as hard to
 * guess as the input, assuming ChaCha20 acts as a random function of the
 * nonce. in has len > 0 bytes.
 */
static void rng_mix(const uint8_t *in, size_t len)
{
	uint32_t piece[CHACHA20_NONCE_WORDS];
	uint8_t block[CHACHA20_BLOCK_BYTES];
	size_t off = 0;

	do {
		rng_load_piece(piece, in + off, len - off);
		chacha20_block(rng.rng_key, RNG_MIX_ABSORB, piece, block);
		rng_set_key(block);
		off += RNG_MIX_PIECE_BYTES;
	} while (off < len);
	piece[0] = (uint32_t)len;
	piece[1] = (uint32_t)((uint64_t)len >> 32);
	piece[2] = 0;
	chacha20_block(rng.rng_key, RNG_MIX_FINAL, piece, block);
	rng_set_key(block);
	rng_wipe(piece, sizeof(piece));
	rng_wipe(block, sizeof(block));
}

/*
 * Mixes RNG_HW_WORDS hardware words (when the source is healthy) and weak
 * sources into the key: the TSC before and after the hardware draws (boot
 * time and its jitter), a stack address and an image address. The weak
 * sources are guessable on a known image; they only make two boots of
 * one image differ. Records the hardware result for random_init().
 */
static void rng_seed(void)
{
	uint64_t seed[RNG_HW_WORDS + 4] = { 0 };
	int i, rc = 0;

	seed[0] = arch_cycles();
	for (i = 0; i < RNG_HW_WORDS && rc == 0; i++)
		rc = arch_hw_random(&seed[1 + i]);
	seed[RNG_HW_WORDS + 1] = arch_cycles();
	seed[RNG_HW_WORDS + 2] = (uintptr_t)seed;
	seed[RNG_HW_WORDS + 3] = (uintptr_t)&rng;
	rng_mix((const uint8_t *)seed, sizeof(seed));
	rng_wipe(seed, sizeof(seed));
	rng.rng_hw_err = rc;
	rng.rng_hw = rc == 0;
	rng.rng_seeded = true;
}

int random_init(void)
{
	bool report;

	spin_lock(&random_lock);
	if (!rng.rng_seeded)
		rng_seed();
	report = !rng.rng_reported;
	rng.rng_reported = true;
	spin_unlock(&random_lock);
	if (!report)
		return 0;
	if (rng.rng_hw_err == -ENODEV)
		log_warn(
			"mosaic: no hardware random source (RDRAND); keys and canaries are predictable\n");
	else if (rng.rng_hw_err)
		log_warn(
			"mosaic: hardware random source (RDRAND) failed its health check (%d); keys and canaries are predictable\n",
			rng.rng_hw_err);
	return 0;
}
INITCALL(core, random_init);

static void rng_fill(void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t n;

	spin_lock(&random_lock);
	if (!rng.rng_seeded)
		rng_seed();
	while (len) {
		n = len < RANDOM_BYTES_PER_KEY ? len : RANDOM_BYTES_PER_KEY;
		rng_generate(p, n);
		p += n;
		len -= n;
	}
	spin_unlock(&random_lock);
}

void random_bytes(void *buf, size_t len)
{
	/* Randomness asked for after boot (libc's getrandom() and kin, the
	 * network stack) is what a device source improves: an image that
	 * asks for it links the entropy drivers. The kernel's own keys and
	 * canaries (random_u64()) do not: hello needs no virtio core. */
	DRIVER_CLASS_USE(rng);
	rng_fill(buf, len);
}

uint64_t random_u64(void)
{
	uint64_t v;

	rng_fill(&v, sizeof(v));
	return v;
}

int random_add_entropy(const void *buf, size_t len)
{
	if (!len)
		return 0;
	if (!buf)
		return -EINVAL;
	spin_lock(&random_lock);
	rng_mix(buf, len);
	spin_unlock(&random_lock);
	return 0;
}

bool random_is_seeded_by_hw(void)
{
	return rng.rng_hw;
}

void random_seed_for_test(const uint8_t *key)
{
	rng_wipe(&rng, sizeof(rng));
	if (!key)
		return;
	rng_set_key(key);
	rng.rng_seeded = true;
	rng.rng_reported = true;
}
