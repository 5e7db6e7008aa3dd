/* SPDX-License-Identifier: MIT */
/*
 * <wctype.h>: wide character classes and case in the C locale: the
 * ASCII classes of <ctype.h> for L'\0'..L'\x7f'; every other value is in
 * no class and maps to itself.
 */
#ifndef MOSAIC_WCTYPE_H
#define MOSAIC_WCTYPE_H

#include <stddef.h>

#ifndef MOSAIC_WINT_T
#define MOSAIC_WINT_T
typedef unsigned int wint_t;
#define WEOF ((wint_t)0xffffffffu)
#endif

typedef unsigned long wctype_t;
typedef const int *wctrans_t;

int iswalnum(wint_t wc);
int iswalpha(wint_t wc);
int iswblank(wint_t wc);
int iswcntrl(wint_t wc);
int iswdigit(wint_t wc);
int iswgraph(wint_t wc);
int iswlower(wint_t wc);
int iswprint(wint_t wc);
int iswpunct(wint_t wc);
int iswspace(wint_t wc);
int iswupper(wint_t wc);
int iswxdigit(wint_t wc);
wint_t towlower(wint_t wc);
wint_t towupper(wint_t wc);

/* The class named "alnum", "alpha", ... "xdigit" (0 for other names),
 * and whether wc is in it. */
wctype_t wctype(const char *name);
int iswctype(wint_t wc, wctype_t type);

#endif /* MOSAIC_WCTYPE_H */
