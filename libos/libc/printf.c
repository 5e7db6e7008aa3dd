/* SPDX-License-Identifier: MIT */
/*
 * The printf engine of libc (see printf_impl.h): directive parsing, the
 * integer, character, string, pointer and %n conversions, and the output
 * staging; floating point is in printf_float.c. Follows C11 7.21.6.1 and
 * POSIX fprintf(), with glibc's output where the standards leave room.
 */
#include "printf_impl.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

/* Digits of the longest integer: a 64-bit value in octal (22). */
#define PF_DIGITS_MAX 24

/* %zd and %tu read size_t and ptrdiff_t as each other's counterpart. */
_Static_assert(sizeof(size_t) == sizeof(ptrdiff_t), "size_t vs ptrdiff_t");
_Static_assert(sizeof(uintmax_t) * 8 <= PF_DIGITS_MAX * 3, "digit buffer");

enum pf_length {
	PF_LEN_NONE,
	PF_LEN_HH,
	PF_LEN_H,
	PF_LEN_L,
	PF_LEN_LL,
	PF_LEN_J,
	PF_LEN_Z,
	PF_LEN_T,
	PF_LEN_BIG_L,
};

/* A directive as written, from its '%' (start) to one past its end. */
struct pf_directive {
	const char *start;
	const char *end;
	struct pf_spec spec;
	enum pf_length length;
	bool width_star;
	bool prec_star;
	bool too_big; /* a written width or precision exceeds INT_MAX */
};

static void pf_flush(struct pf_out *out)
{
	if (out->staged)
		out->emit(out->ctx, out->stage, out->staged);
	out->staged = 0;
}

bool pf_reserve(struct pf_out *out, size_t len)
{
	if (len > (size_t)INT_MAX - out->count) {
		out->err = -EOVERFLOW;
		return false;
	}
	return true;
}

void pf_put(struct pf_out *out, const char *s, size_t len)
{
	out->count += len;
	if (len > sizeof(out->stage) - out->staged) {
		pf_flush(out);
		if (len >= sizeof(out->stage)) {
			out->emit(out->ctx, s, len);
			return;
		}
	}
	memcpy(out->stage + out->staged, s, len);
	out->staged += len;
}

void pf_fill(struct pf_out *out, char c, size_t n)
{
	out->count += n;
	while (n) {
		size_t chunk = sizeof(out->stage) - out->staged;

		if (chunk == 0) {
			pf_flush(out);
			continue;
		}
		if (chunk > n)
			chunk = n;
		memset(out->stage + out->staged, c, chunk);
		out->staged += chunk;
		n -= chunk;
	}
}

char pf_plus_sign(const struct pf_spec *spec)
{
	if (spec->flags & PF_PLUS)
		return '+';
	if (spec->flags & PF_SPACE)
		return ' ';
	return '\0';
}

/* Emits (len) bytes at (s) padded with spaces to the field width. */
static void pf_padded(struct pf_out *out, const struct pf_spec *spec,
		      const char *s, size_t len)
{
	size_t pad = spec->width > len ? spec->width - len : 0;

	if (!pf_reserve(out, len + pad))
		return;
	if (!(spec->flags & PF_LEFT))
		pf_fill(out, ' ', pad);
	pf_put(out, s, len);
	if (spec->flags & PF_LEFT)
		pf_fill(out, ' ', pad);
}

/* Writes (v) in (base) backwards from (end); returns the first digit. */
static char *pf_utoa(char *end, uintmax_t v, unsigned int base, bool upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	do {
		*--end = set[v % base];
		v /= base;
	} while (v);
	return end;
}

/* Emits magnitude (v) of a d i u o x X p conversion with its (sign). */
static void pf_int(struct pf_out *out, const struct pf_spec *spec, uintmax_t v,
		   char sign)
{
	char buf[PF_DIGITS_MAX], *end = buf + sizeof(buf), *digits = end;
	bool hex = spec->conv == 'x' || spec->conv == 'X' || spec->conv == 'p';
	size_t prec = spec->prec < 0 ? 1 : (size_t)spec->prec;
	size_t ndigits, zeros, body, pad;
	const char *prefix = "";

	if (v || spec->prec)
		digits = pf_utoa(end, v,
				 hex		     ? 16
				 : spec->conv == 'o' ? 8
						     : 10,
				 spec->conv == 'X');
	ndigits = (size_t)(end - digits);
	if (hex && v && (spec->flags & PF_ALT))
		prefix = spec->conv == 'X' ? "0X" : "0x";
	zeros = prec > ndigits ? prec - ndigits : 0;
	/* '#o' makes the first digit a 0 unless one is already there. */
	if (spec->conv == 'o' && (spec->flags & PF_ALT) && !zeros &&
	    (!ndigits || digits[0] != '0'))
		zeros = 1;
	body = (sign != '\0') + strlen(prefix) + zeros + ndigits;
	if ((spec->flags & (PF_ZERO | PF_LEFT)) == PF_ZERO && spec->prec < 0 &&
	    spec->width > body) {
		zeros += spec->width - body;
		body = spec->width;
	}
	pad = spec->width > body ? spec->width - body : 0;
	if (!pf_reserve(out, body + pad))
		return;
	if (!(spec->flags & PF_LEFT))
		pf_fill(out, ' ', pad);
	pf_put(out, &sign, sign != '\0');
	pf_put(out, prefix, strlen(prefix));
	pf_fill(out, '0', zeros);
	pf_put(out, digits, ndigits);
	if (spec->flags & PF_LEFT)
		pf_fill(out, ' ', pad);
}

static intmax_t pf_arg_signed(enum pf_length length, va_list *ap)
{
	switch (length) {
	case PF_LEN_HH:
		return (signed char)va_arg(*ap, int);
	case PF_LEN_H:
		return (short)va_arg(*ap, int);
	case PF_LEN_L:
		return va_arg(*ap, long);
	case PF_LEN_LL:
	case PF_LEN_BIG_L:
		return va_arg(*ap, long long);
	case PF_LEN_J:
		return va_arg(*ap, intmax_t);
	case PF_LEN_Z:
		return (ptrdiff_t)va_arg(*ap, size_t);
	case PF_LEN_T:
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

static uintmax_t pf_arg_unsigned(enum pf_length length, va_list *ap)
{
	switch (length) {
	case PF_LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case PF_LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case PF_LEN_L:
		return va_arg(*ap, unsigned long);
	case PF_LEN_LL:
	case PF_LEN_BIG_L:
		return va_arg(*ap, unsigned long long);
	case PF_LEN_J:
		return va_arg(*ap, uintmax_t);
	case PF_LEN_Z:
		return va_arg(*ap, size_t);
	case PF_LEN_T:
		return (size_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static void pf_signed(struct pf_out *out, const struct pf_directive *d,
		      va_list *ap)
{
	intmax_t v = pf_arg_signed(d->length, ap);

	/* Negate in unsigned arithmetic: -INTMAX_MIN does not exist. */
	if (v < 0)
		pf_int(out, &d->spec, (uintmax_t)0 - (uintmax_t)v, '-');
	else
		pf_int(out, &d->spec, (uintmax_t)v, pf_plus_sign(&d->spec));
}

static void pf_pointer(struct pf_out *out, const struct pf_spec *spec,
		       va_list *ap)
{
	struct pf_spec hex = *spec;
	const void *p = va_arg(*ap, const void *);

	if (!p) {
		pf_padded(out, spec, "(nil)", 5);
		return;
	}
	/* glibc prints a pointer as %#lx that still honours '+' and ' '. */
	hex.flags |= PF_ALT;
	pf_int(out, &hex, (uintptr_t)p, pf_plus_sign(spec));
}

static size_t pf_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* In the C locale a wide character is one byte if it is ASCII. */
static bool pf_wide_ok(unsigned int wc)
{
	return wc < 0x80;
}

/* %ls: the longest whole-character prefix that fits the precision. */
static void pf_wide_string(struct pf_out *out, const struct pf_spec *spec,
			   const wchar_t *ws)
{
	size_t max = spec->prec < 0 ? SIZE_MAX : (size_t)spec->prec;
	size_t len = 0, pad;
	char c;

	if (!ws) {
		pf_padded(out, spec, max >= 6 ? "(null)" : "",
			  max >= 6 ? 6 : 0);
		return;
	}
	for (; len < max && ws[len]; len++) {
		if (!pf_wide_ok((unsigned int)ws[len])) {
			out->err = -EILSEQ;
			return;
		}
	}
	pad = spec->width > len ? spec->width - len : 0;
	if (!pf_reserve(out, len + pad))
		return;
	if (!(spec->flags & PF_LEFT))
		pf_fill(out, ' ', pad);
	for (size_t i = 0; i < len; i++) {
		c = (char)ws[i];
		pf_put(out, &c, 1);
	}
	if (spec->flags & PF_LEFT)
		pf_fill(out, ' ', pad);
}

static void pf_string(struct pf_out *out, const struct pf_directive *d,
		      va_list *ap)
{
	const char *s;
	size_t max = d->spec.prec < 0 ? SIZE_MAX : (size_t)d->spec.prec;

	if (d->length == PF_LEN_L) {
		pf_wide_string(out, &d->spec, va_arg(*ap, const wchar_t *));
		return;
	}
	s = va_arg(*ap, const char *);
	/* glibc prints "(null)" whole or, if the precision cuts it, not at
	 * all. */
	if (!s)
		s = max >= 6 ? "(null)" : "";
	pf_padded(out, &d->spec, s, pf_strnlen(s, max));
}

static void pf_char(struct pf_out *out, const struct pf_directive *d,
		    va_list *ap)
{
	char c;

	if (d->length == PF_LEN_L) {
		/* wint_t is unsigned int. */
		unsigned int wc = va_arg(*ap, unsigned int);

		if (!pf_wide_ok(wc)) {
			out->err = -EILSEQ;
			return;
		}
		c = (char)wc;
	} else {
		c = (char)(unsigned char)va_arg(*ap, int);
	}
	pf_padded(out, &d->spec, &c, 1);
}

/* %n: stores the count so far through a pointer of the length's type. */
static void pf_count(const struct pf_out *out, enum pf_length length,
		     va_list *ap)
{
	int n = (int)out->count;

	switch (length) {
	case PF_LEN_HH:
		*va_arg(*ap, signed char *) = (signed char)n;
		break;
	case PF_LEN_H:
		*va_arg(*ap, short *) = (short)n;
		break;
	case PF_LEN_L:
		*va_arg(*ap, long *) = n;
		break;
	case PF_LEN_LL:
	case PF_LEN_BIG_L:
		*va_arg(*ap, long long *) = n;
		break;
	case PF_LEN_J:
		*va_arg(*ap, intmax_t *) = n;
		break;
	case PF_LEN_Z:
	case PF_LEN_T:
		*va_arg(*ap, ptrdiff_t *) = n;
		break;
	default:
		*va_arg(*ap, int *) = n;
		break;
	}
}

static bool pf_is_float(char conv)
{
	return conv && strchr("eEfFgGaA", conv);
}

static bool pf_is_known(char conv)
{
	return conv && strchr("diuoxXpcsn%eEfFgGaA", conv);
}

/* Converts a known directive whose '*' values are already read. */
static void pf_convert(struct pf_out *out, const struct pf_directive *d,
		       va_list *ap)
{
	const struct pf_spec *spec = &d->spec;

	switch (spec->conv) {
	case 'd':
	case 'i':
		pf_signed(out, d, ap);
		break;
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		pf_int(out, spec, pf_arg_unsigned(d->length, ap), '\0');
		break;
	case 'p':
		pf_pointer(out, spec, ap);
		break;
	case 's':
		pf_string(out, d, ap);
		break;
	case 'c':
		pf_char(out, d, ap);
		break;
	case 'n':
		pf_count(out, d->length, ap);
		break;
	case '%': /* glibc ignores flags, width and precision. */
		if (pf_reserve(out, 1))
			pf_put(out, "%", 1);
		break;
	default:
		pf_float(out, spec, ap);
		break;
	}
}

/* Reads the '*' arguments of (d), in order: width, then precision. */
static void pf_fetch_stars(struct pf_out *out, struct pf_directive *d,
			   va_list *ap)
{
	if (d->width_star) {
		int w = va_arg(*ap, int);

		if (w == INT_MIN)
			d->too_big = true;
		else if (w < 0)
			d->spec.flags |= PF_LEFT;
		d->spec.width = w < 0 ? (size_t)0 - (size_t)w : (size_t)w;
	}
	if (d->prec_star) {
		int p = va_arg(*ap, int);

		d->spec.prec = p < 0 ? -1 : p;
	}
	if (d->too_big)
		out->err = -EOVERFLOW;
}

static const char *pf_parse_flags(const char *p, struct pf_spec *spec)
{
	for (;; p++) {
		switch (*p) {
		case '-':
			spec->flags |= PF_LEFT;
			break;
		case '+':
			spec->flags |= PF_PLUS;
			break;
		case ' ':
			spec->flags |= PF_SPACE;
			break;
		case '#':
			spec->flags |= PF_ALT;
			break;
		case '0':
			spec->flags |= PF_ZERO;
			break;
		default:
			return p;
		}
	}
}

/* Parses a width or precision at (p): digits into (*val), or '*'. */
static const char *pf_parse_num(const char *p, struct pf_directive *d, int *val,
				bool *star)
{
	if (*p == '*') {
		*star = true;
		return p + 1;
	}
	*val = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		int digit = *p - '0';

		if (*val > (INT_MAX - digit) / 10)
			d->too_big = true;
		else
			*val = *val * 10 + digit;
	}
	return p;
}

static const char *pf_parse_length(const char *p, struct pf_directive *d)
{
	static const char single[] = "hljztL";
	static const enum pf_length lens[] = {
		PF_LEN_H, PF_LEN_L, PF_LEN_J, PF_LEN_Z, PF_LEN_T, PF_LEN_BIG_L
	};
	const char *at = *p ? strchr(single, *p) : NULL;

	d->length = PF_LEN_NONE;
	if (!at)
		return p;
	d->length = lens[at - single];
	if ((p[0] == 'h' || p[0] == 'l') && p[1] == p[0]) {
		d->length = p[0] == 'h' ? PF_LEN_HH : PF_LEN_LL;
		return p + 2;
	}
	return p + 1;
}

/* Parses the directive at (p), which points at its '%'. Reads no argument. */
static void pf_parse(const char *p, struct pf_directive *d)
{
	int width = 0;

	memset(d, 0, sizeof(*d));
	d->start = p;
	d->spec.prec = -1;
	p = pf_parse_flags(p + 1, &d->spec);
	p = pf_parse_num(p, d, &width, &d->width_star);
	d->spec.width = (size_t)width;
	if (*p == '.')
		p = pf_parse_num(p + 1, d, &d->spec.prec, &d->prec_star);
	p = pf_parse_length(p, d);
	d->spec.conv = *p;
	/* glibc reads a long double for ll as well as for L. */
	d->spec.long_double = pf_is_float(*p) && (d->length == PF_LEN_BIG_L ||
						  d->length == PF_LEN_LL);
	d->end = *p ? p + 1 : p;
}

/* Handles the directive at (p); returns where the literal text resumes. */
static const char *pf_directive(struct pf_out *out, const char *p, va_list *ap)
{
	struct pf_directive d;
	size_t len;

	pf_parse(p, &d);
	if (!pf_is_known(d.spec.conv)) {
		len = (size_t)(d.end - d.start);
		if (pf_reserve(out, len))
			pf_put(out, d.start, len);
		return d.end;
	}
	pf_fetch_stars(out, &d, ap);
	if (!out->err)
		pf_convert(out, &d, ap);
	return d.end;
}

/* Emits the literal text at (p) up to the next directive. */
static const char *pf_literal(struct pf_out *out, const char *p)
{
	const char *end = p;
	size_t len;

	while (*end && *end != '%')
		end++;
	len = (size_t)(end - p);
	if (pf_reserve(out, len))
		pf_put(out, p, len);
	return end;
}

int libc_vformat(printf_emit_fn emit, void *ctx, const char *fmt, va_list ap)
{
	struct pf_out out = { .emit = emit, .ctx = ctx };
	va_list aq;

	if (!emit || !fmt)
		return -EINVAL;
	/* va_list is an array type on x86-64: take the address of a copy. */
	va_copy(aq, ap);
	while (*fmt && !out.err) {
		if (*fmt == '%')
			fmt = pf_directive(&out, fmt, &aq);
		else
			fmt = pf_literal(&out, fmt);
	}
	va_end(aq);
	pf_flush(&out);
	return out.err ? out.err : (int)out.count;
}

/* Sink of libc_vsnformat(): keeps what fits, leaving room for the NUL. */
struct pf_sbuf {
	char *buf;
	size_t room; /* bytes that may still be stored */
	size_t len; /* bytes stored */
};

static void pf_sbuf_emit(void *ctx, const char *s, size_t len)
{
	struct pf_sbuf *sb = ctx;

	if (len > sb->room)
		len = sb->room;
	if (!len)
		return;
	memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->room -= len;
}

int libc_vsnformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct pf_sbuf sb = { .buf = buf, .room = size ? size - 1 : 0 };
	int ret;

	if (!buf && size)
		return -EINVAL;
	ret = libc_vformat(pf_sbuf_emit, &sb, fmt, ap);
	if (size)
		buf[sb.len] = '\0';
	return ret;
}
