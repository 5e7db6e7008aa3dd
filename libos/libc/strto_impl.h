/* SPDX-License-Identifier: MIT */
/*
 * The number parsers behind strtod/strtol and friends, under libc_ names
 * so the host unit test can link them next to glibc's and compare. Each
 * behaves exactly as the standard function it is named after (see
 * <stdlib.h>); strtod.c, strtol.c and strtoimax.c are thin wrappers.
 */
#ifndef LIBOS_LIBC_STRTO_IMPL_H
#define LIBOS_LIBC_STRTO_IMPL_H

/* strto_float.c: decimal and hexadecimal floating point. */
float libc_strtof(const char *s, char **end);
double libc_strtod(const char *s, char **end);
long double libc_strtold(const char *s, char **end);

/* strto_int.c: integers in base 0 or 2-36. */
long long libc_strtoll(const char *s, char **end, int base);
unsigned long long libc_strtoull(const char *s, char **end, int base);

#endif /* LIBOS_LIBC_STRTO_IMPL_H */
