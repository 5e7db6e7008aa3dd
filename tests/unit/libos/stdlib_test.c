/* SPDX-License-Identifier: MIT */
/*
 * <stdlib.h> searching, sorting, environment and random numbers
 * (libos/libc/stdlib.c) on the host, with glibc as the oracle where the
 * result is unique: qsort on seeded random arrays of many lengths and
 * element sizes and on adversarial inputs (with comparison counts, and
 * McIlroy's "antiqsort" adversary), bsearch, the environment functions
 * over a test `environ`, and rand/random/rand_r sequences.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libc_names.h"
#include "stdlib.h" /* Mosaic's, through -iquote libos/include */
#define LIBC_NAMES_UNDO
#include "libc_names.h"

#include "libc_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* stdlib.c's environ, renamed; the tests point it at their own arrays. */
char **mosaic_environ;

static unsigned long comparisons;

/* Orders whole elements as byte strings; (bytes_size) is their size. */
static size_t bytes_size;

static int cmp_bytes(const void *a, const void *b)
{
	comparisons++;
	return memcmp(a, b, bytes_size);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	comparisons++;
	return (x > y) - (x < y);
}

/* Sorts (n) random elements of (size) bytes, each byte one of (values),
 * with Mosaic's qsort and glibc's; byte order makes the result unique. */
static void check_random_sort(size_t n, size_t size, unsigned int values)
{
	unsigned char *mine = malloc(n * size + 1), *ref = malloc(n * size + 1);

	for (size_t i = 0; i < n * size; i++)
		mine[i] = (unsigned char)test_rng_below(values);
	memcpy(ref, mine, n * size);
	bytes_size = size;
	mosaic_qsort(mine, n, size, cmp_bytes);
	qsort(ref, n, size, cmp_bytes);
	assert_memory_equal(mine, ref, n * size + (n * size == 0));
	free(mine);
	free(ref);
}

static void test_qsort_random(void **state)
{
	const size_t sizes[] = { 1, 2, 3, 4, 5, 7, 8, 12, 16, 24, 33, 100 };

	(void)state;
	test_rng_seed(11);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (size_t n = 0; n <= 200; n++)
			check_random_sort(n, sizes[s], n & 1 ? 256 : 3);
		check_random_sort(3000, sizes[s], 256);
		check_random_sort(3000, sizes[s], 2);
	}
}

/* Records with distinct ids and few keys: after sorting the keys must not
 * decrease and every id must still be there once, with its payload. */
struct record {
	int r_key;
	unsigned int r_id;
	unsigned char r_payload[9];
};

static int cmp_record(const void *a, const void *b)
{
	return cmp_int(&((const struct record *)a)->r_key,
		       &((const struct record *)b)->r_key);
}

static void test_qsort_permutation(void **state)
{
	enum { N = 5000 };
	struct record *recs = malloc(N * sizeof(*recs));
	unsigned char *seen = calloc(N, 1);

	(void)state;
	test_rng_seed(12);
	for (unsigned int i = 0; i < N; i++) {
		recs[i].r_key = (int)test_rng_below(50) - 25;
		recs[i].r_id = i;
		memset(recs[i].r_payload, (int)(i * 7),
		       sizeof(recs[i].r_payload));
	}
	mosaic_qsort(recs, N, sizeof(*recs), cmp_record);
	for (unsigned int i = 0; i < N; i++) {
		unsigned int id = recs[i].r_id;

		if (i)
			assert_true(recs[i - 1].r_key <= recs[i].r_key);
		assert_true(id < N);
		assert_false(seen[id]);
		seen[id] = 1;
		for (size_t b = 0; b < sizeof(recs[i].r_payload); b++)
			assert_int_equal(recs[i].r_payload[b],
					 (unsigned char)(id * 7));
	}
	free(recs);
	free(seen);
}

/* The comparisons an O(n log n) sort may make here: generous, but far
 * below the n^2 / 4 of a quicksort gone quadratic. */
static unsigned long comparison_bound(size_t n)
{
	return (unsigned long)(4.0 * n * log2((double)n)) + 2 * n;
}

static void fill_pattern(int *a, size_t n, int pattern)
{
	for (size_t i = 0; i < n; i++) {
		switch (pattern) {
		case 0: /* all equal */
			a[i] = 7;
			break;
		case 1: /* sorted */
			a[i] = (int)i;
			break;
		case 2: /* reversed */
			a[i] = (int)(n - i);
			break;
		case 3: /* organ pipe */
			a[i] = (int)(i < n / 2 ? i : n - i);
			break;
		case 4: /* sawtooth */
			a[i] = (int)(i % 17);
			break;
		case 5: /* sorted, then a few swaps */
			a[i] = (int)i;
			break;
		default: /* zeros and ones */
			a[i] = (int)(test_rng() & 1);
			break;
		}
	}
	if (pattern == 5) {
		for (int k = 0; k < 10; k++) {
			size_t x = test_rng_below(n), y = test_rng_below(n);
			int t = a[x];

			a[x] = a[y];
			a[y] = t;
		}
	}
}

static void test_qsort_patterns(void **state)
{
	const size_t lengths[] = { 13, 100, 1000, 20000 };

	(void)state;
	test_rng_seed(13);
	for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
		size_t n = lengths[l];
		int *a = malloc(n * sizeof(*a)), *ref = malloc(n * sizeof(*a));

		for (int pattern = 0; pattern <= 6; pattern++) {
			fill_pattern(a, n, pattern);
			memcpy(ref, a, n * sizeof(*a));
			qsort(ref, n, sizeof(*ref), cmp_int);
			comparisons = 0;
			mosaic_qsort(a, n, sizeof(*a), cmp_int);
			assert_memory_equal(a, ref, n * sizeof(*a));
			if (comparisons > comparison_bound(n))
				fail_msg("pattern %d, n %zu: %lu comparisons",
					 pattern, n, comparisons);
		}
		free(a);
		free(ref);
	}
}

/*
 * M. D. McIlroy, "A Killer Adversary for Quicksort" (1999): values are
 * decided lazily ("gas" until compared), always so as to hurt the pivot
 * choice. It drives any plain quicksort quadratic; introsort must stay
 * within its bound.
 */
static int *adv_val;
static int adv_gas, adv_solid, adv_candidate;

static int cmp_adversary(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;

	comparisons++;
	if (adv_val[a] == adv_gas && adv_val[b] == adv_gas)
		adv_val[a == adv_candidate ? a : b] = adv_solid++;
	if (adv_val[a] == adv_gas)
		adv_candidate = a;
	else if (adv_val[b] == adv_gas)
		adv_candidate = b;
	return adv_val[a] - adv_val[b];
}

static void test_qsort_adversary(void **state)
{
	enum { N = 20000 };
	int *items = malloc(N * sizeof(*items));

	(void)state;
	adv_val = malloc(N * sizeof(*adv_val));
	adv_gas = N;
	adv_solid = 0;
	adv_candidate = 0;
	for (int i = 0; i < N; i++) {
		items[i] = i;
		adv_val[i] = adv_gas;
	}
	comparisons = 0;
	mosaic_qsort(items, N, sizeof(*items), cmp_adversary);
	if (comparisons > comparison_bound(N))
		fail_msg("%lu comparisons for %d items", comparisons, N);
	for (int i = 1; i < N; i++)
		assert_true(adv_val[items[i - 1]] <= adv_val[items[i]]);
	free(items);
	free(adv_val);
}

/* A comparison that is not an order at all: qsort may return any order,
 * but must stay inside the array (ASan) and keep every element. */
static int cmp_random(const void *a, const void *b)
{
	(void)a;
	(void)b;
	return (int)test_rng_below(3) - 1;
}

static void test_qsort_inconsistent_cmp(void **state)
{
	enum { N = 3000 };
	int *a = malloc(N * sizeof(*a));
	long sum = 0;

	(void)state;
	test_rng_seed(14);
	for (int n = 0; n <= N; n += 1 + n / 3) {
		for (int i = 0; i < n; i++)
			a[i] = i;
		mosaic_qsort(a, (size_t)n, sizeof(*a), cmp_random);
		sum = 0;
		for (int i = 0; i < n; i++)
			sum += a[i];
		assert_int_equal(sum, (long)n * (n - 1) / 2);
	}
	free(a);
}

static void test_bsearch(void **state)
{
	int a[64];

	(void)state;
	for (int n = 0; n <= 64; n++) {
		for (int i = 0; i < n; i++)
			a[i] = 2 * i + 1;
		for (int key = -1; key <= 2 * n + 1; key++) {
			int *hit = mosaic_bsearch(&key, a, (size_t)n,
						  sizeof(a[0]), cmp_int);

			if (key & 1 && key > 0 && key < 2 * n)
				assert_ptr_equal(hit, &a[key / 2]);
			else
				assert_null(hit);
		}
	}
	/* Among equal elements, any one will do. */
	for (int i = 0; i < 10; i++)
		a[i] = i < 3 ? 1 : i < 8 ? 5 : 9;
	assert_int_equal(*(int *)mosaic_bsearch(&(int){ 5 }, a, 10,
						sizeof(a[0]), cmp_int),
			 5);
}

/* The test environment: the kernel's envp stand-in. */
static char env_a[] = "HOME=/root";
static char env_b[] = "TERM=vt100";
static char env_c[] = "HOME=/second";
static char *boot_env[4];

static int env_setup(void **state)
{
	(void)state;
	boot_env[0] = env_a;
	boot_env[1] = env_b;
	boot_env[2] = env_c;
	boot_env[3] = NULL;
	mosaic_environ = boot_env;
	return 0;
}

static size_t env_len(void)
{
	size_t n = 0;

	while (mosaic_environ && mosaic_environ[n])
		n++;
	return n;
}

static void test_getenv(void **state)
{
	(void)state;
	assert_string_equal(mosaic_getenv("HOME"), "/root");
	assert_string_equal(mosaic_getenv("TERM"), "vt100");
	assert_null(mosaic_getenv("HOM"));
	assert_null(mosaic_getenv("HOMEX"));
	assert_null(mosaic_getenv(""));
	mosaic_environ = NULL;
	assert_null(mosaic_getenv("HOME"));
	assert_int_equal(mosaic_setenv("X", "1", 0), 0);
	assert_string_equal(mosaic_getenv("X"), "1");
	assert_int_equal(mosaic_unsetenv("X"), 0);
	assert_int_equal(env_len(), 0);
}

static void test_setenv(void **state)
{
	(void)state;
	assert_int_equal(mosaic_setenv("TERM", "xterm", 0), 0);
	assert_string_equal(mosaic_getenv("TERM"), "vt100");
	assert_ptr_equal(mosaic_environ, boot_env);
	assert_int_equal(mosaic_setenv("TERM", "xterm", 1), 0);
	assert_string_equal(mosaic_getenv("TERM"), "xterm");
	assert_int_equal(mosaic_setenv("TERM", "", 1), 0);
	assert_string_equal(mosaic_getenv("TERM"), "");
	assert_int_equal(mosaic_setenv("NEW", "v=w", 0), 0);
	assert_string_equal(mosaic_getenv("NEW"), "v=w");
	assert_string_equal(env_b, "TERM=vt100");
	assert_int_equal(env_len(), 4);

	/* Grow well past the first array. */
	for (int i = 0; i < 200; i++) {
		char name[16], value[16];

		snprintf(name, sizeof(name), "V%d", i);
		snprintf(value, sizeof(value), "%d", i * 3);
		assert_int_equal(mosaic_setenv(name, value, 1), 0);
	}
	for (int i = 0; i < 200; i++) {
		char name[16], value[16];

		snprintf(name, sizeof(name), "V%d", i);
		snprintf(value, sizeof(value), "%d", i * 3);
		assert_string_equal(mosaic_getenv(name), value);
		assert_int_equal(mosaic_unsetenv(name), 0);
		assert_null(mosaic_getenv(name));
	}
	assert_int_equal(env_len(), 4);
	assert_int_equal(mosaic_unsetenv("NEW"), 0);
	assert_int_equal(mosaic_unsetenv("TERM"), 0);
	assert_int_equal(mosaic_unsetenv("HOME"), 0);
	assert_int_equal(env_len(), 0);
}

static void test_env_einval(void **state)
{
	const char *bad[] = { NULL, "", "A=B", "=" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(mosaic_setenv(bad[i], "x", 1), -1);
		assert_int_equal(errno, EINVAL);
		errno = 0;
		assert_int_equal(mosaic_unsetenv(bad[i]), -1);
		assert_int_equal(errno, EINVAL);
	}
	errno = 0;
	assert_int_equal(mosaic_setenv("A", NULL, 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_ptr_equal(mosaic_environ, boot_env);
	assert_int_equal(env_len(), 3);
}

static void test_unsetenv_duplicates(void **state)
{
	(void)state;
	assert_int_equal(mosaic_unsetenv("HOME"), 0);
	assert_null(mosaic_getenv("HOME"));
	assert_int_equal(env_len(), 1);
	assert_string_equal(mosaic_environ[0], "TERM=vt100");
	assert_int_equal(mosaic_unsetenv("NOPE"), 0);
	assert_int_equal(env_len(), 1);
}

static void test_putenv(void **state)
{
	char s1[] = "HOME=/put";
	char s2[] = "PUT=1";

	(void)state;
	assert_int_equal(mosaic_putenv(s1), 0);
	assert_string_equal(mosaic_getenv("HOME"), "/put");
	assert_int_equal(mosaic_putenv(s2), 0);
	assert_string_equal(mosaic_getenv("PUT"), "1");
	/* The string itself is in the environment. */
	s2[4] = '2';
	assert_string_equal(mosaic_getenv("PUT"), "2");
	/* setenv replaces a putenv string without freeing it (ASan). */
	assert_int_equal(mosaic_setenv("PUT", "3", 1), 0);
	assert_string_equal(s2, "PUT=2");
	assert_int_equal(mosaic_putenv(s2), 0);
	assert_string_equal(mosaic_getenv("PUT"), "2");
	/* No '=': removes the name, as glibc does. */
	assert_int_equal(mosaic_putenv((char[]){ "PUT" }), 0);
	assert_null(mosaic_getenv("PUT"));
	assert_int_equal(mosaic_unsetenv("HOME"), 0);
	assert_int_equal(env_len(), 1);
	mosaic_environ = NULL;
}

static void test_rand_matches_glibc(void **state)
{
	const unsigned int seeds[] = {
		1, 0, 2, 42, 12345, 0x7fffffff, 0x80000000, 0xffffffff
	};

	(void)state;
	/* Unseeded, both behave as if seeded with 1. */
	for (int i = 0; i < 100; i++)
		assert_int_equal(mosaic_rand(), rand());
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		mosaic_srand(seeds[s]);
		srand(seeds[s]);
		for (int i = 0; i < 2000; i++)
			assert_int_equal(mosaic_rand(), rand());
		mosaic_srandom(seeds[s]);
		srandom(seeds[s]);
		for (int i = 0; i < 2000; i++)
			assert_int_equal(mosaic_random(), random());
	}
	/* rand and random share one state. */
	mosaic_srand(7);
	srandom(7);
	for (int i = 0; i < 100; i++) {
		long want = random();
		long got = i & 1 ? mosaic_rand() : mosaic_random();

		assert_int_equal(got, want);
		assert_true(got >= 0 && got <= RAND_MAX);
	}
}

static void test_rand_r_matches_glibc(void **state)
{
	const unsigned int seeds[] = { 0, 1, 42, 0x80000000, 0xffffffff };

	(void)state;
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		unsigned int a = seeds[s], b = seeds[s];

		for (int i = 0; i < 2000; i++) {
			assert_int_equal(mosaic_rand_r(&a), rand_r(&b));
			assert_int_equal(a, b);
		}
	}
}

static void test_div_family(void **state)
{
	(void)state;
	test_rng_seed(15);
	for (int r = 0; r < 10000; r++) {
		long long x = (long long)test_rng(), y = (long long)test_rng();
		int xi = (int)x, yi = (int)(y >> (test_rng() & 31));
		mosaic_div_t d;
		mosaic_ldiv_t ld;
		mosaic_lldiv_t lld;

		y >>= test_rng() & 63;
		if (!y || !yi)
			continue;
		d = mosaic_div(xi, yi);
		assert_int_equal(d.quot, div(xi, yi).quot);
		assert_int_equal(d.rem, div(xi, yi).rem);
		ld = mosaic_ldiv((long)x, (long)y);
		assert_int_equal(ld.quot, ldiv((long)x, (long)y).quot);
		assert_int_equal(ld.rem, ldiv((long)x, (long)y).rem);
		lld = mosaic_lldiv(x, y);
		assert_int_equal(lld.quot, x / y);
		assert_int_equal(lld.rem, x % y);
		assert_int_equal(mosaic_llabs(x == INT64_MIN ? 0 : x),
				 llabs(x == INT64_MIN ? 0 : x));
	}
	assert_int_equal(mosaic_div(-7, 2).quot, -3);
	assert_int_equal(mosaic_div(-7, 2).rem, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rand_matches_glibc),
		cmocka_unit_test(test_rand_r_matches_glibc),
		cmocka_unit_test(test_qsort_random),
		cmocka_unit_test(test_qsort_permutation),
		cmocka_unit_test(test_qsort_patterns),
		cmocka_unit_test(test_qsort_adversary),
		cmocka_unit_test(test_qsort_inconsistent_cmp),
		cmocka_unit_test(test_bsearch),
		cmocka_unit_test_setup(test_getenv, env_setup),
		cmocka_unit_test_setup(test_setenv, env_setup),
		cmocka_unit_test_setup(test_env_einval, env_setup),
		cmocka_unit_test_setup(test_unsetenv_duplicates, env_setup),
		cmocka_unit_test_setup(test_putenv, env_setup),
		cmocka_unit_test(test_div_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
