/* SPDX-License-Identifier: MIT */
/*
 * libos/libc/math against glibc's libm. Mosaic's functions are linked as
 * mosaic_<name> (math_rename.h). Each is measured in ulps against glibc's
 * long double function (itself good to ~2^-10 double ulp) on random
 * inputs over the whole exponent range and on hard cases, must stay within
 * 1 ulp, and must match glibc exactly (value class, sign, errno) on special
 * inputs. Exact functions must match glibc bit for bit. Fixed seed.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define D1(f) double mosaic_##f(double);
#define D2(f) double mosaic_##f(double, double);
#define F1(g) float mosaic_##g##f(float);
#define F2(g) float mosaic_##g##f(float, float);
/* clang-format off */
#define LIST1(X)                                                               \
	X(sqrt) X(fabs) X(floor) X(ceil) X(trunc) X(round) X(rint)             \
	X(nearbyint) X(exp) X(exp2) X(expm1) X(log) X(log2) X(log10)           \
	X(log1p) X(sin) X(cos) X(tan) X(asin) X(acos) X(atan) X(sinh)          \
	X(cosh) X(tanh) X(cbrt)
#define LIST2(X)                                                               \
	X(fmod) X(remainder) X(copysign) X(fmin) X(fmax) X(fdim) X(pow)        \
	X(atan2) X(hypot)
/* clang-format on */
LIST1(D1)
LIST2(D2)
LIST1(F1)
LIST2(F2)
double mosaic_fma(double, double, double);
float mosaic_fmaf(float, float, float);
double mosaic_frexp(double, int *);
double mosaic_ldexp(double, int);
double mosaic_scalbn(double, int);
double mosaic_modf(double, double *);
long mosaic_lround(double);
float mosaic_frexpf(float, int *);
float mosaic_ldexpf(float, int);
float mosaic_modff(float, float *);
long mosaic_lroundf(float);

#define SAMPLES 20000

/* xorshift64*, fixed seed: the same inputs on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static double bits_double(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/* A finite double in [lo, hi]: half uniform in value, half uniform in
 * bit pattern (so every exponent in range is hit). */
static double random_in(double lo, double hi)
{
	double d;

	if (rng() & 1) {
		d = lo + (hi - lo) * ((double)(rng() >> 11) * 0x1p-53);
		return d > hi ? hi : d;
	}
	do
		d = bits_double(rng());
	while (!isfinite(d) || d < lo || d > hi);
	return d;
}

/* |got - ref| in ulps of the double nearest ref. */
static double ulps(double got, long double ref)
{
	double r = (double)ref;
	int e;

	if (isnan(r) || isnan(got))
		return isnan(r) && isnan(got) ? 0 : 1e9;
	if (isinf(r) || isinf(got)) {
		if (got == r)
			return 0;
		/* ref just past DBL_MAX may round either way. */
		return fabsl(ref) < 0x1.fffffffffffff8p1023L + 0x1p970L ? 1
									: 1e9;
	}
	frexp(r, &e);
	if (e < -1021)
		e = -1021;
	return (double)(fabsl(got - ref) / ldexpl(1, e - 53));
}

static double ulpsf(float got, long double ref)
{
	float r = (float)ref;
	int e;

	if (isnan(r) || isnan(got))
		return isnan(r) && isnan(got) ? 0 : 1e9;
	if (isinf(r) || isinf(got))
		return got == r ? 0 : 1e9;
	frexpf(r, &e);
	if (e < -125)
		e = -125;
	return (double)(fabsl(got - ref) / ldexpl(1, e - 24));
}

struct fn1 {
	const char *name;
	double (*mine)(double);
	double (*glibc)(double);
	long double (*ref)(long double);
	float (*minef)(float);
	double lo, hi;
};

struct stats {
	double max_mine, max_glibc;
	double worst_x, worst_y;
};

/* Checks one input of a unary function; updates st, returns 0 if bad. */
static int check1(const struct fn1 *f, double x, struct stats *st)
{
	long double ref = f->ref(x);
	double mine = f->mine(x), e = ulps(mine, ref);
	double eg = ulps(f->glibc(x), ref);

	if (eg > st->max_glibc)
		st->max_glibc = eg;
	if (e > st->max_mine) {
		st->max_mine = e;
		st->worst_x = x;
	}
	if (e <= 1.0)
		return 1;
	print_error("%s(%a) = %a, glibc %a, ref %La: %.3f ulp\n", f->name, x,
		    mine, f->glibc(x), ref, e);
	return 0;
}

static int check1f(const struct fn1 *f, float x, struct stats *st)
{
	long double ref = f->ref(x);
	float mine = f->minef(x);
	double e = ulpsf(mine, ref);

	if (e > st->max_mine) {
		st->max_mine = e;
		st->worst_x = x;
	}
	if (e <= 1.0)
		return 1;
	print_error("%sf(%a) = %a, ref %La: %.3f ulp\n", f->name, (double)x,
		    (double)mine, ref, e);
	return 0;
}

#define FN1(g, lo, hi)                                                         \
	{                                                                      \
#g, mosaic_##g, g, g##l, mosaic_##g##f, lo, hi                 \
	}

static const struct fn1 fn1s[] = {
	FN1(sqrt, 0, DBL_MAX),
	FN1(exp, -746, 710),
	FN1(exp2, -1076, 1024),
	FN1(expm1, -50, 710),
	FN1(log, 0, DBL_MAX),
	FN1(log2, 0, DBL_MAX),
	FN1(log10, 0, DBL_MAX),
	FN1(log1p, -1, DBL_MAX),
	FN1(sin, -DBL_MAX, DBL_MAX),
	FN1(cos, -DBL_MAX, DBL_MAX),
	FN1(tan, -DBL_MAX, DBL_MAX),
	FN1(asin, -1, 1),
	FN1(acos, -1, 1),
	FN1(atan, -DBL_MAX, DBL_MAX),
	FN1(sinh, -711, 711),
	FN1(cosh, -711, 711),
	FN1(tanh, -30, 30),
	FN1(cbrt, -DBL_MAX, DBL_MAX),
};

/* Inputs that stress one function: near multiples of pi/2, near 1, ... */
static void hard_inputs(const struct fn1 *f, double *x, int *n)
{
	*n = 0;
	/* The doubles nearest k pi/4 and their neighbours, a famous worst
	 * case of reduction, and huge arguments. */
	for (int k = 1; k < 400; k++) {
		double c = (double)(k * 0.78539816339744830962L);

		x[(*n)++] = c;
		x[(*n)++] = nextafter(c, 0);
		x[(*n)++] = nextafter(c, 10000);
	}
	x[(*n)++] = 6381956970095103.0 * 0x1p797;
	x[(*n)++] = 1e300;
	x[(*n)++] = 1e22;
	x[(*n)++] = 0x1p1023;
	x[(*n)++] = DBL_MAX;
	/* Near 1 and 0 (log, exp, expm1, log1p), near the overflow limits. */
	for (int k = 1; k < 200; k++) {
		x[(*n)++] = 1 + k * DBL_EPSILON;
		x[(*n)++] = 1 - k * DBL_EPSILON / 2;
		x[(*n)++] = k * 0x1p-60;
		x[(*n)++] = -k * 0x1p-30;
		x[(*n)++] = 709.78 + k * 0.0001;
		x[(*n)++] = -745.13 + k * 0.00001;
		x[(*n)++] = 1 - k * 0x1p-45;
		x[(*n)++] = ldexp(1, k - 100);
		x[(*n)++] = 0x1p-1074 * k;
	}
	(void)f;
}

static void test_unary_accuracy(void **state)
{
	static double hard[4096];
	int bad = 0, nh;

	(void)state;
	for (size_t i = 0; i < sizeof(fn1s) / sizeof(fn1s[0]); i++) {
		const struct fn1 *f = &fn1s[i];
		struct stats st = { 0 };

		for (int k = 0; k < SAMPLES; k++)
			bad += !check1(f, random_in(f->lo, f->hi), &st);
		hard_inputs(f, hard, &nh);
		for (int k = 0; k < nh; k++)
			if (hard[k] >= f->lo && hard[k] <= f->hi)
				bad += !check1(f, hard[k], &st);
		print_message("%-6s max %.3f ulp (glibc %.3f) at %a\n", f->name,
			      st.max_mine, st.max_glibc, st.worst_x);
	}
	assert_int_equal(bad, 0);
}

static void test_unary_float_accuracy(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(fn1s) / sizeof(fn1s[0]); i++) {
		const struct fn1 *f = &fn1s[i];
		double lo = fmax(f->lo, -FLT_MAX), hi = fmin(f->hi, FLT_MAX);
		struct stats st = { 0 };

		for (int k = 0; k < SAMPLES; k++)
			bad += !check1f(f, (float)random_in(lo, hi), &st);
		print_message("%-6sf max %.3f ulp at %a\n", f->name,
			      st.max_mine, st.worst_x);
	}
	assert_int_equal(bad, 0);
}

struct fn2 {
	const char *name;
	double (*mine)(double, double);
	double (*glibc)(double, double);
	long double (*ref)(long double, long double);
	float (*minef)(float, float);
};

#define FN2(g)                                                                 \
	{                                                                      \
#g, mosaic_##g, g, g##l, mosaic_##g##f                         \
	}

static const struct fn2 fn2s[] = { FN2(pow), FN2(atan2), FN2(hypot) };

static int check2(const struct fn2 *f, double x, double y, struct stats *st)
{
	long double ref = f->ref(x, y);
	double mine = f->mine(x, y), e = ulps(mine, ref);
	double eg = ulps(f->glibc(x, y), ref);

	if (eg > st->max_glibc)
		st->max_glibc = eg;
	if (e > st->max_mine) {
		st->max_mine = e;
		st->worst_x = x;
		st->worst_y = y;
	}
	if (e <= 1.0)
		return 1;
	print_error("%s(%a, %a) = %a, glibc %a, ref %La: %.3f ulp\n", f->name,
		    x, y, mine, f->glibc(x, y), ref, e);
	return 0;
}

static int check2f(const struct fn2 *f, float x, float y, struct stats *st)
{
	long double ref = f->ref(x, y);
	float mine = f->minef(x, y);
	double e = ulpsf(mine, ref);

	if (e > st->max_mine) {
		st->max_mine = e;
		st->worst_x = x;
		st->worst_y = y;
	}
	if (e <= 1.0)
		return 1;
	print_error("%sf(%a, %a) = %a, ref %La: %.3f ulp\n", f->name, (double)x,
		    (double)y, (double)mine, ref, e);
	return 0;
}

/* pow arguments whose result stays in (or near) double's range. */
static void pow_args(double *x, double *y)
{
	double l;

	do
		*x = random_in(0, DBL_MAX);
	while (*x == 1 || *x == 0);
	l = log2(*x);
	*y = random_in(-1080, 1030) / l;
	if (rng() % 4 == 0) {
		*x = -*x;
		*y = trunc(*y);
	}
}

static void test_binary_accuracy(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(fn2s) / sizeof(fn2s[0]); i++) {
		const struct fn2 *f = &fn2s[i];
		struct stats st = { 0 }, sf = { 0 };
		double x, y;

		for (int k = 0; k < SAMPLES * 2; k++) {
			if (f->mine == mosaic_pow) {
				pow_args(&x, &y);
			} else {
				x = random_in(-DBL_MAX, DBL_MAX);
				y = random_in(-DBL_MAX, DBL_MAX);
			}
			bad += !check2(f, x, y, &st);
			if (f->mine == mosaic_pow && fabs(y) > 300)
				y = copysign(fmod(y, 300), y);
			bad += !check2f(f, (float)x, (float)y, &sf);
		}
		print_message("%-6s max %.3f ulp (glibc %.3f) at %a, %a; "
			      "float %.3f ulp\n",
			      f->name, st.max_mine, st.max_glibc, st.worst_x,
			      st.worst_y, sf.max_mine);
	}
	assert_int_equal(bad, 0);
}

/* pow with integer and half-integer exponents, atan2 in every quadrant. */
static void test_binary_hard(void **state)
{
	struct stats st = { 0 };
	int bad = 0;

	(void)state;
	for (int b = -40; b <= 40; b++) {
		for (int k = -80; k <= 80; k++) {
			double x = b * 1.25 + (b == 0);

			bad += !check2(&fn2s[0], x, k, &st);
			bad += !check2(&fn2s[0], fabs(x), k + 0.5, &st);
			bad += !check2(&fn2s[0], 1 + b * DBL_EPSILON, k * 1e13,
				       &st);
			bad += !check2(&fn2s[1], b, k, &st);
			bad += !check2(&fn2s[1], b * 1e-300, k * 1e300, &st);
		}
	}
	print_message("hard pow/atan2 max %.3f ulp\n", st.max_mine);
	assert_int_equal(bad, 0);
}

static const double specials[] = {
	0.0,	    -0.0,      INFINITY, -INFINITY, NAN,      0x1p-1074,
	-0x1p-1074, DBL_MIN,   -DBL_MIN, DBL_MAX,   -DBL_MAX, 1,
	-1,	    0.5,       -0.5,	 2,	    -2,	      3,
	-3,	    1e300,     -1e300,	 710,	    -746,     1e-310,
	-1e-310,    0x1p-1022, 1.5,	 -1.5,
};

#define NSPECIAL (sizeof(specials) / sizeof(specials[0]))

/* Same class, sign, errno; finite non-zero values within 1 ulp. */
static int same(const char *name, double x, double y, double mine, int emine,
		double lib, int elib)
{
	int ok = emine == elib;

	if (isnan(lib) || isnan(mine) || isinf(lib) || lib == 0)
		ok = ok && (isnan(lib) ? isnan(mine)
				       : mine == lib &&
						 signbit(mine) == signbit(lib));
	else
		ok = ok &&
		     fabs(mine - lib) <=
			     2 * (nextafter(fabs(lib), INFINITY) - fabs(lib));
	if (!ok)
		print_error("%s(%a, %a) = %a errno %d, glibc %a errno %d\n",
			    name, x, y, mine, emine, lib, elib);
	return ok;
}

#define SPECIAL1(f)                                                            \
	do {                                                                   \
		double m_, g_;                                                 \
		double (*volatile gf_)(double) = f;                            \
		int em_, eg_;                                                  \
		errno = 0;                                                     \
		m_ = mosaic_##f(x);                                            \
		em_ = errno;                                                   \
		errno = 0;                                                     \
		g_ = gf_(x);                                                   \
		eg_ = errno;                                                   \
		bad += !same(#f, x, 0, m_, em_, g_, eg_);                      \
	} while (0);

#define SPECIAL2(f)                                                            \
	do {                                                                   \
		double m_, g_;                                                 \
		double (*volatile gf_)(double, double) = f;                    \
		int em_, eg_;                                                  \
		errno = 0;                                                     \
		m_ = mosaic_##f(x, y);                                         \
		em_ = errno;                                                   \
		errno = 0;                                                     \
		g_ = gf_(x, y);                                                \
		eg_ = errno;                                                   \
		bad += !same(#f, x, y, m_, em_, g_, eg_);                      \
	} while (0);

static void test_special_values_and_errno(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t i = 0; i < NSPECIAL; i++) {
		double x = specials[i];

		LIST1(SPECIAL1)
		for (size_t j = 0; j < NSPECIAL; j++) {
			double y = specials[j];

			LIST2(SPECIAL2)
			errno = 0;
			bad += !same("fma", x, y, mosaic_fma(x, y, 1.5), errno,
				     fma(x, y, 1.5), errno);
		}
	}
	assert_int_equal(bad, 0);
}

/* The other arguments of the current exact-function case, for messages. */
static double cur_y, cur_z;

/* Bit-exact functions on random bit patterns (NaN compared as NaN). */
static int exact(const char *name, double x, double mine, double lib)
{
	if ((isnan(mine) && isnan(lib)) ||
	    memcmp(&mine, &lib, sizeof(mine)) == 0)
		return 1;
	print_error("%s(%a, [%a, %a]) = %a, glibc %a\n", name, x, cur_y, cur_z,
		    mine, lib);
	return 0;
}

#define EXACT1(f) bad += !exact(#f, x, mosaic_##f(x), f(x))
#define EXACT2(f) bad += !exact(#f, x, mosaic_##f(x, y), f(x, y))

static double random_any(void)
{
	switch (rng() % 4) {
	case 0:
		return bits_double(rng());
	case 1:
		return (double)(int64_t)(rng() >> (rng() % 64)) / 2;
	case 2:
		return random_in(-1e6, 1e6);
	default:
		return random_in(-DBL_MAX, DBL_MAX);
	}
}

static void test_exact_functions(void **state)
{
	int bad = 0;

	(void)state;
	for (int k = 0; k < SAMPLES * 5; k++) {
		double x = random_any(), y = random_any(), z = random_any();
		cur_y = y;
		cur_z = z;
		double im, ig, fm, fg;
		int em, eg;

		EXACT1(sqrt);
		EXACT1(fabs);
		EXACT1(floor);
		EXACT1(ceil);
		EXACT1(trunc);
		EXACT1(round);
		EXACT1(rint);
		EXACT1(nearbyint);
		EXACT2(fmod);
		EXACT2(remainder);
		EXACT2(copysign);
		EXACT2(fmin);
		EXACT2(fmax);
		EXACT2(fdim);
		bad += !exact("fma", x, mosaic_fma(x, y, -x * y),
			      fma(x, y, -x * y));
		bad += !exact("frexp", x, mosaic_frexp(x, &em), frexp(x, &eg));
		bad += em != eg;
		em = (int)(rng() % 4400) - 2200;
		bad += !exact("ldexp", x, mosaic_ldexp(x, em), ldexp(x, em));
		bad += !exact("scalbn", x, mosaic_scalbn(x, em), scalbn(x, em));
		fm = mosaic_modf(x, &im);
		fg = modf(x, &ig);
		bad += !exact("modf", x, fm, fg) + !exact("modf", x, im, ig);
		if (fabs(x) < 0x1p62)
			bad += mosaic_lround(x) != lround(x);
		bad += !exact("fmaf", x,
			      mosaic_fmaf((float)x, (float)y, (float)z),
			      fmaf((float)x, (float)y, (float)z));
		bad += !exact("remainderf", x,
			      mosaic_remainderf((float)x, (float)y),
			      remainderf((float)x, (float)y));
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_functions),
		cmocka_unit_test(test_special_values_and_errno),
		cmocka_unit_test(test_unary_accuracy),
		cmocka_unit_test(test_unary_float_accuracy),
		cmocka_unit_test(test_binary_accuracy),
		cmocka_unit_test(test_binary_hard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
