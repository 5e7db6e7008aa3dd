/* SPDX-License-Identifier: MIT */
/*
 * sinh, cosh, tanh (C11 7.12.5.4-7.12.5.6), hypot and cbrt (7.12.7.1,
 * 7.12.7.3), evaluated in long double, whose exponent range leaves no
 * intermediate overflow: sinh and tanh from expm1 so small arguments keep
 * their precision, cbrt by Newton's iteration.
 */
#include "math_impl.h"

/* Newton steps for cbrt from a guess within 10%. */
#define CBRT_STEPS 6

double sinh(double x)
{
	long double e;

	if (isnan(x) || isinf(x) || x == 0)
		return x + x;
	/* sinh a = (E + E / (E + 1)) / 2 with E = e^a - 1. */
	e = math_expm1l(fabs(x));
	e = (e + e / (e + 1)) / 2;
	return math_round_range(x < 0 ? -e : e);
}

double cosh(double x)
{
	long double e;

	if (isnan(x))
		return x + x;
	if (isinf(x))
		return fabs(x);
	e = math_expl2(fabs(x), 0);
	return math_round_range((e + 1 / e) / 2);
}

double tanh(double x)
{
	long double e;

	if (isnan(x) || x == 0)
		return x + x;
	if (fabs(x) > 23)
		return copysign(1, x);
	/* tanh a = E / (E + 2) with E = e^(2a) - 1. */
	e = math_expm1l(2 * (long double)fabs(x));
	e = e / (e + 2);
	return math_round_range(x < 0 ? -e : e);
}

double hypot(double x, double y)
{
	long double lx = x, ly = y;

	if (isinf(x) || isinf(y))
		return HUGE_VAL;
	if (isnan(x) || isnan(y))
		return x + y;
	return math_round_range(math_sqrtl(lx * lx + ly * ly));
}

double cbrt(double x)
{
	union {
		long double f;
		struct {
			uint64_t m;
			uint16_t se;
		} p;
	} u = { .f = fabs(x) };
	long double y;
	int k, k3;

	if (isnan(x) || isinf(x) || x == 0)
		return x + x;
	/* a = m 2^(3 k3) with m in [1, 8); cbrt(m) is near 1 + (m - 1) / 7. */
	k = u.p.se - 16383;
	k3 = (k >= 0 ? k : k - 2) / 3;
	u.p.se = (uint16_t)(16383 + k - 3 * k3);
	y = 1 + (u.f - 1) / 7;
	for (int i = 0; i < CBRT_STEPS; i++)
		y = (2 * y + u.f / (y * y)) / 3;
	y *= math_pow2l(k3);
	return (double)(x < 0 ? -y : y);
}

float sinhf(float x)
{
	return math_round_rangef(sinh(x));
}

float coshf(float x)
{
	return math_round_rangef(cosh(x));
}

float tanhf(float x)
{
	return math_round_rangef(tanh(x));
}

float hypotf(float x, float y)
{
	return math_round_rangef(hypot(x, y));
}

float cbrtf(float x)
{
	return (float)cbrt(x);
}
