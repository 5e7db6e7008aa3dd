/* SPDX-License-Identifier: MIT */
/*
 * <stdlib.h> floating-point parsing (C11 7.22.1.1, 7.22.1.3): wrappers of
 * strto_float.c, which does the work and says how.
 */
#include <stdlib.h>

#include "strto_impl.h"

double strtod(const char *restrict s, char **restrict end)
{
	return libc_strtod(s, end);
}

float strtof(const char *restrict s, char **restrict end)
{
	return libc_strtof(s, end);
}

long double strtold(const char *restrict s, char **restrict end)
{
	return libc_strtold(s, end);
}

double atof(const char *s)
{
	return libc_strtod(s, NULL);
}
