/* SPDX-License-Identifier: MIT */
/*
 * <stdlib.h> integer parsing (C11 7.22.1.2, 7.22.1.4): wrappers of
 * strto_int.c. long and long long are both 64 bits (LP64), so one parser
 * serves both.
 */
#include <stdlib.h>

#include "strto_impl.h"

_Static_assert(sizeof(long) == sizeof(long long), "LP64 expected");

long strtol(const char *restrict s, char **restrict end, int base)
{
	return libc_strtoll(s, end, base);
}

long long strtoll(const char *restrict s, char **restrict end, int base)
{
	return libc_strtoll(s, end, base);
}

unsigned long strtoul(const char *restrict s, char **restrict end, int base)
{
	return libc_strtoull(s, end, base);
}

unsigned long long strtoull(const char *restrict s, char **restrict end,
			    int base)
{
	return libc_strtoull(s, end, base);
}

/* As glibc: strtol truncated to int, so errno may be set. */
int atoi(const char *s)
{
	return (int)libc_strtoll(s, NULL, 10);
}

long atol(const char *s)
{
	return libc_strtoll(s, NULL, 10);
}

long long atoll(const char *s)
{
	return libc_strtoll(s, NULL, 10);
}
