/* SPDX-License-Identifier: MIT */
/*
 * atan, atan2, asin and acos (C11 7.12.4.1-7.12.4.4, Annex F.9.1). All
 * go through one long double atan: for |x| > 1 it uses pi/2 - atan(1/x),
 * then halves the angle three times, atan(a) = 2 atan(a / (1 +
 * sqrt(1 + a^2))), so its Taylor series converges fast.
 */
#include "math_impl.h"

/* Terms of the atan series for |a| <= tan(pi/32). */
#define ATAN_TERMS 12
#define ATAN_HALVINGS 3

long double math_atanl(long double x)
{
	long double a = x < 0 ? -x : x, a2, p;
	int inv = a > 1;

	if (a == HUGE_VALL)
		return x < 0 ? -MATH_PIO2 : MATH_PIO2;
	if (inv)
		a = 1 / a;
	for (int i = 0; i < ATAN_HALVINGS; i++)
		a = a / (1 + math_sqrtl(1 + a * a));
	a2 = a * a;
	p = 1.0L / (2 * ATAN_TERMS + 1);
	for (int k = ATAN_TERMS - 1; k >= 0; k--)
		p = 1.0L / (2 * k + 1) - a2 * p;
	a = a * p * (1 << ATAN_HALVINGS);
	if (inv)
		a = (MATH_PIO2 - a) + MATH_PIO2_LO;
	return x < 0 ? -a : a;
}

long double math_atan2l(long double y, long double x)
{
	long double ay = y < 0 ? -y : y, ax = x < 0 ? -x : x, t;

	if (ay == 0)
		t = 0;
	else if (ax == 0)
		t = MATH_PIO2;
	else if (ay == HUGE_VALL && ax == HUGE_VALL)
		t = MATH_PIO2 / 2;
	else
		t = math_atanl(ay / ax);
	if (signbit(x))
		t = (MATH_PI - t) + MATH_PI_LO;
	return signbit(y) ? -t : t;
}

double atan(double x)
{
	if (isnan(x))
		return x + x;
	if (x == 0)
		return x;
	return math_round_range(math_atanl(x));
}

double atan2(double y, double x)
{
	if (isnan(x) || isnan(y))
		return x + y;
	if (y == 0 && !signbit(x))
		return y;
	return math_round_range(math_atan2l(y, x));
}

double asin(double x)
{
	long double a = fabs(x);

	if (isnan(x))
		return x + x;
	if (a > 1)
		return math_err(NAN, EDOM);
	if (x == 0)
		return x;
	/* (1 - a)(1 + a) keeps its precision as a nears 1. */
	a = math_atan2l(a, math_sqrtl((1 - a) * (1 + a)));
	return math_round_range(x < 0 ? -a : a);
}

double acos(double x)
{
	long double a = fabs(x);

	if (isnan(x))
		return x + x;
	if (a > 1)
		return math_err(NAN, EDOM);
	return (double)math_atan2l(math_sqrtl((1 - a) * (1 + a)), x);
}

float atanf(float x)
{
	return math_round_rangef(atan(x));
}

float atan2f(float y, float x)
{
	return math_round_rangef(atan2(y, x));
}

float asinf(float x)
{
	return math_round_rangef(asin(x));
}

float acosf(float x)
{
	return (float)acos(x);
}
