/* SPDX-License-Identifier: MIT */
/*
 * sin, cos and tan (C11 7.12.4.5-7.12.4.7). Every |x| > pi/4 is reduced
 * modulo pi/2 the Payne-Hanek way: the 53-bit significand times 192 bits
 * of 2/pi, chosen at x's exponent, gives the quadrant and a fraction good
 * to about 2^-130, so even 1e300 or the doubles closest to a multiple of
 * pi/2 reduce correctly. The kernels are Taylor sums in long double.
 */
#include "math_impl.h"

/* Terms of the sine and cosine series for |r| <= pi/4. */
#define SIN_TERMS 10
#define COS_TERMS 11

/* 2/pi in binary, most significant bit first: 2/pi = 0.1010 0010 ... */
static const uint64_t two_over_pi[] = {
	0xa2f9836e4e441529ULL, 0xfc2757d1f534ddc0ULL, 0xdb6295993c439041ULL,
	0xfe5163abdebbc561ULL, 0xb7246e3a424dd2e0ULL, 0x06492eea09d1921cULL,
	0xfe1deb1cb129a73eULL, 0xe88235f52ebb4484ULL, 0xe99c7026b45f7e41ULL,
	0x3991d639835339f4ULL, 0x9c845f8bbdf9283bULL, 0x1ff897ffde05980fULL,
	0xef2f118b5a0a6d1fULL, 0x6d367ecf27cb09b7ULL, 0x4f463f669e5fea2dULL,
	0x7527bac7ebe5f17bULL, 0x3d0739f78a5292eaULL, 0x6bfb5fb11f8d5d08ULL,
	0x56033046fc7b6babULL, 0xf0cfbc209af4361dULL, 0xa9e391615ee61b08ULL,
	0x6599855f14a06840ULL,
};

/* Bits pos + 1 .. pos + 64 after the binary point of 2/pi (bits at or
 * before the point are 0); pos >= -64 and pos + 128 < 22 * 64. */
static uint64_t two_over_pi_bits(int pos)
{
	unsigned int w, s;

	if (pos < 0)
		return two_over_pi[0] >> -pos;
	w = (unsigned int)pos / 64;
	s = (unsigned int)pos % 64;
	if (s == 0)
		return two_over_pi[w];
	return two_over_pi[w] << s | two_over_pi[w + 1] >> (64 - s);
}

/*
 * |x| = r + q pi/2 with |r| <= pi/4 (about), for finite |x| > pi/4; returns
 * r and stores q mod 4. With |x| = m 2^e, only the bits of 2/pi from
 * 2^(1-e) on matter mod 4: the earlier ones give multiples of 4.
 */
static long double reduce(double x, unsigned int *q)
{
	uint64_t u = math_bits(x), m, c0, c1, c2, r0, r1, r2, t;
	unsigned __int128 t1, t2, f;
	int e = (int)((u >> 52) & 0x7ff) - 1075, neg = 0;
	long double fl;

	m = (u & ((1ULL << 52) - 1)) | (1ULL << 52);
	c0 = two_over_pi_bits(e - 2);
	c1 = two_over_pi_bits(e + 62);
	c2 = two_over_pi_bits(e + 126);
	/* m (c0 2^128 + c1 2^64 + c2) mod 2^192, in units of 2^-190. */
	t2 = (unsigned __int128)m * c2;
	t1 = (unsigned __int128)m * c1;
	r0 = (uint64_t)t2;
	r1 = (uint64_t)(t2 >> 64) + (uint64_t)t1;
	t = r1 < (uint64_t)t1;
	r2 = (uint64_t)(t1 >> 64) + m * c0 + t;
	*q = (unsigned int)(r2 >> 62);
	f = (unsigned __int128)(r2 << 2 | r1 >> 62) << 64 |
	    (r1 << 2 | r0 >> 62);
	if (f >> 127) {
		/* Fraction >= 1/2: take f - 1 and the next quadrant. */
		f = -f;
		neg = 1;
		*q = (*q + 1) & 3;
	}
	fl = (long double)(uint64_t)(f >> 64) * 0x1p-64L +
	     (long double)(uint64_t)f * 0x1p-128L;
	fl *= MATH_PIO2;
	return neg ? -fl : fl;
}

static long double sin_kernel(long double r)
{
	long double r2 = r * r, p = 1;

	for (int k = SIN_TERMS; k >= 1; k--)
		p = 1 - p * r2 / ((2 * k) * (2 * k + 1));
	return r * p;
}

static long double cos_kernel(long double r)
{
	long double r2 = r * r, p = 1;

	for (int k = COS_TERMS; k >= 1; k--)
		p = 1 - p * r2 / ((2 * k - 1) * (2 * k));
	return p;
}

/* Reduces |x|: returns r and the quadrant; x finite. */
static long double reduce_abs(double x, unsigned int *q)
{
	double a = fabs(x);

	*q = 0;
	if (a <= 0.78539816339744830962)
		return a;
	return reduce(a, q);
}

double sin(double x)
{
	unsigned int q;
	long double r, s;

	if (isnan(x))
		return x + x;
	if (isinf(x))
		return math_err(NAN, EDOM);
	if (x == 0)
		return x;
	r = reduce_abs(x, &q);
	s = (q & 1) ? cos_kernel(r) : sin_kernel(r);
	if (q & 2)
		s = -s;
	return (double)(signbit(x) ? -s : s);
}

double cos(double x)
{
	unsigned int q;
	long double r, c;

	if (isnan(x))
		return x + x;
	if (isinf(x))
		return math_err(NAN, EDOM);
	r = reduce_abs(x, &q);
	c = (q & 1) ? sin_kernel(r) : cos_kernel(r);
	if (q == 1 || q == 2)
		c = -c;
	return (double)c;
}

double tan(double x)
{
	unsigned int q;
	long double r, t;

	if (isnan(x))
		return x + x;
	if (isinf(x))
		return math_err(NAN, EDOM);
	if (x == 0)
		return x;
	r = reduce_abs(x, &q);
	if (q & 1)
		t = -cos_kernel(r) / sin_kernel(r);
	else
		t = sin_kernel(r) / cos_kernel(r);
	return (double)(signbit(x) ? -t : t);
}

float sinf(float x)
{
	return (float)sin(x);
}

float cosf(float x)
{
	return (float)cos(x);
}

float tanf(float x)
{
	return (float)tan(x);
}
