/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/lib/cmdline.c: quoting, options, environment, "--",
 * list limits and errors, plus a seeded fuzz run that checks the pointers.
 */

#include <kernel/cmdline.h>
#include <kernel/errno.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Filler for struct cmdline before each parse, so a missing store shows. */
#define POISON 0xa5

#define FUZZ_LINES 5000
#define FUZZ_TOKENS_MAX 600

/* The parsed line lives in an exact-size heap copy so ASan sees overreads. */
struct fixture {
	char *buf;
	size_t size;
	struct cmdline cl;
};

static char argv0[] = "prog";

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->buf);
	free(f);
	return 0;
}

/* Parses a heap copy of the `size` bytes at `line` (its NUL included) into
 * f->cl and returns what cmdline_parse() returned. */
static int parse_bytes(struct fixture *f, const char *line, size_t size)
{
	free(f->buf);
	f->buf = malloc(size);
	assert_non_null(f->buf);
	memcpy(f->buf, line, size);
	f->size = size;
	memset(&f->cl, POISON, sizeof(f->cl));
	return cmdline_parse(f->buf, argv0, &f->cl);
}

static int parse(struct fixture *f, const char *line)
{
	return parse_bytes(f, line, strlen(line) + 1);
}

/* Checks argv against the NULL-terminated `want`, which starts after argv0. */
static void check_argv(const struct cmdline *cl, const char *const *want)
{
	int n;

	for (n = 0; want[n]; n++)
		;
	assert_int_equal(cl->cl_argc, n + 1);
	assert_ptr_equal(cl->cl_argv[0], argv0);
	for (n = 0; want[n]; n++)
		assert_string_equal(cl->cl_argv[n + 1], want[n]);
	assert_null(cl->cl_argv[cl->cl_argc]);
}

static void check_envp(const struct cmdline *cl, const char *const *want)
{
	int n;

	for (n = 0; want[n]; n++)
		;
	assert_int_equal(cl->cl_envc, n);
	for (n = 0; want[n]; n++)
		assert_string_equal(cl->cl_envp[n], want[n]);
	assert_null(cl->cl_envp[cl->cl_envc]);
}

/* Checks option `i`; `value` NULL means the option had no '='. */
static void check_opt(const struct cmdline *cl, int i, const char *name,
		      const char *value)
{
	assert_true(i < cl->cl_optc);
	assert_string_equal(cl->cl_opts[i].co_name, name);
	if (value)
		assert_string_equal(cl->cl_opts[i].co_value, value);
	else
		assert_null(cl->cl_opts[i].co_value);
}

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NONE ((const char *const[]){ NULL })

/* Appends `count` words "PREFIX<i>SUFFIX" separated by blanks to out. */
static void repeat_words(char *out, size_t size, const char *prefix,
			 const char *suffix, int count)
{
	size_t len = strlen(out);
	int i;

	for (i = 0; i < count; i++) {
		int n = snprintf(out + len, size - len, " %s%d%s", prefix, i,
				 suffix);

		assert_true(n > 0 && (size_t)n < size - len);
		len += (size_t)n;
	}
}

static void test_empty_line_gives_only_argv0(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, ""), 0);
	check_argv(&f->cl, NONE);
	check_envp(&f->cl, NONE);
	assert_int_equal(f->cl.cl_optc, 0);
}

static void test_blanks_only_give_only_argv0(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "  \t\n\r \t "), 0);
	check_argv(&f->cl, NONE);
	check_envp(&f->cl, NONE);
	assert_int_equal(f->cl.cl_optc, 0);
}

static void test_plain_words_become_argv(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "  one two   three  "), 0);
	check_argv(&f->cl, ARGV("one", "two", "three"));
	check_envp(&f->cl, NONE);
	assert_int_equal(f->cl.cl_optc, 0);
}

static void test_tab_newline_cr_are_blanks(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "a\tb\nc\rd\t\n"), 0);
	check_argv(&f->cl, ARGV("a", "b", "c", "d"));
}

static void test_double_quotes_group(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "\"a b\"  \"c\td\" \"e\""), 0);
	check_argv(&f->cl, ARGV("a b", "c\td", "e"));
}

static void test_single_quotes_group(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "'a b' 'c\nd' 'e'"), 0);
	check_argv(&f->cl, ARGV("a b", "c\nd", "e"));
}

static void test_quotes_mid_word_join(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "a\"b c\"d x'y z'w \"p\"'q'r"), 0);
	check_argv(&f->cl, ARGV("ab cd", "xy zw", "pqr"));
}

static void test_empty_quotes_make_empty_words(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "\"\" '' x"), 0);
	check_argv(&f->cl, ARGV("", "", "x"));
}

static void test_other_quote_kind_is_literal(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "\"it's\" 'say \"hi\"'"), 0);
	check_argv(&f->cl, ARGV("it's", "say \"hi\""));
}

static void test_backslash_escapes_outside_quotes(void **state)
{
	struct fixture *f = *state;

	/* a\ b  c\"d  \'e  \\f  \x */
	assert_int_equal(parse(f, "a\\ b c\\\"d \\'e \\\\f \\x"), 0);
	check_argv(&f->cl, ARGV("a b", "c\"d", "'e", "\\f", "x"));
}

static void test_trailing_backslash_is_literal(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "x\\"), 0);
	check_argv(&f->cl, ARGV("x\\"));
}

static void test_backslash_escapes_in_double_quotes(void **state)
{
	struct fixture *f = *state;

	/* "a\"b"  "c\\d"  "e\ f" */
	assert_int_equal(parse(f, "\"a\\\"b\" \"c\\\\d\" \"e\\ f\""), 0);
	check_argv(&f->cl, ARGV("a\"b", "c\\d", "e f"));
}

static void test_backslash_literal_in_single_quotes(void **state)
{
	struct fixture *f = *state;

	/* 'a\b'  'c\'  'd\\' */
	assert_int_equal(parse(f, "'a\\b' 'c\\' 'd\\\\'"), 0);
	check_argv(&f->cl, ARGV("a\\b", "c\\", "d\\\\"));
}

static void test_option_with_value(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "mosaic.loglevel=7"), 0);
	assert_int_equal(f->cl.cl_optc, 1);
	check_opt(&f->cl, 0, "loglevel", "7");
	check_argv(&f->cl, NONE);
	check_envp(&f->cl, NONE);
}

static void test_option_without_value_has_null_value(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "mosaic.quiet"), 0);
	assert_int_equal(f->cl.cl_optc, 1);
	check_opt(&f->cl, 0, "quiet", NULL);
}

static void test_option_with_empty_value(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "mosaic.x="), 0);
	assert_int_equal(f->cl.cl_optc, 1);
	check_opt(&f->cl, 0, "x", "");
}

static void test_option_value_keeps_later_equals(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "mosaic.root=a=b=c"), 0);
	assert_int_equal(f->cl.cl_optc, 1);
	check_opt(&f->cl, 0, "root", "a=b=c");
}

/* QEMU -M microvm appends virtio-mmio devices in the Linux syntax, after
 * the user's words, "--" included: they are options, never argv. */
static void test_monitor_mmio_words_are_options(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "-- x virtio_mmio.device=512@0xfeb00e00:12"),
			 0);
	check_argv(&f->cl, ARGV("x"));
	assert_int_equal(f->cl.cl_optc, 1);
	check_opt(&f->cl, 0, "virtio_mmio.device", "512@0xfeb00e00:12");
	/* Other dotted words stay what they were. */
	assert_int_equal(parse(f, "virtio_mmio.other=1"), 0);
	assert_int_equal(f->cl.cl_optc, 0);
}

static void test_option_value_may_be_quoted(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "mosaic.banner=\"hello world\""), 0);
	assert_int_equal(f->cl.cl_optc, 1);
	check_opt(&f->cl, 0, "banner", "hello world");
}

/* An empty name is a syntactically fine option that no module owns: the
 * kernel refuses it as unknown, not as a quoting error (review finding). */
static void test_option_with_empty_name_parses(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "mosaic.=x"), 0);
	check_opt(&f->cl, 0, "", "x");
	assert_int_equal(parse(f, "a mosaic."), 0);
	check_opt(&f->cl, 0, "", NULL);
}

static void test_options_interleave_with_argv(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "a mosaic.x=1 b mosaic.y c"), 0);
	check_argv(&f->cl, ARGV("a", "b", "c"));
	assert_int_equal(f->cl.cl_optc, 2);
	check_opt(&f->cl, 0, "x", "1");
	check_opt(&f->cl, 1, "y", NULL);
}

static void test_option_prefix_is_exact(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "Mosaic.x mosaic mosaicx mosaic_x=1"), 0);
	check_argv(&f->cl, ARGV("Mosaic.x", "mosaic", "mosaicx"));
	check_envp(&f->cl, ARGV("mosaic_x=1"));
	assert_int_equal(f->cl.cl_optc, 0);
}

static void test_identifier_assignment_goes_to_envp(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "A=b x _u1=2 lower_Case9=v"), 0);
	check_envp(&f->cl, ARGV("A=b", "_u1=2", "lower_Case9=v"));
	check_argv(&f->cl, ARGV("x"));
}

static void test_env_value_may_hold_equals_or_be_empty(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "A=b=c E= Q=\"x y\""), 0);
	check_envp(&f->cl, ARGV("A=b=c", "E=", "Q=x y"));
	check_argv(&f->cl, NONE);
}

static void test_non_identifier_assignment_is_argv(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "1A=b a-b=c =x a.b=c A"), 0);
	check_argv(&f->cl, ARGV("1A=b", "a-b=c", "=x", "a.b=c", "A"));
	check_envp(&f->cl, NONE);
}

static void test_double_dash_ends_options_and_env(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "mosaic.a B=1 x -- mosaic.x A=b y"), 0);
	assert_int_equal(f->cl.cl_optc, 1);
	check_opt(&f->cl, 0, "a", NULL);
	check_envp(&f->cl, ARGV("B=1"));
	check_argv(&f->cl, ARGV("x", "mosaic.x", "A=b", "y"));
}

static void test_second_double_dash_is_argv(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "-- -- x --"), 0);
	check_argv(&f->cl, ARGV("--", "x", "--"));
}

static void test_empty_option_name_after_double_dash_is_argv(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "-- mosaic.=x"), 0);
	check_argv(&f->cl, ARGV("mosaic.=x"));
	assert_int_equal(f->cl.cl_optc, 0);
}

static void test_unterminated_double_quote_is_einval(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "a \"b c"), -EINVAL);
	assert_int_equal(parse(f, "\""), -EINVAL);
	/* The only closing quote is escaped: "a\" */
	assert_int_equal(parse(f, "\"a\\\""), -EINVAL);
}

static void test_unterminated_single_quote_is_einval(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(parse(f, "a 'b c"), -EINVAL);
	assert_int_equal(parse(f, "x'"), -EINVAL);
}

static void test_argv_at_maximum_succeeds(void **state)
{
	struct fixture *f = *state;
	char line[1024] = "";
	int i;

	repeat_words(line, sizeof(line), "w", "", CMDLINE_ARGS_MAX - 1);
	assert_int_equal(parse(f, line), 0);
	assert_int_equal(f->cl.cl_argc, CMDLINE_ARGS_MAX);
	for (i = 1; i < CMDLINE_ARGS_MAX; i++) {
		char want[16];

		snprintf(want, sizeof(want), "w%d", i - 1);
		assert_string_equal(f->cl.cl_argv[i], want);
	}
	assert_null(f->cl.cl_argv[CMDLINE_ARGS_MAX]);
}

static void test_argv_over_maximum_is_e2big(void **state)
{
	struct fixture *f = *state;
	char line[1024] = "";

	repeat_words(line, sizeof(line), "w", "", CMDLINE_ARGS_MAX);
	assert_int_equal(parse(f, line), -E2BIG);
}

static void test_envp_at_maximum_succeeds(void **state)
{
	struct fixture *f = *state;
	char line[1024] = "";
	int i;

	repeat_words(line, sizeof(line), "V", "=x", CMDLINE_ENV_MAX);
	assert_int_equal(parse(f, line), 0);
	assert_int_equal(f->cl.cl_envc, CMDLINE_ENV_MAX);
	for (i = 0; i < CMDLINE_ENV_MAX; i++) {
		char want[16];

		snprintf(want, sizeof(want), "V%d=x", i);
		assert_string_equal(f->cl.cl_envp[i], want);
	}
	assert_null(f->cl.cl_envp[CMDLINE_ENV_MAX]);
}

static void test_envp_over_maximum_is_e2big(void **state)
{
	struct fixture *f = *state;
	char line[1024] = "";

	repeat_words(line, sizeof(line), "V", "=x", CMDLINE_ENV_MAX + 1);
	assert_int_equal(parse(f, line), -E2BIG);
}

static void test_options_at_maximum_succeed(void **state)
{
	struct fixture *f = *state;
	char line[1024] = "";
	int i;

	repeat_words(line, sizeof(line), "mosaic.o", "=v", CMDLINE_OPTS_MAX);
	assert_int_equal(parse(f, line), 0);
	assert_int_equal(f->cl.cl_optc, CMDLINE_OPTS_MAX);
	for (i = 0; i < CMDLINE_OPTS_MAX; i++) {
		char want[16];

		snprintf(want, sizeof(want), "o%d", i);
		check_opt(&f->cl, i, want, "v");
	}
}

static void test_options_over_maximum_are_e2big(void **state)
{
	struct fixture *f = *state;
	char line[1024] = "";

	repeat_words(line, sizeof(line), "mosaic.o", "", CMDLINE_OPTS_MAX + 1);
	assert_int_equal(parse(f, line), -E2BIG);
}

static void test_all_lists_full_at_once_succeed(void **state)
{
	struct fixture *f = *state;
	char line[4096] = "";

	repeat_words(line, sizeof(line), "mosaic.o", "", CMDLINE_OPTS_MAX);
	repeat_words(line, sizeof(line), "V", "=x", CMDLINE_ENV_MAX);
	repeat_words(line, sizeof(line), "w", "", CMDLINE_ARGS_MAX - 1);
	assert_int_equal(parse(f, line), 0);
	assert_int_equal(f->cl.cl_optc, CMDLINE_OPTS_MAX);
	assert_int_equal(f->cl.cl_envc, CMDLINE_ENV_MAX);
	assert_int_equal(f->cl.cl_argc, CMDLINE_ARGS_MAX);
	assert_string_equal(f->cl.cl_argv[CMDLINE_ARGS_MAX - 1], "w62");
	assert_null(f->cl.cl_argv[CMDLINE_ARGS_MAX]);
	assert_null(f->cl.cl_envp[CMDLINE_ENV_MAX]);
}

/* Numerical Recipes LCG: deterministic across hosts. */
static uint32_t lcg_next(uint32_t *seed)
{
	*seed = *seed * 1664525u + 1013904223u;
	return *seed >> 8;
}

/* The fuzz alphabet. Lines drawn from the first FUZZ_WORD_TOKENS alone
 * always parse, and often overflow argv or envp; adding "mosaic." brings
 * options and their errors, and the last three bring quoting errors. */
static const char *const fuzz_tokens[] = {
	"a", "b", "=", "-", ".", " ", "\t", "mosaic.", "\"", "'", "\\",
};

#define FUZZ_WORD_TOKENS 7
#define FUZZ_OPTION_TOKENS 8
#define FUZZ_ALL_TOKENS ARRAY_SIZE(fuzz_tokens)

/* How many leading tokens a line draws from: half the lines use them all. */
static const uint32_t fuzz_alphabets[] = {
	FUZZ_WORD_TOKENS,
	FUZZ_OPTION_TOKENS,
	FUZZ_ALL_TOKENS,
	FUZZ_ALL_TOKENS,
};

/* Writes a random line of up to FUZZ_TOKENS_MAX tokens into line. */
static void fuzz_line(uint32_t *seed, char *line)
{
	uint32_t n = lcg_next(seed) % (FUZZ_TOKENS_MAX + 1);
	uint32_t alphabet =
		fuzz_alphabets[lcg_next(seed) % ARRAY_SIZE(fuzz_alphabets)];
	size_t len = 0;

	while (n--) {
		const char *t = fuzz_tokens[lcg_next(seed) % alphabet];

		memcpy(line + len, t, strlen(t));
		len += strlen(t);
	}
	line[len] = '\0';
}

/* Checks that p points into the fixture's buffer and ends inside it. */
static void check_in_buffer(const struct fixture *f, const char *p)
{
	assert_non_null(p);
	assert_true(p >= f->buf && p < f->buf + f->size);
	assert_non_null(memchr(p, '\0', (size_t)(f->buf + f->size - p)));
}

static void check_fuzz_result(const struct fixture *f)
{
	const struct cmdline *cl = &f->cl;
	int i;

	assert_true(cl->cl_argc >= 1 && cl->cl_argc <= CMDLINE_ARGS_MAX);
	assert_true(cl->cl_envc >= 0 && cl->cl_envc <= CMDLINE_ENV_MAX);
	assert_true(cl->cl_optc >= 0 && cl->cl_optc <= CMDLINE_OPTS_MAX);
	assert_ptr_equal(cl->cl_argv[0], argv0);
	for (i = 1; i < cl->cl_argc; i++)
		check_in_buffer(f, cl->cl_argv[i]);
	assert_null(cl->cl_argv[cl->cl_argc]);
	for (i = 0; i < cl->cl_envc; i++)
		check_in_buffer(f, cl->cl_envp[i]);
	assert_null(cl->cl_envp[cl->cl_envc]);
	for (i = 0; i < cl->cl_optc; i++) {
		check_in_buffer(f, cl->cl_opts[i].co_name);
		if (cl->cl_opts[i].co_value)
			check_in_buffer(f, cl->cl_opts[i].co_value);
	}
}

static void test_fuzz_results_stay_in_buffer(void **state)
{
	struct fixture *f = *state;
	char line[FUZZ_TOKENS_MAX * sizeof("mosaic.") + 1];
	uint32_t seed = 0x6d6f7361;
	int ok = 0, einval = 0, e2big = 0;
	int i;

	for (i = 0; i < FUZZ_LINES; i++) {
		int rc;

		fuzz_line(&seed, line);
		rc = parse_bytes(f, line, strlen(line) + 1);
		if (rc == 0) {
			ok++;
			check_fuzz_result(f);
		} else if (rc == -EINVAL) {
			einval++;
		} else {
			assert_int_equal(rc, -E2BIG);
			e2big++;
		}
	}
	/* The alphabet must reach every outcome, or the run proves little. */
	assert_true(ok > 100);
	assert_true(einval > 100);
	assert_true(e2big > 100);
}

#define CASE(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CASE(test_empty_line_gives_only_argv0),
		CASE(test_blanks_only_give_only_argv0),
		CASE(test_plain_words_become_argv),
		CASE(test_tab_newline_cr_are_blanks),
		CASE(test_double_quotes_group),
		CASE(test_single_quotes_group),
		CASE(test_quotes_mid_word_join),
		CASE(test_empty_quotes_make_empty_words),
		CASE(test_other_quote_kind_is_literal),
		CASE(test_backslash_escapes_outside_quotes),
		CASE(test_trailing_backslash_is_literal),
		CASE(test_backslash_escapes_in_double_quotes),
		CASE(test_backslash_literal_in_single_quotes),
		CASE(test_monitor_mmio_words_are_options),
		CASE(test_option_with_value),
		CASE(test_option_without_value_has_null_value),
		CASE(test_option_with_empty_value),
		CASE(test_option_value_keeps_later_equals),
		CASE(test_option_value_may_be_quoted),
		CASE(test_option_with_empty_name_parses),
		CASE(test_options_interleave_with_argv),
		CASE(test_option_prefix_is_exact),
		CASE(test_identifier_assignment_goes_to_envp),
		CASE(test_env_value_may_hold_equals_or_be_empty),
		CASE(test_non_identifier_assignment_is_argv),
		CASE(test_double_dash_ends_options_and_env),
		CASE(test_second_double_dash_is_argv),
		CASE(test_empty_option_name_after_double_dash_is_argv),
		CASE(test_unterminated_double_quote_is_einval),
		CASE(test_unterminated_single_quote_is_einval),
		CASE(test_argv_at_maximum_succeeds),
		CASE(test_argv_over_maximum_is_e2big),
		CASE(test_envp_at_maximum_succeeds),
		CASE(test_envp_over_maximum_is_e2big),
		CASE(test_options_at_maximum_succeed),
		CASE(test_options_over_maximum_are_e2big),
		CASE(test_all_lists_full_at_once_succeed),
		CASE(test_fuzz_results_stay_in_buffer),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
