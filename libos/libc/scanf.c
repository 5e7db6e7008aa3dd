/* SPDX-License-Identifier: MIT */
/*
 * The scanf engine (C11 7.21.6.2) and sscanf/vsscanf. The engine reads
 * through a struct libc_scan_src with one byte of push-back, and matches
 * glibc where C leaves room: a number field is the longest prefix its
 * grammar accepts within the width ("1e+" is read whole and converts as
 * 1), "%*d" does not count as an assignment for the EOF return, NaN is
 * "nan" without "(chars)", and a reversed range in a scanset ("%[z-a]")
 * is three literal bytes. Fields are collected into bounded buffers and
 * converted by libc_strtod/strtof/strtold and libc_strtoll/strtoull.
 */
#include <stdio.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "scanf_impl.h"
#include "strto_impl.h"

/* Significant digits kept of an integer field: more than any 64-bit value
 * has in base 2, so a longer field overflows anyway. */
#define INT_DIGITS 72
/* Significant digits kept of a float field; the ones beyond are folded
 * into a sticky digit. Halfway points of float and double have at most 767
 * significant digits, so those round correctly however long the field;
 * a long double field of more digits right next to a tie (whose digits go
 * up to about 11500) may round the other way. */
#define FLT_DIGITS 800
#define EXP_DIGITS 24

enum size_mod { SZ_HH, SZ_H, SZ_NONE, SZ_L, SZ_LL, SZ_J, SZ_Z, SZ_T, SZ_BIG_L };

/* The input with a count of bytes consumed (for %n) and a field width. */
struct scan {
	const struct libc_scan_src *src;
	size_t pos;
	size_t width; /* bytes the current field may still take */
};

static bool is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int digit_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = to_lower(c);
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	return 99;
}

static int next(struct scan *s)
{
	int c = s->src->get(s->src->ctx);

	if (c != EOF)
		s->pos++;
	return c;
}

static void back(struct scan *s, int c)
{
	if (c != EOF) {
		s->src->unget(s->src->ctx, c);
		s->pos--;
	}
}

/* Next byte of the current field, or EOF once the width is used up. */
static int field_next(struct scan *s)
{
	int c;

	if (!s->width)
		return EOF;
	c = next(s);
	if (c != EOF)
		s->width--;
	return c;
}

static void field_back(struct scan *s, int c)
{
	if (c != EOF) {
		back(s, c);
		s->width++;
	}
}

/* Skips white space; returns false if the input ended. */
static bool skip_space(struct scan *s)
{
	int c;

	do
		c = next(s);
	while (is_space(c));
	back(s, c);
	return c != EOF;
}

static void store_int(void *p, enum size_mod sz, unsigned long long v)
{
	switch (sz) {
	case SZ_HH:
		*(signed char *)p = (signed char)v;
		break;
	case SZ_H:
		*(short *)p = (short)v;
		break;
	case SZ_NONE:
		*(int *)p = (int)v;
		break;
	case SZ_L:
		*(long *)p = (long)v;
		break;
	case SZ_LL:
	case SZ_BIG_L:
		*(long long *)p = (long long)v;
		break;
	case SZ_J:
		*(intmax_t *)p = (intmax_t)v;
		break;
	case SZ_Z:
		*(size_t *)p = (size_t)v;
		break;
	case SZ_T:
		*(ptrdiff_t *)p = (ptrdiff_t)v;
		break;
	}
}

/*
 * Reads an integer field in (base) (0: by prefix, as strtol) into (*v).
 * Returns false on a matching failure (no digit).
 */
static bool scan_int(struct scan *s, int base, bool is_signed,
		     unsigned long long *v)
{
	char buf[INT_DIGITS + 8];
	size_t n = 0;
	bool digit = false, leading = true, overflow = false;
	int c = field_next(s);

	if (c == '+' || c == '-') {
		buf[n++] = (char)c;
		c = field_next(s);
	}
	if (c == '0') {
		digit = true;
		c = field_next(s);
		if ((base == 0 || base == 16) && (c == 'x' || c == 'X')) {
			base = 16;
			c = field_next(s);
		} else if (base == 0) {
			base = 8;
		}
	} else if (base == 0) {
		base = 10;
	}
	for (; c != EOF && digit_val(c) < base; c = field_next(s)) {
		digit = true;
		if (leading && c == '0')
			continue; /* kept out, so any number of them fits */
		leading = false;
		if (n < INT_DIGITS)
			buf[n++] = (char)c;
		else
			overflow = true;
	}
	field_back(s, c);
	if (!digit)
		return false;
	if (leading)
		buf[n++] = '0';
	buf[n] = '\0';
	if (overflow) {
		/* Too many digits: saturate as strtol would. */
		bool neg = buf[0] == '-';

		if (is_signed)
			*v = neg ? (unsigned long long)LLONG_MIN : LLONG_MAX;
		else
			*v = ULLONG_MAX;
		return true;
	}
	if (is_signed)
		*v = (unsigned long long)libc_strtoll(buf, NULL, base);
	else
		*v = libc_strtoull(buf, NULL, base);
	return true;
}

/* Reads the rest of the word (w) (after its first letter), any case. */
static bool scan_word(struct scan *s, const char *w, char *buf, size_t *n)
{
	for (; *w; w++) {
		int c = field_next(s);

		if (to_lower(c) != *w) {
			field_back(s, c);
			return false;
		}
		buf[(*n)++] = (char)c;
	}
	return true;
}

/* Reads the value of an exponent's digits in (e) (after the letter),
 * saturating far beyond any format's range. */
static long exp_value(const char *e, size_t len)
{
	long v = 0;
	bool neg = false;
	size_t i = 0;

	if (i < len && (e[i] == '+' || e[i] == '-'))
		neg = e[i++] == '-';
	for (; i < len && v < 100000000; i++)
		v = v * 10 + (e[i] - '0');
	return neg ? -v : v;
}

/*
 * Collects a float field into (buf) (room for FLT_DIGITS + EXP_DIGITS +
 * 16 bytes). Leading zeros are left out (a fraction's move the exponent)
 * and significant digits beyond FLT_DIGITS are folded into one sticky
 * digit, so the value is the field's, correctly rounded, however long the
 * field is. Returns false on a matching failure.
 */
static bool collect_float(struct scan *s, char *buf)
{
	size_t n = 0, kept = 0, en = 0, sign;
	long shift = 0; /* digits the exponent moves by */
	bool hex = false, digit = false, nonzero = false, dot = false;
	bool dot_kept = false, dropped = false, sticky = false;
	char ebuf[EXP_DIGITS + 2];
	int c = field_next(s);

	if (c == '+' || c == '-') {
		buf[n++] = (char)c;
		c = field_next(s);
	}
	sign = n;
	if (to_lower(c) == 'n' || to_lower(c) == 'i') {
		buf[n++] = (char)c;
		if (to_lower(c) == 'n') {
			if (!scan_word(s, "an", buf, &n))
				return false;
		} else {
			if (!scan_word(s, "nf", buf, &n))
				return false;
			c = field_next(s);
			if (to_lower(c) == 'i') {
				buf[n++] = (char)c;
				if (!scan_word(s, "nity", buf, &n))
					return false;
			} else {
				field_back(s, c);
			}
		}
		buf[n] = '\0';
		return true;
	}
	if (c == '0') {
		digit = true;
		/* glibc takes the 'x' only with room for a digit after it. */
		c = field_next(s);
		if ((c == 'x' || c == 'X') && s->width) {
			buf[n++] = '0';
			buf[n++] = (char)c;
			hex = true;
			digit = false;
			c = field_next(s);
		}
	}
	for (;; c = field_next(s)) {
		if (c != EOF && digit_val(c) < (hex ? 16 : 10)) {
			digit = true;
			if (!nonzero && c == '0') {
				if (dot && shift > -1000000000)
					shift--;
				continue;
			}
			nonzero = true;
			if (kept < FLT_DIGITS) {
				buf[n++] = (char)c;
				kept++;
				continue;
			}
			if (!dot && shift < 1000000000)
				shift++;
			dropped = true;
			sticky |= c != '0';
		} else if (c == '.' && !dot) {
			dot = true;
			if (kept < FLT_DIGITS) {
				buf[n++] = '.';
				dot_kept = true;
			}
		} else {
			break;
		}
	}
	if (!digit && !(hex && dot)) { /* "0x." reads as 0, as in glibc */
		field_back(s, c);
		return false;
	}
	if (digit && to_lower(c) == (hex ? 'p' : 'e')) {
		ebuf[en++] = (char)c;
		c = field_next(s);
		if (c == '+' || c == '-') {
			ebuf[en++] = (char)c;
			c = field_next(s);
		}
		for (; c >= '0' && c <= '9'; c = field_next(s)) {
			if (en < EXP_DIGITS)
				ebuf[en++] = (char)c;
			else
				ebuf[EXP_DIGITS - 1] = '9'; /* saturates */
		}
	}
	field_back(s, c);
	if (!nonzero) {
		/* A zero, with its sign: "-0", whatever the field said. */
		n = sign;
		buf[n++] = '0';
		buf[n] = '\0';
		return true;
	}
	if (dropped) {
		/* Stand in for the dropped digits by one more digit,
		 * non-zero if any of them was: a place to the right of the
		 * kept ones, whose value the exponent then restores. */
		if (!dot_kept && shift == 0)
			buf[n++] = '.'; /* only fraction digits were dropped */
		else if (!dot_kept)
			shift--;
		buf[n++] = sticky ? '1' : '0';
	}
	if (shift) {
		long e = en ? exp_value(ebuf + 1, en - 1) : 0;

		e += shift * (hex ? 4 : 1);
		snprintf(buf + n, EXP_DIGITS + 2, "%c%ld", hex ? 'p' : 'e', e);
	} else {
		memcpy(buf + n, ebuf, en);
		buf[n + en] = '\0';
	}
	return true;
}

static bool scan_float(struct scan *s, void *p, enum size_mod sz)
{
	char buf[FLT_DIGITS + EXP_DIGITS + 16];

	if (!collect_float(s, buf))
		return false;
	if (!p)
		return true;
	if (sz == SZ_BIG_L)
		*(long double *)p = libc_strtold(buf, NULL);
	else if (sz == SZ_L)
		*(double *)p = libc_strtod(buf, NULL);
	else
		*(float *)p = libc_strtof(buf, NULL);
	return true;
}

/* Parses the scanset after "%[" into (set); returns the byte after ']',
 * or NULL if the format ends first. */
static const char *parse_set(const char *f, bool set[256])
{
	bool neg = false;
	const unsigned char *u;

	if (*f == '^') {
		neg = true;
		f++;
	}
	for (int i = 0; i < 256; i++)
		set[i] = false;
	u = (const unsigned char *)f;
	if (*u == ']' || *u == '-')
		set[*u++] = true;
	for (; *u != ']'; u++) {
		if (!*u)
			return NULL;
		if (*u == '-' && u[1] && u[1] != ']' && u[-1] <= u[1]) {
			for (int c = u[-1]; c <= u[1]; c++)
				set[c] = true;
			u++;
		} else {
			set[*u] = true;
		}
	}
	if (neg)
		for (int i = 0; i < 256; i++)
			set[i] = !set[i];
	return (const char *)u + 1;
}

/* %c, %s and %[: stores bytes (or wchar_t for "l") through (p) unless it
 * is NULL. Returns the number of bytes read; sets (*eof) if the input
 * ended before the field did. */
static size_t scan_chars(struct scan *s, char conv, const bool *set, void *p,
			 bool wide, bool *eof)
{
	char *cp = p;
	wchar_t *wp = p;
	size_t n = 0;
	int c;

	*eof = false;
	for (;;) {
		c = field_next(s);
		if (c == EOF) {
			/* The input ended, not the width. */
			*eof = s->width != 0;
			break;
		}
		if ((conv == 's' && is_space(c)) || (conv == '[' && !set[c])) {
			field_back(s, c);
			break;
		}
		if (wide && wp)
			*wp++ = (wchar_t)c;
		else if (cp)
			*cp++ = (char)c;
		n++;
	}
	if (n && conv != 'c') {
		if (wide && wp)
			*wp = L'\0';
		else if (cp)
			*cp = '\0';
	}
	return n;
}

int libc_vscan(const struct libc_scan_src *src, const char *fmt, va_list ap)
{
	struct scan s = { .src = src };
	int assigned = 0;
	bool set[256];
	const char *f = fmt;

	while (*f) {
		bool skip = false;
		size_t width = SIZE_MAX;
		enum size_mod sz = SZ_NONE;
		void *p = NULL;
		char conv;
		bool eof;
		int c;

		if (is_space((unsigned char)*f)) {
			while (is_space((unsigned char)*f))
				f++;
			skip_space(&s);
			continue;
		}
		if (*f != '%' || f[1] == '%') {
			if (*f == '%') {
				f++;
				skip_space(&s);
			}
			c = next(&s);
			if (c == EOF)
				goto input_failure;
			if (c != (unsigned char)*f) {
				back(&s, c);
				return assigned;
			}
			f++;
			continue;
		}
		f++;
		if (*f == '*') {
			skip = true;
			f++;
		}
		if (*f >= '0' && *f <= '9') {
			width = 0;
			while (*f >= '0' && *f <= '9') {
				if (width < SIZE_MAX / 20)
					width = width * 10 + (size_t)(*f - '0');
				f++;
			}
			if (!width)
				width = SIZE_MAX;
		}
		switch (*f) {
		case 'h':
			sz = f[1] == 'h' ? SZ_HH : SZ_H;
			f += f[1] == 'h' ? 2 : 1;
			break;
		case 'l':
			sz = f[1] == 'l' ? SZ_LL : SZ_L;
			f += f[1] == 'l' ? 2 : 1;
			break;
		case 'q':
			sz = SZ_LL;
			f++;
			break;
		case 'j':
			sz = SZ_J;
			f++;
			break;
		case 'z':
			sz = SZ_Z;
			f++;
			break;
		case 't':
			sz = SZ_T;
			f++;
			break;
		case 'L':
			sz = SZ_BIG_L;
			f++;
			break;
		default:
			break;
		}
		conv = *f++;
		if (!conv)
			return assigned;
		if (conv != 'n' && conv != 'c' && conv != '[' &&
		    !skip_space(&s))
			goto input_failure;
		if (!skip && conv != '%')
			p = va_arg(ap, void *);
		s.width = width;
		switch (conv) {
		case 'n':
			if (p)
				store_int(p, sz, s.pos);
			continue;
		case 'd':
		case 'i':
		case 'u':
		case 'o':
		case 'x':
		case 'X':
		case 'p': {
			int base = conv == 'd' || conv == 'u' ? 10
				   : conv == 'i'	      ? 0
				   : conv == 'o'	      ? 8
							      : 16;
			unsigned long long v;

			if (!scan_int(&s, base, conv == 'd' || conv == 'i', &v))
				return assigned;
			if (conv == 'p' && p)
				*(void **)p = (void *)(uintptr_t)v;
			else if (p)
				store_int(p, sz, v);
			break;
		}
		case 'a':
		case 'A':
		case 'e':
		case 'E':
		case 'f':
		case 'F':
		case 'g':
		case 'G':
			if (!scan_float(&s, p, sz))
				return assigned;
			break;
		case 'c':
		case 's':
		case '[':
			if (conv == 'c' && width == SIZE_MAX)
				s.width = 1;
			if (conv == '[') {
				f = parse_set(f, set);
				if (!f)
					return assigned;
			}
			if (!scan_chars(&s, conv, set, p, sz == SZ_L, &eof)) {
				if (eof)
					goto input_failure;
				return assigned;
			}
			break;
		default:
			return assigned; /* not a conversion C knows */
		}
		if (p)
			assigned++;
	}
	return assigned;

input_failure:
	return assigned ? assigned : EOF;
}

struct str_src {
	const unsigned char *s;
};

static int str_get(void *ctx)
{
	struct str_src *in = ctx;

	return *in->s ? *in->s++ : EOF;
}

static void str_unget(void *ctx, int c)
{
	struct str_src *in = ctx;

	(void)c;
	in->s--;
}

int vsscanf(const char *str, const char *fmt, va_list ap)
{
	struct str_src in = { .s = (const unsigned char *)str };
	const struct libc_scan_src src = { str_get, str_unget, &in };

	return libc_vscan(&src, fmt, ap);
}

int sscanf(const char *str, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsscanf(str, fmt, ap);
	va_end(ap);
	return n;
}
