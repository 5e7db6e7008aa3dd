/* SPDX-License-Identifier: MIT */
/*
 * <math.h> (C11 7.12, Annex F): the functions programs actually use, in
 * double and float. Results are within 1 ulp of the correctly rounded
 * value (exact for sqrt, fabs, floor, fmod and the other exact functions);
 * domain and range errors set errno as glibc does (math_errhandling is
 * MATH_ERRNO; there is no <fenv.h>, so no floating-point exception flags
 * are promised). Only round-to-nearest is supported.
 */
#ifndef MOSAIC_MATH_H
#define MOSAIC_MATH_H

typedef float float_t;
typedef double double_t;

#define HUGE_VAL (__builtin_huge_val())
#define HUGE_VALF (__builtin_huge_valf())
#define HUGE_VALL (__builtin_huge_vall())
#define INFINITY (__builtin_inff())
#define NAN (__builtin_nanf(""))

#define FP_NAN 0
#define FP_INFINITE 1
#define FP_ZERO 2
#define FP_SUBNORMAL 3
#define FP_NORMAL 4

#define FP_ILOGB0 (-2147483647 - 1)
#define FP_ILOGBNAN (-2147483647 - 1)

#define MATH_ERRNO 1
#define MATH_ERREXCEPT 2
#define math_errhandling MATH_ERRNO

/* Type-generic classification (C11 7.12.3), for float, double and long
 * double alike. */
#define fpclassify(x)                                                          \
	__builtin_fpclassify(FP_NAN, FP_INFINITE, FP_NORMAL, FP_SUBNORMAL,     \
			     FP_ZERO, x)
#define isnan(x) __builtin_isnan(x)
#define isinf(x) __builtin_isinf_sign(x)
#define isfinite(x) __builtin_isfinite(x)
#define isnormal(x) __builtin_isnormal(x)
#define signbit(x) __builtin_signbit(x)

/* Comparisons that never fail on NaN (C11 7.12.14). */
#define isgreater(x, y) __builtin_isgreater(x, y)
#define isgreaterequal(x, y) __builtin_isgreaterequal(x, y)
#define isless(x, y) __builtin_isless(x, y)
#define islessequal(x, y) __builtin_islessequal(x, y)
#define islessgreater(x, y) __builtin_islessgreater(x, y)
#define isunordered(x, y) __builtin_isunordered(x, y)

/* The XSI/glibc constants, always visible as in glibc's default mode. */
#define M_E 2.7182818284590452354
#define M_LOG2E 1.4426950408889634074
#define M_LOG10E 0.43429448190325182765
#define M_LN2 0.69314718055994530942
#define M_LN10 2.30258509299404568402
#define M_PI 3.14159265358979323846
#define M_PI_2 1.57079632679489661923
#define M_PI_4 0.78539816339744830962
#define M_1_PI 0.31830988618379067154
#define M_2_PI 0.63661977236758134308
#define M_2_SQRTPI 1.12837916709551257390
#define M_SQRT2 1.41421356237309504880
#define M_SQRT1_2 0.70710678118654752440

/*
 * Exact functions: the result is the exact mathematical value (rounded to
 * nearest for sqrt, rint and fma). None sets errno except: sqrt(x < 0) is
 * EDOM and NaN; fmod(x, 0), fmod(inf, y), remainder(x, 0) and
 * remainder(inf, y) are EDOM and NaN; ldexp/scalbn overflow or underflow
 * to zero is ERANGE. lround of a value outside long returns LONG_MIN
 * (unspecified by C11; glibc's value, and errno is untouched, as there).
 */
double sqrt(double x);
double fabs(double x);
double floor(double x);
double ceil(double x);
double trunc(double x);
/* Rounds halfway cases away from zero. */
double round(double x);
long lround(double x);
/* Round to nearest, ties to even (the only rounding mode supported). */
double rint(double x);
double nearbyint(double x);
/* x - n * y, n = trunc(x / y) computed exactly; sign of x. */
double fmod(double x, double y);
/* x - n * y, n = x / y rounded to nearest even, computed exactly. */
double remainder(double x, double y);
double copysign(double x, double y);
/* The other argument when one is NaN. */
double fmin(double x, double y);
double fmax(double x, double y);
/* x - y when x > y, else +0. */
double fdim(double x, double y);
/* x * y + z with a single rounding. */
double fma(double x, double y, double z);
/* x = m * 2^*exp with 0.5 <= |m| < 1; 0, inf and NaN return x, *exp 0. */
double frexp(double x, int *exp);
double ldexp(double x, int exp);
double scalbn(double x, int exp);
/* Stores the integral part in *iptr, returns the fraction (sign of x). */
double modf(double x, double *iptr);

/*
 * Exponentials and logarithms. Overflow returns HUGE_VAL with ERANGE,
 * underflow to zero returns 0 with ERANGE (a subnormal result sets no
 * errno, as in glibc; the same holds for every function below);
 * log(x < 0) is EDOM and NaN, log(0) is -HUGE_VAL with ERANGE.
 * pow follows Annex F.9.4.4: pow(x, ±0) = 1 and pow(1, y) = 1 even for
 * NaN; pow(x < 0, non-integer y) is EDOM and NaN; pow(±0, y < 0 finite)
 * is ±HUGE_VAL with ERANGE.
 */
double exp(double x);
double exp2(double x);
double expm1(double x);
double log(double x);
double log2(double x);
double log10(double x);
double log1p(double x);
double pow(double x, double y);

/*
 * Trigonometric functions, in radians, with exact argument reduction for
 * every finite x (sin(1e300) is right). sin/cos/tan(±inf) are EDOM and
 * NaN; asin/acos outside [-1, 1] are EDOM and NaN. atan2 follows Annex
 * F.9.1.4 for zeros and infinities.
 */
double sin(double x);
double cos(double x);
double tan(double x);
double asin(double x);
double acos(double x);
double atan(double x);
double atan2(double y, double x);

/* Hyperbolic functions; sinh/cosh overflow is ERANGE. */
double sinh(double x);
double cosh(double x);
double tanh(double x);
/* sqrt(x^2 + y^2) without undue overflow; hypot(±inf, NaN) is +inf. */
double hypot(double x, double y);
double cbrt(double x);

/* The float variants: the same contracts in single precision. */
float sqrtf(float x);
float fabsf(float x);
float floorf(float x);
float ceilf(float x);
float truncf(float x);
float roundf(float x);
long lroundf(float x);
float rintf(float x);
float nearbyintf(float x);
float fmodf(float x, float y);
float remainderf(float x, float y);
float copysignf(float x, float y);
float fminf(float x, float y);
float fmaxf(float x, float y);
float fdimf(float x, float y);
float fmaf(float x, float y, float z);
float frexpf(float x, int *exp);
float ldexpf(float x, int exp);
float scalbnf(float x, int exp);
float modff(float x, float *iptr);
float expf(float x);
float exp2f(float x);
float expm1f(float x);
float logf(float x);
float log2f(float x);
float log10f(float x);
float log1pf(float x);
float powf(float x, float y);
float sinf(float x);
float cosf(float x);
float tanf(float x);
float asinf(float x);
float acosf(float x);
float atanf(float x);
float atan2f(float y, float x);
float sinhf(float x);
float coshf(float x);
float tanhf(float x);
float hypotf(float x, float y);
float cbrtf(float x);

#endif /* MOSAIC_MATH_H */
