/* SPDX-License-Identifier: MIT */
/*
 * Host tests of libos/libc: renames Mosaic's libc functions to mosaic_*,
 * so that they link next to glibc, which stays the oracle. unit.mk
 * force-includes this file in the libc objects under test; a test includes
 * it before Mosaic's headers (which then declare the mosaic_* names), and
 * again with LIBC_NAMES_UNDO defined afterwards, so that the plain names
 * are glibc's again. No include guard, on purpose.
 */
#ifndef LIBC_NAMES_UNDO
#undef memchr
#define memchr mosaic_memchr
#undef strlen
#define strlen mosaic_strlen
#undef strnlen
#define strnlen mosaic_strnlen
#undef strcmp
#define strcmp mosaic_strcmp
#undef strncmp
#define strncmp mosaic_strncmp
#undef strchr
#define strchr mosaic_strchr
#undef strrchr
#define strrchr mosaic_strrchr
#undef strstr
#define strstr mosaic_strstr
#undef strcpy
#define strcpy mosaic_strcpy
#undef strncpy
#define strncpy mosaic_strncpy
#undef strcat
#define strcat mosaic_strcat
#undef memrchr
#define memrchr mosaic_memrchr
#undef memccpy
#define memccpy mosaic_memccpy
#undef strncat
#define strncat mosaic_strncat
#undef strcoll
#define strcoll mosaic_strcoll
#undef strxfrm
#define strxfrm mosaic_strxfrm
#undef strchrnul
#define strchrnul mosaic_strchrnul
#undef strspn
#define strspn mosaic_strspn
#undef strcspn
#define strcspn mosaic_strcspn
#undef strpbrk
#define strpbrk mosaic_strpbrk
#undef strtok
#define strtok mosaic_strtok
#undef strtok_r
#define strtok_r mosaic_strtok_r
#undef strsep
#define strsep mosaic_strsep
#undef stpcpy
#define stpcpy mosaic_stpcpy
#undef stpncpy
#define stpncpy mosaic_stpncpy
#undef strlcpy
#define strlcpy mosaic_strlcpy
#undef strlcat
#define strlcat mosaic_strlcat
#undef strdup
#define strdup mosaic_strdup
#undef strndup
#define strndup mosaic_strndup
#undef strerror
#define strerror mosaic_strerror
#undef strerror_r
#define strerror_r mosaic_strerror_r
#undef strcasecmp
#define strcasecmp mosaic_strcasecmp
#undef strncasecmp
#define strncasecmp mosaic_strncasecmp
#undef ffs
#define ffs mosaic_ffs
#undef ffsl
#define ffsl mosaic_ffsl
#undef ffsll
#define ffsll mosaic_ffsll
#undef bzero
#define bzero mosaic_bzero
#undef bcmp
#define bcmp mosaic_bcmp
#undef index
#define index mosaic_index
#undef rindex
#define rindex mosaic_rindex
#undef isalnum
#define isalnum mosaic_isalnum
#undef isalpha
#define isalpha mosaic_isalpha
#undef isblank
#define isblank mosaic_isblank
#undef iscntrl
#define iscntrl mosaic_iscntrl
#undef isdigit
#define isdigit mosaic_isdigit
#undef isgraph
#define isgraph mosaic_isgraph
#undef islower
#define islower mosaic_islower
#undef isprint
#define isprint mosaic_isprint
#undef ispunct
#define ispunct mosaic_ispunct
#undef isspace
#define isspace mosaic_isspace
#undef isupper
#define isupper mosaic_isupper
#undef isxdigit
#define isxdigit mosaic_isxdigit
#undef isascii
#define isascii mosaic_isascii
#undef tolower
#define tolower mosaic_tolower
#undef toupper
#define toupper mosaic_toupper
#undef toascii
#define toascii mosaic_toascii
#undef qsort
#define qsort mosaic_qsort
#undef bsearch
#define bsearch mosaic_bsearch
#undef getenv
#define getenv mosaic_getenv
#undef setenv
#define setenv mosaic_setenv
#undef unsetenv
#define unsetenv mosaic_unsetenv
#undef putenv
#define putenv mosaic_putenv
#undef rand
#define rand mosaic_rand
#undef srand
#define srand mosaic_srand
#undef random
#define random mosaic_random
#undef srandom
#define srandom mosaic_srandom
#undef rand_r
#define rand_r mosaic_rand_r
#undef div
#define div mosaic_div
#undef ldiv
#define ldiv mosaic_ldiv
#undef lldiv
#define lldiv mosaic_lldiv
#undef llabs
#define llabs mosaic_llabs
#undef environ
#define environ mosaic_environ
#undef div_t
#define div_t mosaic_div_t
#undef ldiv_t
#define ldiv_t mosaic_ldiv_t
#undef lldiv_t
#define lldiv_t mosaic_lldiv_t
#else /* LIBC_NAMES_UNDO */
#undef memchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strstr
#undef strcpy
#undef strncpy
#undef strcat
#undef memrchr
#undef memccpy
#undef strncat
#undef strcoll
#undef strxfrm
#undef strchrnul
#undef strspn
#undef strcspn
#undef strpbrk
#undef strtok
#undef strtok_r
#undef strsep
#undef stpcpy
#undef stpncpy
#undef strlcpy
#undef strlcat
#undef strdup
#undef strndup
#undef strerror
#undef strerror_r
#undef strcasecmp
#undef strncasecmp
#undef ffs
#undef ffsl
#undef ffsll
#undef bzero
#undef bcmp
#undef index
#undef rindex
#undef isalnum
#undef isalpha
#undef isblank
#undef iscntrl
#undef isdigit
#undef isgraph
#undef islower
#undef isprint
#undef ispunct
#undef isspace
#undef isupper
#undef isxdigit
#undef isascii
#undef tolower
#undef toupper
#undef toascii
#undef qsort
#undef bsearch
#undef getenv
#undef setenv
#undef unsetenv
#undef putenv
#undef rand
#undef srand
#undef random
#undef srandom
#undef rand_r
#undef div
#undef ldiv
#undef lldiv
#undef llabs
#undef environ
#undef div_t
#undef ldiv_t
#undef lldiv_t
#endif /* LIBC_NAMES_UNDO */
