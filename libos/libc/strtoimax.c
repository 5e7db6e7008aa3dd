/* SPDX-License-Identifier: MIT */
/*
 * The <inttypes.h> functions (C11 7.8.2): intmax_t is long long here, so
 * strtoimax and strtoumax are strtoll and strtoull (strto_int.c).
 */
#include <inttypes.h>

#include "strto_impl.h"

_Static_assert(sizeof(intmax_t) == sizeof(long long), "64-bit intmax_t");

intmax_t strtoimax(const char *restrict s, char **restrict end, int base)
{
	return libc_strtoll(s, end, base);
}

uintmax_t strtoumax(const char *restrict s, char **restrict end, int base)
{
	return libc_strtoull(s, end, base);
}

intmax_t imaxabs(intmax_t v)
{
	return v < 0 ? -v : v;
}

imaxdiv_t imaxdiv(intmax_t num, intmax_t den)
{
	imaxdiv_t r = { num / den, num % den };

	return r;
}
