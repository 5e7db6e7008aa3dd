/* SPDX-License-Identifier: MIT */
/*
 * libos number parsing (libos/libc/strto_float.c, strto_int.c) against
 * glibc as the oracle: every result compared bit for bit, with the end
 * pointer and errno, on random and hard inputs. Fixed seed; a failure
 * prints the input.
 */
#include "strto_impl.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <quadmath.h>

static uint64_t rng = 0x243f6a8885a308d3ULL;
static unsigned long checked;
static unsigned long failed;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned int rnd_below(unsigned int n)
{
	return (unsigned int)(rnd() % n);
}

static void report(const char *fn, const char *s, const char *got,
		   const char *want)
{
	if (++failed <= 20)
		print_message("%s(\"%s\"): got %s, glibc %s\n", fn, s, got,
			      want);
}

static void check_strtod(const char *s)
{
	char *e1, *e2, g[64], w[64];
	double a, b;
	int err1, err2;

	errno = 0;
	a = libc_strtod(s, &e1);
	err1 = errno;
	errno = 0;
	b = strtod(s, &e2);
	err2 = errno;
	if (memcmp(&a, &b, sizeof(a)) || e1 != e2 || err1 != err2) {
		snprintf(g, sizeof(g), "%a end+%td errno %d", a, e1 - s, err1);
		snprintf(w, sizeof(w), "%a end+%td errno %d", b, e2 - s, err2);
		report("strtod", s, g, w);
	}
}

static void check_strtof(const char *s)
{
	char *e1, *e2, g[64], w[64];
	float a, b;
	int err1, err2;

	errno = 0;
	a = libc_strtof(s, &e1);
	err1 = errno;
	errno = 0;
	b = strtof(s, &e2);
	err2 = errno;
	if (memcmp(&a, &b, sizeof(a)) || e1 != e2 || err1 != err2) {
		snprintf(g, sizeof(g), "%a end+%td errno %d", a, e1 - s, err1);
		snprintf(w, sizeof(w), "%a end+%td errno %d", b, e2 - s, err2);
		report("strtof", s, g, w);
	}
}

static void check_strtold(const char *s)
{
	char *e1, *e2, g[80], w[80];
	long double a, b;
	int err1, err2;

	errno = 0;
	a = libc_strtold(s, &e1);
	err1 = errno;
	errno = 0;
	b = strtold(s, &e2);
	err2 = errno;
	/* Only the 10 bytes of the x87 format; the rest is padding. */
	if (memcmp(&a, &b, 10) || e1 != e2 || err1 != err2) {
		snprintf(g, sizeof(g), "%La end+%td errno %d", a, e1 - s, err1);
		snprintf(w, sizeof(w), "%La end+%td errno %d", b, e2 - s, err2);
		report("strtold", s, g, w);
	}
}

/* Compares all three parsers on (s). */
static void check_float(const char *s)
{
	checked++;
	check_strtod(s);
	check_strtof(s);
	check_strtold(s);
}

static void finish(const char *what)
{
	unsigned long n = failed;

	print_message("%s: %lu inputs, %lu mismatches\n", what, checked,
		      failed);
	checked = 0;
	failed = 0;
	assert_int_equal(n, 0);
}

static double rnd_double(void)
{
	double d;

	do {
		uint64_t u = rnd();

		memcpy(&d, &u, sizeof(d));
	} while (!isfinite(d));
	return d;
}

static void test_round_trip(void **state)
{
	static const char *const fmts[] = { "%.17g", "%.25g", "%.16e",
					    "%.9g",  "%.40e", "%a" };
	char buf[128];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		double d = rnd_double();
		float f = (float)ldexp((double)(rnd() >> 40),
				       (int)rnd_below(300) - 170);
		long double ld;
		uint64_t m = rnd() | 1ULL << 63;

		ld = ldexpl((long double)m, (int)rnd_below(32000) - 16000 - 63);
		for (unsigned int j = 0; j < sizeof(fmts) / sizeof(fmts[0]);
		     j++) {
			snprintf(buf, sizeof(buf), fmts[j], d);
			check_float(buf);
		}
		snprintf(buf, sizeof(buf), "%.9g", (double)f);
		check_float(buf);
		snprintf(buf, sizeof(buf), "%.21Lg", ld);
		check_float(buf);
		snprintf(buf, sizeof(buf), "%.25Le", ld);
		check_float(buf);
	}
	finish("round trip");
}

/* Random digits with a random point and exponent, for (range) decades. */
static void rnd_decimal(char *buf, int ndigits, int range)
{
	int point = (int)rnd_below((unsigned int)ndigits + 1);
	char *p = buf;

	if (rnd_below(4) == 0)
		*p++ = '-';
	for (int i = 0; i < ndigits; i++) {
		if (i == point)
			*p++ = '.';
		*p++ = (char)('0' + rnd_below(10));
	}
	sprintf(p, "e%d", (int)rnd_below(2 * (unsigned int)range) - range);
}

static void test_random_decimal(void **state)
{
	static const int ranges[] = { 30, 60, 330, 400, 4950, 5000 };
	char buf[128];

	(void)state;
	for (int i = 0; i < 60000; i++) {
		rnd_decimal(buf, 1 + (int)rnd_below(40),
			    ranges[rnd_below(sizeof(ranges) / sizeof(int))]);
		check_float(buf);
	}
	finish("random decimal");
}

/* The last nonzero mantissa digit of (s) minus one, then 9s to 'e'. */
static void just_below(char *s)
{
	char *e = strchr(s, 'e');
	char *p = e - 1;

	while (*p == '0' || *p == '.')
		p--;
	(*p)--;
	for (p++; p < e; p++) {
		if (*p != '.')
			*p = '9';
	}
}

/* Just above: a 1 inserted before the exponent. */
static void just_above(char *s)
{
	char *e = strchr(s, 'e');

	memmove(e + 1, e, strlen(e) + 1);
	*e = '1';
}

/* Exact halfway points between neighbouring doubles and floats, and the
 * strings just below and above them (up to ~770 significant digits). */
static void test_halfway(void **state)
{
	static char buf[1200], tmp[1200];

	(void)state;
	for (int i = 0; i < 3000; i++) {
		double d = fabs(rnd_double());
		uint32_t fbits = (uint32_t)rnd() % 0x7f800000;
		long double mid;
		float f;

		memcpy(&f, &fbits, sizeof(f));

		if (i % 3 == 0)
			d = ldexp(d, -(int)rnd_below(60)) * 0x1p-1000;
		/* Exact in long double: 54 bits and an x87 exponent. */
		mid = ((long double)d + nextafter(d, INFINITY)) / 2;
		snprintf(buf, sizeof(buf), "%.780Le", mid);
		check_float(buf);
		strcpy(tmp, buf);
		just_below(tmp);
		check_float(tmp);
		just_above(buf);
		check_float(buf);
		if (isinf(nextafterf(f, INFINITY)))
			continue;
		mid = ((long double)f + nextafterf(f, INFINITY)) / 2;
		snprintf(buf, sizeof(buf), "%.160Le", mid);
		check_float(buf);
		strcpy(tmp, buf);
		just_below(tmp);
		check_float(tmp);
		just_above(buf);
		check_float(buf);
	}
	finish("halfway");
}

/* The same for long double, the halfway points exact in __float128 and
 * printed by libquadmath (up to ~11500 significant digits). */
static void test_halfway_long_double(void **state)
{
	static char buf[12000], tmp[12000];

	(void)state;
	for (int i = 0; i < 300; i++) {
		uint64_t m = rnd() | (i % 5 ? 1ULL << 63 : 0);
		int e = (int)rnd_below(32900) - 16445 - 63;
		long double ld = ldexpl((long double)m, e);
		__float128 mid;

		if (i % 3 == 0) /* near the subnormals */
			ld = ldexpl((long double)m,
				    -16445 - (int)rnd_below(64));
		if (!isfinite(nextafterl(ld, INFINITY)))
			continue;
		mid = ((__float128)ld + (__float128)nextafterl(ld, INFINITY)) /
		      2;
		quadmath_snprintf(buf, sizeof(buf) - 8, "%.11600Qe", mid);
		check_float(buf);
		strcpy(tmp, buf);
		just_below(tmp);
		check_float(tmp);
		just_above(buf);
		check_float(buf);
	}
	finish("halfway, long double");
}

/*
 * glibc 2.36 rounds a hex input just above half the smallest subnormal to
 * zero when the bits past half sit in the same limb as the round bit (its
 * round_and_return misses them as sticky bits); these round up, to the
 * smallest subnormal, as IEEE 754 requires. Both set ERANGE.
 */
static void test_glibc_hex_underflow_difference(void **state)
{
	char *end;

	(void)state;
	errno = 0;
	assert_true(libc_strtof("0x1.000001p-150", &end) == 0x1p-149f);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(*end, 0);
	errno = 0;
	assert_true(libc_strtod("0x1.0000000000001p-1075", &end) == 0x1p-1074);
	assert_int_equal(errno, ERANGE);
	errno = 0;
	assert_true(libc_strtod("0x1.00000000000000000000001p-1075", NULL) ==
		    0x1p-1074);
	assert_int_equal(errno, ERANGE);
	errno = 0;
	assert_true(libc_strtold("0x1.0000000000000001p-16446", NULL) ==
		    0x1p-16445L);
	assert_int_equal(errno, ERANGE);
	/* Exactly half still rounds to even, zero. */
	assert_true(libc_strtof("0x1p-150", NULL) == 0);
	assert_true(libc_strtod("0x1p-1075", NULL) == 0);
}

static void test_hard_cases(void **state)
{
	static const char *const cases[] = {
		"9007199254740993",
		"9007199254740992.5",
		"9007199254740993.0000000000000000000000000001",
		"9007199254740995",
		"1e23",
		"8.98846567431158e307",
		"1.7976931348623157e308",
		"1.7976931348623158e308",
		"1.7976931348623158079e308",
		"1.797693134862315807937289714053e308",
		"1.7976931348623159e308",
		"1e308",
		"1e309",
		"1e400",
		"-1e400",
		"1e-400",
		"-1e-400",
		"4.9406564584124654e-324",
		"2.4703282292062327e-324",
		"2.4703282292062328e-324",
		"2.47032822920623272088e-324",
		"2.4703282292062327208828439643411068618252990130716238221279284"
		"125033775364e-324",
		"2.2250738585072011e-308",
		"2.2250738585072012e-308",
		"2.2250738585072014e-308",
		"2.225073858507201136057409796709131975934819546351645648e-308",
		"2.2250738585072009e-308",
		"1.1125369292536007e-308",
		"3.4028234663852886e38",
		"3.4028235677973366e38",
		"3.4028236e38",
		"1.17549435e-38",
		"1.1754942e-38",
		"1.4012984643248171e-45",
		"7.0064923216240854e-46",
		"7.006492321624086e-46",
		"1.18973149535723176502e4932",
		"1.18973149535723176508e4932",
		"1.2e4932",
		"3.64519953188247460253e-4951",
		"1.82259976594123730126e-4951",
		"1.8225997659412373013e-4951",
		"3.3621031431120935063e-4932",
		"1e-4950",
		"1e-5000",
		"1e5000",
		"0.1",
		"0.2",
		"0.3",
		"123456789012345678901234567890",
		"0.000000000000000000000000000000000000000000001e45",
		"1000000000000000000000000000000000000000000e-43",
		"0e999999999999999999999999",
		"1e-999999999999999999999999",
		"1e999999999999999999999999",
		"0.0000000000000000000000000000000000000000000000000000000000",
		"00000000000000000000000000000000000000000000000000000000001",
		"1.00000000000000011102230246251565404236316680908203125",
		"1.00000000000000011102230246251565404236316680908203124",
		"1.00000000000000011102230246251565404236316680908203126",
		"1.000000059604644775390625",
		"1.00000005960464477539062499",
		"1.0000000000000000000271050543121376108501863200217485427856445"
		"3125",
		"7.2057594037927933e16",
		"2.9802322387695312e-8",
		"4294967295.5",
		"18446744073709551615",
		"18446744073709551616.5",
		"36893488147419103231",
	};
	char buf[1000];

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_float(cases[i]);
		snprintf(buf, sizeof(buf), "-%s", cases[i]);
		check_float(buf);
	}
	finish("hard cases");
}

/* Very long strings: 800 and 20000 digits, zeros around one digit. */
static void test_long_inputs(void **state)
{
	static char buf[21000];
	static const int lengths[] = { 100, 800, 801, 1200, 12000, 20000 };

	(void)state;
	for (int i = 0; i < 120; i++) {
		int n = lengths[i % 6];
		int e = (int)rnd_below(10000) - 5000;

		for (int j = 0; j < n; j++)
			buf[j] = (char)('0' + rnd_below(10));
		buf[0] = '1';
		if (i % 4 == 1) /* zeros after the head */
			memset(buf + 18, '0', (size_t)n - 18);
		if (i % 4 == 2) /* one far nonzero digit after zeros */
			memset(buf + 18, '0', (size_t)n - 19);
		if (i % 4 == 3) /* leading zeros */
			memset(buf, '0', (size_t)n - 20);
		snprintf(buf + n, 20, "e%d", (i & 1) ? e / 16 : e - n);
		check_float(buf);
		buf[n] = 0;
		check_float(buf);
	}
	finish("long inputs");
}

static void test_hex(void **state)
{
	static const char *const cases[] = {
		"0x1.8p3",
		"0X1.8P3",
		"0x",
		"0x.",
		"0x.p1",
		"0xg",
		"-0x",
		"0x1p",
		"0x1p+",
		"0x1p-",
		"0x.8",
		"0x8.",
		"0x1p-1074",
		"0x1p-1075",
		"0x1.8p-1075",
		"0x1p-1076",
		"0x1p1023",
		"0x1p1024",
		"0x1.fffffffffffff8p1023",
		"0x1.fffffffffffff7ffp1023",
		"0x1p-1022",
		"0x0.fffffffffffff8p-1022",
		"0x0.fffffffffffffcp-1022",
		"0x1p-149",
		"0x1p-150",
		"0x1.000002p-150",
		"0x1p-16445",
		"0x1p-16446",
		"0x1.00000000000000001p-16446",
		"0x1p16384",
		"0x0000000000000000000000000000000000000001p0",
		"0x1000000000000000000000000000000000000001p0",
		"0x10000000000000000000000000000000000000000000000000001p-200",
		"0x1p99999999999999999999",
		"0x1p-99999999999999999999",
		"0x0p99999999999999999999",
	};
	char buf[128];

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_float(cases[i]);
	for (int i = 0; i < 30000; i++) {
		int n = 1 + (int)rnd_below(40);
		int point = (int)rnd_below((unsigned int)n + 1);
		char *p = buf;

		p += sprintf(p, "%s0x", rnd_below(2) ? "-" : "");
		for (int j = 0; j < n; j++) {
			if (j == point)
				*p++ = '.';
			*p++ = "0123456789abcdefABCDEF"[rnd_below(22)];
		}
		sprintf(p, "p%d", (int)rnd_below(33000) - 16500);
		check_float(buf);
	}
	finish("hex");
}

static void test_special(void **state)
{
	static const char *const cases[] = {
		"inf",
		"INF",
		"-Inf",
		"infinity",
		"-INFINITY",
		"infinit",
		"infx",
		"in",
		"+inFiNiTy",
		"nan",
		"-nan",
		"NaN",
		"nan()",
		"nan(",
		"nan(1",
		"nan(123)",
		"nan(0x7ff)",
		"-nan(0x1)",
		"nan(abc)",
		"nan(a_b)",
		"nan(010)",
		"nan(-1)",
		"nan( 1)",
		"nan(0x)",
		"nan(0xffffffffffffffff)",
		"nan(99999999999999999999)",
		"nan(0x3fffff)",
		"nan(0x400000)",
		"",
		" ",
		"+",
		"-",
		".",
		"-.",
		"e5",
		".e5",
		"1e",
		"1e+",
		"1e-",
		"1e+5",
		"1.e5",
		".5",
		"5.",
		"1.2.3",
		" \t\n\v\f\r1.5",
		"\t-0",
		"-0.0e10",
		"+0",
		"0",
		"00.00",
		"-.0e-5",
		"1x",
		"1 2",
		"- 1",
		"+-1",
		"1e5e5",
		"0x1e",
		"0e",
		"1,5",
		"\xc2\xa0"
		"1",
		"1e0000000000000000000000005",
	};

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_float(cases[i]);
	finish("special");
}

/* Compares the integer parsers on (s) in (base). */
static void check_int(const char *s, int base)
{
	char *sentinel = (char *)"sentinel";
	char *e1 = sentinel, *e2 = sentinel, g[96], w[96];
	long long a, b;
	unsigned long long ua, ub;
	int err1, err2;

	checked++;
	if (base != 0 && (base < 2 || base > 36)) {
		/* glibc leaves *end alone, but ASan's strtoll interceptor
		 * stores garbage there: check against glibc's rule. */
		errno = 0;
		assert_true(libc_strtoll(s, &e1, base) == 0);
		assert_int_equal(errno, EINVAL);
		errno = 0;
		assert_true(libc_strtoull(s, &e1, base) == 0);
		assert_int_equal(errno, EINVAL);
		assert_ptr_equal(e1, sentinel);
		return;
	}
	errno = 0;
	a = libc_strtoll(s, &e1, base);
	err1 = errno;
	errno = 0;
	b = strtoll(s, &e2, base);
	err2 = errno;
	if (a != b || e1 != e2 || err1 != err2) {
		snprintf(g, sizeof(g), "%lld end+%td errno %d (base %d)", a,
			 e1 - s, err1, base);
		snprintf(w, sizeof(w), "%lld end+%td errno %d", b, e2 - s,
			 err2);
		report("strtoll", s, g, w);
	}
	e1 = e2 = sentinel;
	errno = 0;
	ua = libc_strtoull(s, &e1, base);
	err1 = errno;
	errno = 0;
	ub = strtoull(s, &e2, base);
	err2 = errno;
	if (ua != ub || e1 != e2 || err1 != err2) {
		snprintf(g, sizeof(g), "%llu end+%td errno %d (base %d)", ua,
			 e1 - s, err1, base);
		snprintf(w, sizeof(w), "%llu end+%td errno %d", ub, e2 - s,
			 err2);
		report("strtoull", s, g, w);
	}
	/* NULL end pointers are allowed. */
	errno = 0;
	assert_true(libc_strtoll(s, NULL, base) == a);
	assert_true(libc_strtoull(s, NULL, base) == ua);
}

/* (v) in (base), digits in random case, into (p); returns the end. */
static char *format_base(char *p, unsigned long long v, int base)
{
	char tmp[72];
	int n = 0;

	do {
		unsigned int d = (unsigned int)(v % (unsigned int)base);

		tmp[n++] = d < 10 ? (char)('0' + d)
				  : (char)((rnd_below(2) ? 'a' : 'A') + d - 10);
		v /= (unsigned int)base;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	*p = 0;
	return p;
}

static void test_int_random(void **state)
{
	static const char *const prefixes[] = { "",   "-",  "+",   " ", "\t-",
						"0x", "0X", "-0x", "0", "00" };
	static const char *const suffixes[] = { "",  "z", " 1", ".5",
						"g", "9", "x",	"_" };
	char buf[128];

	(void)state;
	for (int i = 0; i < 60000; i++) {
		int base = (int)rnd_below(38);
		unsigned long long v = rnd() >> rnd_below(64);
		char *p = buf;

		base = base == 1 ? 0 : base > 36 ? 10 : base;
		p += sprintf(p, "%s", prefixes[rnd_below(10)]);
		p = format_base(p, v, base ? base : 10);
		if (rnd_below(8) == 0) /* overflow by appending digits */
			p = format_base(p, rnd() % 1000, base ? base : 10);
		strcpy(p, suffixes[rnd_below(8)]);
		check_int(buf, base);
	}
	finish("integers, random");
}

static void test_int_edges(void **state)
{
	static const char *const cases[] = {
		"9223372036854775807",
		"9223372036854775808",
		"-9223372036854775808",
		"-9223372036854775809",
		"18446744073709551615",
		"18446744073709551616",
		"-18446744073709551615",
		"-18446744073709551616",
		"-0",
		"+0",
		"0x",
		"0X",
		"-0x",
		" 0xg",
		"0x0",
		"0x7fffffffffffffff",
		"0x8000000000000000",
		"-0x8000000000000000",
		"0xffffffffffffffff",
		"0x10000000000000000",
		"0777",
		"0778",
		"08",
		"0b101",
		"",
		" ",
		"-",
		"+",
		"--1",
		"+-1",
		" \t\n\v\f\r42",
		"\xc2\xa0"
		"1",
		"zz",
		"ZZ",
		"1111111111111111111111111111111111111111111111111111111111111111",
		"11111111111111111111111111111111111111111111111111111111111111111",
		"3w5e11264sgsf",
		"3w5e11264sgsg",
		"00000000000000000000000000000000000000000000000000000000000001",
		"999999999999999999999999999999999999999999999999999999999999",
	};
	static const int bases[] = { 0, 2, 8, 10, 16, 36, 1, -1, 37, 100 };

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (unsigned int j = 0; j < sizeof(bases) / sizeof(int); j++)
			check_int(cases[i], bases[j]);
	}
	finish("integers, edges");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_special),
		cmocka_unit_test(test_hard_cases),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_random_decimal),
		cmocka_unit_test(test_halfway),
		cmocka_unit_test(test_halfway_long_double),
		cmocka_unit_test(test_glibc_hex_underflow_difference),
		cmocka_unit_test(test_long_inputs),
		cmocka_unit_test(test_int_random),
		cmocka_unit_test(test_int_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
