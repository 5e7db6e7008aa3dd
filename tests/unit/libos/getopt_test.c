/* SPDX-License-Identifier: MIT */
/*
 * <getopt.h> (libos/libc/getopt.c) against glibc: getopt, getopt_long and
 * getopt_long_only over fixed and random argv vectors (permutation,
 * clusters, missing and optional arguments, "--", "-", long options with
 * "=value" or a separate value, prefixes, ambiguity, "W;"), each with and
 * without POSIXLY_CORRECT and opterr. Compared: every return value,
 * optarg (the same pointer), optind, optopt, *longindex and flags, the
 * final argv order and what was printed on stderr. Fixed seed.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "getopt_names.h"
#include "getopt.h" /* Mosaic's, through -iquote libos/include */
#define LIBC_NAMES_UNDO
#include "getopt_names.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "libc_test_util.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ARGS 16
#define MAX_STEPS 64

static int flag_glibc, flag_mosaic;

/* The same long options for both; flag entries point at each side's own
 * variable. */
#define LONGOPTS(flagvar, type)                                                \
	{                                                                      \
		{ "alpha", no_argument, NULL, 'a' },                           \
			{ "beta", required_argument, NULL, 'b' },              \
			{ "gamma", optional_argument, NULL, 'g' },             \
			{ "gammaray", no_argument, NULL, 'G' },                \
			{ "delta", no_argument, &flagvar, 7 },                 \
			{ "delt", required_argument, NULL, 'd' },              \
			{ "verbose", no_argument, NULL, 'v' },                 \
			{ "version", no_argument, NULL, 'V' },                 \
			{ "verb", no_argument, NULL, 'v' },                    \
			{ "color", optional_argument, NULL, 300 },             \
			{ "colour", optional_argument, NULL, 300 },            \
			{ "c", no_argument, NULL, 'C' }, { NULL, 0, NULL, 0 }, \
	}

static const struct option glibc_longopts[] = LONGOPTS(flag_glibc, option);
static const struct mosaic_option mosaic_longopts[] =
	LONGOPTS(flag_mosaic, mosaic_option);

enum mode { MODE_SHORT, MODE_LONG, MODE_LONG_ONLY };

/* One call's observable result. */
struct step {
	int ret;
	const char *optarg;
	int optind;
	int optopt;
	int longindex;
	int flag;
};

struct run {
	struct step steps[MAX_STEPS];
	int nsteps;
	char *argv[MAX_ARGS + 1];
	char err[4096];
};

static FILE *err_file;

static void capture_start(int *saved)
{
	fflush(stderr);
	*saved = dup(2);
	assert_true(ftruncate(fileno(err_file), 0) == 0);
	rewind(err_file);
	dup2(fileno(err_file), 2);
}

static void capture_end(int saved, char *buf, size_t size)
{
	size_t n;

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(err_file);
	n = fread(buf, 1, size - 1, err_file);
	buf[n] = '\0';
}

static void run_glibc(enum mode mode, const char *optstring, int argc,
		      char **args, int err, struct run *r)
{
	int saved;

	memcpy(r->argv, args, sizeof(r->argv));
	optind = 0;
	opterr = err;
	optopt = -5;
	capture_start(&saved);
	for (r->nsteps = 0; r->nsteps < MAX_STEPS; r->nsteps++) {
		struct step *s = &r->steps[r->nsteps];

		s->longindex = -1;
		flag_glibc = 0;
		if (mode == MODE_SHORT)
			s->ret = getopt(argc, r->argv, optstring);
		else if (mode == MODE_LONG)
			s->ret = getopt_long(argc, r->argv, optstring,
					     glibc_longopts, &s->longindex);
		else
			s->ret =
				getopt_long_only(argc, r->argv, optstring,
						 glibc_longopts, &s->longindex);
		s->optarg = optarg;
		s->optind = optind;
		s->optopt = optopt;
		s->flag = flag_glibc;
		if (s->ret == -1)
			break;
	}
	capture_end(saved, r->err, sizeof(r->err));
}

static void run_mosaic(enum mode mode, const char *optstring, int argc,
		       char **args, int err, struct run *r)
{
	int saved;

	memcpy(r->argv, args, sizeof(r->argv));
	mosaic_optind = 0;
	mosaic_opterr = err;
	mosaic_optopt = -5;
	capture_start(&saved);
	for (r->nsteps = 0; r->nsteps < MAX_STEPS; r->nsteps++) {
		struct step *s = &r->steps[r->nsteps];

		s->longindex = -1;
		flag_mosaic = 0;
		if (mode == MODE_SHORT)
			s->ret = mosaic_getopt(argc, r->argv, optstring);
		else if (mode == MODE_LONG)
			s->ret = mosaic_getopt_long(argc, r->argv, optstring,
						    mosaic_longopts,
						    &s->longindex);
		else
			s->ret = mosaic_getopt_long_only(
				argc, r->argv, optstring, mosaic_longopts,
				&s->longindex);
		s->optarg = mosaic_optarg;
		s->optind = mosaic_optind;
		s->optopt = mosaic_optopt;
		s->flag = flag_mosaic;
		if (s->ret == -1)
			break;
	}
	capture_end(saved, r->err, sizeof(r->err));
}

static void describe(char *buf, size_t size, enum mode mode,
		     const char *optstring, int argc, char **args)
{
	int n = snprintf(buf, size, "mode %d \"%s\":", mode, optstring);

	for (int i = 0; i < argc && n > 0 && (size_t)n < size; i++)
		n += snprintf(buf + n, size - (size_t)n, " [%s]", args[i]);
}

static unsigned long compared;

static void compare(enum mode mode, const char *optstring, int argc,
		    char **args, int err)
{
	static struct run g, m;
	char what[512];

	run_glibc(mode, optstring, argc, args, err, &g);
	run_mosaic(mode, optstring, argc, args, err, &m);
	describe(what, sizeof(what), mode, optstring, argc, args);
	if (g.nsteps != m.nsteps)
		fail_msg("%s: %d calls, glibc %d", what, m.nsteps, g.nsteps);
	for (int i = 0; i <= g.nsteps && i < MAX_STEPS; i++) {
		const struct step *a = &m.steps[i], *b = &g.steps[i];

		if (a->ret != b->ret || a->optarg != b->optarg ||
		    a->optind != b->optind || a->optopt != b->optopt ||
		    a->longindex != b->longindex || a->flag != b->flag)
			fail_msg("%s: call %d: ret %d optarg %s optind %d "
				 "optopt %d longindex %d flag %d; glibc %d %s "
				 "%d %d %d %d",
				 what, i, a->ret, a->optarg ? a->optarg : "-",
				 a->optind, a->optopt, a->longindex, a->flag,
				 b->ret, b->optarg ? b->optarg : "-", b->optind,
				 b->optopt, b->longindex, b->flag);
	}
	for (int i = 0; i < argc; i++) {
		if (m.argv[i] != g.argv[i])
			fail_msg("%s: argv[%d] %s, glibc %s", what, i,
				 m.argv[i], g.argv[i]);
	}
	if (strcmp(m.err, g.err) != 0)
		fail_msg("%s: stderr \"%s\", glibc \"%s\"", what, m.err, g.err);
	compared++;
}

static const char *const optstrings[] = {
	"ab:c::x", "+ab:c::x", "-ab:c::x", ":ab:c::x", "+:ab:c::x", "-:ab:c::x",
	"abW;c:",  "vVd:",     "",	   "a:b:",     "ab",
};

/* Arguments the random vectors are made of. */
static const char *const tokens[] = {
	"-a",	       "-b",	    "-ab",	   "-abfoo",  "-bx",
	"-c",	       "-cval",	    "-x",	   "-z",      "-",
	"--",	       "file",	    "other",	   "-:",      "-;",
	"-W",	       "-Walpha",   "-Wbeta=1",	   "--alpha", "--alp",
	"--al=1",      "--beta",    "--beta=2",	   "--bet",   "--gam",
	"--gamma",     "--gamma=3", "--gammar",	   "--delta", "--delt",
	"--del",       "--del=4",   "--verb",	   "--verbo", "--vers",
	"--ver",       "--col",	    "--colo=5",	   "--c",     "--unknown",
	"--unknown=6", "-alpha",    "-beta",	   "-bet",    "-gam",
	"-verb",       "-col",	    "-c",	   "-ve",     "-d",
	"-dval",       "-v",	    "-V",	   "-vV",     "--=x",
	"-a-b",	       "x=y",	    "--verbose=7",
};

static void compare_all_ways(int argc, char **args)
{
	for (size_t o = 0; o < COUNT(optstrings); o++) {
		for (int mode = MODE_SHORT; mode <= MODE_LONG_ONLY; mode++) {
			compare(mode, optstrings[o], argc, args, 1);
			compare(mode, optstrings[o], argc, args, 0);
		}
	}
}

static void with_posixly_correct(bool on)
{
	if (on)
		setenv("POSIXLY_CORRECT", "1", 1);
	else
		unsetenv("POSIXLY_CORRECT");
}

static void test_fixed_vectors(void **state)
{
	static const char *const vectors[][MAX_ARGS] = {
		{ "prog", "-a", "file", "-b", "arg", "other", "-x" },
		{ "prog", "-ab", "barg", "--", "-a", "file" },
		{ "prog", "file", "-abfoo", "other", "-c", "-cval", "-" },
		{ "prog", "-b" },
		{ "prog", "-z", "-:", "-;" },
		{ "prog", "--beta", "--alpha", "--beta=2", "--gamma", "x" },
		{ "prog", "--ver", "--verb", "--col=1", "--c", "--del" },
		{ "prog", "-alpha", "-bet", "val", "-c", "-ve", "file" },
		{ "prog", "-W", "alpha", "-Wbeta=1", "-W" },
		{ "prog", "--unknown=6", "--alpha=1", "--beta" },
		{ "prog", "a", "b", "c", "-a", "d", "--", "e", "-b" },
		{ "prog" },
		{ "prog", "--" },
		{ "prog", "-", "--", "-" },
	};

	(void)state;
	for (int p = 0; p < 2; p++) {
		with_posixly_correct(p);
		for (size_t v = 0; v < COUNT(vectors); v++) {
			char *args[MAX_ARGS + 1] = { 0 };
			int argc = 0;

			while (argc < MAX_ARGS && vectors[v][argc]) {
				args[argc] = (char *)vectors[v][argc];
				argc++;
			}
			compare_all_ways(argc, args);
		}
	}
	with_posixly_correct(false);
}

static void test_random_vectors(void **state)
{
	(void)state;
	test_rng_seed(0x6e7);
	for (int i = 0; i < 1000; i++) {
		char *args[MAX_ARGS + 1] = { "prog" };
		int argc = 1 + (int)test_rng_below(MAX_ARGS - 1);

		for (int a = 1; a < argc; a++)
			args[a] = (char *)tokens[test_rng_below(COUNT(tokens))];
		with_posixly_correct(i % 4 == 3);
		compare_all_ways(argc, args);
	}
	with_posixly_correct(false);
	print_message("%lu argv vectors and modes compared\n", compared);
}

/* Restarting with optind = 0 in the middle of a scan starts over, and so
 * does a scan of a new vector; optind = 1 without a restart continues. */
static void test_restart(void **state)
{
	char *a1[] = { "prog", "-a", "x", "-b", "y", NULL };
	char *a2[] = { "prog", "-a", "x", "-b", "y", NULL };

	(void)state;
	optind = 0;
	mosaic_optind = 0;
	assert_int_equal(mosaic_getopt(5, a2, "ab:"), getopt(5, a1, "ab:"));
	optind = 0;
	mosaic_optind = 0;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(mosaic_getopt(5, a2, "ab:"),
				 getopt(5, a1, "ab:"));
		assert_int_equal(mosaic_optind, optind);
		assert_ptr_equal(mosaic_optarg, optarg);
	}
	assert_int_equal(mosaic_getopt(0, a2, "ab:"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_vectors),
		cmocka_unit_test(test_random_vectors),
		cmocka_unit_test(test_restart),
	};
	int ret;

	err_file = tmpfile();
	if (!err_file)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	fclose(err_file);
	return ret;
}
