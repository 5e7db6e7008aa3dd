/* SPDX-License-Identifier: MIT */
/*
 * Decimal and hexadecimal strings to float, double and x87 long double
 * (C11 7.22.1.3), correctly rounded to nearest-even; other rounding modes
 * are not honoured. Short decimals take Clinger's fast path (exact
 * operands, one IEEE operation); the rest is exact: a big integer D * 5^e,
 * or D / 5^k by long division, rounded once from 128 bits and a sticky bit.
 * Inputs longer than the longest halfway point are cut, keeping a sticky
 * digit. errno as glibc: ERANGE on overflow and on a tiny inexact result
 * (tininess after rounding, as x86 detects it).
 * TODO(strto): Eisel-Lemire for 17-19 digit inputs, ~3x glibc's time #10
 */
#include "strto_impl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

/* A binary format: precision, exponent range, and decimal bounds. */
struct flt_fmt {
	int mant_bits; /* precision, the leading bit included */
	int emin; /* the smallest normal is 2^emin */
	int emax; /* every finite value is below 2^(emax + 1) */
	int max_digits; /* more than any halfway point has significant */
	int max10; /* 10^(max10 - 1) overflows */
	int min10; /* 10^min10 rounds to zero */
};

static const struct flt_fmt fmt_f32 = { 24, -126, 127, 120, 40, -50 };
static const struct flt_fmt fmt_f64 = { 53, -1022, 1023, 800, 310, -330 };
static const struct flt_fmt fmt_f80 = { 64, -16382, 16383, 11600, 4934, -4960 };

/* A rounded result: mant * 2^exp2, or infinity. */
struct flt_val {
	uint64_t mant;
	int64_t exp2;
	bool inf;
	bool erange;
};

/* A scanned decimal: value = digits * 10^exp10. */
struct flt_dec {
	const char *first; /* first nonzero digit; a '.' may follow any */
	int64_t ndigits; /* from there to the last nonzero digit */
	int64_t exp10;
	uint64_t head; /* the first min(19, ndigits) digits */
};

enum flt_kind { FLT_NONE, FLT_DEC, FLT_HEX, FLT_INF, FLT_NAN };

/* A scanned string. */
struct flt_scan {
	const char *end;
	enum flt_kind kind;
	bool neg;
	struct flt_dec dec; /* FLT_DEC */
	u128 hex; /* FLT_HEX: value = hex * 2^hex_exp (+ sticky) */
	int64_t hex_exp;
	bool hex_sticky;
	bool has_payload; /* FLT_NAN: nan(n) with n a whole number */
	uint64_t payload;
};

/* Exponents saturate here: far beyond any range, far from overflow. */
#define EXP_SATURATE 1000000000000000LL
/* Big integers of up to this many limbs in all live on the stack. */
#define STACK_LIMBS 192

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* True when (s) starts with the lower-case (word), ignoring case. */
static bool has_word(const char *s, const char *word)
{
	for (; *word; s++, word++) {
		if ((*s | 0x20) != *word)
			return false;
	}
	return true;
}

/* The next digit at *p, skipping a decimal point. */
static unsigned int next_digit(const char **p)
{
	if (**p == '.')
		(*p)++;
	return (unsigned int)(*(*p)++ - '0');
}

/*
 * An exponent "<mark>[+-]digits" at (s), added to *exp; returns the end,
 * or (s) when there is none.
 */
static const char *scan_exponent(const char *s, char mark, int64_t *exp)
{
	const char *p = s + 1;
	bool neg = false;
	int64_t v = 0;

	if ((*s | 0x20) != mark)
		return s;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!is_digit(*p))
		return s;
	for (; is_digit(*p); p++) {
		if (v < EXP_SATURATE)
			v = v * 10 + (*p - '0');
	}
	*exp += neg ? -v : v;
	return p;
}

/* Scans a decimal mantissa and exponent; NULL when there is no digit. */
static const char *scan_decimal(const char *s, struct flt_dec *d)
{
	const char *p = s;
	int64_t pos = 0, int_digits = -1, first = -1, last = -1, exp = 0;

	for (;; p++) {
		if (*p == '.' && int_digits < 0) {
			int_digits = pos;
			continue;
		}
		if (!is_digit(*p))
			break;
		if (*p != '0') {
			if (first < 0) {
				first = pos;
				d->first = p;
			}
			last = pos;
		}
		pos++;
	}
	if (pos == 0)
		return NULL;
	if (int_digits < 0)
		int_digits = pos;
	p = scan_exponent(p, 'e', &exp);
	d->ndigits = first < 0 ? 0 : last - first + 1;
	d->exp10 = exp + int_digits - 1 - last;
	d->head = 0;
	if (d->ndigits) {
		const char *q = d->first;

		for (int64_t i = 0; i < d->ndigits && i < 19; i++)
			d->head = d->head * 10 + next_digit(&q);
	}
	return p;
}

/* Scans hex digits after "0x"; NULL when there is no hex digit. */
static const char *scan_hex(const char *s, struct flt_scan *n)
{
	const char *p = s;
	bool point = false, any = false;
	int used = 0;
	int64_t exp = 0;
	int v;

	n->hex = 0;
	n->hex_sticky = false;
	for (;; p++) {
		if (*p == '.' && !point) {
			point = true;
			continue;
		}
		v = hex_value(*p);
		if (v < 0)
			break;
		any = true;
		if (used == 0 && v == 0) {
			exp -= point ? 4 : 0;
		} else if (used < 32) {
			n->hex = n->hex << 4 | (unsigned int)v;
			used++;
			exp -= point ? 4 : 0;
		} else {
			n->hex_sticky |= v != 0;
			exp += point ? 0 : 4;
		}
	}
	if (!any)
		return NULL;
	p = scan_exponent(p, 'p', &exp);
	n->hex_exp = exp;
	return p;
}

/* "nan" seen at (s): an optional "(n-char-sequence)". */
static const char *scan_nan(const char *s, struct flt_scan *n)
{
	const char *p = s + 4;
	char *num_end;

	if (s[3] != '(')
		return s + 3;
	while (is_digit(*p) || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') ||
	       *p == '_')
		p++;
	if (*p != ')')
		return s + 3;
	/* As glibc: a sequence that is a whole strtoull(,,0) number sets the
	 * payload bits, as many as fit under the quiet bit. */
	n->payload = libc_strtoull(s + 4, &num_end, 0);
	n->has_payload = num_end == p;
	return p + 1;
}

static void scan_number(const char *s, struct flt_scan *n)
{
	const char *p = s;

	n->kind = FLT_NONE;
	n->end = s;
	n->neg = false;
	n->has_payload = false;
	while (is_space(*p))
		p++;
	if (*p == '+' || *p == '-')
		n->neg = *p++ == '-';
	if (has_word(p, "inf")) {
		n->kind = FLT_INF;
		n->end = has_word(p + 3, "inity") ? p + 8 : p + 3;
	} else if (has_word(p, "nan")) {
		n->kind = FLT_NAN;
		n->end = scan_nan(p, n);
	} else if (p[0] == '0' && (p[1] | 0x20) == 'x') {
		n->kind = FLT_HEX;
		n->end = scan_hex(p + 2, n);
		if (!n->end) {
			/* "0x" and no hex digit: the number is the "0". */
			n->hex = 0;
			n->end = p + 1;
		}
	} else if ((n->end = scan_decimal(p, &n->dec)) != NULL) {
		n->kind = FLT_DEC;
	} else {
		n->end = s;
	}
}

static struct flt_val flt_overflow(void)
{
	return (struct flt_val){ .inf = true, .erange = true };
}

static int clz128(u128 v)
{
	uint64_t hi = (uint64_t)(v >> 64);

	return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)v);
}

/* Rounds (top) (bit 127 set) to P bits, nearest-even: up or not. */
static bool round_up(u128 top, unsigned int shift, bool sticky)
{
	u128 rem = top & (((u128)1 << shift) - 1);
	u128 half = (u128)1 << (shift - 1);

	return rem > half || (rem == half && (sticky || ((top >> shift) & 1)));
}

/*
 * Rounds top * 2^e (top's bit 127 set; (sticky): more nonzero bits below)
 * to the format (f), subnormals and overflow included.
 */
static struct flt_val flt_round(u128 top, int64_t e, bool sticky,
				const struct flt_fmt *f)
{
	struct flt_val r = { 0 };
	int64_t E = e + 127; /* 2^E <= value < 2^(E + 1) */
	int64_t keep = E >= f->emin ? f->mant_bits : f->mant_bits - f->emin + E;
	u128 m;

	if (E > f->emax)
		return flt_overflow();
	if (keep <= 0) {
		/* Below the smallest subnormal; above half of it rounds up. */
		r.erange = true;
		r.exp2 = f->emin - f->mant_bits + 1;
		r.mant = keep == 0 && (sticky || top != (u128)1 << 127);
		return r;
	}
	m = (top >> (128 - keep)) + round_up(top, 128 - keep, sticky);
	r.exp2 = E - keep + 1;
	if (keep == f->mant_bits && m >> keep) {
		m >>= 1;
		if (++r.exp2 + keep - 1 > f->emax)
			return flt_overflow();
	}
	r.mant = (uint64_t)m;
	if (E < f->emin && (sticky || top << keep)) {
		/* Tiny after rounding unless rounding to P bits with an
		 * unbounded exponent would reach 2^emin (x86, as glibc). */
		unsigned int shift = 128 - f->mant_bits;

		r.erange = E < f->emin - 1 ||
			   ((top >> shift) + round_up(top, shift, sticky)) >>
					   f->mant_bits ==
				   0;
	}
	return r;
}

/* A little-endian big integer; d[n - 1] != 0 unless n == 0. */
struct big {
	uint64_t *d;
	size_t n;
};

static void big_muladd(struct big *b, uint64_t mul, uint64_t add)
{
	u128 carry = add;

	for (size_t i = 0; i < b->n; i++) {
		carry += (u128)b->d[i] * mul;
		b->d[i] = (uint64_t)carry;
		carry >>= 64;
	}
	if (carry)
		b->d[b->n++] = (uint64_t)carry;
}

static void big_mul_pow5(struct big *b, int64_t k)
{
	static const uint64_t pow5_27 = 7450580596923828125ULL;
	uint64_t p = 1;

	for (; k >= 27; k -= 27)
		big_muladd(b, pow5_27, 0);
	while (k-- > 0)
		p *= 5;
	big_muladd(b, p, 0);
}

static size_t big_bits(const struct big *b)
{
	return b->n ? b->n * 64 - (size_t)__builtin_clzll(b->d[b->n - 1]) : 0;
}

static void big_shl(struct big *b, size_t s)
{
	size_t limbs = s / 64;
	unsigned int bits = s % 64;

	if (b->n == 0)
		return;
	if (bits) {
		uint64_t hi = b->d[b->n - 1] >> (64 - bits);

		for (size_t i = b->n - 1; i > 0; i--)
			b->d[i] = b->d[i] << bits | b->d[i - 1] >> (64 - bits);
		b->d[0] <<= bits;
		if (hi)
			b->d[b->n++] = hi;
	}
	if (limbs) {
		memmove(b->d + limbs, b->d, b->n * sizeof(b->d[0]));
		memset(b->d, 0, limbs * sizeof(b->d[0]));
		b->n += limbs;
	}
}

static int big_cmp(const struct big *a, const struct big *b)
{
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (size_t i = a->n; i-- > 0;) {
		if (a->d[i] != b->d[i])
			return a->d[i] < b->d[i] ? -1 : 1;
	}
	return 0;
}

/* a -= b; a >= b. */
static void big_sub(struct big *a, const struct big *b)
{
	uint64_t borrow = 0;

	for (size_t i = 0; i < a->n; i++) {
		u128 t = (u128)a->d[i] - (i < b->n ? b->d[i] : 0) - borrow;

		a->d[i] = (uint64_t)t;
		borrow = (uint64_t)(t >> 64) & 1;
	}
	while (a->n && a->d[a->n - 1] == 0)
		a->n--;
}

/* The top 128 bits of (b) (nonzero), bit 127 set: b ~ top * 2^*shift. */
static u128 big_top(const struct big *b, int64_t *shift, bool *sticky)
{
	int lz = __builtin_clzll(b->d[b->n - 1]);
	uint64_t mid = b->n >= 2 ? b->d[b->n - 2] : 0;
	uint64_t lo = b->n >= 3 ? b->d[b->n - 3] : 0;
	u128 top = ((u128)b->d[b->n - 1] << 64 | mid) << lz;

	if (lz)
		top |= lo >> (64 - lz);
	*sticky = lz && lo << lz;
	for (size_t i = 0; i + 3 < b->n && !*sticky; i++)
		*sticky = b->d[i] != 0;
	*shift = (int64_t)big_bits(b) - 128;
	return top;
}

/* Reads (nd) digits from (p) into (b), 19 at a time. */
static void big_from_digits(struct big *b, const char *p, int64_t nd)
{
	b->n = 0;
	while (nd > 0) {
		uint64_t chunk = 0, scale = 1;

		for (int i = 0; i < 19 && nd > 0; i++, nd--) {
			chunk = chunk * 10 + next_digit(&p);
			scale *= 10;
		}
		big_muladd(b, scale, chunk);
	}
}

static u128 big_to_u128(const struct big *b)
{
	return (b->n > 1 ? (u128)b->d[1] << 64 : 0) | (b->n ? b->d[0] : 0);
}

/* divide() when b <= a < 2b < 2^127: the same steps in registers. */
static struct flt_val divide_short(const struct big *a, const struct big *b,
				   int64_t e2, const struct flt_fmt *f)
{
	u128 x = big_to_u128(a), y = big_to_u128(b), q = 0;
	int nq = f->mant_bits + 2;

	for (int i = 0; i < nq; i++) {
		q <<= 1;
		if (x >= y) {
			x -= y;
			q |= 1;
		}
		x <<= 1;
	}
	return flt_round(q << (128 - nq), e2 - 127, x != 0, f);
}

/* D / 5^k * 2^e10 for (a) = D, (b) = 5^k, by binary long division. */
static struct flt_val divide(struct big *a, struct big *b, int64_t e10,
			     const struct flt_fmt *f)
{
	int64_t s = (int64_t)big_bits(b) - (int64_t)big_bits(a);
	int nq = f->mant_bits + 2;
	u128 q = 0;

	if (s >= 0)
		big_shl(a, (size_t)s);
	else
		big_shl(b, (size_t)-s);
	if (big_cmp(a, b) < 0) {
		big_shl(a, 1);
		s++;
	}
	/* Now b <= a < 2b: each step yields one quotient bit. */
	if (big_bits(b) <= 126)
		return divide_short(a, b, e10 - s, f);
	for (int i = 0; i < nq; i++) {
		q <<= 1;
		if (big_cmp(a, b) >= 0) {
			big_sub(a, b);
			q |= 1;
		}
		big_shl(a, 1);
	}
	return flt_round(q << (128 - nq), e10 - s - 127, a->n != 0, f);
}

/* The exact conversion of a nonzero decimal within (f)'s bounds. */
static struct flt_val dec_exact(const struct flt_dec *d,
				const struct flt_fmt *f)
{
	uint64_t stack[STACK_LIMBS];
	struct big a, b;
	int64_t nd = d->ndigits, e10 = d->exp10;
	bool cut = nd > f->max_digits;
	size_t limbs, k;
	struct flt_val r;
	int64_t shift;
	bool sticky;
	u128 top;

	if (cut) {
		/* Keep max_digits, then a 1 for the nonzero rest. */
		e10 += nd - f->max_digits - 1;
		nd = f->max_digits;
	}
	k = (size_t)(e10 < 0 ? -e10 : e10);
	limbs = (size_t)(nd + 1) * 10 / 3 / 64 + k * 7 / 3 / 64 + 4;
	a.d = 2 * limbs <= STACK_LIMBS ? stack : malloc(2 * limbs * 8);
	if (!a.d) {
		errno = ENOMEM;
		return (struct flt_val){ 0 };
	}
	b.d = a.d + limbs;
	big_from_digits(&a, d->first, nd);
	if (cut)
		big_muladd(&a, 10, 1);
	if (e10 >= 0) {
		big_mul_pow5(&a, e10);
		top = big_top(&a, &shift, &sticky);
		r = flt_round(top, shift + e10, sticky, f);
	} else {
		b.n = 0;
		big_muladd(&b, 1, 1);
		big_mul_pow5(&b, (int64_t)k);
		r = divide(&a, &b, e10, f);
	}
	if (a.d != stack)
		free(a.d);
	return r;
}

static struct flt_val dec_to_val(const struct flt_dec *d,
				 const struct flt_fmt *f)
{
	int64_t mag = d->ndigits + d->exp10; /* 10^(mag-1) <= v < 10^mag */

	if (d->ndigits == 0)
		return (struct flt_val){ 0 };
	if (mag > f->max10)
		return flt_overflow();
	if (mag < f->min10)
		return (struct flt_val){ .erange = true };
	return dec_exact(d, f);
}

static struct flt_val hex_to_val(const struct flt_scan *n,
				 const struct flt_fmt *f)
{
	int lz;

	if (n->hex == 0)
		return (struct flt_val){ 0 };
	lz = clz128(n->hex);
	return flt_round(n->hex << lz, n->hex_exp - lz, n->hex_sticky, f);
}

/* The value of a scanned decimal or hex number (flt_scan::kind). */
static struct flt_val scan_to_val(const struct flt_scan *n,
				  const struct flt_fmt *f)
{
	struct flt_val r;

	r = n->kind == FLT_HEX ? hex_to_val(n, f) : dec_to_val(&n->dec, f);
	if (r.erange)
		errno = ERANGE;
	return r;
}

/* Clinger: an exact integer of 53 bits times or over an exact 10^e. */
static bool fast_f64(const struct flt_dec *d, double *out)
{
	static const double p10[] = {
		1e0,  1e1,  1e2,  1e3,	1e4,  1e5,  1e6,  1e7,
		1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
		1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	};
	uint64_t w = d->head;
	int64_t e = d->exp10;

	if (d->ndigits > 19 || w > (1ULL << 53) || e < -22 || e > 22 + 16)
		return false;
	for (; e > 22; e--) {
		if (w > (1ULL << 53) / 10)
			return false;
		w *= 10;
	}
	*out = e < 0 ? (double)w / p10[-e] : (double)w * p10[e];
	return true;
}

static bool fast_f32(const struct flt_dec *d, float *out)
{
	static const float p10[] = { 1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f,
				     1e6f, 1e7f, 1e8f, 1e9f, 1e10f };
	int64_t e = d->exp10;

	if (d->ndigits > 19 || d->head > (1U << 24) || e < -10 || e > 10)
		return false;
	*out = e < 0 ? (float)d->head / p10[-e] : (float)d->head * p10[e];
	return true;
}

double libc_strtod(const char *s, char **end)
{
	union {
		double f;
		uint64_t u;
	} v;
	struct flt_scan n;
	struct flt_val r;

	scan_number(s, &n);
	if (end)
		*end = (char *)n.end;
	if (n.kind == FLT_NONE)
		return 0;
	if (n.kind == FLT_INF) {
		v.f = __builtin_inf();
	} else if (n.kind == FLT_NAN) {
		v.u = 0x7ff8000000000000ULL;
		if (n.has_payload)
			v.u |= n.payload & ((1ULL << 51) - 1);
	} else if (n.kind != FLT_DEC || !fast_f64(&n.dec, &v.f)) {
		r = scan_to_val(&n, &fmt_f64);
		if (r.inf)
			v.f = __builtin_inf();
		else
			v.u = r.mant ? r.mant +
					       ((uint64_t)(r.exp2 + 1074) << 52)
				     : 0;
	}
	return n.neg ? -v.f : v.f;
}

float libc_strtof(const char *s, char **end)
{
	union {
		float f;
		uint32_t u;
	} v;
	struct flt_scan n;
	struct flt_val r;

	scan_number(s, &n);
	if (end)
		*end = (char *)n.end;
	if (n.kind == FLT_NONE)
		return 0;
	if (n.kind == FLT_INF) {
		v.f = __builtin_inff();
	} else if (n.kind == FLT_NAN) {
		v.u = 0x7fc00000;
		if (n.has_payload)
			v.u |= (uint32_t)n.payload & ((1U << 22) - 1);
	} else if (n.kind != FLT_DEC || !fast_f32(&n.dec, &v.f)) {
		r = scan_to_val(&n, &fmt_f32);
		if (r.inf)
			v.f = __builtin_inff();
		else
			v.u = r.mant ? (uint32_t)(r.mant +
						  ((uint64_t)(r.exp2 + 149)
						   << 23))
				     : 0;
	}
	return n.neg ? -v.f : v.f;
}

long double libc_strtold(const char *s, char **end)
{
	union {
		long double f;
		struct {
			uint64_t mant; /* the leading bit explicit */
			uint16_t sign_exp;
		} x;
	} v;
	struct flt_scan n;
	struct flt_val r;

	scan_number(s, &n);
	if (end)
		*end = (char *)n.end;
	if (n.kind == FLT_NONE)
		return 0;
	if (n.kind == FLT_INF) {
		v.f = __builtin_infl();
	} else if (n.kind == FLT_NAN) {
		v.x.mant = 0xc000000000000000ULL;
		v.x.sign_exp = 0x7fff;
		if (n.has_payload)
			v.x.mant |= n.payload & ((1ULL << 62) - 1);
	} else {
		r = scan_to_val(&n, &fmt_f80);
		if (r.inf) {
			v.f = __builtin_infl();
		} else {
			v.x.mant = r.mant;
			v.x.sign_exp =
				r.mant >> 63 ? (uint16_t)(r.exp2 + 16446) : 0;
		}
	}
	return n.neg ? -v.f : v.f;
}
