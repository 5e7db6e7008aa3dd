/* SPDX-License-Identifier: MIT */
/*
 * <string.h> and <strings.h> (libos/libc/string.c) against glibc: seeded
 * random strings and buffers from a small alphabet (so that searches hit),
 * lengths 0..64, every start alignment 0..15 and placements that end at an
 * inaccessible page, so reading past the terminator faults. strlcpy and
 * strlcat, which this glibc lacks, are checked against their definition.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "libc_names.h"
#include "string.h" /* Mosaic's, through -iquote libos/include */
#include "strings.h" /* Mosaic's */
#define LIBC_NAMES_UNDO
#include "libc_names.h"

#include "libc_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* glibc's POSIX strerror_r, hidden by _GNU_SOURCE's GNU one. */
int __xpg_strerror_r(int errnum, char *buf, size_t len);

#define MAX_LEN 64
#define ROUNDS 4000

/* Bytes the random strings are made of: letters of both cases, a
 * delimiter-like set and bytes with the top bit set. */
static const unsigned char alphabet[] = "aAbBzZ ,;=\x7f\x80\xc3\xff";

static unsigned char random_byte(void)
{
	return alphabet[test_rng_below(sizeof(alphabet) - 1)];
}

/* Fills (buf) with (n) random non-NUL bytes and a NUL after them. */
static void random_string(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)random_byte();
	buf[n] = '\0';
}

/* A random string of 0..MAX_LEN bytes placed at a random alignment or
 * against the guard page; (tmp) holds MAX_LEN + 1 bytes. */
static char *placed_string(char *tmp, size_t *len_out)
{
	size_t len = test_rng_below(MAX_LEN + 1);

	random_string(tmp, len);
	*len_out = len;
	if (test_rng() & 1)
		return test_guard_tail(tmp, len + 1);
	return test_guard_head(tmp, len + 1, test_rng_below(16));
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* The offset of (p) from (base), or -1 for NULL. */
static long offset(const void *p, const void *base)
{
	return p ? (const char *)p - (const char *)base : -1;
}

/* A search argument: mostly an alphabet byte, sometimes one that needs the
 * int-to-unsigned-char conversion. */
static int random_search_char(void)
{
	static const int odd[] = { 0, 0x100 + 'a', -1, -128 + 'a', 0x180 };

	if (test_rng_below(5) == 0)
		return odd[test_rng_below(5)];
	return random_byte();
}

static void test_mem_search(void **state)
{
	unsigned char tmp[MAX_LEN + 1];

	(void)state;
	test_rng_seed(1);
	for (int r = 0; r < ROUNDS; r++) {
		size_t n = test_rng_below(MAX_LEN + 1);
		int c = random_search_char();
		unsigned char *buf;

		for (size_t i = 0; i < n; i++)
			tmp[i] = random_byte();
		buf = (r & 1) ? test_guard_tail(tmp, n)
			      : test_guard_head(tmp, n, test_rng_below(16));
		assert_int_equal(offset(mosaic_memchr(buf, c, n), buf),
				 offset(memchr(buf, c, n), buf));
		assert_int_equal(offset(mosaic_memrchr(buf, c, n), buf),
				 offset(memrchr(buf, c, n), buf));
	}
}

/* memrchr must not look before its buffer: start right after the leading
 * guard page. */
static void test_memrchr_at_page_start(void **state)
{
	unsigned char *area = test_guard_area();

	(void)state;
	memset(area, 'x', 8);
	assert_null(mosaic_memrchr(area, 'y', 8));
	assert_ptr_equal(mosaic_memrchr(area, 'x', 8), area + 7);
	assert_null(mosaic_memrchr(area, 'x', 0));
	assert_null(mosaic_memchr(area, 'x', 0));
}

static void test_memccpy(void **state)
{
	unsigned char src[MAX_LEN], want[MAX_LEN + 16], got[MAX_LEN + 16];

	(void)state;
	test_rng_seed(2);
	for (int r = 0; r < ROUNDS; r++) {
		size_t n = test_rng_below(MAX_LEN + 1);
		int c = random_search_char();
		void *pw, *pg;

		for (size_t i = 0; i < n; i++)
			src[i] = random_byte();
		memset(want, '#', sizeof(want));
		memset(got, '#', sizeof(got));
		pw = memccpy(want, src, c, n);
		pg = mosaic_memccpy(got, src, c, n);
		assert_int_equal(offset(pg, got), offset(pw, want));
		assert_memory_equal(got, want, sizeof(want));
	}
}

static void test_lengths_and_char_search(void **state)
{
	char tmp[MAX_LEN + 1];

	(void)state;
	test_rng_seed(3);
	for (int r = 0; r < ROUNDS; r++) {
		size_t len, max = test_rng_below(MAX_LEN + 8);
		char *s = placed_string(tmp, &len);
		int c = random_search_char();

		assert_int_equal(mosaic_strlen(s), len);
		assert_int_equal(mosaic_strnlen(s, max), strnlen(s, max));
		assert_int_equal(offset(mosaic_strchr(s, c), s),
				 offset(strchr(s, c), s));
		assert_int_equal(offset(mosaic_strrchr(s, c), s),
				 offset(strrchr(s, c), s));
		assert_int_equal(offset(mosaic_strchrnul(s, c), s),
				 offset(strchrnul(s, c), s));
		assert_int_equal(offset(mosaic_index(s, c), s),
				 offset(index(s, c), s));
		assert_int_equal(offset(mosaic_rindex(s, c), s),
				 offset(rindex(s, c), s));
	}
}

/* A second string: often a prefix or near copy of (a), so that
 * comparisons reach deep into both. */
static char *related_string(char *tmp, const char *a, size_t alen)
{
	size_t len = test_rng_below(MAX_LEN + 1);

	random_string(tmp, len);
	if (test_rng() & 1) {
		size_t keep = test_rng_below(alen + 1);

		memcpy(tmp, a, keep < len ? keep : len);
	}
	if (test_rng_below(4) == 0)
		memcpy(tmp, a, alen + 1);
	return test_guard_head(tmp, strlen(tmp) + 1,
			       2 * MAX_LEN + 16 + test_rng_below(16));
}

static void test_comparisons(void **state)
{
	char ta[MAX_LEN + 1], tb[MAX_LEN + 1];

	(void)state;
	test_rng_seed(4);
	for (int r = 0; r < ROUNDS; r++) {
		size_t alen, n = test_rng_below(MAX_LEN + 8);
		char *a = placed_string(ta, &alen);
		char *b = related_string(tb, a, alen);

		assert_int_equal(sign(mosaic_strcmp(a, b)), sign(strcmp(a, b)));
		assert_int_equal(sign(mosaic_strncmp(a, b, n)),
				 sign(strncmp(a, b, n)));
		assert_int_equal(sign(mosaic_strcoll(a, b)),
				 sign(strcmp(a, b)));
		assert_int_equal(sign(mosaic_strcasecmp(a, b)),
				 sign(strcasecmp(a, b)));
		assert_int_equal(sign(mosaic_strncasecmp(a, b, n)),
				 sign(strncasecmp(a, b, n)));
		assert_int_equal(!!mosaic_bcmp(a, b, n < alen ? n : alen),
				 !!bcmp(a, b, n < alen ? n : alen));
		assert_int_equal(offset(mosaic_strstr(a, b), a),
				 offset(strstr(a, b), a));
	}
}

/* A short set of bytes to scan for: alphabet bytes, maybe empty. */
static char *random_set(char *buf)
{
	random_string(buf, test_rng_below(5));
	return buf;
}

static void test_spans(void **state)
{
	char tmp[MAX_LEN + 1], set[8];

	(void)state;
	test_rng_seed(5);
	for (int r = 0; r < ROUNDS; r++) {
		size_t len;
		char *s = placed_string(tmp, &len);

		random_set(set);
		assert_int_equal(mosaic_strspn(s, set), strspn(s, set));
		assert_int_equal(mosaic_strcspn(s, set), strcspn(s, set));
		assert_int_equal(offset(mosaic_strpbrk(s, set), s),
				 offset(strpbrk(s, set), s));
	}
}

static void test_strtok_family(void **state)
{
	char src[MAX_LEN + 1], a[MAX_LEN + 1], b[MAX_LEN + 1], set[8];

	(void)state;
	test_rng_seed(6);
	for (int r = 0; r < ROUNDS; r++) {
		char *sa = a, *sb = b, *pa, *pb, *ta, *tb;

		memset(a, '#', sizeof(a));
		memset(b, '#', sizeof(b));
		random_string(src, test_rng_below(MAX_LEN + 1));
		random_set(set);
		strcpy(a, src);
		strcpy(b, src);
		ta = mosaic_strtok_r(a, set, &pa);
		tb = strtok_r(b, set, &pb);
		for (;;) {
			assert_int_equal(offset(ta, a), offset(tb, b));
			if (!tb)
				break;
			ta = mosaic_strtok_r(NULL, set, &pa);
			tb = strtok_r(NULL, set, &pb);
		}
		assert_memory_equal(a, b, sizeof(a));

		strcpy(a, src);
		strcpy(b, src);
		do {
			ta = mosaic_strsep(&sa, set);
			tb = strsep(&sb, set);
			assert_int_equal(offset(ta, a), offset(tb, b));
			assert_int_equal(offset(sa, a), offset(sb, b));
		} while (tb);
		assert_memory_equal(a, b, sizeof(a));
	}
}

static void test_strtok(void **state)
{
	char s[] = ",,a,bc;;d,";
	char *save = s;

	(void)state;
	assert_string_equal(mosaic_strtok(s, ",;"), "a");
	assert_string_equal(mosaic_strtok(NULL, ",;"), "bc");
	assert_string_equal(mosaic_strtok(NULL, ",;"), "d");
	assert_null(mosaic_strtok(NULL, ",;"));
	assert_null(mosaic_strtok(NULL, ",;"));
	assert_null(mosaic_strtok_r(NULL, ",", &(char *){ NULL }));
	assert_null(mosaic_strsep(&(char *){ NULL }, ","));
	(void)save;
}

/* The copy functions write a random source into buffers pre-filled with a
 * marker, so a stray or missing write shows. */
static void test_copies(void **state)
{
	char src[MAX_LEN + 1], want[3 * MAX_LEN], got[3 * MAX_LEN];

	(void)state;
	test_rng_seed(7);
	for (int r = 0; r < ROUNDS; r++) {
		size_t len = test_rng_below(MAX_LEN + 1);
		size_t n = test_rng_below(MAX_LEN + 8);
		size_t pre = test_rng_below(MAX_LEN / 2);
		size_t off = test_rng_below(16);

		random_string(src, len);
		memset(want, '#', sizeof(want));
		memset(got, '#', sizeof(got));
		assert_ptr_equal(mosaic_strcpy(got + off, src), got + off);
		strcpy(want + off, src);
		assert_memory_equal(got, want, sizeof(want));
		assert_int_equal(offset(mosaic_stpcpy(got + off, src), got),
				 offset(stpcpy(want + off, src), want));
		assert_ptr_equal(mosaic_strncpy(got + off, src, n), got + off);
		strncpy(want + off, src, n);
		assert_memory_equal(got, want, sizeof(want));
		assert_int_equal(offset(mosaic_stpncpy(got + off, src, n), got),
				 offset(stpncpy(want + off, src, n), want));
		assert_memory_equal(got, want, sizeof(want));

		/* Appends to a (pre)-byte string. */
		random_string(want + off, pre);
		memcpy(got, want, sizeof(got));
		assert_ptr_equal(mosaic_strcat(got + off, src), got + off);
		strcat(want + off, src);
		assert_memory_equal(got, want, sizeof(want));
		random_string(want + off, pre);
		memcpy(got, want, sizeof(got));
		assert_ptr_equal(mosaic_strncat(got + off, src, n), got + off);
		strncat(want + off, src, n);
		assert_memory_equal(got, want, sizeof(want));
	}
}

/* strlcpy/strlcat by their definition (OpenBSD strlcpy(3)). */
static void test_strlcpy_strlcat(void **state)
{
	char src[MAX_LEN + 1], dst[2 * MAX_LEN + 16], copy[sizeof(dst)];

	(void)state;
	test_rng_seed(8);
	for (int r = 0; r < ROUNDS; r++) {
		size_t len = test_rng_below(MAX_LEN + 1);
		size_t size = test_rng_below(MAX_LEN + 8);
		size_t pre = test_rng_below(MAX_LEN / 2), dlen, room;

		random_string(src, len);
		memset(dst, '#', sizeof(dst));
		assert_int_equal(mosaic_strlcpy(dst, src, size), len);
		if (size) {
			size_t n = len < size - 1 ? len : size - 1;

			assert_memory_equal(dst, src, n);
			assert_int_equal(dst[n], '\0');
			assert_int_equal(dst[size], '#');
		} else {
			assert_int_equal(dst[0], '#');
		}

		memset(dst, '#', sizeof(dst));
		random_string(dst, pre);
		memcpy(copy, dst, sizeof(dst));
		dlen = strnlen(dst, size);
		assert_int_equal(mosaic_strlcat(dst, src, size), dlen + len);
		room = dlen < size ? size - dlen - 1 : 0;
		if (dlen == size) {
			assert_memory_equal(dst, copy, sizeof(dst));
			continue;
		}
		room = room < len ? room : len;
		assert_memory_equal(dst, copy, dlen);
		assert_memory_equal(dst + dlen, src, room);
		assert_int_equal(dst[dlen + room], '\0');
		assert_memory_equal(dst + dlen + room + 1,
				    copy + dlen + room + 1,
				    sizeof(dst) - dlen - room - 1);
	}
}

static void test_strdup_strndup(void **state)
{
	char src[MAX_LEN + 1];

	(void)state;
	test_rng_seed(9);
	for (int r = 0; r < 500; r++) {
		size_t len = test_rng_below(MAX_LEN + 1);
		size_t n = test_rng_below(MAX_LEN + 8);
		char *a, *b;

		random_string(src, len);
		a = mosaic_strdup(src);
		assert_non_null(a);
		assert_string_equal(a, src);
		free(a);
		a = mosaic_strndup(src, n);
		b = strndup(src, n);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
}

static void test_strxfrm(void **state)
{
	char dst[16];

	(void)state;
	assert_int_equal(mosaic_strxfrm(dst, "hello", sizeof(dst)), 5);
	assert_string_equal(dst, "hello");
	assert_int_equal(mosaic_strxfrm(dst, "hello", 6), 5);
	assert_string_equal(dst, "hello");
	assert_int_equal(mosaic_strxfrm(NULL, "hello", 0), 5);
	assert_int_equal(mosaic_strxfrm(dst, "", 1), 0);
	assert_string_equal(dst, "");
}

static void test_strerror(void **state)
{
	(void)state;
	for (int e = -5; e <= 140; e++)
		assert_string_equal(mosaic_strerror(e), strerror(e));
	assert_string_equal(mosaic_strerror(INT32_MIN), strerror(INT32_MIN));
	assert_string_equal(mosaic_strerror(INT32_MAX), strerror(INT32_MAX));
	assert_string_equal(mosaic_strerror(ENOTSUP),
			    "Operation not supported");
}

static void test_strerror_r(void **state)
{
	const int nums[] = { 0,	 EPERM, EAGAIN, ENOTRECOVERABLE,
			     41, -1,	134,	INT32_MIN };
	char want[64], got[64];

	(void)state;
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		for (size_t len = 0; len <= 48; len++) {
			int saved = errno = 1234;
			int rc;

			memset(want, '#', sizeof(want));
			memset(got, '#', sizeof(got));
			rc = mosaic_strerror_r(nums[i], got, len);
			assert_int_equal(errno, saved);
			assert_int_equal(rc,
					 __xpg_strerror_r(nums[i], want, len));
			assert_memory_equal(got, want, sizeof(want));
		}
	}
}

static void test_ffs(void **state)
{
	(void)state;
	test_rng_seed(10);
	for (int r = 0; r < ROUNDS; r++) {
		long long v = (long long)(test_rng() >> test_rng_below(64));

		assert_int_equal(mosaic_ffs((int)v), ffs((int)v));
		assert_int_equal(mosaic_ffsl((long)v), ffsl((long)v));
		assert_int_equal(mosaic_ffsll(v), ffsll(v));
	}
	assert_int_equal(mosaic_ffs(0), 0);
	assert_int_equal(mosaic_ffs(INT32_MIN), 32);
	assert_int_equal(mosaic_ffsll(INT64_MIN), 64);
}

static void test_bzero(void **state)
{
	unsigned char buf[32];

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	mosaic_bzero(buf + 3, 20);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], i >= 3 && i < 23 ? 0 : 0xaa);
	mosaic_bzero(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_search),
		cmocka_unit_test(test_memrchr_at_page_start),
		cmocka_unit_test(test_memccpy),
		cmocka_unit_test(test_lengths_and_char_search),
		cmocka_unit_test(test_comparisons),
		cmocka_unit_test(test_spans),
		cmocka_unit_test(test_strtok_family),
		cmocka_unit_test(test_strtok),
		cmocka_unit_test(test_copies),
		cmocka_unit_test(test_strlcpy_strlcat),
		cmocka_unit_test(test_strdup_strndup),
		cmocka_unit_test(test_strxfrm),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_strerror_r),
		cmocka_unit_test(test_ffs),
		cmocka_unit_test(test_bzero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
