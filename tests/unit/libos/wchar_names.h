/* SPDX-License-Identifier: MIT */
/*
 * Host tests of libos/libc/wchar.c and locale.c: unit.mk force-includes
 * this file in them so that their names become mosaic_* and link next to
 * glibc's, the oracle. wchar_test.c declares the mosaic_* functions
 * itself.
 */
#define wcslen mosaic_wcslen
#define wcscmp mosaic_wcscmp
#define wcsncmp mosaic_wcsncmp
#define wcscpy mosaic_wcscpy
#define wcsncpy mosaic_wcsncpy
#define wcschr mosaic_wcschr
#define wmemcpy mosaic_wmemcpy
#define wmemset mosaic_wmemset
#define wmemcmp mosaic_wmemcmp
#define btowc mosaic_btowc
#define wctob mosaic_wctob
#define mbsinit mosaic_mbsinit
#define mbrtowc mosaic_mbrtowc
#define mbrlen mosaic_mbrlen
#define wcrtomb mosaic_wcrtomb
#define mbstowcs mosaic_mbstowcs
#define wcstombs mosaic_wcstombs
#define mbtowc mosaic_mbtowc
#define wctomb mosaic_wctomb
#define mblen mosaic_mblen
#define iswalnum mosaic_iswalnum
#define iswalpha mosaic_iswalpha
#define iswblank mosaic_iswblank
#define iswcntrl mosaic_iswcntrl
#define iswdigit mosaic_iswdigit
#define iswgraph mosaic_iswgraph
#define iswlower mosaic_iswlower
#define iswprint mosaic_iswprint
#define iswpunct mosaic_iswpunct
#define iswspace mosaic_iswspace
#define iswupper mosaic_iswupper
#define iswxdigit mosaic_iswxdigit
#define towlower mosaic_towlower
#define towupper mosaic_towupper
#define wctype mosaic_wctype
#define iswctype mosaic_iswctype
#define setlocale mosaic_setlocale
#define localeconv mosaic_localeconv
