/* SPDX-License-Identifier: MIT */
/*
 * Shared by the files of libos/libc/math: bit access to doubles, errno
 * helpers and the long double (x87, 64-bit significand) kernels that the
 * double functions evaluate in, so that rounding the kernel's result to
 * double is within about 0.5 ulp.
 */
#ifndef LIBOS_LIBC_MATH_IMPL_H
#define LIBOS_LIBC_MATH_IMPL_H

#include <errno.h>
#include <math.h>
#include <stdint.h>

/* ln 2 = LN2_HI + LN2_LO; LN2_HI has 40 bits so n * LN2_HI is exact. */
#define MATH_LN2_HI 0x1.62e42fefa4p-1L
#define MATH_LN2_LO -0x1.8432a1b0e2633fe0p-43L
#define MATH_LN2 0x1.62e42fefa39ef358p-1L
#define MATH_PIO2 0x1.921fb54442d1846ap+0L
#define MATH_PIO2_LO -0x1.d9cceba3f91f1976p-66L
#define MATH_PI 0x1.921fb54442d1846ap+1L
#define MATH_PI_LO -0x1.d9cceba3f91f1976p-65L
#define MATH_LOG2E 0x1.71547652b82fe178p+0L
#define MATH_LOG10E 0x1.bcb7b1526e50e32ap-2L
#define MATH_LOG10_2 0x1.34413509f79fef32p-2L

static inline uint64_t math_bits(double x)
{
	uint64_t u;

	__builtin_memcpy(&u, &x, sizeof(u));
	return u;
}

static inline double math_from_bits(uint64_t u)
{
	double x;

	__builtin_memcpy(&x, &u, sizeof(x));
	return x;
}

/* Sets errno to e and returns r, for `return math_err(r, EDOM);`. */
static inline double math_err(double r, int e)
{
	errno = e;
	return r;
}

/* The long double 2^n, for -16382 <= n <= 16383. */
static inline long double math_pow2l(int n)
{
	union {
		long double f;
		struct {
			uint64_t m;
			uint16_t se;
		} p;
	} u = { 0 };

	u.p.m = 1ULL << 63;
	u.p.se = (uint16_t)(n + 16383);
	return u.f;
}

/* a * b = *hi + *lo exactly (Dekker's product, long double). */
void math_mul2l(long double a, long double b, long double *hi, long double *lo);
/* Whether y is an integer, and if so whether it is odd. */
int math_is_int(double y, int *odd);

/* Rounds a long double result to double; ERANGE when that overflows to
 * infinity or underflows to a subnormal or zero while r is not zero. */
double math_round_range(long double r);
/* The same for float results. */
float math_round_rangef(double r);

/* Correctly rounded long double square root (x87 fsqrt); x >= 0. */
long double math_sqrtl(long double x);
/* exp(hi + lo) for |lo| <= 2^-60 |hi|; hi may be any finite value (the
 * result saturates to 0 or a huge value far outside double's range). */
long double math_expl2(long double hi, long double lo);
/* exp(x) - 1 with small relative error for every x. */
long double math_expm1l(long double x);
/* log(x) for finite x > 0 as hi + *lo, relative error about 2^-70. */
long double math_logl2(long double x, long double *lo);
/* log(1 + x) for x > -1, x finite. */
long double math_log1pl(long double x);
/* atan(x) for any x (±inf gives ±pi/2). */
long double math_atanl(long double x);
/* atan2(y, x) for finite or infinite, non-NaN y, x; signs as Annex F. */
long double math_atan2l(long double y, long double x);

#endif /* LIBOS_LIBC_MATH_IMPL_H */
