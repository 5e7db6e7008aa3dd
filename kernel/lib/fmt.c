/* SPDX-License-Identifier: MIT */
/*
 * printf engine for the kernel and libc (see <kernel/fmt.h>). Each
 * directive is parsed completely before any argument is read, so an
 * unsupported one can be copied out without consuming arguments. Fields
 * are assembled in a small stage buffer so that each reaches the sink in
 * one call. Follows C11 7.21.6.1, with glibc's choices where C leaves room.
 */

#include <kernel/fmt.h>

#include <kernel/compiler.h>
#include <kernel/errno.h>
#include <stdbool.h>
#include <stdint.h>

#define FMT_INT_MAX __INT_MAX__

/* Bytes of a field that reach the sink in a single call. */
#define FMT_STAGE_BYTES 64

/* Digits of the longest conversion: a 64-bit value in octal (22). */
#define FMT_DIGITS_MAX 24

BUILD_ASSERT(sizeof(uintmax_t) * 8 <= FMT_DIGITS_MAX * 3);
/* %zd and %tu read size_t and ptrdiff_t as each other's counterpart. */
BUILD_ASSERT(sizeof(size_t) == sizeof(ptrdiff_t));

/* Flags of one directive. */
#define FMT_F_LEFT 0x01 /* '-' */
#define FMT_F_PLUS 0x02 /* '+' */
#define FMT_F_SPACE 0x04 /* ' ' */
#define FMT_F_ALT 0x08 /* '#' */
#define FMT_F_ZERO 0x10 /* '0' */
#define FMT_F_WIDTH_STAR 0x20 /* width is '*' */
#define FMT_F_PREC_STAR 0x40 /* precision is '*' */
#define FMT_F_TOO_BIG 0x80 /* a width or precision exceeds INT_MAX */

enum fmt_length {
	FMT_LEN_NONE,
	FMT_LEN_HH,
	FMT_LEN_H,
	FMT_LEN_L,
	FMT_LEN_LL,
	FMT_LEN_J,
	FMT_LEN_Z,
	FMT_LEN_T,
	FMT_LEN_BIG_L,
};

/* One parsed directive, from its '%' (start) to one past its end (end). */
struct fmt_spec {
	const char *start;
	const char *end;
	unsigned int flags;
	int width; /* >= 0 */
	int prec; /* -1 when absent */
	enum fmt_length length;
	char conv; /* '\0' when the format ended inside the directive */
};

/* Sink state shared by the whole call. */
struct fmt_out {
	fmt_emit_fn emit;
	void *ctx;
	size_t count; /* bytes emitted so far, <= INT_MAX */
	int err; /* 0 or a negative errno; stops formatting */
};

/* Collects the pieces of one field so that the sink sees them at once. */
struct fmt_stage {
	struct fmt_out *out;
	size_t len;
	char buf[FMT_STAGE_BYTES];
};

/* Layout of an integer field, in output order. */
struct fmt_int_field {
	size_t lpad; /* spaces before */
	char sign; /* '\0' when none */
	const char *prefix; /* "", "0x" or "0X" */
	size_t zeros;
	const char *digits;
	size_t ndigits;
	size_t rpad; /* spaces after */
};

static void fmt_copy(char *dst, const char *src, size_t n)
{
	while (n--)
		*dst++ = *src++;
}

static size_t fmt_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

static size_t fmt_strlen(const char *s)
{
	return fmt_strnlen(s, SIZE_MAX);
}

/*
 * Accounts for (len) more bytes of output; false, with out->err set, when
 * they would take the total past INT_MAX. Checked before a field is
 * emitted, so a huge width fails at once instead of padding for minutes.
 */
static bool fmt_reserve(struct fmt_out *out, size_t len)
{
	if (len > (size_t)FMT_INT_MAX - out->count) {
		out->err = -EOVERFLOW;
		return false;
	}
	return true;
}

static void fmt_emit(struct fmt_out *out, const char *s, size_t len)
{
	if (len == 0)
		return;
	out->emit(out->ctx, s, len);
	out->count += len;
}

static void fmt_stage_flush(struct fmt_stage *st)
{
	fmt_emit(st->out, st->buf, st->len);
	st->len = 0;
}

static void fmt_stage_put(struct fmt_stage *st, const char *s, size_t n)
{
	if (n > sizeof(st->buf) - st->len) {
		fmt_stage_flush(st);
		if (n > sizeof(st->buf)) {
			fmt_emit(st->out, s, n);
			return;
		}
	}
	fmt_copy(st->buf + st->len, s, n);
	st->len += n;
}

static void fmt_stage_fill(struct fmt_stage *st, char c, size_t n)
{
	while (n > 0) {
		size_t chunk = sizeof(st->buf) - st->len;

		if (chunk == 0) {
			fmt_stage_flush(st);
			continue;
		}
		if (chunk > n)
			chunk = n;
		n -= chunk;
		while (chunk--)
			st->buf[st->len++] = c;
	}
}

/* Emits (len) bytes at (s), padded with spaces to the field width. */
static void fmt_padded(struct fmt_out *out, const struct fmt_spec *spec,
		       const char *s, size_t len)
{
	struct fmt_stage st = { .out = out };
	size_t width = (size_t)spec->width;
	size_t pad = width > len ? width - len : 0;

	if (!fmt_reserve(out, len + pad))
		return;
	if (!(spec->flags & FMT_F_LEFT))
		fmt_stage_fill(&st, ' ', pad);
	fmt_stage_put(&st, s, len);
	if (spec->flags & FMT_F_LEFT)
		fmt_stage_fill(&st, ' ', pad);
	fmt_stage_flush(&st);
}

/* Writes (v) in (base) backwards from (end); returns the first digit. */
static char *fmt_utoa(char *end, uintmax_t v, unsigned int base, bool upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	do {
		*--end = set[v % base];
		v /= base;
	} while (v != 0);
	return end;
}

/* Fills (f) with the widths of the pieces of an integer field. */
static void fmt_int_layout(const struct fmt_spec *spec, struct fmt_int_field *f)
{
	size_t prec = spec->prec < 0 ? 1 : (size_t)spec->prec;
	size_t width = (size_t)spec->width;
	size_t body;

	f->zeros = prec > f->ndigits ? prec - f->ndigits : 0;
	/* '#o' makes the first digit a 0 unless one is already there. */
	if (spec->conv == 'o' && (spec->flags & FMT_F_ALT) && f->zeros == 0 &&
	    (f->ndigits == 0 || f->digits[0] != '0'))
		f->zeros = 1;
	body = (f->sign != '\0') + fmt_strlen(f->prefix) + f->zeros +
	       f->ndigits;
	if ((spec->flags & (FMT_F_ZERO | FMT_F_LEFT)) == FMT_F_ZERO &&
	    spec->prec < 0 && width > body) {
		f->zeros += width - body;
		body = width;
	}
	f->lpad = 0;
	f->rpad = 0;
	if (width > body && (spec->flags & FMT_F_LEFT))
		f->rpad = width - body;
	else if (width > body)
		f->lpad = width - body;
}

static void fmt_int_emit(struct fmt_out *out, const struct fmt_int_field *f)
{
	struct fmt_stage st = { .out = out };
	size_t prefix_len = fmt_strlen(f->prefix);
	size_t sign_len = f->sign != '\0';

	if (!fmt_reserve(out, f->lpad + sign_len + prefix_len + f->zeros +
				      f->ndigits + f->rpad))
		return;
	fmt_stage_fill(&st, ' ', f->lpad);
	fmt_stage_put(&st, &f->sign, sign_len);
	fmt_stage_put(&st, f->prefix, prefix_len);
	fmt_stage_fill(&st, '0', f->zeros);
	fmt_stage_put(&st, f->digits, f->ndigits);
	fmt_stage_fill(&st, ' ', f->rpad);
	fmt_stage_flush(&st);
}

/* Emits magnitude (v) of a d i u o x X p conversion with its (sign). */
static void fmt_int(struct fmt_out *out, const struct fmt_spec *spec,
		    uintmax_t v, char sign)
{
	char buf[FMT_DIGITS_MAX];
	char *end = buf + sizeof(buf);
	struct fmt_int_field f = { .sign = sign, .prefix = "" };
	bool hex = spec->conv == 'x' || spec->conv == 'X' || spec->conv == 'p';
	unsigned int base = hex ? 16 : spec->conv == 'o' ? 8 : 10;

	f.digits = end;
	if (v != 0 || spec->prec != 0)
		f.digits = fmt_utoa(end, v, base, spec->conv == 'X');
	f.ndigits = (size_t)(end - f.digits);
	if (hex && v != 0 && (spec->flags & FMT_F_ALT))
		f.prefix = spec->conv == 'X' ? "0X" : "0x";
	fmt_int_layout(spec, &f);
	fmt_int_emit(out, &f);
}

/* The sign a non-negative number shows under the '+' and ' ' flags. */
static char fmt_plus_sign(const struct fmt_spec *spec)
{
	if (spec->flags & FMT_F_PLUS)
		return '+';
	if (spec->flags & FMT_F_SPACE)
		return ' ';
	return '\0';
}

static intmax_t fmt_arg_signed(enum fmt_length length, va_list *ap)
{
	switch (length) {
	case FMT_LEN_HH:
		return (signed char)va_arg(*ap, int);
	case FMT_LEN_H:
		return (short)va_arg(*ap, int);
	case FMT_LEN_L:
		return va_arg(*ap, long);
	case FMT_LEN_LL:
		return va_arg(*ap, long long);
	case FMT_LEN_J:
		return va_arg(*ap, intmax_t);
	case FMT_LEN_Z:
		return (ptrdiff_t)va_arg(*ap, size_t);
	case FMT_LEN_T:
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

static uintmax_t fmt_arg_unsigned(enum fmt_length length, va_list *ap)
{
	switch (length) {
	case FMT_LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case FMT_LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case FMT_LEN_L:
		return va_arg(*ap, unsigned long);
	case FMT_LEN_LL:
		return va_arg(*ap, unsigned long long);
	case FMT_LEN_J:
		return va_arg(*ap, uintmax_t);
	case FMT_LEN_Z:
		return va_arg(*ap, size_t);
	case FMT_LEN_T:
		return (size_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static void fmt_signed(struct fmt_out *out, const struct fmt_spec *spec,
		       va_list *ap)
{
	intmax_t v = fmt_arg_signed(spec->length, ap);

	/* Negate in unsigned arithmetic: -INTMAX_MIN does not exist. */
	if (v < 0)
		fmt_int(out, spec, (uintmax_t)0 - (uintmax_t)v, '-');
	else
		fmt_int(out, spec, (uintmax_t)v, fmt_plus_sign(spec));
}

static void fmt_pointer(struct fmt_out *out, const struct fmt_spec *spec,
			va_list *ap)
{
	struct fmt_spec hex = *spec;
	const void *p = va_arg(*ap, const void *);

	if (p == NULL) {
		fmt_padded(out, spec, "(nil)", 5);
		return;
	}
	/* glibc prints a pointer as %#lx that still honours '+' and ' '. */
	hex.flags |= FMT_F_ALT;
	fmt_int(out, &hex, (uintptr_t)p, fmt_plus_sign(spec));
}

static void fmt_string(struct fmt_out *out, const struct fmt_spec *spec,
		       va_list *ap)
{
	const char *s = va_arg(*ap, const char *);
	size_t max = spec->prec < 0 ? SIZE_MAX : (size_t)spec->prec;

	/* glibc prints "(null)" whole or, if the precision cuts it, not at all.
	 */
	if (s == NULL)
		s = max >= 6 ? "(null)" : "";
	fmt_padded(out, spec, s, fmt_strnlen(s, max));
}

static void fmt_char(struct fmt_out *out, const struct fmt_spec *spec,
		     va_list *ap)
{
	char c = (char)(unsigned char)va_arg(*ap, int);

	fmt_padded(out, spec, &c, 1);
}

/* Converts a supported directive whose '*' values are already in (spec). */
static void fmt_convert(struct fmt_out *out, const struct fmt_spec *spec,
			va_list *ap)
{
	switch (spec->conv) {
	case 'd':
	case 'i':
		fmt_signed(out, spec, ap);
		break;
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		fmt_int(out, spec, fmt_arg_unsigned(spec->length, ap), '\0');
		break;
	case 'p':
		fmt_pointer(out, spec, ap);
		break;
	case 's':
		fmt_string(out, spec, ap);
		break;
	case 'c':
		fmt_char(out, spec, ap);
		break;
	default: /* '%': glibc ignores flags, width and precision. */
		if (fmt_reserve(out, 1))
			fmt_emit(out, "%", 1);
		break;
	}
}

static bool fmt_is_supported(const struct fmt_spec *spec)
{
	if (spec->length == FMT_LEN_BIG_L)
		return false;
	switch (spec->conv) {
	case 'd':
	case 'i':
	case 'u':
	case 'o':
	case 'x':
	case 'X':
	case 'p':
	case '%':
		return true;
	case 'c':
	case 's':
		return spec->length != FMT_LEN_L && spec->length != FMT_LEN_LL;
	default:
		return false;
	}
}

/* Reads the '*' arguments of (spec), in order: width, then precision. */
static void fmt_fetch_stars(struct fmt_out *out, struct fmt_spec *spec,
			    va_list *ap)
{
	if (spec->flags & FMT_F_WIDTH_STAR) {
		int w = va_arg(*ap, int);

		spec->width = w;
		if (w == -FMT_INT_MAX - 1) {
			spec->flags |= FMT_F_TOO_BIG;
			spec->width = 0;
		} else if (w < 0) {
			spec->flags |= FMT_F_LEFT;
			spec->width = -w;
		}
	}
	if (spec->flags & FMT_F_PREC_STAR) {
		int p = va_arg(*ap, int);

		spec->prec = p < 0 ? -1 : p;
	}
	if (spec->flags & FMT_F_TOO_BIG)
		out->err = -EOVERFLOW;
}

static const char *fmt_parse_flags(const char *p, struct fmt_spec *spec)
{
	for (;; p++) {
		switch (*p) {
		case '-':
			spec->flags |= FMT_F_LEFT;
			break;
		case '+':
			spec->flags |= FMT_F_PLUS;
			break;
		case ' ':
			spec->flags |= FMT_F_SPACE;
			break;
		case '#':
			spec->flags |= FMT_F_ALT;
			break;
		case '0':
			spec->flags |= FMT_F_ZERO;
			break;
		default:
			return p;
		}
	}
}

/*
 * Parses a width or precision at (p): digits into (*val), or '*', which
 * sets (star_flag). A number above INT_MAX sets FMT_F_TOO_BIG.
 */
static const char *fmt_parse_num(const char *p, struct fmt_spec *spec, int *val,
				 unsigned int star_flag)
{
	if (*p == '*') {
		spec->flags |= star_flag;
		return p + 1;
	}
	*val = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		int d = *p - '0';

		if (*val > (FMT_INT_MAX - d) / 10)
			spec->flags |= FMT_F_TOO_BIG;
		else
			*val = *val * 10 + d;
	}
	return p;
}

static const char *fmt_parse_length(const char *p, struct fmt_spec *spec)
{
	switch (*p) {
	case 'h':
		spec->length = p[1] == 'h' ? FMT_LEN_HH : FMT_LEN_H;
		return p + (p[1] == 'h' ? 2 : 1);
	case 'l':
		spec->length = p[1] == 'l' ? FMT_LEN_LL : FMT_LEN_L;
		return p + (p[1] == 'l' ? 2 : 1);
	case 'j':
		spec->length = FMT_LEN_J;
		return p + 1;
	case 'z':
		spec->length = FMT_LEN_Z;
		return p + 1;
	case 't':
		spec->length = FMT_LEN_T;
		return p + 1;
	case 'L':
		spec->length = FMT_LEN_BIG_L;
		return p + 1;
	default:
		spec->length = FMT_LEN_NONE;
		return p;
	}
}

/* Parses the directive at (p), which points at its '%'. Reads no argument. */
static void fmt_parse(const char *p, struct fmt_spec *spec)
{
	spec->start = p;
	spec->flags = 0;
	spec->width = 0;
	spec->prec = -1;
	p = fmt_parse_flags(p + 1, spec);
	p = fmt_parse_num(p, spec, &spec->width, FMT_F_WIDTH_STAR);
	if (*p == '.')
		p = fmt_parse_num(p + 1, spec, &spec->prec, FMT_F_PREC_STAR);
	p = fmt_parse_length(p, spec);
	spec->conv = *p;
	spec->end = *p != '\0' ? p + 1 : p;
}

/* Handles the directive at (p); returns where the literal text resumes. */
static const char *fmt_directive(struct fmt_out *out, const char *p,
				 va_list *ap)
{
	struct fmt_spec spec;
	size_t len;

	fmt_parse(p, &spec);
	if (!fmt_is_supported(&spec)) {
		len = (size_t)(spec.end - spec.start);
		if (fmt_reserve(out, len))
			fmt_emit(out, spec.start, len);
		return spec.end;
	}
	fmt_fetch_stars(out, &spec, ap);
	if (out->err == 0)
		fmt_convert(out, &spec, ap);
	return spec.end;
}

/*
 * Emits the literal text at (p) up to the next directive. A "%%" is
 * emitted as the last byte of the run, so it costs no extra call.
 */
static const char *fmt_literal(struct fmt_out *out, const char *p)
{
	const char *end = p;
	size_t len;

	while (*end != '\0' && *end != '%')
		end++;
	len = (size_t)(end - p);
	if (end[0] == '%' && end[1] == '%')
		len++;
	if (fmt_reserve(out, len))
		fmt_emit(out, p, len);
	return end[0] == '%' && end[1] == '%' ? end + 2 : end;
}

int fmt_vformat(fmt_emit_fn emit, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out out = { .emit = emit, .ctx = ctx };
	va_list aq;

	if (emit == NULL || fmt == NULL)
		return -EINVAL;
	/* va_list is an array type on x86-64: take the address of a copy. */
	va_copy(aq, ap);
	while (*fmt != '\0' && out.err == 0) {
		if (fmt[0] == '%' && fmt[1] != '%')
			fmt = fmt_directive(&out, fmt, &aq);
		else
			fmt = fmt_literal(&out, fmt);
	}
	va_end(aq);
	return out.err != 0 ? out.err : (int)out.count;
}

int fmt_format(fmt_emit_fn emit, void *ctx, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = fmt_vformat(emit, ctx, fmt, ap);
	va_end(ap);
	return ret;
}

/* Sink of fmt_vsnprintf(): keeps what fits, leaving room for the NUL. */
struct fmt_sbuf {
	char *buf;
	size_t room; /* bytes that may still be stored */
	size_t len; /* bytes stored */
};

static void fmt_sbuf_emit(void *ctx, const char *s, size_t len)
{
	struct fmt_sbuf *sb = ctx;

	if (len > sb->room)
		len = sb->room;
	if (len == 0)
		return;
	fmt_copy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->room -= len;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_sbuf sb = { .buf = buf, .room = size > 0 ? size - 1 : 0 };
	int ret;

	if (buf == NULL && size > 0)
		return -EINVAL;
	ret = fmt_vformat(fmt_sbuf_emit, &sb, fmt, ap);
	if (size > 0)
		buf[sb.len] = '\0';
	return ret;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return ret;
}
