/* SPDX-License-Identifier: MIT */
/*
 * Forced into the files of libos/libc/math (and libos/include/math.h) by the
 * math unit test, so Mosaic's functions link as mosaic_<name> beside glibc's
 * libm, which the test uses as the oracle.
 */
#ifndef TESTS_UNIT_LIBOS_MATH_RENAME_H
#define TESTS_UNIT_LIBOS_MATH_RENAME_H

#define sqrt mosaic_sqrt
#define fabs mosaic_fabs
#define floor mosaic_floor
#define ceil mosaic_ceil
#define trunc mosaic_trunc
#define round mosaic_round
#define lround mosaic_lround
#define rint mosaic_rint
#define nearbyint mosaic_nearbyint
#define fmod mosaic_fmod
#define remainder mosaic_remainder
#define copysign mosaic_copysign
#define fmin mosaic_fmin
#define fmax mosaic_fmax
#define fdim mosaic_fdim
#define fma mosaic_fma
#define frexp mosaic_frexp
#define ldexp mosaic_ldexp
#define scalbn mosaic_scalbn
#define modf mosaic_modf
#define exp mosaic_exp
#define exp2 mosaic_exp2
#define expm1 mosaic_expm1
#define log mosaic_log
#define log2 mosaic_log2
#define log10 mosaic_log10
#define log1p mosaic_log1p
#define pow mosaic_pow
#define sin mosaic_sin
#define cos mosaic_cos
#define tan mosaic_tan
#define asin mosaic_asin
#define acos mosaic_acos
#define atan mosaic_atan
#define atan2 mosaic_atan2
#define sinh mosaic_sinh
#define cosh mosaic_cosh
#define tanh mosaic_tanh
#define hypot mosaic_hypot
#define cbrt mosaic_cbrt
#define sqrtf mosaic_sqrtf
#define fabsf mosaic_fabsf
#define floorf mosaic_floorf
#define ceilf mosaic_ceilf
#define truncf mosaic_truncf
#define roundf mosaic_roundf
#define lroundf mosaic_lroundf
#define rintf mosaic_rintf
#define nearbyintf mosaic_nearbyintf
#define fmodf mosaic_fmodf
#define remainderf mosaic_remainderf
#define copysignf mosaic_copysignf
#define fminf mosaic_fminf
#define fmaxf mosaic_fmaxf
#define fdimf mosaic_fdimf
#define fmaf mosaic_fmaf
#define frexpf mosaic_frexpf
#define ldexpf mosaic_ldexpf
#define scalbnf mosaic_scalbnf
#define modff mosaic_modff
#define expf mosaic_expf
#define exp2f mosaic_exp2f
#define expm1f mosaic_expm1f
#define logf mosaic_logf
#define log2f mosaic_log2f
#define log10f mosaic_log10f
#define log1pf mosaic_log1pf
#define powf mosaic_powf
#define sinf mosaic_sinf
#define cosf mosaic_cosf
#define tanf mosaic_tanf
#define asinf mosaic_asinf
#define acosf mosaic_acosf
#define atanf mosaic_atanf
#define atan2f mosaic_atan2f
#define sinhf mosaic_sinhf
#define coshf mosaic_coshf
#define tanhf mosaic_tanhf
#define hypotf mosaic_hypotf
#define cbrtf mosaic_cbrtf

#endif /* TESTS_UNIT_LIBOS_MATH_RENAME_H */
