/* SPDX-License-Identifier: MIT */
/*
 * <wchar.h>, <wctype.h> and <locale.h> (libos/libc/wchar.c, locale.c)
 * against glibc in its C locale: the multibyte conversions on every byte
 * and on random strings (bytes >= 0x80 are EILSEQ in both), the wide
 * classes and case maps on 0..0x10ffff and beyond, the wide string
 * functions on random strings, setlocale() and localeconv(). Fixed seed.
 */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

size_t mosaic_wcslen(const wchar_t *s);
int mosaic_wcscmp(const wchar_t *a, const wchar_t *b);
int mosaic_wcsncmp(const wchar_t *a, const wchar_t *b, size_t n);
wchar_t *mosaic_wcscpy(wchar_t *dst, const wchar_t *src);
wchar_t *mosaic_wcsncpy(wchar_t *dst, const wchar_t *src, size_t n);
wchar_t *mosaic_wcschr(const wchar_t *s, wchar_t c);
wchar_t *mosaic_wmemcpy(wchar_t *dst, const wchar_t *src, size_t n);
wchar_t *mosaic_wmemset(wchar_t *dst, wchar_t c, size_t n);
int mosaic_wmemcmp(const wchar_t *a, const wchar_t *b, size_t n);
wint_t mosaic_btowc(int c);
int mosaic_wctob(wint_t wc);
int mosaic_mbsinit(const mbstate_t *ps);
size_t mosaic_mbrtowc(wchar_t *pwc, const char *s, size_t n, mbstate_t *ps);
size_t mosaic_mbrlen(const char *s, size_t n, mbstate_t *ps);
size_t mosaic_wcrtomb(char *s, wchar_t wc, mbstate_t *ps);
size_t mosaic_mbstowcs(wchar_t *dst, const char *src, size_t n);
size_t mosaic_wcstombs(char *dst, const wchar_t *src, size_t n);
int mosaic_mbtowc(wchar_t *pwc, const char *s, size_t n);
int mosaic_wctomb(char *s, wchar_t wc);
int mosaic_mblen(const char *s, size_t n);
int mosaic_iswalnum(wint_t wc);
int mosaic_iswalpha(wint_t wc);
int mosaic_iswblank(wint_t wc);
int mosaic_iswcntrl(wint_t wc);
int mosaic_iswdigit(wint_t wc);
int mosaic_iswgraph(wint_t wc);
int mosaic_iswlower(wint_t wc);
int mosaic_iswprint(wint_t wc);
int mosaic_iswpunct(wint_t wc);
int mosaic_iswspace(wint_t wc);
int mosaic_iswupper(wint_t wc);
int mosaic_iswxdigit(wint_t wc);
wint_t mosaic_towlower(wint_t wc);
wint_t mosaic_towupper(wint_t wc);
wctype_t mosaic_wctype(const char *name);
int mosaic_iswctype(wint_t wc, wctype_t type);
char *mosaic_setlocale(int category, const char *name);
struct lconv *mosaic_localeconv(void);

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_bytes(void **state)
{
	(void)state;
	for (int c = -1; c < 256; c++) {
		char s[2] = { (char)c, 'x' };
		wchar_t w1 = 7, w2 = 7;
		mbstate_t st1, st2;
		size_t r1, r2;

		assert_int_equal(mosaic_btowc(c), btowc(c));
		memset(&st1, 0, sizeof(st1));
		memset(&st2, 0, sizeof(st2));
		errno = 0;
		r1 = mbrtowc(&w1, s, 2, &st1);
		int e1 = errno;
		errno = 0;
		r2 = mosaic_mbrtowc(&w2, s, 2, (mbstate_t *)&st2);
		assert_int_equal(r2, r1);
		assert_int_equal(errno, e1);
		assert_int_equal(w2, w1);
		assert_int_equal(mosaic_mbrlen(s, 2, NULL), mbrlen(s, 2, NULL));
		assert_int_equal(mosaic_mbrlen(s, 0, NULL), mbrlen(s, 0, NULL));
		assert_int_equal(mosaic_mbtowc(&w2, s, 1), mbtowc(&w1, s, 1));
		assert_int_equal(mosaic_mblen(s, 1), mblen(s, 1));
		assert_int_equal(mosaic_mbsinit(&st2), mbsinit(&st1));
	}
	assert_int_equal(mosaic_mbrtowc(NULL, NULL, 0, NULL),
			 mbrtowc(NULL, NULL, 0, NULL));
	assert_int_equal(mosaic_mbtowc(NULL, NULL, 0), mbtowc(NULL, NULL, 0));
	assert_int_equal(mosaic_mblen(NULL, 0), mblen(NULL, 0));
	assert_int_equal(mosaic_wctomb(NULL, 0), wctomb(NULL, 0));
	assert_int_equal(mosaic_mbsinit(NULL), mbsinit(NULL));
	assert_int_equal(MB_CUR_MAX, 1);
}

static void check_wide(wint_t wc)
{
	char s1[8] = "??", s2[8] = "??";
	size_t r1, r2;
	int e1;

	assert_int_equal(mosaic_wctob(wc), wctob(wc));
	/* glibc's ASCII converter silently drops the Unicode tag characters
	 * U+E0000..U+E007F (wcrtomb returns 0); Mosaic says EILSEQ, as for
	 * every other value above 0x7f. */
	if (wc >= 0xe0000 && wc <= 0xe007f) {
		assert_int_equal(mosaic_wcrtomb(s2, (wchar_t)wc, NULL),
				 (size_t)-1);
		return;
	}
	errno = 0;
	r1 = wcrtomb(s1, (wchar_t)wc, NULL);
	e1 = errno;
	errno = 0;
	r2 = mosaic_wcrtomb(s2, (wchar_t)wc, NULL);
	assert_int_equal(r2, r1);
	assert_int_equal(errno, e1);
	assert_memory_equal(s1, s2, 2);
	assert_int_equal(mosaic_wctomb(s2, (wchar_t)wc),
			 wctomb(s1, (wchar_t)wc));
	assert_int_equal(mosaic_wcrtomb(NULL, (wchar_t)wc, NULL),
			 wcrtomb(NULL, (wchar_t)wc, NULL));
}

static const struct {
	const char *name;
	int (*mosaic)(wint_t);
	int (*glibc)(wint_t);
} classes[] = {
	{ "alnum", mosaic_iswalnum, iswalnum },
	{ "alpha", mosaic_iswalpha, iswalpha },
	{ "blank", mosaic_iswblank, iswblank },
	{ "cntrl", mosaic_iswcntrl, iswcntrl },
	{ "digit", mosaic_iswdigit, iswdigit },
	{ "graph", mosaic_iswgraph, iswgraph },
	{ "lower", mosaic_iswlower, iswlower },
	{ "print", mosaic_iswprint, iswprint },
	{ "punct", mosaic_iswpunct, iswpunct },
	{ "space", mosaic_iswspace, iswspace },
	{ "upper", mosaic_iswupper, iswupper },
	{ "xdigit", mosaic_iswxdigit, iswxdigit },
};

static void check_class(wint_t wc)
{
	for (size_t i = 0; i < COUNT(classes); i++) {
		if (!classes[i].mosaic(wc) != !classes[i].glibc(wc))
			fail_msg("isw%s(%#x): %d, glibc %d", classes[i].name,
				 wc, classes[i].mosaic(wc),
				 classes[i].glibc(wc));
		wctype_t t = mosaic_wctype(classes[i].name);

		assert_int_equal(!mosaic_iswctype(wc, t),
				 !iswctype(wc, wctype(classes[i].name)));
	}
	assert_int_equal(mosaic_towlower(wc), towlower(wc));
	assert_int_equal(mosaic_towupper(wc), towupper(wc));
}

static void test_wide_chars(void **state)
{
	static const wint_t extra[] = { 0x7fffffff, 0x80000000, 0xfffffffe,
					WEOF,	    0x110000,	0xd800 };

	(void)state;
	for (wint_t wc = 0; wc <= 0x10ffff; wc++) {
		check_wide(wc);
		check_class(wc);
	}
	for (size_t i = 0; i < COUNT(extra); i++) {
		check_wide(extra[i]);
		check_class(extra[i]);
	}
	assert_int_equal(mosaic_wctype("bogus"), 0);
	assert_int_equal(mosaic_iswctype('a', 0), 0);
}

/* A random string of up to max - 1 bytes from 1..0x7f, sometimes with a
 * byte >= 0x80. */
static size_t random_mb(char *s, size_t max)
{
	size_t n = (size_t)rand() % max;

	for (size_t i = 0; i < n; i++)
		s[i] = (char)(rand() % 0x7f + 1);
	if (n && rand() % 4 == 0)
		s[rand() % n] = (char)(0x80 + rand() % 0x80);
	s[n] = '\0';
	return n;
}

static void test_strings_mb(void **state)
{
	char s[40], b1[40], b2[40];
	wchar_t w[40], w1[40], w2[40];

	(void)state;
	srand(8859);
	for (int r = 0; r < 50000; r++) {
		size_t n = (size_t)rand() % 40, len = random_mb(s, 38);
		size_t r1, r2;
		int e1;

		memset(w1, 0x55, sizeof(w1));
		memset(w2, 0x55, sizeof(w2));
		errno = 0;
		r1 = mbstowcs(w1, s, n);
		e1 = errno;
		errno = 0;
		r2 = mosaic_mbstowcs(w2, s, n);
		assert_int_equal(r2, r1);
		assert_int_equal(errno, e1);
		if (r1 != (size_t)-1)
			assert_memory_equal(w1, w2, sizeof(w1));
		assert_int_equal(mosaic_mbstowcs(NULL, s, 0),
				 mbstowcs(NULL, s, 0));

		/* The same text as wide characters, some above 0x7f. */
		for (size_t i = 0; i <= len; i++)
			w[i] = (unsigned char)s[i];
		memset(b1, 0x55, sizeof(b1));
		memset(b2, 0x55, sizeof(b2));
		errno = 0;
		r1 = wcstombs(b1, w, n);
		e1 = errno;
		errno = 0;
		r2 = mosaic_wcstombs(b2, w, n);
		assert_int_equal(r2, r1);
		assert_int_equal(errno, e1);
		if (r1 != (size_t)-1)
			assert_memory_equal(b1, b2, sizeof(b1));
		assert_int_equal(mosaic_wcstombs(NULL, w, 0),
				 wcstombs(NULL, w, 0));
	}
}

static void random_wcs(wchar_t *w, size_t max)
{
	size_t n = (size_t)rand() % max;

	for (size_t i = 0; i < n; i++)
		w[i] = rand() % 3 ? L'a' + rand() % 3 : (wchar_t)rand();
	w[n] = L'\0';
}

static void test_strings_wide(void **state)
{
	wchar_t a[24], b[24], d1[32], d2[32];

	(void)state;
	srand(10646);
	for (int r = 0; r < 100000; r++) {
		size_t n = (size_t)rand() % 26;
		wchar_t c = rand() % 2 ? L'a' + rand() % 3 : 0;

		random_wcs(a, 20);
		random_wcs(b, 20);
		if (rand() % 2)
			wcscpy(b, a), b[rand() % 20] = L'b';
		assert_int_equal(mosaic_wcslen(a), wcslen(a));
		assert_int_equal(sign(mosaic_wcscmp(a, b)), sign(wcscmp(a, b)));
		assert_int_equal(sign(mosaic_wcsncmp(a, b, n)),
				 sign(wcsncmp(a, b, n)));
		assert_int_equal(sign(mosaic_wmemcmp(a, b, n % 20)),
				 sign(wmemcmp(a, b, n % 20)));
		assert_ptr_equal(mosaic_wcschr(a, c), wcschr(a, c));

		memset(d1, 0x5a, sizeof(d1));
		memset(d2, 0x5a, sizeof(d2));
		assert_ptr_equal(mosaic_wcscpy(d2, a), d2);
		wcscpy(d1, a);
		assert_memory_equal(d1, d2, sizeof(d1));
		assert_ptr_equal(mosaic_wcsncpy(d2, b, n), d2);
		wcsncpy(d1, b, n);
		assert_memory_equal(d1, d2, sizeof(d1));
		assert_ptr_equal(mosaic_wmemcpy(d2, a, n % 20), d2);
		wmemcpy(d1, a, n % 20);
		assert_memory_equal(d1, d2, sizeof(d1));
		assert_ptr_equal(mosaic_wmemset(d2, c, n), d2);
		wmemset(d1, c, n);
		assert_memory_equal(d1, d2, sizeof(d1));
	}
}

static void test_locale(void **state)
{
	static const char *const names[] = {
		"C", "POSIX", "", "en_US.UTF-8", "C.UTF-8", "xx", "c"
	};
	struct lconv *m, *g;

	(void)state;
	for (int cat = LC_CTYPE; cat <= LC_ALL; cat++) {
		assert_string_equal(mosaic_setlocale(cat, NULL), "C");
		for (size_t i = 0; i < 3; i++)
			assert_string_equal(mosaic_setlocale(cat, names[i]),
					    "C");
		for (size_t i = 3; i < COUNT(names); i++)
			assert_null(mosaic_setlocale(cat, names[i]));
	}
	errno = 0;
	assert_null(mosaic_setlocale(99, "C"));
	assert_int_equal(errno, EINVAL);
	assert_null(setlocale(99, "C"));

	m = mosaic_localeconv();
	g = localeconv();
	assert_string_equal(m->decimal_point, g->decimal_point);
	assert_string_equal(m->thousands_sep, g->thousands_sep);
	assert_string_equal(m->grouping, g->grouping);
	assert_string_equal(m->int_curr_symbol, g->int_curr_symbol);
	assert_string_equal(m->currency_symbol, g->currency_symbol);
	assert_string_equal(m->mon_decimal_point, g->mon_decimal_point);
	assert_string_equal(m->mon_thousands_sep, g->mon_thousands_sep);
	assert_string_equal(m->mon_grouping, g->mon_grouping);
	assert_string_equal(m->positive_sign, g->positive_sign);
	assert_string_equal(m->negative_sign, g->negative_sign);
	/* The 14 char members after the strings, in glibc's order. */
	assert_memory_equal(&m->int_frac_digits, &g->int_frac_digits, 14);
	assert_int_equal(m->frac_digits, CHAR_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_wide_chars),
		cmocka_unit_test(test_strings_mb),
		cmocka_unit_test(test_strings_wide),
		cmocka_unit_test(test_locale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
