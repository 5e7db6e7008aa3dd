/* SPDX-License-Identifier: MIT */
/*
 * <wchar.h> and <wctype.h> in the C locale, whose character set is ASCII
 * (as glibc's): wide characters L'\0'..L'\x7f' are the bytes 0-0x7f, and
 * anything else is an encoding error or in no class.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

size_t wcslen(const wchar_t *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int wcscmp(const wchar_t *a, const wchar_t *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a < *b ? -1 : *a > *b;
}

int wcsncmp(const wchar_t *a, const wchar_t *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return *a < *b ? -1 : 1;
		if (!*a)
			break;
	}
	return 0;
}

wchar_t *wcscpy(wchar_t *dst, const wchar_t *src)
{
	wchar_t *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

wchar_t *wcsncpy(wchar_t *dst, const wchar_t *src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = L'\0';
	return dst;
}

wchar_t *wcschr(const wchar_t *s, wchar_t c)
{
	for (;; s++) {
		if (*s == c)
			return (wchar_t *)s;
		if (!*s)
			return NULL;
	}
}

wchar_t *wmemcpy(wchar_t *dst, const wchar_t *src, size_t n)
{
	return memcpy(dst, src, n * sizeof(wchar_t));
}

wchar_t *wmemset(wchar_t *dst, wchar_t c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = c;
	return dst;
}

int wmemcmp(const wchar_t *a, const wchar_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

wint_t btowc(int c)
{
	return c >= 0 && c <= 0x7f ? (wint_t)c : WEOF;
}

int wctob(wint_t wc)
{
	return wc <= 0x7f ? (int)wc : EOF;
}

int mbsinit(const mbstate_t *ps)
{
	(void)ps;
	return 1;
}

static size_t ilseq(void)
{
	errno = EILSEQ;
	return (size_t)-1;
}

size_t mbrtowc(wchar_t *pwc, const char *s, size_t n, mbstate_t *ps)
{
	unsigned char c;

	(void)ps;
	if (!s)
		return 0;
	if (!n)
		return (size_t)-2;
	c = (unsigned char)*s;
	if (c > 0x7f)
		return ilseq();
	if (pwc)
		*pwc = c;
	return c != 0;
}

size_t mbrlen(const char *s, size_t n, mbstate_t *ps)
{
	return mbrtowc(NULL, s, n, ps);
}

size_t wcrtomb(char *s, wchar_t wc, mbstate_t *ps)
{
	(void)ps;
	if (!s)
		return 1; /* the initial shift sequence: just a NUL */
	if ((unsigned int)wc > 0x7f)
		return ilseq();
	*s = (char)wc;
	return 1;
}

size_t mbstowcs(wchar_t *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; !dst || i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c > 0x7f)
			return ilseq();
		if (dst)
			dst[i] = c;
		if (!c)
			break;
	}
	return i;
}

size_t wcstombs(char *dst, const wchar_t *src, size_t n)
{
	size_t i;

	for (i = 0; !dst || i < n; i++) {
		if ((unsigned int)src[i] > 0x7f)
			return ilseq();
		if (dst)
			dst[i] = (char)src[i];
		if (!src[i])
			break;
	}
	return i;
}

int mbtowc(wchar_t *pwc, const char *s, size_t n)
{
	size_t r;

	if (!s)
		return 0;
	r = mbrtowc(pwc, s, n, NULL);
	return r == (size_t)-2 ? (errno = EILSEQ, -1) : (int)r;
}

int wctomb(char *s, wchar_t wc)
{
	if (!s)
		return 0;
	return (int)wcrtomb(s, wc, NULL);
}

int mblen(const char *s, size_t n)
{
	return mbtowc(NULL, s, n);
}

/* <wctype.h>: <ctype.h>'s answer for ASCII, nothing beyond. */
#define ASCII_CLASS(name, fn)                                                  \
	int name(wint_t wc)                                                    \
	{                                                                      \
		return wc <= 0x7f && fn((int)wc);                              \
	}

ASCII_CLASS(iswalnum, isalnum)
ASCII_CLASS(iswalpha, isalpha)
ASCII_CLASS(iswblank, isblank)
ASCII_CLASS(iswcntrl, iscntrl)
ASCII_CLASS(iswdigit, isdigit)
ASCII_CLASS(iswgraph, isgraph)
ASCII_CLASS(iswlower, islower)
ASCII_CLASS(iswprint, isprint)
ASCII_CLASS(iswpunct, ispunct)
ASCII_CLASS(iswspace, isspace)
ASCII_CLASS(iswupper, isupper)
ASCII_CLASS(iswxdigit, isxdigit)

wint_t towlower(wint_t wc)
{
	return wc <= 0x7f ? (wint_t)tolower((int)wc) : wc;
}

wint_t towupper(wint_t wc)
{
	return wc <= 0x7f ? (wint_t)toupper((int)wc) : wc;
}

static const struct {
	const char *name;
	int (*fn)(wint_t);
} classes[] = {
	{ "alnum", iswalnum }, { "alpha", iswalpha }, { "blank", iswblank },
	{ "cntrl", iswcntrl }, { "digit", iswdigit }, { "graph", iswgraph },
	{ "lower", iswlower }, { "print", iswprint }, { "punct", iswpunct },
	{ "space", iswspace }, { "upper", iswupper }, { "xdigit", iswxdigit },
};

wctype_t wctype(const char *name)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (!strcmp(name, classes[i].name))
			return i + 1;
	return 0;
}

int iswctype(wint_t wc, wctype_t type)
{
	if (type == 0 || type > sizeof(classes) / sizeof(classes[0]))
		return 0;
	return classes[type - 1].fn(wc);
}
