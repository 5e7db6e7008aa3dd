/* SPDX-License-Identifier: MIT */
/*
 * exp, exp2, expm1, log, log2, log10, log1p and pow (C11 7.12.6, 7.12.7.4,
 * Annex F.9.3 and F.9.4.4). The kernels work in long double: exp reduces
 * by n ln 2 (Cody-Waite, ln 2 in two parts) and sums its Taylor series;
 * log uses log(m) = 2 atanh(f / (2 + f)) with the quotient carried as a
 * double-word, so pow gets log(x) to about 2^-70 and stays within 1 ulp.
 */
#include "math_impl.h"

/* Highest degree of the exp and expm1 Taylor sums, |r| <= 0.35. */
#define EXP_DEGREE 19
/* Terms of the atanh series, s^2 <= 0.0295. */
#define LOG_TERMS 14

void math_mul2l(long double a, long double b, long double *hi, long double *lo)
{
	const long double split = 0x1p32L + 1;
	long double c, ah, al, bh, bl;

	c = a * split;
	ah = c - (c - a);
	al = a - ah;
	c = b * split;
	bh = c - (c - b);
	bl = b - bh;
	*hi = a * b;
	*lo = ((ah * bh - *hi) + ah * bl + al * bh) + al * bl;
}

/* exp(r) - 1 for |r| <= 0.35: r (1 + r/2 (1 + r/3 (...))). */
static long double expm1_taylor(long double r)
{
	long double p = 1;

	for (int k = EXP_DEGREE; k >= 2; k--)
		p = 1 + p * r / k;
	return r * p;
}

long double math_expl2(long double hi, long double lo)
{
	long double t, r;
	int n;

	if (hi > 11000)
		return 0x1p15000L;
	if (hi < -11000)
		return 0x1p-15000L;
	t = hi * MATH_LOG2E;
	n = (int)(t < 0 ? t - 0.5L : t + 0.5L);
	/* hi - n LN2_HI is exact: n LN2_HI has at most 55 bits, and it is
	 * within a factor 2 of hi when n != 0. */
	r = (hi - n * MATH_LN2_HI) - n * MATH_LN2_LO + lo;
	return (1 + expm1_taylor(r)) * math_pow2l(n);
}

long double math_expm1l(long double x)
{
	if (x > -0.35L && x < 0.35L)
		return expm1_taylor(x);
	return math_expl2(x, 0) - 1;
}

/*
 * log(1 + f) for -0.3 <= f <= 0.42, plus k ln 2, as hi + *lo. With
 * d = 2 + f (a double-word) and s = f / d (also one), log(1 + f) =
 * 2 s + s^3 (2/3 + 2/5 s^2 + ...); only 2 s needs the extra word.
 */
static long double log_core(int k, long double f, long double *lo)
{
	long double d, dl, s, sl, ph, pl, s2, p, a, h;

	d = 2 + f;
	dl = (2 - d) + f;
	s = f / d;
	math_mul2l(s, d, &ph, &pl);
	sl = (((f - ph) - pl) - s * dl) / d;
	s2 = s * s;
	p = 0;
	for (int j = LOG_TERMS; j >= 1; j--)
		p = p * s2 + 2.0L / (2 * j + 1);
	a = k * MATH_LN2_HI;
	h = a + 2 * s;
	*lo = ((a - h) + 2 * s) + (k * MATH_LN2_LO + 2 * sl + s * s2 * p);
	d = h + *lo;
	*lo -= d - h;
	return d;
}

long double math_logl2(long double x, long double *lo)
{
	union {
		long double f;
		struct {
			uint64_t m;
			uint16_t se;
		} p;
	} u = { .f = x };
	int k;

	/* x > 0, so se is the biased exponent; make m in [1, 2). */
	k = u.p.se - 16383;
	u.p.se = 16383;
	if (u.f > 1.4142135623730950488L) {
		u.f *= 0.5L;
		k++;
	}
	return log_core(k, u.f - 1, lo);
}

long double math_log1pl(long double x)
{
	long double u, c, hi, lo;

	if (x > -0.29L && x < 0.41L) {
		hi = log_core(0, x, &lo);
		return hi + lo;
	}
	u = 1 + x;
	c = (x - (u - 1)) / u;
	hi = math_logl2(u, &lo);
	return hi + (lo + c);
}

double exp(double x)
{
	if (isnan(x))
		return x + x;
	if (isinf(x))
		return x > 0 ? x : 0;
	return math_round_range(math_expl2(x, 0));
}

double exp2(double x)
{
	double n;

	if (isnan(x))
		return x + x;
	if (isinf(x))
		return x > 0 ? x : 0;
	if (x > 16000)
		x = 16000;
	if (x < -16000)
		x = -16000;
	n = rint(x);
	/* x - n is exact; 2^(x - n) = exp((x - n) ln 2). */
	return math_round_range(math_expl2((x - n) * MATH_LN2, 0) *
				math_pow2l((int)n));
}

double expm1(double x)
{
	if (isnan(x))
		return x + x;
	if (isinf(x))
		return x > 0 ? x : -1;
	if (x == 0)
		return x;
	return math_round_range(math_expm1l(x));
}

/* The shared domain checks of the log family: 1 when *r is the answer. */
static int log_special(double x, double *r)
{
	if (isnan(x)) {
		*r = x + x;
		return 1;
	}
	if (x == 0) {
		*r = math_err(-HUGE_VAL, ERANGE);
		return 1;
	}
	if (x < 0) {
		*r = math_err(NAN, EDOM);
		return 1;
	}
	if (isinf(x)) {
		*r = x;
		return 1;
	}
	return 0;
}

double log(double x)
{
	long double hi, lo;
	double r;

	if (log_special(x, &r))
		return r;
	hi = math_logl2(x, &lo);
	return (double)(hi + lo);
}

double log2(double x)
{
	long double hi, lo;
	double r;

	if (log_special(x, &r))
		return r;
	hi = math_logl2(x, &lo);
	return (double)((hi + lo) * MATH_LOG2E);
}

double log10(double x)
{
	long double hi, lo;
	double r;

	if (log_special(x, &r))
		return r;
	hi = math_logl2(x, &lo);
	return (double)((hi + lo) * MATH_LOG10E);
}

double log1p(double x)
{
	if (isnan(x))
		return x + x;
	if (x == -1)
		return math_err(-HUGE_VAL, ERANGE);
	if (x < -1)
		return math_err(NAN, EDOM);
	if (isinf(x) || x == 0)
		return x;
	return math_round_range(math_log1pl(x));
}

int math_is_int(double y, int *odd)
{
	double a = fabs(y);

	*odd = 0;
	if (a >= 0x1p53)
		return 1;
	if (a != trunc(a))
		return 0;
	*odd = ((uint64_t)a & 1) != 0;
	return 1;
}

/* pow for x = ±0 or ±inf, or y = ±inf (F.9.4.4). */
static double pow_special(double x, double y, int odd)
{
	double ax = fabs(x);

	if (isinf(y)) {
		if (ax == 1)
			return 1;
		if ((ax < 1) == (y < 0))
			return HUGE_VAL;
		return 0;
	}
	if (x == 0) {
		if (y < 0)
			return math_err(odd ? copysign(HUGE_VAL, x) : HUGE_VAL,
					ERANGE);
		return odd ? x : 0;
	}
	/* x is ±inf. */
	if (y < 0)
		return odd ? copysign(0, x) : 0;
	return odd ? x : HUGE_VAL;
}

double pow(double x, double y)
{
	long double lh, ll, zh, zl, r;
	int odd = 0, is_int;

	if (y == 0 || x == 1)
		return 1;
	if (isnan(x) || isnan(y))
		return x + y;
	is_int = math_is_int(y, &odd);
	if (x == 0 || isinf(x) || isinf(y))
		return pow_special(x, y, odd);
	if (x < 0 && !is_int)
		return math_err(NAN, EDOM);
	lh = math_logl2(fabs(x), &ll);
	math_mul2l(y, lh, &zh, &zl);
	r = math_expl2(zh, zl + y * ll);
	return math_round_range(x < 0 && odd ? -r : r);
}

float expf(float x)
{
	return math_round_rangef(exp(x));
}

float exp2f(float x)
{
	return math_round_rangef(exp2(x));
}

float expm1f(float x)
{
	return math_round_rangef(expm1(x));
}

float logf(float x)
{
	return (float)log(x);
}

float log2f(float x)
{
	return (float)log2(x);
}

float log10f(float x)
{
	return (float)log10(x);
}

float log1pf(float x)
{
	return math_round_rangef(log1p(x));
}

float powf(float x, float y)
{
	return math_round_rangef(pow(x, y));
}
