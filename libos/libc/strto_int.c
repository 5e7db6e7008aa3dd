/* SPDX-License-Identifier: MIT */
/*
 * Integer parsing for the strtol family (C11 7.22.1.4): optional white
 * space and sign, a "0x"/"0X" prefix in base 0 or 16, a leading "0" for
 * octal in base 0. errno follows glibc: ERANGE on overflow, EINVAL (and
 * *end left alone) for a base other than 0 or 2-36; no digits is not an
 * error. No locale-specific forms, no C23 "0b" prefix (glibc 2.36 has none).
 */
#include "strto_impl.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The value of (c) as a digit in bases up to 36; 36 or more when none. */
static unsigned int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned int)(c - '0');
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		return (unsigned int)((c | 0x20) - 'a' + 10);
	return 36;
}

/*
 * Scans an optionally signed integer in (base) (0 or 2-36) from (s).
 * Returns its magnitude, saturated at ULLONG_MAX with *overflow set; sets
 * *neg for a minus sign and *end, if not NULL, past the last digit used.
 */
static unsigned long long scan_uint(const char *s, char **end, int base,
				    bool *neg, bool *overflow)
{
	const char *p = s;
	const char *digits;
	unsigned long long v = 0;
	bool prefixed = false;

	*neg = false;
	*overflow = false;
	while (is_space(*p))
		p++;
	if (*p == '+' || *p == '-')
		*neg = *p++ == '-';
	if (p[0] == '0' && (base == 0 || base == 16) && (p[1] | 0x20) == 'x') {
		p += 2;
		base = 16;
		prefixed = true;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (digits = p; digit_value(*p) < (unsigned int)base; p++) {
		unsigned int d = digit_value(*p);

		if (v > (ULLONG_MAX - d) / (unsigned int)base)
			*overflow = true;
		else
			v = v * (unsigned int)base + d;
	}
	if (*overflow)
		v = ULLONG_MAX;
	/* "0x" followed by no hex digit is the number 0 and ends at the x. */
	if (p == digits)
		p = prefixed ? digits - 1 : s;
	if (end)
		*end = (char *)p;
	return v;
}

static bool base_is_valid(int base)
{
	return base == 0 || (base >= 2 && base <= 36);
}

long long libc_strtoll(const char *s, char **end, int base)
{
	unsigned long long mag;
	bool neg, overflow;

	if (!base_is_valid(base)) {
		errno = EINVAL;
		return 0;
	}
	mag = scan_uint(s, end, base, &neg, &overflow);
	if (overflow || mag > (unsigned long long)LLONG_MAX + neg) {
		errno = ERANGE;
		return neg ? LLONG_MIN : LLONG_MAX;
	}
	if (neg)
		return mag ? -(long long)(mag - 1) - 1 : 0;
	return (long long)mag;
}

unsigned long long libc_strtoull(const char *s, char **end, int base)
{
	unsigned long long mag;
	bool neg, overflow;

	if (!base_is_valid(base)) {
		errno = EINVAL;
		return 0;
	}
	mag = scan_uint(s, end, base, &neg, &overflow);
	if (overflow) {
		errno = ERANGE;
		return ULLONG_MAX;
	}
	/* C11 7.22.1.4p5: a minus sign negates in the unsigned type. */
	return neg ? 0 - mag : mag;
}
