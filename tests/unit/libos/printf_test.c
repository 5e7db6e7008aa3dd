/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for libc's printf engine (libos/libc/printf.c and
 * printf_float.c), built for the host. libc_vsnformat() is compared with
 * glibc's vsnprintf() on fixed hard cases and on seeded random formats and
 * values (integers at the edges, doubles and x87 long doubles from random
 * bit patterns and exact decimal ties), with truncating buffers, %n, and
 * the error returns. A failure prints the format and the value.
 */
#include "printf_impl.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#define HUGE_VAL_ __builtin_inf()
#define NAN_ __builtin_nan("")

#define OUT_BYTES (1u << 16)
#define GUARD_BYTES 16
#define SENTINEL 0x5a

/* Cases run by the random sweeps, counted for the report line. */
static unsigned long cases;

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: a fixed seed makes every run the same. */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static int mine(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = libc_vsnformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * Formats with glibc and with the engine into buffers of (size) bytes
 * (followed by guard bytes) and fails with (what) on any difference in
 * the return value, the stored bytes or the guard.
 */
static void compare_v(size_t size, const char *what, const char *fmt,
		      va_list ap)
{
	static char want[OUT_BYTES + GUARD_BYTES], got[OUT_BYTES + GUARD_BYTES];
	va_list aq;
	int nw, ng;

	memset(want, SENTINEL, sizeof(want));
	memset(got, SENTINEL, sizeof(got));
	va_copy(aq, ap);
	nw = vsnprintf(want, size, fmt, ap);
	ng = libc_vsnformat(got, size, fmt, aq);
	va_end(aq);
	cases++;
	if (nw < 0 && ng == -errno)
		return;
	if (nw != ng || memcmp(want, got, sizeof(want)) != 0) {
		print_error("format \"%s\" value %s size %zu\n"
			    "  glibc %d [%.300s]\n  mine  %d [%.300s]\n",
			    fmt, what, size, nw, want, ng, got);
		fail();
	}
}

static void compare(size_t size, const char *what, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	compare_v(size, what, fmt, ap);
	va_end(ap);
}

#define CHECK(...) compare(OUT_BYTES, #__VA_ARGS__, __VA_ARGS__)

static void test_fixed_cases(void **state)
{
	(void)state;
	CHECK("%.60f", 0.1);
	CHECK("%.0f %.0f %.0f %.0f %.0f", 0.5, 1.5, 2.5, 3.5, -0.5);
	CHECK("%.1f %.2f %.3f", 0.25, 0.125, 0.0625);
	CHECK("%.2f %.1f", 1.005, 0.35);
	CHECK("%f %e %g %a", 1e23, 1e23, 1e23, 1e23);
	CHECK("%.17g %.16e %.0e", 1e23, 1e23, 1e23);
	CHECK("%f %e %g %a", DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX);
	CHECK("%f %e %g %a", DBL_MIN, DBL_MIN, DBL_MIN, DBL_MIN);
	CHECK("%.1100f", 4.9406564584124654e-324);
	CHECK("%.760e %g %a", 4.9406564584124654e-324, 4.9e-324, 4.9e-324);
	CHECK("%f %e %g %a %F %E %G %A", -0.0, -0.0, -0.0, -0.0, 0.0, 0.0, 0.0,
	      0.0);
	CHECK("%f %e %g %a %F %E %G %A", HUGE_VAL_, -HUGE_VAL_, NAN_, -NAN_,
	      HUGE_VAL_, -HUGE_VAL_, NAN_, -NAN_);
	CHECK("%010f|%-10e|%+g|% a|%010.3F", -HUGE_VAL_, NAN_, HUGE_VAL_, NAN_,
	      NAN_);
	CHECK("%g %g %g %g %g", 100000.0, 1e6, 1e-4, 1e-5, 123456789.0);
	CHECK("%#g %#.0e %#.0f %#.0a %#x %#o", 1.0, 2.0, 3.0, 4.0, 0u, 0u);
	CHECK("%.3e %5.1f %.2g %.0g %.1g", 9.9996, 9.96, 9.96, 9.5, 0.95);
	CHECK("%.0a %.0a %.1a %.12a %.13a %.20a", 1.5, 2.5, 1.03125, 0.1, 0.1,
	      0.1);
	CHECK("%+010.3f|%-12.4e|% 08.2g|%08a", -3.14159, 12345.678, 0.5, -1.0);
	CHECK("%La %La %.0La %.3La %LA", 1.0L, 0x1p-16445L, 0xf.8p0L,
	      0xf.fffp0L, -3.0L);
	CHECK("%Lf %.30Le %Lg", 1e4000L, 1e-4940L, 3.0L);
	CHECK("%Lf %Le %Lg %La", LDBL_MAX, LDBL_MAX, LDBL_MAX, LDBL_MAX);
	CHECK("%.20000Lf", LDBL_TRUE_MIN);
	CHECK("%.5000f|%.300g|%#.300g", 1.0 / 3, 1.0 / 3, 0.5);
	CHECK("%5d|%-5d|%05d|%+d|% d|%x|%#o|%#x|%p|%p", 42, 42, -42, 0, 5, 255u,
	      8u, 0u, (void *)0, (void *)0x1234);
	CHECK("%d %ld %lld %hhd %hd %jd %zd %td", INT_MIN, LONG_MIN, LLONG_MIN,
	      -129, -32769, INTMAX_MIN, (ssize_t)-1, PTRDIFF_MIN);
	CHECK("%.0d|%.0x|%#.0o|%5.0d|%+.0d|%.10d|%#.3x", 0, 0u, 0u, 0, 0, -7,
	      1u);
	CHECK("%.3s|%10s|%-10s|%s|%.5s|%.6s", "abcdef", "hi", "hi",
	      (char *)NULL, (char *)NULL, (char *)NULL);
	CHECK("%c%c%5c%-3c|%%", 'a', 0x141, 'z', 'q');
	CHECK("%lc%ls|%5ls|%.2ls|%-4lc|", (wint_t)'x', L"wide", L"ab", L"abc",
	      (wint_t)'y');
	CHECK("%*d|%-*d|%*d|%.*f|%.*f", 5, 1, 5, 2, -5, 3, 2, 1.0, -1, 1.0);
	CHECK("%Ld %Lx %lf %lg", 5LL, 255ULL, 1.5, 2.5);
}

/* Flags, width and precision, or "" pieces of them, at random. */
static size_t rand_spec(char *p, int *stars, int *nstars, int max_prec)
{
	static const char flags[] = "-+ #0";
	size_t n = 0;

	p[n++] = '%';
	for (int i = 0; i < 5; i++) {
		if (rnd_below(4) == 0)
			p[n++] = flags[i];
	}
	if (rnd_below(8) == 0) {
		p[n++] = '*';
		stars[(*nstars)++] = (int)rnd_below(61) - 30;
	} else if (rnd_below(2)) {
		n += (size_t)sprintf(p + n, "%u", rnd_below(40));
	}
	if (rnd_below(8) == 0) {
		p[n++] = '.';
		p[n++] = '*';
		stars[(*nstars)++] = (int)rnd_below(max_prec + 11) - 10;
	} else if (rnd_below(3)) {
		n += (size_t)sprintf(p + n, ".%u",
				     rnd_below(8) ? rnd_below(25)
						  : rnd_below(max_prec + 1));
	} else if (rnd_below(8) == 0) {
		p[n++] = '.';
	}
	p[n] = '\0';
	return n;
}

/* Calls compare() with (nstars) int arguments before the value. */
#define COMPARE_STARS(size, what, fmt, stars, nstars, v)                       \
	do {                                                                   \
		if ((nstars) == 0)                                             \
			compare(size, what, fmt, v);                           \
		else if ((nstars) == 1)                                        \
			compare(size, what, fmt, (stars)[0], v);               \
		else                                                           \
			compare(size, what, fmt, (stars)[0], (stars)[1], v);   \
	} while (0)

static const int64_t int_edges[] = {
	0,	 1,	   -1,	      127,	 128,	     -128,
	255,	 256,	   32767,     -32768,	 65535,	     INT_MAX,
	INT_MIN, UINT_MAX, LLONG_MAX, LLONG_MIN, 1000000000, -999999999,
};

static int64_t rand_int(void)
{
	switch (rnd_below(4)) {
	case 0:
		return int_edges[rnd_below(sizeof(int_edges) /
					   sizeof(int_edges[0]))];
	case 1:
		return (int64_t)rnd_below(1000) - 500;
	default:
		return (int64_t)(rnd() >> rnd_below(64));
	}
}

static void test_random_integers(void **state)
{
	static const char *const lens[] = { "",	 "hh", "h", "l", "ll",
					    "j", "z",  "t", "L" };
	static const char convs[] = "diuoxXcp";
	char fmt[64], what[64];
	int stars[2];

	(void)state;
	for (int i = 0; i < 40000; i++) {
		int nstars = 0;
		unsigned int li = rnd_below(9);
		char conv = convs[rnd_below(sizeof(convs) - 1)];
		int64_t v = rand_int();
		size_t n = rand_spec(fmt, stars, &nstars, 30);
		size_t size = rnd_below(4) ? OUT_BYTES : rnd_below(20);

		if (conv == 'c' || conv == 'p' ||
		    (li == 8 && (conv == 'd' || conv == 'i')))
			li = 0;
		sprintf(fmt + n, "%s%c", lens[li], conv);
		sprintf(what, "%lld (%#llx)", (long long)v, (long long)v);
		if (conv == 'p')
			COMPARE_STARS(size, what, fmt, stars, nstars,
				      (void *)(uintptr_t)v);
		else if (li <= 2)
			COMPARE_STARS(size, what, fmt, stars, nstars, (int)v);
		else
			COMPARE_STARS(size, what, fmt, stars, nstars,
				      (long long)v);
	}
}

static void test_random_strings(void **state)
{
	static const char *const strs[] = { "", "a", "hello", "(null)",
					    "a longer string, with spaces" };
	char fmt[64];
	int stars[2];

	(void)state;
	for (int i = 0; i < 5000; i++) {
		int nstars = 0;
		const char *s = rnd_below(10) ? strs[rnd_below(5)] : NULL;
		size_t n = rand_spec(fmt, stars, &nstars, 40);

		strcpy(fmt + n, "s|");
		COMPARE_STARS(rnd_below(3) ? OUT_BYTES : rnd_below(12),
			      s ? s : "NULL", fmt, stars, nstars, s);
	}
}

static const double dbl_specials[] = {
	0.0,   -0.0,	 0.5,	  1.5,	  2.5,	   -2.5,    0.125,
	0.375, 1e23,	 9.5,	  0.05,	  1.0,	   10.0,    1e15,
	1e16,  1e17,	 1e22,	  1e-300, DBL_MAX, DBL_MIN, 4.9e-324,
	0.1,   1.0 / 3,	 2.0 / 3, 999.5,  99.95,   0.0005,  9.999999e-5,
	1e-4,  123456.5, 0.45,	  1e308,
};

static const double powers_of_ten[] = { 1e0, 1e1, 1e2, 1e3, 1e4,  1e5,
					1e6, 1e7, 1e8, 1e9, 1e10, 1e11 };

static double bits_to_double(uint64_t bits)
{
	double x;

	memcpy(&x, &bits, sizeof(x));
	return x;
}

static double rand_double(void)
{
	switch (rnd_below(6)) {
	case 0:
		return dbl_specials[rnd_below(sizeof(dbl_specials) /
					      sizeof(dbl_specials[0]))];
	case 1: /* exact binary fractions: decimal ties at some precision */
		return (double)(int64_t)(rnd() >> rnd_below(64)) /
		       (double)(1ull << rnd_below(60));
	case 2: /* short decimals */
		return (double)((int)rnd_below(2000001) - 1000000) /
		       powers_of_ten[rnd_below(12)];
	case 3: /* subnormals */
		return bits_to_double(rnd() >> (12 + rnd_below(52)));
	default:
		return bits_to_double(rnd());
	}
}

static void test_random_doubles(void **state)
{
	static const char convs[] = "eEfFgGaA";
	char fmt[64], what[64];
	int stars[2];

	(void)state;
	for (int i = 0; i < 60000; i++) {
		int nstars = 0;
		double v = rand_double();
		size_t n = rand_spec(fmt, stars, &nstars, 400);
		size_t size = rnd_below(8) ? OUT_BYTES : rnd_below(24);

		sprintf(fmt + n, "%s%c", rnd_below(8) ? "" : "l",
			convs[rnd_below(8)]);
		snprintf(what, sizeof(what), "%a", v);
		COMPARE_STARS(size, what, fmt, stars, nstars, v);
	}
}

static long double rand_ldouble(void)
{
	uint64_t m = rnd();
	unsigned int e;
	long double x = 0;
	unsigned char raw[sizeof(long double)] = { 0 };

	switch (rnd_below(5)) {
	case 0:
		return (long double)rand_double();
	case 1:
		e = 16383 - 80 + rnd_below(160);
		break;
	case 2:
		e = 0; /* subnormal: integer bit clear */
		m >>= 1 + rnd_below(63);
		break;
	default:
		e = 1 + rnd_below(0x7ffe);
		break;
	}
	if (e)
		m |= 1ull << 63;
	if (rnd_below(2))
		e |= 0x8000;
	memcpy(raw, &m, 8);
	memcpy(raw + 8, &e, 2);
	memcpy(&x, raw, sizeof(x));
	return x;
}

static void test_random_long_doubles(void **state)
{
	static const char convs[] = "eEfFgGaA";
	char fmt[64], what[64];
	int stars[2];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		int nstars = 0;
		long double v = rand_ldouble();
		size_t n = rand_spec(fmt, stars, &nstars, 300);
		size_t size = rnd_below(8) ? OUT_BYTES : rnd_below(24);

		sprintf(fmt + n, "L%c", convs[rnd_below(8)]);
		snprintf(what, sizeof(what), "%La", v);
		COMPARE_STARS(size, what, fmt, stars, nstars, v);
	}
}

/* Exact ties k / 2^j at the precision that cuts the last digit. */
static void test_exact_ties(void **state)
{
	char fmt[32], what[64];

	(void)state;
	for (int j = 1; j <= 20; j++) {
		for (int k = 1; k < 3000; k += 2) {
			double v = (double)k / (double)(1 << j);
			int prec = j - 1;

			snprintf(what, sizeof(what), "%d/2^%d", k, j);
			snprintf(fmt, sizeof(fmt), "%%.%df|%%.%de|%%.%dg", prec,
				 prec, prec + 1);
			compare(OUT_BYTES, what, fmt, v, v, v);
			compare(OUT_BYTES, what, "%.0f|%.0e|%.1g|%.0a", v, v, v,
				v);
			compare(OUT_BYTES, what, "%.*Lf|%.*Le", prec,
				(long double)v, prec, (long double)v);
		}
	}
	/* Integers ending in 5 at the rounding digit. */
	for (int k = 0; k < 2000; k++) {
		double v = k * 10.0 + 5;

		compare(OUT_BYTES, "k*10+5", "%.0e|%.1e|%.2e|%.3g", v, v, v, v);
	}
}

/* Digits emitted past any stack buffer, and widths as large. */
static void test_huge_precision(void **state)
{
	(void)state;
	CHECK("%.40000f|%.40000e", 1.0 / 3, 1e-300);
	CHECK("%.20000g|%#.20000g", 0.1, 1.0);
	CHECK("%.20000a|%30000.5f", 1.0, 2.0);
	CHECK("%.60000Lf|%.20000Le", 1e-4000L, 7e4000L);
}

static void test_truncation(void **state)
{
	static const char *const fmts[] = { "%.30f|%d", "%-20e|%s|%x",
					    "%#.10a%%%5c", "%g%g%g" };
	char what[16];

	(void)state;
	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		for (size_t size = 0; size < 64; size++) {
			snprintf(what, sizeof(what), "#%zu", f);
			if (f == 0)
				compare(size, what, fmts[f], 0.1, 12345);
			else if (f == 1)
				compare(size, what, fmts[f], 1e10, "str", 255u);
			else if (f == 2)
				compare(size, what, fmts[f], 3.0, 'c');
			else
				compare(size, what, fmts[f], 1.0, 2.5e-10,
					1e300);
		}
	}
	assert_int_equal(mine(NULL, 0, "%s %f", "abc", 1.0), 12);
}

static void test_count(void **state)
{
	signed char hh = 0;
	short h = 0;
	int n = 0, n2 = 0;
	long l = 0;
	long long ll = 0;
	intmax_t j = 0;
	size_t z = 0;
	ptrdiff_t t = 0;
	char buf[64];

	(void)state;
	assert_int_equal(mine(buf, 5, "%.3f%n|%hhn%hn%ln%lln%jn%zn%tn%s%n", 1.0,
			      &n, &hh, &h, &l, &ll, &j, &z, &t, "abc", &n2),
			 9);
	assert_string_equal(buf, "1.00");
	assert_int_equal(n, 5);
	assert_int_equal(hh, 6);
	assert_int_equal(h, 6);
	assert_int_equal(l, 6);
	assert_int_equal(ll, 6);
	assert_int_equal(j, 6);
	assert_int_equal(z, 6);
	assert_int_equal(t, 6);
	assert_int_equal(n2, 9);
	assert_int_equal(mine(buf, sizeof(buf), "%300d%hhn", 1, &hh), 300);
	assert_int_equal(hh, (signed char)300);
}

static void test_errors(void **state)
{
	char buf[32];
	va_list none;

	(void)state;
	assert_int_equal(mine(buf, sizeof(buf), "%2147483647d%d", 1, 2),
			 -EOVERFLOW);
	assert_int_equal(mine(buf, sizeof(buf), "%2147483648d", 1), -EOVERFLOW);
	assert_int_equal(mine(buf, sizeof(buf), "ab%*d", INT_MIN, 1),
			 -EOVERFLOW);
	assert_int_equal(mine(buf, sizeof(buf), "%.2147483647f", 1.0),
			 -EOVERFLOW);
	assert_string_equal(buf, "");
	assert_int_equal(mine(buf, sizeof(buf), "x%.2147483646f", 1.0),
			 -EOVERFLOW);
	assert_int_equal(mine(buf, sizeof(buf), "ab%lc", (wint_t)0xe9),
			 -EILSEQ);
	assert_string_equal(buf, "ab");
	assert_int_equal(mine(buf, sizeof(buf), "%ls", L"a\xe9"), -EILSEQ);
	assert_int_equal(mine(buf, sizeof(buf), "%.1ls", L"a\xe9"), 1);
	/* An unknown directive is copied out and consumes no argument. */
	assert_int_equal(mine(buf, sizeof(buf), "a%yb%-5.2k%d", 7), 11);
	assert_string_equal(buf, "a%yb%-5.2k7");
	/* Only the fmt is checked before arguments are read. */
	memset(&none, 0, sizeof(none));
	assert_int_equal(libc_vsnformat(buf, sizeof(buf), NULL, none), -EINVAL);
	assert_int_equal(libc_vsnformat(NULL, 1, "x", none), -EINVAL);
}

static void test_report(void **state)
{
	(void)state;
	print_message("[ INFO     ] %lu comparisons with glibc\n", cases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_cases),
		cmocka_unit_test(test_random_integers),
		cmocka_unit_test(test_random_strings),
		cmocka_unit_test(test_random_doubles),
		cmocka_unit_test(test_random_long_doubles),
		cmocka_unit_test(test_exact_ties),
		cmocka_unit_test(test_huge_precision),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
