/* SPDX-License-Identifier: MIT */
/*
 * <wchar.h>: wide strings and the multibyte conversions of the C locale,
 * whose character set is ASCII as in glibc: a byte of 0x80 or more, or a
 * wide character above 0x7f, is an encoding error (EILSEQ). MB_CUR_MAX
 * is 1 and there is no shift state, so mbstate_t is only ever initial.
 */
#ifndef MOSAIC_WCHAR_H
#define MOSAIC_WCHAR_H

#include <stddef.h>

#ifndef MOSAIC_WINT_T
#define MOSAIC_WINT_T
typedef unsigned int wint_t;
#define WEOF ((wint_t)0xffffffffu)
#endif

#ifndef WCHAR_MIN
#define WCHAR_MIN (-2147483647 - 1)
#define WCHAR_MAX 2147483647
#endif

/* glibc's size (8 bytes); always in the initial state here. */
typedef struct {
	int __count;
	union {
		wint_t __wch;
		char __wchb[4];
	} __value;
} mbstate_t;

size_t wcslen(const wchar_t *s);
int wcscmp(const wchar_t *a, const wchar_t *b);
int wcsncmp(const wchar_t *a, const wchar_t *b, size_t n);
wchar_t *wcscpy(wchar_t *dst, const wchar_t *src);
/* Pads with L'\0' up to n, as strncpy() does. */
wchar_t *wcsncpy(wchar_t *dst, const wchar_t *src, size_t n);
/* Finds L'\0' too. */
wchar_t *wcschr(const wchar_t *s, wchar_t c);
wchar_t *wmemcpy(wchar_t *dst, const wchar_t *src, size_t n);
wchar_t *wmemset(wchar_t *dst, wchar_t c, size_t n);
int wmemcmp(const wchar_t *a, const wchar_t *b, size_t n);

/* Single bytes: btowc() gives WEOF for EOF or a byte >= 0x80, wctob()
 * EOF for a wide character > 0x7f. */
wint_t btowc(int c);
int wctob(wint_t wc);

/* Nonzero: the state is always initial. */
int mbsinit(const mbstate_t *ps);

/* Converts one byte. Returns 0 for '\0', 1 for another ASCII byte,
 * (size_t)-2 when n is 0, (size_t)-1 with errno EILSEQ for a byte
 * >= 0x80. s NULL means the empty string. */
size_t mbrtowc(wchar_t *pwc, const char *s, size_t n, mbstate_t *ps);
size_t mbrlen(const char *s, size_t n, mbstate_t *ps);
/* Returns 1, or (size_t)-1 with errno EILSEQ for wc > 0x7f. */
size_t wcrtomb(char *s, wchar_t wc, mbstate_t *ps);
/* Up to n characters, stopping after the terminator (not counted);
 * (size_t)-1 with EILSEQ at an encoding error. dst NULL: count only. */
size_t mbstowcs(wchar_t *dst, const char *src, size_t n);
/* Up to n bytes; as mbstowcs(). */
size_t wcstombs(char *dst, const wchar_t *src, size_t n);

/* The stateless forms of <stdlib.h>: with s NULL they return 0 (no
 * state-dependent encoding); -1 with EILSEQ at an encoding error. */
int mbtowc(wchar_t *pwc, const char *s, size_t n);
int wctomb(char *s, wchar_t wc);
int mblen(const char *s, size_t n);

#ifndef MB_CUR_MAX
#define MB_CUR_MAX ((size_t)1)
#endif

#endif /* MOSAIC_WCHAR_H */
