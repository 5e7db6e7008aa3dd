/* SPDX-License-Identifier: MIT */
/*
 * <locale.h>: the C locale only (also called "POSIX"). setlocale()
 * accepts "C", "POSIX" and "" (the environment's choice, which is always
 * C here) and refuses every other name; localeconv() gives the C values.
 */
#ifndef MOSAIC_LOCALE_H
#define MOSAIC_LOCALE_H

#include <stddef.h>

#define LC_CTYPE 0
#define LC_NUMERIC 1
#define LC_TIME 2
#define LC_COLLATE 3
#define LC_MONETARY 4
#define LC_MESSAGES 5
#define LC_ALL 6

/* glibc's layout. */
struct lconv {
	char *decimal_point;
	char *thousands_sep;
	char *grouping;
	char *int_curr_symbol;
	char *currency_symbol;
	char *mon_decimal_point;
	char *mon_thousands_sep;
	char *mon_grouping;
	char *positive_sign;
	char *negative_sign;
	char int_frac_digits;
	char frac_digits;
	char p_cs_precedes;
	char p_sep_by_space;
	char n_cs_precedes;
	char n_sep_by_space;
	char p_sign_posn;
	char n_sign_posn;
	char int_p_cs_precedes;
	char int_p_sep_by_space;
	char int_n_cs_precedes;
	char int_n_sep_by_space;
	char int_p_sign_posn;
	char int_n_sign_posn;
};

/* Returns "C" for a query (name NULL) or for "C", "POSIX" or ""; NULL
 * for any other name, or with errno EINVAL for a bad category. */
char *setlocale(int category, const char *name);

/* The C locale's conventions: "." and empty strings, CHAR_MAX for the
 * numbers. The caller must not modify the result. */
struct lconv *localeconv(void);

#endif /* MOSAIC_LOCALE_H */
