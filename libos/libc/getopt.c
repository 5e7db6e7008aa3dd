/* SPDX-License-Identifier: MIT */
/*
 * <getopt.h>: getopt(), getopt_long() and getopt_long_only() with glibc's
 * observable behaviour (POSIX.1-2017 getopt plus the GNU extensions:
 * permutation, "-" and "+" orderings, optional arguments, "W;", long
 * options and their prefixes), checked against glibc by the host tests.
 * The scan state is one global, as the interface requires.
 */
#include <getopt.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *optarg;
int optind = 1;
int opterr = 1;
int optopt = '?';

enum go_order {
	GO_PERMUTE, /* the default: move non-options to the end */
	GO_REQUIRE_ORDER, /* '+' or POSIXLY_CORRECT: stop at one */
	GO_RETURN_IN_ORDER, /* '-': return each as option 1 */
};

/*
 * Between calls: the rest of the short-option cluster being scanned, and
 * the non-options skipped so far, argv[first_nonopt..last_nonopt - 1],
 * which are moved after the options that follow them.
 */
static struct {
	const char *next;
	int first_nonopt;
	int last_nonopt;
	enum go_order order;
	bool initialized;
	int optopt; /* copied to optopt after every call, as glibc does */
} go;

static bool is_nonoption(const char *arg)
{
	return arg[0] != '-' || arg[1] == '\0';
}

/* Starts a scan; returns optstring without its ordering character. */
static const char *go_init(const char *optstring)
{
	if (optind == 0)
		optind = 1;
	go.first_nonopt = go.last_nonopt = optind;
	go.next = NULL;
	go.initialized = true;
	if (optstring[0] == '-') {
		go.order = GO_RETURN_IN_ORDER;
		return optstring + 1;
	}
	if (optstring[0] == '+') {
		go.order = GO_REQUIRE_ORDER;
		return optstring + 1;
	}
	go.order = getenv("POSIXLY_CORRECT") ? GO_REQUIRE_ORDER : GO_PERMUTE;
	return optstring;
}

static void go_reverse(char **argv, int from, int to)
{
	while (from < --to) {
		char *tmp = argv[from];

		argv[from++] = argv[to];
		argv[to] = tmp;
	}
}

/* Moves the skipped non-options after the options scanned since, keeping
 * the order within each group. */
static void go_exchange(char **argv)
{
	int first = go.first_nonopt, last = go.last_nonopt;

	go_reverse(argv, first, last);
	go_reverse(argv, last, optind);
	go_reverse(argv, first, optind);
	go.first_nonopt += optind - last;
	go.last_nonopt = optind;
}

/*
 * Finds the next argument to scan as options. Returns 0 with optind on
 * it, or the value getopt must return: -1 at the end, 1 for a non-option
 * in GO_RETURN_IN_ORDER.
 */
static int go_next_arg(int argc, char **argv)
{
	if (go.last_nonopt > optind)
		go.last_nonopt = optind;
	if (go.first_nonopt > optind)
		go.first_nonopt = optind;
	if (go.order == GO_PERMUTE) {
		if (go.first_nonopt != go.last_nonopt &&
		    go.last_nonopt != optind)
			go_exchange(argv);
		else if (go.last_nonopt != optind)
			go.first_nonopt = optind;
		while (optind < argc && is_nonoption(argv[optind]))
			optind++;
		go.last_nonopt = optind;
	}
	if (optind != argc && strcmp(argv[optind], "--") == 0) {
		optind++;
		if (go.first_nonopt != go.last_nonopt &&
		    go.last_nonopt != optind)
			go_exchange(argv);
		else if (go.first_nonopt == go.last_nonopt)
			go.first_nonopt = optind;
		go.last_nonopt = argc;
		optind = argc;
	}
	if (optind == argc) {
		/* Point at the non-options, now at the end. */
		if (go.first_nonopt != go.last_nonopt)
			optind = go.first_nonopt;
		return -1;
	}
	if (is_nonoption(argv[optind])) {
		if (go.order == GO_REQUIRE_ORDER)
			return -1;
		optarg = argv[optind++];
		return 1;
	}
	return 0;
}

/* What the error of a missing argument returns. */
static int go_missing(const char *optstring)
{
	return optstring[0] == ':' ? ':' : '?';
}

struct go_long_ctx {
	int argc;
	char **argv;
	const char *optstring;
	const struct option *longopts;
	int *longindex;
	bool long_only;
	bool print_errors;
	const char *prefix; /* "--", "-" or "-W ", for the messages */
};

/* Options (other than longopts[found]) that make a prefix ambiguous: any
 * other match under getopt_long_only, else one with a different result. */
static bool go_conflicts(const struct go_long_ctx *c, const struct option *a,
			 const struct option *b)
{
	return c->long_only || a->has_arg != b->has_arg || a->flag != b->flag ||
	       a->val != b->val;
}

/* Finds the option named by go.next (up to len bytes): an exact name,
 * else a unique prefix. Returns its index, -1 if none, -2 if ambiguous. */
static int go_find_long(const struct go_long_ctx *c, size_t len)
{
	const struct option *opts = c->longopts;
	int found = -1;
	bool ambiguous = false;

	for (int i = 0; opts[i].name; i++) {
		if (strncmp(opts[i].name, go.next, len) == 0 &&
		    strlen(opts[i].name) == len)
			return i;
	}
	for (int i = 0; opts[i].name; i++) {
		if (strncmp(opts[i].name, go.next, len) != 0)
			continue;
		if (found < 0)
			found = i;
		else if (go_conflicts(c, &opts[found], &opts[i]))
			ambiguous = true;
	}
	return ambiguous ? -2 : found;
}

static void go_print_ambiguous(const struct go_long_ctx *c, size_t len)
{
	const struct option *opts = c->longopts;
	int first = -1;

	fprintf(stderr,
		"%s: option '%s%s' is ambiguous; possibilities:", c->argv[0],
		c->prefix, go.next);
	for (int i = 0; opts[i].name; i++) {
		if (strncmp(opts[i].name, go.next, len) != 0)
			continue;
		if (first < 0)
			first = i;
		if (first == i || go_conflicts(c, &opts[first], &opts[i]))
			fprintf(stderr, " '%s%s'", c->prefix, opts[i].name);
	}
	fprintf(stderr, "\n");
}

/* Takes the argument of long option o, if it has one. Returns 0, or the
 * error to return. */
static int go_long_arg(const struct go_long_ctx *c, const struct option *o,
		       const char *eq)
{
	if (*eq == '=') {
		if (o->has_arg) {
			optarg = (char *)eq + 1;
			return 0;
		}
		if (c->print_errors)
			fprintf(stderr,
				"%s: option '%s%s' doesn't allow an "
				"argument\n",
				c->argv[0], c->prefix, o->name);
		go.optopt = o->val;
		return '?';
	}
	if (o->has_arg != required_argument)
		return 0;
	if (optind < c->argc) {
		optarg = c->argv[optind++];
		return 0;
	}
	if (c->print_errors)
		fprintf(stderr, "%s: option '%s%s' requires an argument\n",
			c->argv[0], c->prefix, o->name);
	go.optopt = o->val;
	return go_missing(c->optstring);
}

/*
 * Scans the long option in go.next. Returns what getopt must return, or
 * -1 (under getopt_long_only only) to read the argument as short options.
 */
static int go_long(const struct go_long_ctx *c)
{
	size_t len = strcspn(go.next, "=");
	int i = go_find_long(c, len), err;
	const struct option *o;

	if (i == -2 ||
	    (i == -1 && (!c->long_only || c->argv[optind][1] == '-' ||
			 !strchr(c->optstring, *go.next)))) {
		if (c->print_errors && i == -2)
			go_print_ambiguous(c, len);
		else if (c->print_errors)
			fprintf(stderr, "%s: unrecognized option '%s%s'\n",
				c->argv[0], c->prefix, go.next);
		go.next = NULL;
		optind++;
		go.optopt = 0;
		return '?';
	}
	if (i == -1)
		return -1;
	o = &c->longopts[i];
	optind++;
	err = go_long_arg(c, o, go.next + len);
	go.next = NULL;
	if (err)
		return err;
	if (c->longindex)
		*c->longindex = i;
	if (o->flag) {
		*o->flag = o->val;
		return 0;
	}
	return o->val;
}

/* "-W foo" or "-Wfoo" under "W;": the long option foo. */
static int go_w_option(struct go_long_ctx *c, char opt)
{
	if (*go.next == '\0') {
		if (optind == c->argc) {
			if (c->print_errors)
				fprintf(stderr,
					"%s: option requires an argument -- "
					"'%c'\n",
					c->argv[0], opt);
			go.optopt = opt;
			return go_missing(c->optstring);
		}
		go.next = c->argv[optind];
	}
	c->long_only = false;
	c->prefix = "-W ";
	return go_long(c);
}

/* Takes the argument of short option opt (spec: its entry in optstring). */
static int go_short_arg(const struct go_long_ctx *c, char opt, const char *spec)
{
	if (*go.next != '\0') {
		optarg = (char *)go.next;
		optind++;
	} else if (spec[2] == ':') {
		optarg = NULL; /* optional: only "-xARG" */
	} else if (optind == c->argc) {
		if (c->print_errors)
			fprintf(stderr,
				"%s: option requires an argument -- '%c'\n",
				c->argv[0], opt);
		go.optopt = opt;
		go.next = NULL;
		return go_missing(c->optstring);
	} else {
		optarg = c->argv[optind++];
	}
	go.next = NULL;
	return opt;
}

/* Scans the next short option of the cluster in go.next. */
static int go_short(struct go_long_ctx *c)
{
	char opt = *go.next++;
	const char *spec = strchr(c->optstring, opt);

	if (*go.next == '\0')
		optind++;
	if (!spec || opt == ':' || opt == ';') {
		if (c->print_errors)
			fprintf(stderr, "%s: invalid option -- '%c'\n",
				c->argv[0], opt);
		go.optopt = opt;
		return '?';
	}
	if (spec[0] == 'W' && spec[1] == ';' && c->longopts)
		return go_w_option(c, opt);
	if (spec[1] == ':')
		return go_short_arg(c, opt, spec);
	return opt;
}

/* Starts on the argument at optind: a long option, or a cluster of short
 * ones. Returns true with *ret set for a long option, false when the
 * argument is to be read by go_short(). */
static bool go_start_arg(struct go_long_ctx *c, int *ret)
{
	const char *arg = c->argv[optind];

	if (c->longopts && arg[1] == '-') {
		go.next = arg + 2;
		c->prefix = "--";
		*ret = go_long(c);
		return true;
	}
	if (c->longopts && c->long_only &&
	    (arg[2] || !strchr(c->optstring, arg[1]))) {
		go.next = arg + 1;
		c->prefix = "-";
		*ret = go_long(c);
		if (*ret != -1)
			return true;
	}
	go.next = arg + 1;
	return false;
}

static int go_scan_once(int argc, char *const argv[], const char *optstring,
			const struct option *longopts, int *longindex,
			bool long_only)
{
	struct go_long_ctx c = {
		.argc = argc,
		.argv = (char **)argv, /* GNU permutes "const" argv */
		.longopts = longopts,
		.longindex = longindex,
		.long_only = long_only,
	};
	int ret;

	if (argc < 1)
		return -1;
	optarg = NULL;
	if (optind == 0 || !go.initialized)
		optstring = go_init(optstring);
	else if (optstring[0] == '-' || optstring[0] == '+')
		optstring++;
	c.optstring = optstring;
	c.print_errors = opterr && optstring[0] != ':';
	if (!go.next || *go.next == '\0') {
		ret = go_next_arg(argc, c.argv);
		if (ret)
			return ret;
		if (go_start_arg(&c, &ret))
			return ret;
	}
	return go_short(&c);
}

static int go_scan(int argc, char *const argv[], const char *optstring,
		   const struct option *longopts, int *longindex,
		   bool long_only)
{
	int ret = go_scan_once(argc, argv, optstring, longopts, longindex,
			       long_only);

	optopt = go.optopt;
	return ret;
}

int getopt(int argc, char *const argv[], const char *optstring)
{
	return go_scan(argc, argv, optstring, NULL, NULL, false);
}

int getopt_long(int argc, char *const argv[], const char *optstring,
		const struct option *longopts, int *longindex)
{
	return go_scan(argc, argv, optstring, longopts, longindex, false);
}

int getopt_long_only(int argc, char *const argv[], const char *optstring,
		     const struct option *longopts, int *longindex)
{
	return go_scan(argc, argv, optstring, longopts, longindex, true);
}
