/* SPDX-License-Identifier: MIT */
/*
 * <ctype.h> for the C locale by range checks rather than a table, so no
 * argument can index out of bounds: a value outside 0..255 (EOF, a
 * negative plain char) turns into a large unsigned number and fails every
 * check, as in glibc, whose classes are ASCII in the C locale too.
 */
#include <ctype.h>

/* Whether lo <= c <= hi, with c outside 0..255 never in range. */
static int in_range(int c, unsigned int lo, unsigned int hi)
{
	return (unsigned int)c - lo <= hi - lo;
}

int isalnum(int c)
{
	return isalpha(c) || isdigit(c);
}

int isalpha(int c)
{
	return isupper(c) || islower(c);
}

int isblank(int c)
{
	return c == ' ' || c == '\t';
}

int iscntrl(int c)
{
	return in_range(c, 0, 31) || c == 127;
}

int isdigit(int c)
{
	return in_range(c, '0', '9');
}

int isgraph(int c)
{
	return in_range(c, '!', '~');
}

int islower(int c)
{
	return in_range(c, 'a', 'z');
}

int isprint(int c)
{
	return in_range(c, ' ', '~');
}

int ispunct(int c)
{
	return isgraph(c) && !isalnum(c);
}

int isspace(int c)
{
	return c == ' ' || in_range(c, '\t', '\r');
}

int isupper(int c)
{
	return in_range(c, 'A', 'Z');
}

int isxdigit(int c)
{
	return isdigit(c) || in_range(c, 'A', 'F') || in_range(c, 'a', 'f');
}

int isascii(int c)
{
	return in_range(c, 0, 127);
}

/*
 * As glibc: a negative plain char other than EOF (-128..-2) maps as the
 * unsigned char it came from, so it comes back as c + 256.
 */
static int case_domain(int c)
{
	return c >= -128 && c < -1 ? c + 256 : c;
}

int tolower(int c)
{
	return isupper(c) ? c - 'A' + 'a' : case_domain(c);
}

int toupper(int c)
{
	return islower(c) ? c - 'a' + 'A' : case_domain(c);
}

int toascii(int c)
{
	return c & 0x7f;
}
