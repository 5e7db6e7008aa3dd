/* SPDX-License-Identifier: MIT */
/*
 * <ctype.h> (libos/libc/ctype.c) against glibc in the C locale: every
 * class and case mapping on every value from -128 (a negative plain char)
 * through EOF and 0..255, plus a few values far outside that range, which
 * must not crash and belong to no class.
 */
#include <ctype.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>

#include "libc_names.h"
#include "ctype.h" /* Mosaic's, through -iquote libos/include */
#define LIBC_NAMES_UNDO
#include "libc_names.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

struct ctype_pair {
	const char *name;
	int (*mosaic)(int);
	int (*glibc)(int);
};

#define PAIR(fn)                                                               \
	{                                                                      \
#fn, mosaic_##fn, fn                                           \
	}

static const struct ctype_pair classes[] = {
	PAIR(isalnum), PAIR(isalpha), PAIR(isblank), PAIR(iscntrl),
	PAIR(isdigit), PAIR(isgraph), PAIR(islower), PAIR(isprint),
	PAIR(ispunct), PAIR(isspace), PAIR(isupper), PAIR(isxdigit),
	PAIR(isascii),
};

static const struct ctype_pair mappings[] = {
	PAIR(tolower),
	PAIR(toupper),
	PAIR(toascii),
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void test_classes_match_glibc(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(classes); i++) {
		for (int c = -128; c <= 255; c++) {
			int want = !!classes[i].glibc(c);
			int got = !!classes[i].mosaic(c);

			if (got != want)
				fail_msg("%s(%d) = %d, glibc %d",
					 classes[i].name, c, got, want);
		}
	}
}

static void test_mappings_match_glibc(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(mappings); i++) {
		for (int c = -128; c <= 255; c++) {
			int want = mappings[i].glibc(c);
			int got = mappings[i].mosaic(c);

			if (got != want)
				fail_msg("%s(%d) = %d, glibc %d",
					 mappings[i].name, c, got, want);
		}
	}
}

/* Undefined by the standard; glibc would read outside its table. Mosaic
 * must answer without touching memory. */
static void test_out_of_domain_values(void **state)
{
	const int values[] = { INT_MIN, -129, 256, 0x141, INT_MAX };

	(void)state;
	for (size_t v = 0; v < COUNT(values); v++) {
		for (size_t i = 0; i < COUNT(classes); i++)
			assert_int_equal(classes[i].mosaic(values[v]), 0);
		assert_int_equal(mosaic_tolower(values[v]), values[v]);
		assert_int_equal(mosaic_toupper(values[v]), values[v]);
	}
}

static void test_eof(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(classes); i++)
		assert_int_equal(classes[i].mosaic(EOF), 0);
	assert_int_equal(mosaic_tolower(EOF), EOF);
	assert_int_equal(mosaic_toupper(EOF), EOF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes_match_glibc),
		cmocka_unit_test(test_mappings_match_glibc),
		cmocka_unit_test(test_out_of_domain_values),
		cmocka_unit_test(test_eof),
	};

	setlocale(LC_ALL, "C");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
