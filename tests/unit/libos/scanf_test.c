/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for libc's scanf engine (libos/libc/scanf.c with the number
 * parsers of strto_float.c and strto_int.c), built for the host and
 * compared with glibc's sscanf: every call gets the same eight pointers to
 * slots filled with a sentinel, and the return value and every slot byte
 * must agree. Cases are fixed edge cases, seeded random values printed
 * with random formats and scanned back with random widths and length
 * modifiers, random strings through %s %c and scansets, and random inputs
 * from a small alphabet against random formats (failures, literals, %n).
 */
#include <float.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>

#include <cmocka.h>

int mosaic_sscanf(const char *str, const char *fmt, ...);
int mosaic_vsscanf(const char *str, const char *fmt, va_list ap);

#define SLOTS 8
#define SLOT_BYTES 2048
#define SENTINEL 0xa5

static unsigned char want[SLOTS][SLOT_BYTES], got[SLOTS][SLOT_BYTES];
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

/* Scans (in) with (fmt) both ways and fails on any difference. */
static void check(const char *in, const char *fmt)
{
	int rw, rg;

	memset(want, SENTINEL, sizeof(want));
	memset(got, SENTINEL, sizeof(got));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
	rw = sscanf(in, fmt, want[0], want[1], want[2], want[3], want[4],
		    want[5], want[6], want[7]);
#pragma GCC diagnostic pop
	rg = mosaic_sscanf(in, fmt, got[0], got[1], got[2], got[3], got[4],
			   got[5], got[6], got[7]);
	cases++;
	if (rw != rg || memcmp(want, got, sizeof(want)) != 0) {
		int slot = -1;

		for (int i = 0; i < SLOTS && slot < 0; i++)
			if (memcmp(want[i], got[i], SLOT_BYTES))
				slot = i;
		print_error("input \"%s\" format \"%s\": glibc %d, mine %d, "
			    "first differing slot %d\n",
			    in, fmt, rw, rg, slot);
		if (slot >= 0) {
			print_error("  glibc:");
			for (int i = 0; i < 16; i++)
				print_error(" %02x", want[slot][i]);
			print_error("\n  mine: ");
			for (int i = 0; i < 16; i++)
				print_error(" %02x", got[slot][i]);
			print_error("\n");
		}
		fail();
	}
}

static void test_fixed_cases(void **state)
{
	static const char *const c[][2] = {
		{ "", "%d" },
		{ "", "%n" },
		{ "", "" },
		{ "   ", " %d" },
		{ "x", "%n%d" },
		{ "5", "%*d %d" },
		{ "5 6", "%*d %d%n" },
		{ "0x", "%x%n" },
		{ "0xg", "%x%n" },
		{ "0X1F", "%X%n" },
		{ "-0x", "%i%n" },
		{ "0x", "%2i%n" },
		{ "0x1", "%2x%n" },
		{ "08", "%i%n" },
		{ "0777 0x1f -12", "%i %i %i%n" },
		{ "-", "%d%n" },
		{ "+", "%1d%n" },
		{ "12", "%1d%n%d" },
		{ "99999999999999999999", "%d%n" },
		{ "-99999999999999999999", "%lld%n" },
		{ "99999999999999999999", "%llu%n" },
		{ "-1", "%u %n" },
		{ "-1", "%hhu%n" },
		{ "300", "%hhd%n" },
		{ "70000", "%hd%n" },
		{ "4294967296", "%d%n" },
		{ "00000000000000000000000000000000000000000000000000000000000"
		  "00000000000000000000000000000000000000000000000000000000042",
		  "%d%n" },
		{ "0x7fffffff 12", "%p %zd %n" },
		{ "12 34", "%jd %td%n" },
		{ "1.5", "%f%n" },
		{ "1.5", "%lf%n" },
		{ "1.5", "%Lf%n" },
		{ "infx", "%lf%n" },
		{ "INFINITY", "%lf%n" },
		{ "infin", "%lf%n" },
		{ "-nan", "%lf%n" },
		{ "nan(abc)", "%lf%n%s" },
		{ "na", "%lf%n" },
		{ "1e+", "%lf%n" },
		{ "1e+x", "%lf%n" },
		{ "1ex", "%lf%n" },
		{ "0x1p", "%lf%n" },
		{ "0x", "%lf%n" },
		{ "0x.8p1", "%la%n" },
		{ ".", "%lf%n" },
		{ ".5", "%lg%n" },
		{ "5.", "%lE%n" },
		{ "0.5", "%1lf%n" },
		{ "1e5", "%2lf%n" },
		{ "1e400 1e-400 -1e-320", "%lf %lf %lf%n" },
		{ "1e40 1e-50", "%f %f%n" },
		{ "1e5000 1e-5000 0x1p-16445", "%Lf %Lf %La%n" },
		{ "abc", "%5c%n" },
		{ "", "%c" },
		{ " ", "%s" },
		{ " a", "%c%n" },
		{ "hello world", "%s%n%s" },
		{ "hello world", "%3s%n%ls" },
		{ "ab", "%lc%n" },
		{ "ab", "%[a-]%n" },
		{ "-b", "%[z-a]%n" },
		{ "]a", "%[]a]%n" },
		{ "a-]", "%[]-a]%n" },
		{ "xyz", "%[^z]%n" },
		{ "xyz", "%[^]x]%n" },
		{ "zzz", "%[a]%n" },
		{ "", "%[a]%n" },
		{ "abcdef", "%2[a-f]%n%[a-f]" },
		{ " %", "%%%n" },
		{ "%", " %% %n" },
		{ "abc", "abd%n" },
		{ "ab", "abc%n" },
		{ "a b", "a b%n" },
		{ "ab", "a b%n" },
		{ "a\t\n b", "a b%n" },
		{ "12abc", "%d%n%c" },
		{ "1 2 3 4 5 6 7 8", "%d %d %d %d %d %d %d %d" },
		{ "42", "%*5d%n" },
		{ "42", "%hhn%hn%ln%lln%jn%zn%tn" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		check(c[i][0], c[i][1]);
}

static const char *const int_mods[] = { "hh", "h", "",	"l", "ll",
					"j",  "z", "t", "L" };

/* Integers at the edges and at random, printed in any base. */
static void test_random_integers(void **state)
{
	static const char *const pconv[][2] = {
		{ "", "d" },  { "", "i" },  { "", "u" },  { "", "o" },
		{ "", "x" },  { "", "X" },  { "#", "o" }, { "#", "x" },
		{ "#", "X" }, { "+", "d" },
	};
	static const char *const sconv[] = { "d", "i", "u", "o", "x", "X" };
	char in[128], fmt[64];

	(void)state;
	for (int i = 0; i < 30000; i++) {
		long long v = (long long)rnd();
		const char *const *pc = pconv[rnd_below(10)];
		const char *sc = sconv[rnd_below(6)];
		int w = (int)rnd_below(24);

		switch (rnd_below(4)) {
		case 0:
			v >>= rnd_below(64);
			break;
		case 1:
			v = (long long)rnd_below(2000) - 1000;
			break;
		case 2: {
			static const long long e[] = {
				0,	  -1,	    LLONG_MIN, LLONG_MAX,
				INT_MAX,  INT_MIN,  UINT_MAX,  SHRT_MAX,
				SHRT_MIN, CHAR_MAX, 255,       256,
				-128,	  -129,	    65535,     65536
			};
			v = e[rnd_below(16)];
			break;
		}
		default:
			break;
		}
		snprintf(fmt, sizeof(fmt), "%%%s%s%s%dll%s",
			 rnd_below(2) ? " " : "", rnd_below(4) ? "" : "0",
			 pc[0], (int)rnd_below(24), pc[1]);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(in, sizeof(in), fmt, v);
#pragma GCC diagnostic pop
		if (w)
			snprintf(fmt, sizeof(fmt), "%s%%%d%s%s%%n%%s",
				 rnd_below(2) ? " " : "", w,
				 int_mods[rnd_below(9)], sc);
		else
			snprintf(fmt, sizeof(fmt), "%%%s%s%%n%%c",
				 int_mods[rnd_below(9)], sc);
		check(in, fmt);
	}
}

/* Doubles and long doubles from random bits, printed every way. */
static void test_random_floats(void **state)
{
	static const char *const pconv[] = {
		"e", "f", "g", "a", "E", "G", "A"
	};
	static const char *const sconv[] = { "e", "f", "g", "a",
					     "E", "F", "G", "A" };
	static const char *const fmods[] = { "", "l", "L" };
	char in[1024], fmt[64];

	(void)state;
	for (int i = 0; i < 30000; i++) {
		uint64_t bits = rnd();
		double d;
		const char *pc = pconv[rnd_below(7)];
		int prec = (int)rnd_below(40);
		int w = rnd_below(3) ? 0 : 1 + (int)rnd_below(30);

		memcpy(&d, &bits, sizeof(d));
		if (rnd_below(2))
			d = (double)(int64_t)(rnd() >> rnd_below(64)) /
			    (double)(1ull << rnd_below(40));
		if (pc[0] == 'f' && (d > 1e60 || d < -1e60))
			pc = "e";
		if (rnd_below(2)) {
			long double ld = (long double)d *
					 (1.0L + (long double)rnd() / 0x1p70L);

			snprintf(fmt, sizeof(fmt), "%%.%dL%s", prec, pc);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			snprintf(in, sizeof(in), fmt, ld);
		} else {
			snprintf(fmt, sizeof(fmt), "%%.%d%s", prec, pc);
			snprintf(in, sizeof(in), fmt, d);
#pragma GCC diagnostic pop
		}
		if (w)
			snprintf(fmt, sizeof(fmt), "%%%d%s%s%%n%%s", w,
				 fmods[rnd_below(3)], sconv[rnd_below(8)]);
		else
			snprintf(fmt, sizeof(fmt), "%%%s%s%%n",
				 fmods[rnd_below(3)], sconv[rnd_below(8)]);
		check(in, fmt);
	}
}

/* Long decimal fields (more digits than the engine keeps) and hard
 * rounding cases. */
static void test_long_fields(void **state)
{
	static char in[8000];
	static const char *const fmts[] = { "%lf%n", "%f%n", "%Lf%n",
					    "%1000lf%n", "%la%n" };

	(void)state;
	for (int i = 0; i < 3000; i++) {
		size_t n = 0, len = 1 + rnd_below(2500);
		int dot = (int)rnd_below((unsigned int)len + 1);
		bool hex = rnd_below(5) == 0;

		if (rnd_below(2))
			in[n++] = '-';
		if (hex) {
			in[n++] = '0';
			in[n++] = 'x';
		}
		if (rnd_below(3) == 0) {
			/* Leading zeros, which no digit budget may count. */
			size_t z = rnd_below(1500);

			if (rnd_below(2)) {
				in[n++] = '0';
				in[n++] = '.';
				dot = -1;
			}
			memset(in + n, '0', z);
			n += z;
		}
		for (size_t k = 0; k < len; k++) {
			if ((int)k == dot)
				in[n++] = '.';
			/* Mostly a short head then zeros or nines, with an
			 * occasional last non-zero: sticky digits matter. */
			if (k < 20 || rnd_below(50) == 0)
				in[n++] =
					hex ? "0123456789abcdef"[rnd_below(16)]
					    : (char)('0' + rnd_below(10));
			else
				in[n++] =
					rnd_below(2) ? '0' : (hex ? 'f' : '9');
		}
		if (rnd_below(2))
			n += (size_t)snprintf(in + n, 32, "%c%d",
					      hex ? 'p' : 'e',
					      (int)rnd_below(2000) - 1000 -
						      (hex ? 0 : (int)len));
		in[n] = '\0';
		check(in, fmts[rnd_below(5)]);
	}
}

/* Random strings through %s, %c and scansets. */
static void test_random_strings(void **state)
{
	static const char *const sets[] = {
		"a-c",	"^a",	  "]a-", "^]", "-a",  "a-",    "z-a",
		"^ \t", "a-z0-9", "^-",	 "]",  "b-b", "^a-c ",
	};
	char in[256], fmt[64];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t len = rnd_below(40);
		int w = rnd_below(2) ? 0 : 1 + (int)rnd_below(12);
		const char *wide = rnd_below(4) ? "" : "l";
		char ws[16] = "";

		for (size_t k = 0; k < len; k++)
			in[k] = "abcz-] \t\n09x"[rnd_below(13)];
		in[len] = '\0';
		if (w)
			snprintf(ws, sizeof(ws), "%d", w);
		switch (rnd_below(3)) {
		case 0:
			snprintf(fmt, sizeof(fmt), "%%%s%ss%%n%%s", ws, wide);
			break;
		case 1:
			snprintf(fmt, sizeof(fmt), "%%%s%sc%%n%%c", ws, wide);
			break;
		default:
			snprintf(fmt, sizeof(fmt), "%s%%%s%s[%s]%%n%%%s[%s]",
				 rnd_below(2) ? " " : "", ws, wide,
				 sets[rnd_below(13)], wide,
				 sets[rnd_below(13)]);
			break;
		}
		check(in, fmt);
	}
}

/* Random inputs against random formats: failures and leftovers. */
static void test_fuzz(void **state)
{
	static const char *const dirs[] = {
		"%d",  "%i",	  "%x",	       "%o",	"%u",  "%5d", "%2i",
		"%lf", "%f",	  "%Lg",       "%3f",	"%la", "%s",  "%3s",
		"%c",  "%2c",	  "%[0-9a-f]", "%[^ ]", "%n",  "%*d", "%*s",
		"%*f", " ",	  "x",	       "e",	"%%",  "-",   "%hhd",
		"%p",  "%*[a-f]", "%4lf",      "%jx",
	};
	const char alpha[] = "0123456789abcdefxXpPeE+-. \tinfnaINFNA%()";
	char in[64], fmt[128];

	(void)state;
	for (int i = 0; i < 60000; i++) {
		size_t len = rnd_below(24), n = 0;
		int ndir = 1 + (int)rnd_below(5), convs = 0;

		for (size_t k = 0; k < len; k++)
			in[k] = alpha[rnd_below(sizeof(alpha) - 1)];
		in[len] = '\0';
		fmt[0] = '\0';
		for (int k = 0; k < ndir; k++) {
			const char *d = dirs[rnd_below(32)];

			if (d[0] == '%' && d[1] != '%' && d[1] != '*' &&
			    ++convs > SLOTS - 1)
				break;
			n += (size_t)snprintf(fmt + n, sizeof(fmt) - n, "%s",
					      d);
		}
		strcat(fmt, "%n");
		check(in, fmt);
	}
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
		cmocka_unit_test(test_random_floats),
		cmocka_unit_test(test_long_fields),
		cmocka_unit_test(test_random_strings),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
