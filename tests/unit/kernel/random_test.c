/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/lib/chacha20.c (RFC 8439 §2.3.2 and §A.1 vectors)
 * and kernel/lib/random.c: output and mixing against a model of the
 * documented constructions, uniqueness, forward secrecy, and seeding with
 * a fake arch_hw_random() that works, is absent or fails its health check.
 */

#include <kernel/chacha20.h>
#include <kernel/errno.h>
#include <kernel/log.h>
#include <kernel/random.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define UNIQUE_CALLS 100000
#define STREAM_BYTES 5000

static const char warn_no_hw[] = "mosaic: no hardware random source (RDRAND); "
				 "keys and canaries are predictable\n";

/* --- fakes ------------------------------------------------------------ */

enum hw_mode {
	HW_WORKS, /* distinct values, as a healthy RDRAND */
	HW_NODEV, /* a CPU without RDRAND */
	HW_STUCK, /* the health check failed: -EIO from now on */
	HW_FAIL_LATE, /* two good words, then -EIO */
};

static enum hw_mode hw_mode;
static int hw_calls;
static uint64_t hw_state;

/* splitmix64: distinct outputs for distinct states. */
static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The TSC stand-in: a changing value that tests can restart. */
static uint64_t cycles_now;

uint64_t arch_cycles(void)
{
	return cycles_now += 12345;
}

int arch_hw_random(uint64_t *out)
{
	hw_calls++;
	switch (hw_mode) {
	case HW_NODEV:
		return -ENODEV;
	case HW_STUCK:
		return -EIO;
	case HW_FAIL_LATE:
		if (hw_calls > 2)
			return -EIO;
		break;
	case HW_WORKS:
		break;
	}
	*out = splitmix64(&hw_state);
	return 0;
}

static int warn_count;
static char warn_text[256];

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	assert_int_equal(level, LOG_WARN);
	va_start(ap, fmt);
	vsnprintf(warn_text, sizeof(warn_text), fmt, ap);
	va_end(ap);
	warn_count++;
}

/* --- a model of the documented constructions --------------------------- */

static const uint32_t zero_nonce[3];

/* Reads n little-endian words from bytes, as RFC 8439 §2.3 does. */
static void le_words(uint32_t *w, const uint8_t *bytes, int n)
{
	int i;

	for (i = 0; i < n; i++)
		w[i] = (uint32_t)bytes[4 * i] |
		       (uint32_t)bytes[4 * i + 1] << 8 |
		       (uint32_t)bytes[4 * i + 2] << 16 |
		       (uint32_t)bytes[4 * i + 3] << 24;
}

static void model_block(const uint8_t key[32], uint32_t counter,
			const uint32_t nonce[3], uint8_t out[64])
{
	uint32_t w[8];

	le_words(w, key, 8);
	chacha20_block(w, counter, nonce, out);
}

/* Fast key erasure: key := block 0 [0, 32), output from byte 32 on. */
static void model_bytes(uint8_t key[32], uint8_t *out, size_t len)
{
	uint8_t ks[16 * 64];
	uint32_t i;

	while (len) {
		size_t n =
			len < RANDOM_BYTES_PER_KEY ? len : RANDOM_BYTES_PER_KEY;

		for (i = 0; i < 16; i++)
			model_block(key, i, zero_nonce, ks + 64 * i);
		memcpy(key, ks, 32);
		memcpy(out, ks + 32, n);
		out += n;
		len -= n;
	}
}

/* The cascade: 12-byte pieces at counter 2^31, then the length. */
static void model_mix(uint8_t key[32], const uint8_t *in, size_t len)
{
	uint8_t piece[12], block[64];
	uint32_t nonce[3];
	size_t off = 0;

	do {
		size_t n = len - off < 12 ? len - off : 12;

		memset(piece, 0, sizeof(piece));
		memcpy(piece, in + off, n);
		le_words(nonce, piece, 3);
		model_block(key, 0x80000000u, nonce, block);
		memcpy(key, block, 32);
		off += 12;
	} while (off < len);
	nonce[0] = (uint32_t)len;
	nonce[1] = (uint32_t)((uint64_t)len >> 32);
	nonce[2] = 0;
	model_block(key, 0x80000001u, nonce, block);
	memcpy(key, block, 32);
}

static const uint8_t test_key[32] = { 0xde, 0xad, 0xbe, 0xef, 1,  2,  3,  4,
				      5,    6,	  7,	8,    9,  10, 11, 12,
				      13,   14,	  15,	16,   17, 18, 19, 20,
				      21,   22,	  23,	24,   25, 26, 27, 28 };

static int setup(void **state)
{
	(void)state;
	random_seed_for_test(NULL);
	hw_mode = HW_WORKS;
	hw_calls = 0;
	hw_state = 1;
	warn_count = 0;
	warn_text[0] = '\0';
	return 0;
}

/* --- ChaCha20 ---------------------------------------------------------- */

static void test_chacha20_rfc8439_2_3_2(void **state)
{
	static const uint8_t expect[64] = {
		0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f,
		0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7,
		0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4,
		0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09,
		0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12,
		0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8,
		0xa2, 0x50, 0x3c, 0x4e,
	};
	/* Nonce bytes 00 00 00 09 00 00 00 4a 00 00 00 00, little-endian. */
	static const uint32_t nonce[3] = { 0x09000000, 0x4a000000, 0 };
	uint8_t key[32], out[64];
	int i;

	(void)state;
	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	model_block(key, 1, nonce, out);
	assert_memory_equal(out, expect, 64);
}

static void test_chacha20_rfc8439_a1(void **state)
{
	static const uint8_t expect1[64] = {
		0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90, 0x40, 0x5d,
		0x6a, 0xe5, 0x53, 0x86, 0xbd, 0x28, 0xbd, 0xd2, 0x19, 0xb8,
		0xa0, 0x8d, 0xed, 0x1a, 0xa8, 0x36, 0xef, 0xcc, 0x8b, 0x77,
		0x0d, 0xc7, 0xda, 0x41, 0x59, 0x7c, 0x51, 0x57, 0x48, 0x8d,
		0x77, 0x24, 0xe0, 0x3f, 0xb8, 0xd8, 0x4a, 0x37, 0x6a, 0x43,
		0xb8, 0xf4, 0x15, 0x18, 0xa1, 0x1c, 0xc3, 0x87, 0xb6, 0x69,
		0xb2, 0xee, 0x65, 0x86,
	};
	static const uint8_t expect2[64] = {
		0x9f, 0x07, 0xe7, 0xbe, 0x55, 0x51, 0x38, 0x7a, 0x98, 0xba,
		0x97, 0x7c, 0x73, 0x2d, 0x08, 0x0d, 0xcb, 0x0f, 0x29, 0xa0,
		0x48, 0xe3, 0x65, 0x69, 0x12, 0xc6, 0x53, 0x3e, 0x32, 0xee,
		0x7a, 0xed, 0x29, 0xb7, 0x21, 0x76, 0x9c, 0xe6, 0x4e, 0x43,
		0xd5, 0x71, 0x33, 0xb0, 0x74, 0xd8, 0x39, 0xd5, 0x31, 0xed,
		0x1f, 0x28, 0x51, 0x0a, 0xfb, 0x45, 0xac, 0xe1, 0x0a, 0x1f,
		0x4b, 0x79, 0x4d, 0x6f,
	};
	static const uint32_t key[8];
	uint8_t out[64];

	(void)state;
	chacha20_block(key, 0, zero_nonce, out);
	assert_memory_equal(out, expect1, 64);
	chacha20_block(key, 1, zero_nonce, out);
	assert_memory_equal(out, expect2, 64);
}

/* --- output ------------------------------------------------------------ */

static void test_outputs_differ(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	assert_int_not_equal(random_u64(), random_u64());
	random_bytes(a, sizeof(a));
	random_bytes(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	random_bytes(NULL, 0);
}

/* True when needle (n bytes) occurs anywhere in hay (len bytes). */
static bool contains(const uint8_t *hay, size_t len, const uint8_t *needle,
		     size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++) {
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	}
	return false;
}

static int cmp32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static void test_no_repeat(void **state)
{
	uint8_t(*out)[32] = malloc(UNIQUE_CALLS * sizeof(*out));
	int i;

	(void)state;
	assert_non_null(out);
	for (i = 0; i < UNIQUE_CALLS; i++)
		random_bytes(out[i], 32);
	qsort(out, UNIQUE_CALLS, sizeof(*out), cmp32);
	for (i = 1; i < UNIQUE_CALLS; i++)
		assert_memory_not_equal(out[i - 1], out[i], 32);
	free(out);
}

/* Call sizes around every block and key boundary, checked one by one. */
static void test_matches_model(void **state)
{
	static const size_t lens[] = {
		0,
		1,
		8,
		31,
		32,
		33,
		63,
		64,
		95,
		96,
		97,
		RANDOM_BYTES_PER_KEY - 1,
		RANDOM_BYTES_PER_KEY,
		RANDOM_BYTES_PER_KEY + 1,
		3 * RANDOM_BYTES_PER_KEY + 7,
	};
	uint8_t key[32], got[4096], want[4096];
	size_t i;

	(void)state;
	memcpy(key, test_key, 32);
	random_seed_for_test(test_key);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(got, 0xa5, sizeof(got));
		memset(want, 0xa5, sizeof(want));
		random_bytes(got, lens[i]);
		model_bytes(key, want, lens[i]);
		assert_memory_equal(got, want, sizeof(got));
	}
}

static void test_deterministic(void **state)
{
	uint8_t a[STREAM_BYTES], b[STREAM_BYTES];
	uint8_t *out[2] = { a, b };
	size_t off, n;
	int run, rc;

	(void)state;
	for (run = 0; run < 2; run++) {
		random_seed_for_test(test_key);
		for (off = 0, n = 1; off < STREAM_BYTES;
		     off += n, n = n * 3 % 700) {
			if (n > STREAM_BYTES - off)
				n = STREAM_BYTES - off;
			random_bytes(out[run] + off, n);
			rc = random_add_entropy(&off, sizeof(off));
			assert_int_equal(rc, 0);
		}
	}
	assert_memory_equal(a, b, STREAM_BYTES);
	assert_int_equal(hw_calls, 0);
}

/*
 * After a call, the generator continues exactly as a fresh one keyed with
 * block 0 [0, 32) of the old key: the old key is gone from the state, and
 * the new key appears nowhere in what was handed out.
 */
static void test_forward_secrecy(void **state)
{
	uint8_t next[32], out[64], later[64], fresh[64], block[64];

	(void)state;
	random_seed_for_test(test_key);
	random_bytes(out, sizeof(out));
	random_bytes(later, sizeof(later));

	model_block(test_key, 0, zero_nonce, block);
	memcpy(next, block, 32);
	assert_memory_not_equal(next, test_key, 32);
	assert_false(contains(out, sizeof(out), next, 8));
	assert_false(contains(out, sizeof(out), test_key, 8));

	random_seed_for_test(next);
	random_bytes(fresh, sizeof(fresh));
	assert_memory_equal(later, fresh, sizeof(later));
}

/* --- mixing ------------------------------------------------------------ */

static void test_add_entropy_changes_output(void **state)
{
	static const uint8_t a[2] = { 'a', 0 };
	uint8_t base[32], with_a[32], with_a0[32];
	int rc;

	(void)state;
	random_seed_for_test(test_key);
	random_bytes(base, 32);

	random_seed_for_test(test_key);
	rc = random_add_entropy(a, 1);
	assert_int_equal(rc, 0);
	random_bytes(with_a, 32);
	assert_memory_not_equal(base, with_a, 32);

	/* "a" and "a\0" pad to the same piece; the length tells them apart. */
	random_seed_for_test(test_key);
	rc = random_add_entropy(a, 2);
	assert_int_equal(rc, 0);
	random_bytes(with_a0, 32);
	assert_memory_not_equal(with_a, with_a0, 32);
	assert_memory_not_equal(base, with_a0, 32);
}

static void test_add_entropy_matches_model(void **state)
{
	uint8_t in[40], key[32], got[100], want[100];
	size_t len;
	int i, rc;

	(void)state;
	for (i = 0; i < 40; i++)
		in[i] = (uint8_t)(i * 7 + 1);
	for (len = 1; len <= sizeof(in); len++) {
		memcpy(key, test_key, 32);
		random_seed_for_test(test_key);
		rc = random_add_entropy(in, len);
		assert_int_equal(rc, 0);
		random_bytes(got, sizeof(got));
		model_mix(key, in, len);
		model_bytes(key, want, sizeof(want));
		assert_memory_equal(got, want, sizeof(got));
	}
}

static void test_add_entropy_args(void **state)
{
	uint8_t base[32], got[32];

	(void)state;
	random_seed_for_test(test_key);
	random_bytes(base, 32);

	random_seed_for_test(test_key);
	assert_int_equal(random_add_entropy(NULL, 4), -EINVAL);
	assert_int_equal(random_add_entropy(NULL, 0), 0);
	assert_int_equal(random_add_entropy(base, 0), 0);
	random_bytes(got, 32);
	assert_memory_equal(base, got, 32);
}

/* --- seeding ----------------------------------------------------------- */

static void test_seed_hw(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	assert_false(random_is_seeded_by_hw());
	random_bytes(a, 32); /* seeds lazily */
	assert_int_equal(hw_calls, 4);
	assert_true(random_is_seeded_by_hw());
	random_bytes(b, 32);
	assert_memory_not_equal(a, b, 32);
	assert_int_equal(random_init(), 0);
	assert_int_equal(hw_calls, 4);
	assert_int_equal(warn_count, 0);
}

static void test_seed_no_hw(void **state)
{
	(void)state;
	hw_mode = HW_NODEV;
	assert_int_not_equal(random_u64(), random_u64());
	/* Lazy seeding may run before the consoles: it prints nothing. */
	assert_int_equal(warn_count, 0);
	assert_int_equal(random_init(), 0);
	assert_int_equal(random_init(), 0);
	assert_int_equal(warn_count, 1);
	assert_string_equal(warn_text, warn_no_hw);
	assert_false(random_is_seeded_by_hw());
	assert_int_equal(hw_calls, 1);
}

static void test_seed_init_first(void **state)
{
	(void)state;
	hw_mode = HW_NODEV;
	assert_int_equal(random_init(), 0);
	assert_int_equal(warn_count, 1);
	assert_string_equal(warn_text, warn_no_hw);
	random_u64();
	assert_int_equal(random_init(), 0);
	assert_int_equal(warn_count, 1);
	assert_int_equal(hw_calls, 1);
}

static void test_seed_stuck(void **state)
{
	(void)state;
	hw_mode = HW_STUCK;
	assert_int_equal(random_init(), 0);
	random_u64();
	assert_int_equal(random_init(), 0);
	assert_int_equal(warn_count, 1);
	assert_non_null(strstr(warn_text, "health check"));
	assert_non_null(strstr(warn_text, "predictable"));
	assert_false(random_is_seeded_by_hw());
}

static void test_seed_fails_late(void **state)
{
	(void)state;
	hw_mode = HW_FAIL_LATE;
	assert_int_equal(random_init(), 0);
	assert_int_equal(hw_calls, 3);
	assert_int_equal(warn_count, 1);
	assert_false(random_is_seeded_by_hw());
}

/*
 * The first output after a lazy seeding, from a fresh generator whose
 * hardware stream starts at `hw` and which got `pre` (if any) before
 * seeding. Everything else that goes into the seed (the fake TSC, the
 * stack and image addresses) is the same on every call from one test.
 */
static void seeded_output(uint64_t hw, const uint64_t *pre, uint8_t out[32])
{
	random_seed_for_test(NULL);
	hw_mode = HW_WORKS;
	hw_state = hw;
	cycles_now = 0;
	if (pre)
		assert_int_equal(random_add_entropy(pre, sizeof(*pre)), 0);
	random_bytes(out, 32);
}

/* Review finding: no test failed when seeding dropped the RDRAND words or
 * the entropy added before it. Both must change the output; the same
 * inputs must give the same output (so nothing else is varying). */
static void test_seed_uses_hw_words(void **state)
{
	uint8_t a[32], b[32], c[32];

	(void)state;
	seeded_output(1, NULL, a);
	seeded_output(2, NULL, b);
	seeded_output(1, NULL, c);
	assert_memory_equal(a, c, 32);
	assert_memory_not_equal(a, b, 32);
}

/* Entropy added before the first seeding is not thrown away by it. */
static void test_entropy_before_seed(void **state)
{
	uint64_t x = 42, y = 43;
	uint8_t a[32], b[32], c[32];

	(void)state;
	seeded_output(1, &x, a);
	seeded_output(1, &y, b);
	seeded_output(1, &x, c);
	assert_memory_equal(a, c, 32);
	assert_memory_not_equal(a, b, 32);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_chacha20_rfc8439_2_3_2),
		T(test_chacha20_rfc8439_a1),
		T(test_outputs_differ),
		T(test_no_repeat),
		T(test_matches_model),
		T(test_deterministic),
		T(test_forward_secrecy),
		T(test_add_entropy_changes_output),
		T(test_add_entropy_matches_model),
		T(test_add_entropy_args),
		T(test_seed_hw),
		T(test_seed_no_hw),
		T(test_seed_init_first),
		T(test_seed_stuck),
		T(test_seed_fails_late),
		T(test_entropy_before_seed),
		T(test_seed_uses_hw_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
