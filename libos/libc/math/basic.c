/* SPDX-License-Identifier: MIT */
/*
 * The exact functions of <math.h> (C11 7.12.7.5, 7.12.9 to 7.12.13):
 * rounding to integers by clearing fraction bits (x86-64 v1 has no
 * roundsd), fmod and remainder by integer long division, fma with a
 * 128-bit significand, and sqrt with sqrtsd. Float variants go through
 * double, where each of these is exact.
 */
#include "math_impl.h"

#include <float.h>
#include <limits.h>

#define MANT_BITS 52
#define MANT_MASK ((1ULL << MANT_BITS) - 1)
#define SIGN_BIT (1ULL << 63)

double math_round_range(long double r)
{
	double d = (double)r;

	if ((isinf(d) && !isinf(r)) || (d == 0 && r != 0))
		errno = ERANGE;
	return d;
}

float math_round_rangef(double r)
{
	float f = (float)r;

	if ((isinf(f) && !isinf(r)) || (f == 0 && r != 0))
		errno = ERANGE;
	return f;
}

long double math_sqrtl(long double x)
{
	__asm__("fsqrt" : "+t"(x));
	return x;
}

double sqrt(double x)
{
	if (x < 0)
		return math_err(NAN, EDOM);
	__asm__("sqrtsd %1, %0" : "=x"(x) : "x"(x));
	return x;
}

double fabs(double x)
{
	return math_from_bits(math_bits(x) & ~SIGN_BIT);
}

double copysign(double x, double y)
{
	return math_from_bits((math_bits(x) & ~SIGN_BIT) |
			      (math_bits(y) & SIGN_BIT));
}

double trunc(double x)
{
	uint64_t u = math_bits(x);
	int e = (int)((u >> MANT_BITS) & 0x7ff) - 1023;

	if (e == 1024)
		return x + x; /* inf, or NaN (quieted) */
	if (e >= MANT_BITS)
		return x;
	if (e < 0)
		return math_from_bits(u & SIGN_BIT);
	return math_from_bits(u & ~(MANT_MASK >> e));
}

double floor(double x)
{
	double t = trunc(x);

	return t > x ? t - 1 : t;
}

double ceil(double x)
{
	double t = trunc(x);

	return t < x ? t + 1 : t;
}

double round(double x)
{
	double t = trunc(x);

	/* x - t, the fraction, is exact. */
	if (fabs(x - t) >= 0.5)
		t += copysign(1, x);
	return t;
}

long lround(double x)
{
	double r = round(x);

	if (!(r >= -0x1p63 && r < 0x1p63))
		return LONG_MIN;
	return (long)r;
}

double rint(double x)
{
	double a = fabs(x);

	if (isnan(x) || isinf(x))
		return x + x;
	if (!(a < 0x1p52))
		return x;
	/* Adding 2^52 leaves no fraction bits: the FPU rounds to nearest. */
	a = (a + 0x1p52) - 0x1p52;
	return copysign(a, x);
}

double nearbyint(double x)
{
	return rint(x);
}

double modf(double x, double *iptr)
{
	double t = trunc(x);

	*iptr = t;
	if (isinf(x))
		return copysign(0, x);
	return copysign(x - t, x);
}

double frexp(double x, int *e)
{
	uint64_t u = math_bits(x);
	int be = (int)((u >> MANT_BITS) & 0x7ff);

	*e = 0;
	if (x == 0 || isinf(x) || isnan(x))
		return x + x;
	if (be == 0) {
		u = math_bits(x * 0x1p64);
		be = (int)((u >> MANT_BITS) & 0x7ff) - 64;
	}
	*e = be - 1022;
	return math_from_bits((u & ~(0x7ffULL << MANT_BITS)) |
			      (1022ULL << MANT_BITS));
}

double scalbn(double x, int n)
{
	double r;

	if (x == 0 || isinf(x) || isnan(x))
		return x + x;
	if (n > 3000)
		n = 3000;
	if (n < -3000)
		n = -3000;
	/* Exact in long double, then one rounding. */
	r = (double)(x * math_pow2l(n));
	if (isinf(r) || r == 0)
		errno = ERANGE;
	return r;
}

double ldexp(double x, int n)
{
	return scalbn(x, n);
}

/* Whether x is a signaling NaN (quiet bit clear). */
static int is_snan(double x)
{
	return isnan(x) && !(math_bits(x) & (1ULL << 51));
}

/* As glibc: a signaling NaN gives NaN, and of equal arguments (±0) the
 * second is returned. */
double fmin(double x, double y)
{
	if (is_snan(x) || is_snan(y))
		return x + y;
	if (isnan(x))
		return y;
	if (isnan(y))
		return x;
	return x < y ? x : y;
}

double fmax(double x, double y)
{
	if (is_snan(x) || is_snan(y))
		return x + y;
	if (isnan(x))
		return y;
	if (isnan(y))
		return x;
	return x > y ? x : y;
}

double fdim(double x, double y)
{
	double r;

	if (isnan(x) || isnan(y))
		return x + y;
	if (!(x > y))
		return 0;
	r = x - y;
	if (isinf(r) && !isinf(x) && !isinf(y))
		errno = ERANGE;
	return r;
}

/* |x| = *m * 2^*e with *m in [2^52, 2^53); x finite, non-zero. */
static void unpack(double x, uint64_t *m, int *e)
{
	uint64_t u = math_bits(x) & ~SIGN_BIT;

	*e = (int)(u >> MANT_BITS) - 1075;
	*m = u & MANT_MASK;
	if (u >> MANT_BITS) {
		*m |= 1ULL << MANT_BITS;
		return;
	}
	(*e)++;
	while (!(*m >> MANT_BITS)) {
		*m <<= 1;
		(*e)--;
	}
}

/* m * 2^e, exactly representable (m < 2^54), with the sign of s. */
static double pack(uint64_t m, int e, double s)
{
	return copysign((double)((long double)m * math_pow2l(e)), s);
}

/* |x| mod |y| with the sign of x; both finite, y non-zero. */
static double fmod_core(double x, double y)
{
	uint64_t mx, my;
	int ex, ey;

	if (fabs(x) < fabs(y) || x == 0)
		return x;
	unpack(x, &mx, &ex);
	unpack(y, &my, &ey);
	for (; ex > ey; ex--) {
		if (mx >= my)
			mx -= my;
		mx <<= 1;
	}
	if (mx >= my)
		mx -= my;
	return pack(mx, ey, x);
}

double fmod(double x, double y)
{
	if (isnan(x) || isnan(y))
		return x + y;
	if (isinf(x) || y == 0)
		return math_err(NAN, EDOM);
	if (isinf(y))
		return x;
	return fmod_core(x, y);
}

double remainder(double x, double y)
{
	double ay = fabs(y), r = fabs(x);
	int odd = 0;

	if (isnan(x) || isnan(y))
		return x + y;
	if (isinf(x) || y == 0)
		return math_err(NAN, EDOM);
	if (isinf(y))
		return x;
	if (ay <= DBL_MAX / 2)
		r = fmod_core(r, 2 * ay);
	if (r >= ay) {
		r -= ay;
		odd = 1;
	}
	/* ay - r is exact when it matters (r >= ay / 2, Sterbenz). */
	if (r > ay - r || (r == ay - r && odd))
		r -= ay;
	return signbit(x) ? -r : r;
}

/* Shifts m right by n, folding the lost bits into bit 0 (sticky). */
static unsigned __int128 shift_sticky(unsigned __int128 m, int n)
{
	if (n <= 0)
		return m;
	if (n >= 128)
		return m != 0;
	return (m >> n) | ((m & (((unsigned __int128)1 << n) - 1)) != 0);
}

/* Rounds m * 2^e (m != 0) to a double, nearest even, sign of s. */
static double round_wide(unsigned __int128 m, int e, double s)
{
	int top = 127, sh;
	unsigned __int128 rest, half;
	uint64_t q;

	while (!(m >> top))
		top--;
	/* Keep 53 bits, fewer when the result is subnormal. */
	sh = top - MANT_BITS;
	if (e + top < -1022)
		sh += -1022 - (e + top);
	if (sh <= 0)
		return pack((uint64_t)m, e, s);
	if (sh > 120) {
		m = shift_sticky(m, sh - 120);
		e += sh - 120;
		sh = 120;
	}
	q = (uint64_t)(m >> sh);
	rest = m & (((unsigned __int128)1 << sh) - 1);
	half = (unsigned __int128)1 << (sh - 1);
	if (rest > half || (rest == half && (q & 1)))
		q++;
	return pack(q, e + sh, s);
}

double fma(double x, double y, double z)
{
	uint64_t mx, my, mz;
	int ex, ey, ez, ep, d;
	unsigned __int128 p, w;
	int neg;

	if (!isfinite(x) || !isfinite(y))
		return x * y + z;
	if (!isfinite(z))
		return z + z; /* x * y is finite: z, quieted if NaN */
	if (x == 0 || y == 0)
		return x * y + z;
	if (z == 0)
		return x * y; /* one rounding; the sign of the exact product */
	unpack(x, &mx, &ex);
	unpack(y, &my, &ey);
	unpack(z, &mz, &ez);
	/* p * 2^ep and w * 2^ez with both top bits at 125, so the larger
	 * exponent (or, if equal, significand) is the larger magnitude. */
	p = (unsigned __int128)mx * my << 20;
	ep = ex + ey - 20;
	if (!(p >> 125)) {
		p <<= 1;
		ep--;
	}
	w = (unsigned __int128)mz << 73;
	ez -= 73;
	neg = signbit(x) != signbit(y);
	if (ez > ep || (ez == ep && w > p)) {
		unsigned __int128 t = p;

		p = w;
		w = t;
		d = ep;
		ep = ez;
		ez = d;
		neg = signbit(z);
	}
	/* Now |p| >= |w|; the sign of the result is that of p. */
	w = shift_sticky(w, ep - ez);
	if ((signbit(x) != signbit(y)) != (signbit(z) != 0))
		p -= w;
	else
		p += w;
	if (p == 0)
		return x * y + z;
	return round_wide(p, ep, neg ? -1.0 : 1.0);
}

float sqrtf(float x)
{
	return (float)sqrt(x);
}

float fabsf(float x)
{
	return (float)fabs(x);
}

float copysignf(float x, float y)
{
	return (float)copysign(x, y);
}

float truncf(float x)
{
	return (float)trunc(x);
}

float floorf(float x)
{
	return (float)floor(x);
}

float ceilf(float x)
{
	return (float)ceil(x);
}

float roundf(float x)
{
	return (float)round(x);
}

long lroundf(float x)
{
	return lround(x);
}

float rintf(float x)
{
	return (float)rint(x);
}

float nearbyintf(float x)
{
	return (float)nearbyint(x);
}

float modff(float x, float *iptr)
{
	double i, f = modf(x, &i);

	*iptr = (float)i;
	return (float)f;
}

float frexpf(float x, int *e)
{
	return (float)frexp(x, e);
}

float scalbnf(float x, int n)
{
	double r;

	if (x == 0 || isinf(x) || isnan(x))
		return x + x;
	if (n > 400)
		n = 400;
	if (n < -400)
		n = -400;
	/* Exact in double; math_round_rangef rounds once. */
	r = scalbn(x, n);
	return math_round_rangef(r);
}

float ldexpf(float x, int n)
{
	return scalbnf(x, n);
}

float fminf(float x, float y)
{
	return (float)fmin(x, y);
}

float fmaxf(float x, float y)
{
	return (float)fmax(x, y);
}

float fdimf(float x, float y)
{
	return math_round_rangef(fdim(x, y));
}

float fmodf(float x, float y)
{
	return (float)fmod(x, y);
}

float remainderf(float x, float y)
{
	return (float)remainder(x, y);
}

/* x * y is exact in double; the sum is rounded to odd in double, which
 * then rounds correctly to float (53 >= 2 * 24 + 2). */
float fmaf(float x, float y, float z)
{
	double p = (double)x * y, s = p + z, e;
	uint64_t u;

	if (!isfinite(s) || z == 0 || p == 0)
		return (float)s;
	e = (s - p) - z; /* s - (p + z), exact (Fast2Sum) when |p| >= |z| */
	if (fabs(p) < fabs(z))
		e = (s - z) - p;
	u = math_bits(s);
	if (e != 0 && !(u & 1))
		u += ((e > 0) == (s > 0)) ? (uint64_t)-1 : 1;
	return (float)math_from_bits(u);
}
