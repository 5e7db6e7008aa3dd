/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/lib/fmt.c. fmt_vsnprintf() is compared with the
 * host glibc vsnprintf() over tables of formats and values and a seeded
 * random sweep, at several buffer sizes; the cases where the engine differs
 * on purpose (%f, %n, unknown conversions, errors) are checked against
 * fixed expected text, and fmt_vformat() against the calls its sink sees.
 */

#include <kernel/fmt.h>

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

/* Output buffer size for oracle checks, and untouched bytes after it. */
#define OUT_BYTES 512
#define GUARD_BYTES 16
#define SENTINEL 0x5a

/* The argument type a conversion reads, for passing table values. */
enum arg_type {
	ARG_INT,
	ARG_UINT,
	ARG_LONG,
	ARG_ULONG,
	ARG_LLONG,
	ARG_ULLONG,
	ARG_INTMAX,
	ARG_UINTMAX,
	ARG_SSIZE,
	ARG_SIZE,
	ARG_PTRDIFF,
	ARG_CHAR,
	ARG_STR,
	ARG_PTR,
};

/* A length modifier and the types its signed and unsigned forms read. */
struct length_mod {
	const char *text;
	enum arg_type sarg;
	enum arg_type uarg;
};

static const struct length_mod lengths[] = {
	{ "", ARG_INT, ARG_UINT },	 { "hh", ARG_INT, ARG_UINT },
	{ "h", ARG_INT, ARG_UINT },	 { "l", ARG_LONG, ARG_ULONG },
	{ "ll", ARG_LLONG, ARG_ULLONG }, { "j", ARG_INTMAX, ARG_UINTMAX },
	{ "z", ARG_SSIZE, ARG_SIZE },	 { "t", ARG_PTRDIFF, ARG_SIZE },
};

/* Bit patterns, converted (with wrap-around) to each argument type. */
static const uint64_t int_values[] = {
	0,
	1,
	2,
	7,
	8,
	10,
	16,
	42,
	127,
	128,
	255,
	256,
	300,
	32767,
	32768,
	65535,
	65536,
	0x7fffffff,
	0x80000000,
	0xffffffff,
	0x100000000,
	0x0123456789abcdef,
	0x7fffffffffffffff,
	0x8000000000000000,
	0xffffffffffffffff,
	(uint64_t)-42,
	(uint64_t)-129,
};

static char unterminated[3] = { 'x', 'y', 'z' };

static const char *const str_values[] = {
	"",
	"a",
	"abc",
	"hello world",
	"(null)",
	"%d %s",
	"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuv"
	"wxyz0123456789",
	NULL,
};

static const uintptr_t ptr_values[] = {
	0, 1, 0x12, 0xdeadbeef, 0xffff800000001000, UINTPTR_MAX,
};

static const char *const flag_sets[] = {
	"",    "-",   "+",    " ",    "#",     "0",    "-+",   "- ",
	"-#",  "-0",  "+ ",   "+#",   "+0",    " #",   " 0",   "#0",
	"-+ ", "-+#", "-+0",  "- #",  "- 0",   "-#0",  "+ #",  "+ 0",
	"+#0", " #0", "-+ #", "-+ 0", "-+#0",  "- #0", "+ #0", "-+ #0",
	"0-",  " +",  "00",   "--",   "0#+ -",
};

static const char *const widths[] = { "", "1", "3", "8", "24" };
static const char *const precisions[] = {
	"", ".", ".0", ".1", ".2", ".5", ".24"
};

static void show(char *dst, size_t dst_size, const char *buf, size_t size)
{
	size_t n = size < dst_size - 1 ? size : dst_size - 1;

	memcpy(dst, buf, n);
	dst[n] = '\0';
}

/*
 * Formats with glibc and with fmt_vsnprintf() into a buffer of (size) bytes
 * (NULL when 0) and fails unless the return values and every byte of the
 * buffers, including the guard bytes after (size), are equal.
 */
static int check_size(const char *fmt, size_t size, va_list ap)
{
	char want[OUT_BYTES + GUARD_BYTES], got[OUT_BYTES + GUARD_BYTES];
	char want_s[OUT_BYTES], got_s[OUT_BYTES];
	va_list a1, a2;
	int rw, rg;

	memset(want, SENTINEL, sizeof(want));
	memset(got, SENTINEL, sizeof(got));
	va_copy(a1, ap);
	va_copy(a2, ap);
	rw = vsnprintf(size ? want : NULL, size, fmt, a1);
	rg = fmt_vsnprintf(size ? got : NULL, size, fmt, a2);
	va_end(a2);
	va_end(a1);
	if (rw != rg || memcmp(want, got, sizeof(want)) != 0) {
		show(want_s, sizeof(want_s), want, size);
		show(got_s, sizeof(got_s), got, size);
		fail_msg("format \"%s\", size %zu: got \"%s\" (%d), "
			 "want \"%s\" (%d)",
			 fmt, size, got_s, rg, want_s, rw);
	}
	return rw;
}

/*
 * check_size() at the full size, then at one truncated size: 0, 1, half,
 * exactly the length (no room for the NUL) or one more, in turn from call
 * to call, so that every table row meets each over its values while the
 * sweep stays fast. test_truncation covers all of them for fixed formats.
 */
static void check_va(const char *fmt, va_list ap)
{
	static unsigned int turn;
	int len = check_size(fmt, OUT_BYTES, ap);
	size_t sizes[] = { 0, 1, (size_t)len / 2, (size_t)len,
			   (size_t)len + 1 };

	assert_true(len >= 0 && len < OUT_BYTES);
	check_size(fmt, sizes[turn++ % ARRAY_SIZE(sizes)], ap);
}

/* check_size() at every size from 0 to one past the length. */
__printf(1, 2) static void check_all_sizes(const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = check_size(fmt, OUT_BYTES, ap);
	for (int size = 0; size <= len + 1; size++)
		check_size(fmt, (size_t)size, ap);
	va_end(ap);
}

__printf(1, 2) static void check(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_va(fmt, ap);
	va_end(ap);
}

/*
 * check() for formats the compiler rightly warns about: flags that C says
 * are ignored ("%+u", "%05.0d") and ints out of range for "%hhd".
 */
static void check_odd(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_va(fmt, ap);
	va_end(ap);
}

/* check() with (nstars) leading int arguments (s1, s2) before (val). */
#define CHECK_STARS(fmt, nstars, s1, s2, val)                                  \
	do {                                                                   \
		if ((nstars) == 0)                                             \
			check((fmt), (val));                                   \
		else if ((nstars) == 1)                                        \
			check((fmt), (s1), (val));                             \
		else                                                           \
			check((fmt), (s1), (s2), (val));                       \
	} while (0)

/* Checks (fmt), passing (v) as type (t) after (nstars) '*' values. */
static void check_value(const char *fmt, enum arg_type t, uint64_t v,
			int nstars, int s1, int s2)
{
	switch (t) {
	case ARG_INT:
	case ARG_CHAR:
		CHECK_STARS(fmt, nstars, s1, s2, (int)v);
		break;
	case ARG_UINT:
		CHECK_STARS(fmt, nstars, s1, s2, (unsigned int)v);
		break;
	case ARG_LONG:
		CHECK_STARS(fmt, nstars, s1, s2, (long)v);
		break;
	case ARG_ULONG:
		CHECK_STARS(fmt, nstars, s1, s2, (unsigned long)v);
		break;
	case ARG_LLONG:
		CHECK_STARS(fmt, nstars, s1, s2, (long long)v);
		break;
	case ARG_ULLONG:
		CHECK_STARS(fmt, nstars, s1, s2, (unsigned long long)v);
		break;
	case ARG_INTMAX:
		CHECK_STARS(fmt, nstars, s1, s2, (intmax_t)v);
		break;
	case ARG_UINTMAX:
		CHECK_STARS(fmt, nstars, s1, s2, (uintmax_t)v);
		break;
	case ARG_SSIZE:
		CHECK_STARS(fmt, nstars, s1, s2, (ssize_t)v);
		break;
	case ARG_SIZE:
		CHECK_STARS(fmt, nstars, s1, s2, (size_t)v);
		break;
	case ARG_PTRDIFF:
		CHECK_STARS(fmt, nstars, s1, s2, (ptrdiff_t)v);
		break;
	case ARG_STR:
		CHECK_STARS(fmt, nstars, s1, s2,
			    str_values[v % ARRAY_SIZE(str_values)]);
		break;
	case ARG_PTR:
		CHECK_STARS(fmt, nstars, s1, s2,
			    (void *)ptr_values[v % ARRAY_SIZE(ptr_values)]);
		break;
	}
}

/*
 * Checks "%<flags><width><precision><len><conv>" for every flag set,
 * width and precision in the tables, with each of (nvals) values.
 */
static void sweep(const char *len, char conv, enum arg_type t,
		  const uint64_t *vals, size_t nvals)
{
	char fmt[64];

	for (size_t f = 0; f < ARRAY_SIZE(flag_sets); f++)
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < ARRAY_SIZE(precisions); p++) {
				snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>",
					 flag_sets[f], widths[w], precisions[p],
					 len, conv);
				for (size_t i = 0; i < nvals; i++)
					check_value(fmt, t, vals[i], 0, 0, 0);
			}
}

static void test_literals(void **state)
{
	(void)state;
	check("%s", "");
	check("plain text%s", "");
	check("100%% sure%s", "");
	check("%%%%%s%%", "x");
	check("a literal run much longer than the 64-byte stage buffer, "
	      "which literal text never goes through%s",
	      "");
	check("%s", "a string much longer than the 64-byte stage buffer, "
		    "which it bypasses");
}

static void test_signed_conversions(void **state)
{
	static const char convs[] = "di";

	(void)state;
	for (size_t c = 0; c < 2; c++)
		sweep("", convs[c], ARG_INT, int_values,
		      ARRAY_SIZE(int_values));
}

static void test_unsigned_conversions(void **state)
{
	static const char convs[] = "uoxX";

	(void)state;
	for (size_t c = 0; c < 4; c++)
		sweep("", convs[c], ARG_UINT, int_values,
		      ARRAY_SIZE(int_values));
}

static void test_length_modifiers(void **state)
{
	static const char convs[] = "diuoxX";
	static const char *const specs[] = {
		"",    "-",	"+",	   " ",	   "#",	    "0",   ".0",
		"#.0", "+ 025", "-+#12.3", "#030", "030.3", " #5", "-#25.22",
	};
	char fmt[64];

	(void)state;
	for (size_t l = 0; l < ARRAY_SIZE(lengths); l++)
		for (size_t c = 0; c < 6; c++)
			for (size_t s = 0; s < ARRAY_SIZE(specs); s++) {
				enum arg_type t = c < 2 ? lengths[l].sarg
							: lengths[l].uarg;

				snprintf(fmt, sizeof(fmt), "<%%%s%s%c>",
					 specs[s], lengths[l].text, convs[c]);
				for (size_t i = 0; i < ARRAY_SIZE(int_values);
				     i++)
					check_value(fmt, t, int_values[i], 0, 0,
						    0);
			}
}

static void test_edge_values(void **state)
{
	(void)state;
	check("%d %i %d", INT_MIN, INT_MIN, INT_MAX);
	check("%+d % d %012d %-12d|", INT_MIN, INT_MIN, INT_MIN, INT_MIN);
	check("%ld %ld %lu", LONG_MIN, LONG_MAX, ULONG_MAX);
	check("%lld %lli %llu", LLONG_MIN, LLONG_MIN, ULLONG_MAX);
	check("%+lld %#llo %#llx %#llX", LLONG_MIN, ULLONG_MAX, ULLONG_MAX,
	      ULLONG_MAX);
	check("%jd %jd %ju", INTMAX_MIN, INTMAX_MAX, UINTMAX_MAX);
	check("%jo %#jo %jx %#jX", UINTMAX_MAX, UINTMAX_MAX, UINTMAX_MAX,
	      UINTMAX_MAX);
	check("%.30jd %.30ju %030jo", INTMAX_MIN, UINTMAX_MAX, UINTMAX_MAX);
	check("%zd %zu %zx", (ssize_t)SIZE_MAX, SIZE_MAX, SIZE_MAX);
	check("%td %tu %tx", PTRDIFF_MIN, (size_t)PTRDIFF_MIN, (size_t)-1);
	/* Ints out of the range of the modifier's type are converted. */
	check_odd("%hhd %hhu %hhx %hhd %hhu", SCHAR_MIN, UCHAR_MAX, UCHAR_MAX,
		  300, -1);
	check_odd("%hd %hu %hx %hd %hu", SHRT_MIN, USHRT_MAX, USHRT_MAX, 70000,
		  -1);
	check("%u %o %x %X", UINT_MAX, UINT_MAX, UINT_MAX, UINT_MAX);
}

static void test_zero_precision(void **state)
{
	(void)state;
	check("[%.0d][%.0i][%.0u][%.0o][%.0x][%.0X]", 0, 0, 0u, 0u, 0u, 0u);
	check("[%#.0o][%#.0x][%#.0X][%#o][%#x][%#X]", 0u, 0u, 0u, 0u, 0u, 0u);
	check_odd("[%+.0d][% .0d][%5.0d][%-5.0d][%05.0d]", 0, 0, 0, 0, 0);
	check("[%#.3o][%#.2o][%#5o][%#05o][%#-5o]", 8u, 8u, 8u, 8u, 8u);
	check("[%#x][%#08x][%#-8x][%#.4x][%#8.4X]", 1u, 1u, 1u, 1u, 0xabu);
}

static void test_char(void **state)
{
	static const uint64_t chars[] = { 'A', 'z', ' ', '%',	       0,
					  127, 128, 255, (uint64_t)-1, 0x141 };
	static const char *const char_precisions[] = { "", ".0", ".3" };
	char fmt[64];

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(flag_sets); f++)
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < ARRAY_SIZE(char_precisions);
			     p++) {
				snprintf(fmt, sizeof(fmt), "<%%%s%s%sc>",
					 flag_sets[f], widths[w],
					 char_precisions[p]);
				for (size_t i = 0; i < ARRAY_SIZE(chars); i++)
					check_value(fmt, ARG_CHAR, chars[i], 0,
						    0, 0);
			}
}

static void test_string(void **state)
{
	static const char *const s_precisions[] = { "",	   ".",	  ".0", ".1",
						    ".3",  ".5",  ".6", ".7",
						    ".20", ".100" };
	static const char *const s_widths[] = { "", "1", "6", "10", "90" };
	char fmt[64];

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(flag_sets); f++)
		for (size_t w = 0; w < ARRAY_SIZE(s_widths); w++)
			for (size_t p = 0; p < ARRAY_SIZE(s_precisions); p++) {
				snprintf(fmt, sizeof(fmt), "<%%%s%s%ss>",
					 flag_sets[f], s_widths[w],
					 s_precisions[p]);
				for (size_t i = 0; i < ARRAY_SIZE(str_values);
				     i++)
					check_value(fmt, ARG_STR, i, 0, 0, 0);
			}
	/* The precision bounds the read: ASan fails any byte beyond it. */
	check("[%.3s][%.2s][%5.3s][%-5.1s]", unterminated, unterminated,
	      unterminated, unterminated);
}

static void test_pointer(void **state)
{
	static const char *const p_precisions[] = { "",	  ".0", ".1", ".4",
						    ".5", ".6", ".20" };
	char fmt[64];
	int local;

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(flag_sets); f++)
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < ARRAY_SIZE(p_precisions); p++) {
				snprintf(fmt, sizeof(fmt), "<%%%s%s%sp>",
					 flag_sets[f], widths[w],
					 p_precisions[p]);
				for (size_t i = 0; i < ARRAY_SIZE(ptr_values);
				     i++)
					check_value(fmt, ARG_PTR, i, 0, 0, 0);
			}
	check("%p %p %20p %-20p|", (void *)&local, (void *)test_pointer,
	      (void *)NULL, (void *)NULL);
}

static void test_star(void **state)
{
	static const char *const fmts[] = {
		"[%*d]",   "[%-*d]",   "[%0*d]",   "[%+*d]",  "[%*u]",
		"[%*x]",   "[%#*o]",   "[%*s]",	   "[%-*s]",  "[%*c]",
		"[%*p]",   "[%-*p]",   "[%*lld]",  "[%*hhd]", "[%*zu]",
		"[%.*d]",  "[%.*x]",   "[%#.*o]",  "[%.*s]",  "[%.*p]",
		"[%*.*d]", "[%0*.*d]", "[%-*.*x]", "[%*.*s]", "[%#*.*x]",
	};
	static const int stars[] = { -30, -20, -5, -1, 0, 1, 2, 5, 20, 30 };

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(fmts); f++) {
		const char *fmt = fmts[f];
		int nstars = strstr(fmt, "*.*") ? 2 : 1;
		enum arg_type t = strchr(fmt, 's')    ? ARG_STR
				  : strchr(fmt, 'p')  ? ARG_PTR
				  : strstr(fmt, "ll") ? ARG_LLONG
				  : strchr(fmt, 'z')  ? ARG_SIZE
						      : ARG_INT;

		for (size_t a = 0; a < ARRAY_SIZE(stars); a++)
			for (size_t b = 0; b < ARRAY_SIZE(stars); b++)
				for (size_t i = 0; i < 8; i++)
					check_value(fmt, t, int_values[i * 3],
						    nstars, stars[a], stars[b]);
	}
}

static void test_mixed(void **state)
{
	(void)state;
	check("x=%d y=%s z=%#x%%%c|%p|%-5.2s|%+.3lld", -5, "str", 255u, 'q',
	      (void *)0x1000, "abcdef", 42LL);
	check_odd("%s=%08.3d, %s=%-#10o, %s=%+5u", "a", -7, "b", 8u, "c", 9u);
	check("%c%c%c%c%c", 'h', 'e', 'l', 'l', 'o');
	check("%100d|%-100s|%#100x", 1, "left", 0xabcu);
}

/* Seeded random directives from the supported grammar, with literals. */
static uint64_t rng_state = 0x9e3779b97f4a7c15;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Appends random flags, width and precision; returns the '*' count. */
static int random_spec(char *fmt, size_t size)
{
	static const char flags[] = "-+ #0";
	size_t n = strlen(fmt);
	int nstars = 0;

	for (uint64_t k = rng() % 4; k > 0; k--)
		fmt[n++] = flags[rng() % 5];
	if (rng() % 5 == 0) {
		fmt[n++] = '*';
		nstars++;
	} else if (rng() % 2) {
		n += (size_t)snprintf(fmt + n, size - n, "%u",
				      (unsigned int)(rng() % 40));
	}
	if (rng() % 5 == 0) {
		fmt[n++] = '.';
		fmt[n++] = '*';
		nstars++;
	} else if (rng() % 2) {
		n += (size_t)snprintf(fmt + n, size - n, ".%u",
				      (unsigned int)(rng() % 40));
	}
	fmt[n] = '\0';
	return nstars;
}

static void random_case(void)
{
	static const char convs[] = "diuoxXcsp";
	char fmt[64] = "lit%";
	char conv = convs[rng() % 9];
	const struct length_mod *len = &lengths[rng() % ARRAY_SIZE(lengths)];
	int nstars = random_spec(fmt, sizeof(fmt));
	enum arg_type t = conv == 'd' || conv == 'i' ? len->sarg : len->uarg;

	if (conv == 'c' || conv == 's' || conv == 'p') {
		t = conv == 'c' ? ARG_CHAR : conv == 's' ? ARG_STR : ARG_PTR;
		len = &lengths[0];
	}
	snprintf(fmt + strlen(fmt), sizeof(fmt) - strlen(fmt), "%s%c end",
		 len->text, conv);
	check_value(fmt, t, int_values[rng() % ARRAY_SIZE(int_values)], nstars,
		    (int)(rng() % 61) - 30, (int)(rng() % 61) - 30);
}

static void test_random_formats(void **state)
{
	(void)state;
	for (int i = 0; i < 20000; i++)
		random_case();
}

/* Calls fmt_vsnprintf() without the printf format check. */
static int fmt_raw(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return ret;
}

static void test_truncation(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(fmt_snprintf(NULL, 0, "hello %d", 42), 8);
	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 1, "hello %d", 42), 8);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], SENTINEL);
	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 9, "hello %d", 42), 8);
	assert_string_equal(buf, "hello 42");
	assert_int_equal(buf[9], SENTINEL);
	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 8, "hello %d", 42), 8);
	assert_string_equal(buf, "hello 4");
	assert_int_equal(buf[8], SENTINEL);
	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 5, "%-100s|", "wide"), 101);
	assert_string_equal(buf, "wide");
	assert_int_equal(buf[5], SENTINEL);

	check_all_sizes("hello %d", 42);
	check_all_sizes("%s|%-9d|%#x|%c|%%|%p", "str", -12, 255u, 'c',
			(void *)0x1234);
	check_all_sizes("%s", "");
	check_all_sizes("%c", 0);
	check_all_sizes("%-100s|%100d", "wide", 7);
}

static void expect_raw(const char *want, int want_ret, int got_ret,
		       const char *got)
{
	assert_string_equal(got, want);
	assert_int_equal(got_ret, want_ret);
}

static void test_percent(void **state)
{
	char buf[64];

	(void)state;
	/* As in glibc, "%%" ignores flags, width and precision. */
	expect_raw("%|%|%|%|x", 9,
		   fmt_raw(buf, sizeof(buf), "%5%|%-5%|%05%|%.3%|%s", "x"),
		   buf);
	expect_raw("50% 7", 5, fmt_raw(buf, sizeof(buf), "%d%% %d", 50, 7),
		   buf);
}

static void test_unsupported_float(void **state)
{
	char buf[64];

	(void)state;
	expect_raw("%f", 2, fmt_raw(buf, sizeof(buf), "%f", 1.5), buf);
	expect_raw("a%5.2fb", 7, fmt_raw(buf, sizeof(buf), "a%5.2fb"), buf);
	expect_raw("%e%g%a%E%F%G%A", 14,
		   fmt_raw(buf, sizeof(buf), "%e%g%a%E%F%G%A"), buf);
	expect_raw("%Lf %Lg %lf", 11, fmt_raw(buf, sizeof(buf), "%Lf %Lg %lf"),
		   buf);
	/* No argument is consumed, not even for a '*'. */
	expect_raw("%f|42", 5, fmt_raw(buf, sizeof(buf), "%f|%d", 42), buf);
	expect_raw("%*.*f|7", 7, fmt_raw(buf, sizeof(buf), "%*.*f|%d", 7), buf);
	expect_raw("%Ld|%Lx|3", 9, fmt_raw(buf, sizeof(buf), "%Ld|%Lx|%d", 3),
		   buf);
	expect_raw("%f", 2, fmt_raw(buf, 3, "%f"), buf);
	expect_raw("%", 2, fmt_raw(buf, 2, "%f"), buf);
}

static void test_percent_n_refused(void **state)
{
	char buf[64];
	int v = 1234;
	signed char c = 12;
	long l = 56;

	(void)state;
	expect_raw("a%nb", 4, fmt_raw(buf, sizeof(buf), "a%nb", &v), buf);
	assert_int_equal(v, 1234);
	expect_raw("%hhn%ln%5n", 10,
		   fmt_raw(buf, sizeof(buf), "%hhn%ln%5n", &c, &l, &v), buf);
	assert_int_equal(c, 12);
	assert_int_equal(l, 56);
	assert_int_equal(v, 1234);
	expect_raw("%n|42", 5, fmt_raw(buf, sizeof(buf), "%n|%d", 42), buf);
}

static void test_unknown_conversions(void **state)
{
	char buf[64];

	(void)state;
	expect_raw("%y", 2, fmt_raw(buf, sizeof(buf), "%y"), buf);
	expect_raw("%-5.2y5", 7, fmt_raw(buf, sizeof(buf), "%-5.2y%d", 5), buf);
	expect_raw("%m %C %S %q", 11, fmt_raw(buf, sizeof(buf), "%m %C %S %q"),
		   buf);
	expect_raw("%lc%ls%llc%lls", 14,
		   fmt_raw(buf, sizeof(buf), "%lc%ls%llc%lls"), buf);
	/* As in glibc, other length modifiers on c and s are ignored. */
	expect_raw("abcde", 5,
		   fmt_raw(buf, sizeof(buf), "%hhc%hc%jc%zc%tc", 'a', 'b', 'c',
			   'd', 'e'),
		   buf);
	expect_raw("a b c d e", 9,
		   fmt_raw(buf, sizeof(buf), "%hhs %hs %js %zs %ts", "a", "b",
			   "c", "d", "e"),
		   buf);
	expect_raw("%1$d", 4, fmt_raw(buf, sizeof(buf), "%1$d", 7), buf);
	expect_raw("%'d", 3, fmt_raw(buf, sizeof(buf), "%'d", 7), buf);
	expect_raw("abc%", 4, fmt_raw(buf, sizeof(buf), "abc%"), buf);
	expect_raw("abc%-5", 6, fmt_raw(buf, sizeof(buf), "abc%-5"), buf);
	expect_raw("abc%.*", 6, fmt_raw(buf, sizeof(buf), "abc%.*"), buf);
}

static void test_errors(void **state)
{
	char buf[16];

	(void)state;
	memset(buf, SENTINEL, sizeof(buf));
	assert_int_equal(fmt_raw(buf, sizeof(buf), NULL), -EINVAL);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(fmt_raw(NULL, 8, "x"), -EINVAL);
	assert_int_equal(fmt_format(NULL, NULL, "x"), -EINVAL);
	assert_int_equal(fmt_raw(buf, sizeof(buf), "%2147483648d", 1),
			 -EOVERFLOW);
	assert_int_equal(fmt_raw(buf, sizeof(buf), "%.2147483648d", 1),
			 -EOVERFLOW);
	assert_int_equal(fmt_raw(buf, sizeof(buf), "%*d", INT_MIN, 1),
			 -EOVERFLOW);
	/* Overflow is found before the field, so this returns at once. */
	assert_int_equal(fmt_raw(buf, sizeof(buf), "ab%s%2147483647d", "cd", 1),
			 -EOVERFLOW);
	assert_string_equal(buf, "abcd");
	assert_int_equal(fmt_raw(buf, sizeof(buf), "x%.2147483647d", 1),
			 -EOVERFLOW);
	/* A too-big width in a literal directive is no error. */
	assert_int_equal(fmt_raw(buf, sizeof(buf), "%2147483648f"), 12);
	/* Wide fields are counted in full even when nothing is stored. */
	assert_int_equal(fmt_raw(NULL, 0, "%*d", 1000000, 1), 1000000);
	assert_int_equal(fmt_raw(buf, sizeof(buf), "%-1000000s|", "x"),
			 1000001);
	assert_string_equal(buf, "x              ");
}

/* Records the calls fmt_vformat() makes to its sink. */
struct recorder {
	int calls;
	int empty_calls;
	size_t len;
	char text[512];
};

static void record_emit(void *ctx, const char *s, size_t len)
{
	struct recorder *r = ctx;

	r->calls++;
	if (len == 0)
		r->empty_calls++;
	assert_true(r->len + len < sizeof(r->text));
	memcpy(r->text + r->len, s, len);
	r->len += len;
	r->text[r->len] = '\0';
}

/* Formats (fmt) through fmt_vformat() and checks text and call count. */
static void expect_calls(int calls, const char *want, const char *fmt, ...)
{
	struct recorder r = { 0 };
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = fmt_vformat(record_emit, &r, fmt, ap);
	va_end(ap);
	assert_string_equal(r.text, want);
	assert_int_equal(ret, (int)strlen(want));
	assert_int_equal(r.calls, calls);
	assert_int_equal(r.empty_calls, 0);
}

static void test_emit_runs(void **state)
{
	char wide[101], padded[101];

	(void)state;
	expect_calls(1, "hello, world\n", "hello, world\n");
	expect_calls(0, "", "");
	expect_calls(3, "a5b", "a%db", 5);
	expect_calls(2, "    5   -7", "%5d%5d", 5, -7);
	expect_calls(2, "x                   |", "%-20s|", "x");
	expect_calls(2, "100% sure", "100%% sure");
	expect_calls(1, "%", "%%");
	expect_calls(1, "0x00ff", "%#06x", 255u);
	expect_calls(1, "(nil)", "%p", (void *)NULL);
	expect_calls(2, "%f|", "%f|");
	memset(wide, 'w', 100);
	wide[100] = '\0';
	expect_calls(1, wide, "%s", wide);
	memset(padded, ' ', 50);
	memcpy(padded + 50, wide + 50, 51);
	expect_calls(2, padded, "%100s", wide + 50);
}

static void sum_emit(void *ctx, const char *s, size_t len)
{
	(void)s;
	*(size_t *)ctx += len;
}

static void test_format_ctx(void **state)
{
	size_t total = 0;

	(void)state;
	assert_int_equal(fmt_format(sum_emit, &total, "%s-%d", "ab", 123), 6);
	assert_int_equal(total, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals),
		cmocka_unit_test(test_signed_conversions),
		cmocka_unit_test(test_unsigned_conversions),
		cmocka_unit_test(test_length_modifiers),
		cmocka_unit_test(test_edge_values),
		cmocka_unit_test(test_zero_precision),
		cmocka_unit_test(test_char),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_random_formats),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_percent),
		cmocka_unit_test(test_unsupported_float),
		cmocka_unit_test(test_percent_n_refused),
		cmocka_unit_test(test_unknown_conversions),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_emit_runs),
		cmocka_unit_test(test_format_ctx),
	};

	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
