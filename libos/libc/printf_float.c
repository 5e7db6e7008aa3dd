/* SPDX-License-Identifier: MIT */
/*
 * Floating-point conversions of the printf engine (C11 7.21.6.1): e E f F
 * g G a A for double and the x87 80-bit long double, exact and rounded to
 * nearest with ties to even, as glibc prints them in the default rounding
 * mode. A finite value is mant * 2^exp. Its integer part is kept in base
 * 10^9; its fraction F / 2^k is kept in binary, and each multiplication by
 * 10^9 carries the next nine decimal digits out of the top word. A first
 * pass over the digits finds the rounding and the field length, a second
 * pass emits them, so any precision is printed with fixed stack.
 */
#include "printf_impl.h"

#include <stdint.h>
#include <string.h>

#define PF_BILLION 1000000000u

/*
 * Words of digit state. A double's integer part is below 2^1024 (309
 * digits, 35 limbs) and its fraction has k <= 1074 bits (34 words). A long
 * double's is below 2^16384 (4933 digits, 549 limbs), k <= 16445 (514).
 */
#define PF_WORDS_DBL 40
#define PF_WORDS_LDBL 560

_Static_assert(sizeof(double) == 8 && __DBL_MANT_DIG__ == 53, "binary64");
_Static_assert(__LDBL_MANT_DIG__ == 64, "x87 extended long double");

enum pf_class { PF_CLS_ZERO, PF_CLS_FINITE, PF_CLS_INF, PF_CLS_NAN };

/*
 * A decoded value, (-1)^neg * mant * 2^exp; for %a also as the hex digit
 * (lead), then (nhex) hex digits in (frac), times 2^hexp.
 */
struct pf_value {
	enum pf_class cls;
	bool neg;
	uint64_t mant;
	int exp;
	unsigned int lead;
	uint64_t frac;
	int nhex;
	int hexp;
};

/*
 * The decimal digits of |value|: the integer digits (none when it is 0),
 * then the fraction's, then zeros forever.
 */
struct pf_digits {
	uint32_t *w; /* limbs when exp >= 0, else fraction words */
	uint64_t mant;
	int exp;
	uint32_t small[3]; /* the integer part's limbs when exp < 0 */
	const uint32_t *limb; /* base 10^9, least significant first */
	int nlimb;
	long nidig; /* decimal digits of the integer part */
	int fnw; /* fraction = w[0..fnw) / 2^(32 fnw), little-endian */
	int flo; /* w[0..flo) are zero; fraction is 0 when flo == fnw */
	int next_limb; /* next limb to expand, counting down; -1 when done */
	char chunk[9];
	int clen;
	int cpos;
};

/* The rounding of (n) digits taken after (skip) digits of the stream. */
struct pf_round {
	long skip;
	long n;
	bool up; /* add one at the last digit */
	bool carry; /* all n were 9s: shown digits are 1 then n zeros */
	long last_non9; /* index of the digit a round-up increments */
	long last_nonzero; /* in the rounded digits; -1 when all are 0 */
};

/* A decimal field, in output order. */
struct pf_layout {
	char sign; /* '\0' when none */
	long nint; /* digits before the point; 0 prints a single "0" */
	bool point;
	long nfrac; /* digits after the point */
	char exp[8]; /* "e+05", or "" for %f */
	size_t nexp;
};

static void pf_decode_dbl(double x, struct pf_value *v)
{
	uint64_t bits, f;
	unsigned int e;

	memcpy(&bits, &x, sizeof(bits));
	e = (unsigned int)(bits >> 52) & 0x7ff;
	f = bits & ((UINT64_C(1) << 52) - 1);
	v->neg = bits >> 63;
	v->frac = f;
	v->nhex = 13;
	v->lead = e != 0;
	v->mant = e ? f | UINT64_C(1) << 52 : f;
	v->exp = e ? (int)e - 1075 : -1074;
	v->hexp = e ? (int)e - 1023 : f ? -1022 : 0;
	if (e == 0x7ff)
		v->cls = f ? PF_CLS_NAN : PF_CLS_INF;
	else
		v->cls = v->mant ? PF_CLS_FINITE : PF_CLS_ZERO;
}

/* x87: 64-bit mantissa with an explicit integer bit, 15-bit exponent. */
static void pf_decode_ldbl(long double x, struct pf_value *v)
{
	unsigned char raw[sizeof(long double)];
	uint64_t m;
	uint16_t se;
	unsigned int e;

	memcpy(raw, &x, sizeof(raw));
	memcpy(&m, raw, sizeof(m));
	memcpy(&se, raw + 8, sizeof(se));
	e = se & 0x7fff;
	v->neg = se >> 15;
	v->mant = m;
	v->lead = (unsigned int)(m >> 60);
	v->frac = m & ((UINT64_C(1) << 60) - 1);
	v->nhex = 15;
	v->exp = e ? (int)e - 16383 - 63 : -16445;
	v->hexp = e ? (int)e - 16383 - 3 : m ? -16385 : 0;
	if (e == 0x7fff)
		v->cls = m << 1 ? PF_CLS_NAN : PF_CLS_INF;
	else
		v->cls = m ? PF_CLS_FINITE : PF_CLS_ZERO;
}

static int pf_ndigits(uint32_t v)
{
	int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static int pf_limbs_from_u64(uint32_t *limb, uint64_t v)
{
	int n = 0;

	for (; v; v /= PF_BILLION)
		limb[n++] = (uint32_t)(v % PF_BILLION);
	return n;
}

/* Multiplies the (n) limbs by 2^shift; returns the new count. */
static int pf_limbs_shl(uint32_t *limb, int n, int shift)
{
	while (shift > 0) {
		int sh = shift < 29 ? shift : 29;
		uint64_t carry = 0;

		for (int i = 0; i < n; i++) {
			uint64_t t = ((uint64_t)limb[i] << sh) + carry;

			limb[i] = (uint32_t)(t % PF_BILLION);
			carry = t / PF_BILLION;
		}
		if (carry)
			limb[n++] = (uint32_t)carry;
		shift -= sh;
	}
	return n;
}

/* Loads the fraction bits of mant * 2^exp (exp < 0) into d->w. */
static void pf_frac_load(struct pf_digits *d)
{
	int k = -d->exp, s;
	uint64_t frac = k < 64 ? d->mant & ((UINT64_C(1) << k) - 1) : d->mant;

	d->fnw = (k + 31) / 32;
	s = 32 * d->fnw - k;
	memset(d->w, 0, (size_t)d->fnw * sizeof(d->w[0]));
	d->w[0] = (uint32_t)(frac << s);
	if (d->fnw > 1)
		d->w[1] = (uint32_t)((frac << s) >> 32);
	if (d->fnw > 2 && s)
		d->w[2] = (uint32_t)(frac >> (64 - s));
	d->flo = 0;
	while (d->flo < d->fnw && !d->w[d->flo])
		d->flo++;
}

/* Starts the stream over at its first digit. */
static void pf_digits_reset(struct pf_digits *d)
{
	d->cpos = 0;
	d->clen = 0;
	d->next_limb = d->nlimb - 1;
	if (d->exp < 0)
		pf_frac_load(d);
}

static void pf_digits_init(struct pf_digits *d, uint32_t *w,
			   const struct pf_value *v)
{
	d->w = w;
	d->mant = v->cls == PF_CLS_FINITE ? v->mant : 0;
	d->exp = v->cls == PF_CLS_FINITE ? v->exp : 0;
	d->fnw = 0;
	d->flo = 0;
	if (d->exp >= 0) {
		d->limb = w;
		d->nlimb =
			pf_limbs_shl(w, pf_limbs_from_u64(w, d->mant), d->exp);
	} else {
		d->limb = d->small;
		d->nlimb = pf_limbs_from_u64(
			d->small, -d->exp < 64 ? d->mant >> -d->exp : 0);
	}
	d->nidig = d->nlimb ? 9L * (d->nlimb - 1) +
				      pf_ndigits(d->limb[d->nlimb - 1])
			    : 0;
	pf_digits_reset(d);
}

/* Multiplies the fraction by 10^9; returns the integer part that leaves. */
static uint32_t pf_frac_next9(struct pf_digits *d)
{
	uint64_t carry = 0;

	for (int i = d->flo; i < d->fnw; i++) {
		uint64_t t = (uint64_t)d->w[i] * PF_BILLION + carry;

		d->w[i] = (uint32_t)t;
		carry = t >> 32;
	}
	while (d->flo < d->fnw && !d->w[d->flo])
		d->flo++;
	return (uint32_t)carry;
}

static void pf_refill(struct pf_digits *d)
{
	uint32_t v = 0;
	int len = 9;

	if (d->next_limb >= 0) {
		v = d->limb[d->next_limb];
		if (d->next_limb == d->nlimb - 1)
			len = pf_ndigits(v);
		d->next_limb--;
	} else if (d->flo < d->fnw) {
		v = pf_frac_next9(d);
	}
	for (int i = len; i-- > 0; v /= 10)
		d->chunk[i] = (char)('0' + v % 10);
	d->clen = len;
	d->cpos = 0;
}

static char pf_next(struct pf_digits *d)
{
	if (d->cpos == d->clen)
		pf_refill(d);
	return d->chunk[d->cpos++];
}

/* True when every digit still to come is 0. */
static bool pf_exhausted(const struct pf_digits *d)
{
	return d->cpos == d->clen && d->next_limb < 0 && d->flo == d->fnw;
}

static bool pf_rest_nonzero(const struct pf_digits *d)
{
	for (int i = d->cpos; i < d->clen; i++) {
		if (d->chunk[i] != '0')
			return true;
	}
	for (int i = d->next_limb; i >= 0; i--) {
		if (d->limb[i])
			return true;
	}
	return d->flo < d->fnw;
}

static void pf_skip(struct pf_digits *d, long n)
{
	pf_digits_reset(d);
	while (n-- > 0)
		pf_next(d);
}

/* Zeros before the first significant digit of a nonzero value. */
static long pf_lead_zeros(struct pf_digits *d)
{
	long n = 0;

	pf_digits_reset(d);
	if (d->nidig)
		return 0;
	while (pf_next(d) == '0')
		n++;
	return n;
}

/* First pass: rounds (n) digits after (skip), to nearest, ties to even. */
static void pf_scan(struct pf_digits *d, long skip, long n, struct pf_round *r)
{
	long i, last_non9 = -1, last_nonzero = -1;
	char c, prev = '0';

	pf_skip(d, skip);
	for (i = 0; i < n && !pf_exhausted(d); i++) {
		prev = pf_next(d);
		if (prev != '9')
			last_non9 = i;
		if (prev != '0')
			last_nonzero = i;
	}
	r->up = false;
	if (i < n) {
		last_non9 = n - 1;
	} else if (!pf_exhausted(d)) {
		c = pf_next(d);
		r->up = c > '5' ||
			(c == '5' && (pf_rest_nonzero(d) || (prev - '0') % 2));
	}
	r->skip = skip;
	r->n = n;
	r->carry = r->up && last_non9 < 0;
	r->last_non9 = last_non9;
	r->last_nonzero = !r->up ? last_nonzero : r->carry ? 0 : last_non9;
}

/* Second pass: emits rounded digits [*i, *i + count) of (r). */
static void pf_put_digits(struct pf_out *out, struct pf_digits *d,
			  const struct pf_round *r, long *i, long count)
{
	char buf[64];
	size_t len = 0;

	for (; count > 0; count--, (*i)++) {
		char c;

		if ((r->carry && *i > 0) || (!r->carry && pf_exhausted(d) &&
					     (!r->up || *i > r->last_non9)))
			break;
		if (r->carry)
			c = '1';
		else
			c = pf_next(d);
		if (r->up && !r->carry && *i >= r->last_non9)
			c = *i == r->last_non9 ? (char)(c + 1) : '0';
		buf[len++] = c;
		if (len == sizeof(buf)) {
			pf_put(out, buf, len);
			len = 0;
		}
	}
	pf_put(out, buf, len);
	/* Only zeros are left. */
	pf_fill(out, '0', (size_t)count);
	*i += count;
}

static void pf_emit_layout(struct pf_out *out, const struct pf_spec *spec,
			   struct pf_digits *d, const struct pf_round *r,
			   const struct pf_layout *lay)
{
	size_t body = (lay->sign != '\0') +
		      (size_t)(lay->nint ? lay->nint : 1) + lay->point +
		      (size_t)lay->nfrac + lay->nexp;
	size_t pad = spec->width > body ? spec->width - body : 0;
	bool zero = (spec->flags & (PF_ZERO | PF_LEFT)) == PF_ZERO;
	long i = 0;

	if (!pf_reserve(out, body + pad))
		return;
	if (!(spec->flags & PF_LEFT) && !zero)
		pf_fill(out, ' ', pad);
	pf_put(out, &lay->sign, lay->sign != '\0');
	if (zero)
		pf_fill(out, '0', pad);
	pf_skip(d, r->skip);
	if (lay->nint)
		pf_put_digits(out, d, r, &i, lay->nint);
	else
		pf_put(out, "0", 1);
	pf_put(out, ".", lay->point);
	pf_put_digits(out, d, r, &i, lay->nfrac);
	pf_put(out, lay->exp, lay->nexp);
	if (spec->flags & PF_LEFT)
		pf_fill(out, ' ', pad);
}

/* %f, or %g in f style when (trim): (prec) digits after the point. */
static void pf_fixed(struct pf_out *out, const struct pf_spec *spec,
		     struct pf_digits *d, long prec, bool trim, char sign)
{
	struct pf_layout lay = { .sign = sign };
	struct pf_round r;

	pf_scan(d, 0, d->nidig + prec, &r);
	lay.nint = r.n + r.carry - prec;
	lay.nfrac = prec;
	if (trim)
		lay.nfrac = r.last_nonzero >= lay.nint
				    ? r.last_nonzero - lay.nint + 1
				    : 0;
	lay.point = lay.nfrac || (spec->flags & PF_ALT);
	pf_emit_layout(out, spec, d, &r, &lay);
}

/* %e, or %g in e style when (trim), with exponent (x) already known. */
static void pf_expo(struct pf_out *out, const struct pf_spec *spec,
		    struct pf_digits *d, const struct pf_round *r,
		    const struct pf_layout *base, long x)
{
	struct pf_layout lay = *base;
	unsigned long ax = x < 0 ? (unsigned long)-x : (unsigned long)x;
	char digits[8];
	int n = 0;

	lay.nint = 1;
	lay.exp[0] = spec->conv >= 'a' ? 'e' : 'E';
	lay.exp[1] = x < 0 ? '-' : '+';
	do {
		digits[n++] = (char)('0' + ax % 10);
		ax /= 10;
	} while (ax || n < 2);
	lay.nexp = 2;
	while (n)
		lay.exp[lay.nexp++] = digits[--n];
	lay.point = lay.nfrac || (spec->flags & PF_ALT);
	pf_emit_layout(out, spec, d, r, &lay);
}

/* e E f F g G for a finite value, with (w) as digit storage. */
static void pf_decimal(struct pf_out *out, const struct pf_spec *spec,
		       const struct pf_value *v, uint32_t *w)
{
	struct pf_layout lay = { .sign = v->neg ? '-' : pf_plus_sign(spec) };
	char conv = (char)(spec->conv | 0x20);
	long prec = spec->prec < 0 ? 6 : spec->prec, skip = 0, x = 0;
	bool trim = conv == 'g' && !(spec->flags & PF_ALT);
	struct pf_digits d;
	struct pf_round r;

	pf_digits_init(&d, w, v);
	if (conv == 'f') {
		pf_fixed(out, spec, &d, prec, false, lay.sign);
		return;
	}
	if (v->cls != PF_CLS_ZERO)
		skip = pf_lead_zeros(&d);
	if (conv == 'g' && prec == 0)
		prec = 1;
	pf_scan(&d, skip, conv == 'g' ? prec : prec + 1, &r);
	if (v->cls != PF_CLS_ZERO)
		x = d.nidig - 1 - skip + r.carry;
	if (conv == 'g') {
		/* C11 7.21.6.1p8: f style with precision P - 1 - X. */
		if (prec > x && x >= -4) {
			pf_fixed(out, spec, &d, prec - 1 - x, trim, lay.sign);
			return;
		}
		prec--;
	}
	lay.nfrac = prec;
	if (trim)
		lay.nfrac = r.last_nonzero > 0 ? r.last_nonzero : 0;
	pf_expo(out, spec, &d, &r, &lay, x);
}

/* A short field in output order: head (sign, 0x, digits), zeros, tail. */
struct pf_parts {
	char head[24];
	size_t nhead;
	size_t nprefix; /* sign and "0x": zero padding goes after them */
	size_t zeros; /* precision beyond the digits the type has */
	char tail[8];
	size_t ntail;
};

static void pf_hex_emit(struct pf_out *out, const struct pf_spec *spec,
			const struct pf_parts *h, bool zero_ok)
{
	size_t body = h->nhead + h->zeros + h->ntail;
	size_t pad = spec->width > body ? spec->width - body : 0;
	bool zero = zero_ok && (spec->flags & (PF_ZERO | PF_LEFT)) == PF_ZERO;

	if (!pf_reserve(out, body + pad))
		return;
	if (!(spec->flags & PF_LEFT) && !zero)
		pf_fill(out, ' ', pad);
	pf_put(out, h->head, h->nprefix);
	if (zero)
		pf_fill(out, '0', pad);
	pf_put(out, h->head + h->nprefix, h->nhead - h->nprefix);
	pf_fill(out, '0', h->zeros);
	pf_put(out, h->tail, h->ntail);
	if (spec->flags & PF_LEFT)
		pf_fill(out, ' ', pad);
}

/* inf and nan: never zero-padded. */
static void pf_nonfinite(struct pf_out *out, const struct pf_spec *spec,
			 const struct pf_value *v)
{
	bool upper = spec->conv < 'a';
	struct pf_parts h = { .nhead = 0 };
	char sign = v->neg ? '-' : pf_plus_sign(spec);

	if (sign)
		h.head[h.nhead++] = sign;
	memcpy(h.head + h.nhead,
	       v->cls == PF_CLS_INF ? (upper ? "INF" : "inf")
				    : (upper ? "NAN" : "nan"),
	       3);
	h.nhead += 3;
	pf_hex_emit(out, spec, &h, false);
}

/* Rounds the %a digits to (prec) of them, ties to even. */
static void pf_hex_round(struct pf_value *v, int prec)
{
	int drop = 4 * (v->nhex - prec);
	uint64_t rem = v->frac & ((UINT64_C(1) << drop) - 1);
	uint64_t half = UINT64_C(1) << (drop - 1);
	bool odd;

	v->frac >>= drop;
	odd = prec ? v->frac & 1 : v->lead & 1;
	if (rem > half || (rem == half && odd)) {
		v->frac++;
		if (v->frac >> (4 * prec)) {
			v->frac = 0;
			v->lead++;
		}
		/* A long double's lead digit runs 8..f; 0x10 is 0x1p+4. */
		if (v->lead == 16) {
			v->lead = 1;
			v->hexp += 4;
		}
	}
	v->nhex = prec;
}

static void pf_hex_tail(struct pf_parts *h, bool upper, int hexp)
{
	unsigned int ax =
		hexp < 0 ? 0u - (unsigned int)hexp : (unsigned int)hexp;
	char digits[8];
	int n = 0;

	h->tail[h->ntail++] = upper ? 'P' : 'p';
	h->tail[h->ntail++] = hexp < 0 ? '-' : '+';
	do {
		digits[n++] = (char)('0' + ax % 10);
		ax /= 10;
	} while (ax);
	while (n)
		h->tail[h->ntail++] = digits[--n];
}

/* %a %A: [-]0xh.hhhp+d, as glibc: a double leads with 1 (0 if
 * subnormal), a long double with its top four mantissa bits. */
static void pf_hex(struct pf_out *out, const struct pf_spec *spec,
		   struct pf_value *v)
{
	bool upper = spec->conv == 'A';
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	struct pf_parts h = { .nhead = 0 };
	char sign = v->neg ? '-' : pf_plus_sign(spec);
	int prec = spec->prec;

	if (prec < 0) {
		for (prec = v->nhex; prec && !(v->frac & 0xf); prec--)
			v->frac >>= 4;
		v->nhex = prec;
	} else if (prec < v->nhex) {
		pf_hex_round(v, prec);
	}
	h.zeros = (size_t)(prec - v->nhex);
	if (sign)
		h.head[h.nhead++] = sign;
	h.head[h.nhead++] = '0';
	h.head[h.nhead++] = upper ? 'X' : 'x';
	h.nprefix = h.nhead;
	h.head[h.nhead++] = set[v->lead];
	if (prec || (spec->flags & PF_ALT))
		h.head[h.nhead++] = '.';
	for (int i = v->nhex; i-- > 0;)
		h.head[h.nhead++] = set[(v->frac >> (4 * i)) & 0xf];
	pf_hex_tail(&h, upper, v->hexp);
	pf_hex_emit(out, spec, &h, true);
}

/* The digit storage lives in these frames, sized for the type, so a
 * double conversion does not pay a long double's stack. */
static __attribute__((noinline)) void pf_decimal_dbl(struct pf_out *out,
						     const struct pf_spec *spec,
						     const struct pf_value *v)
{
	uint32_t w[PF_WORDS_DBL];

	pf_decimal(out, spec, v, w);
}

static __attribute__((noinline)) void
pf_decimal_ldbl(struct pf_out *out, const struct pf_spec *spec,
		const struct pf_value *v)
{
	uint32_t w[PF_WORDS_LDBL];

	pf_decimal(out, spec, v, w);
}

void pf_float(struct pf_out *out, const struct pf_spec *spec, va_list *ap)
{
	struct pf_value v;

	if (spec->long_double)
		pf_decode_ldbl(va_arg(*ap, long double), &v);
	else
		pf_decode_dbl(va_arg(*ap, double), &v);
	if (v.cls == PF_CLS_INF || v.cls == PF_CLS_NAN)
		pf_nonfinite(out, spec, &v);
	else if ((spec->conv | 0x20) == 'a')
		pf_hex(out, spec, &v);
	else if (spec->long_double)
		pf_decimal_ldbl(out, spec, &v);
	else
		pf_decimal_dbl(out, spec, &v);
}
