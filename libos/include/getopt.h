/* SPDX-License-Identifier: MIT */
/*
 * <getopt.h>: command-line parsing as glibc does it: getopt() (POSIX, with
 * GNU's permutation of non-options), getopt_long() and getopt_long_only()
 * (GNU). Error messages are glibc's, word for word, on stderr. The state
 * is shared by the whole appliance, as in any libc: parse in one microapp
 * at a time. <unistd.h> includes this header for getopt() and its globals.
 */
#ifndef MOSAIC_GETOPT_H
#define MOSAIC_GETOPT_H

/* Set by getopt*(): the argument of the option just returned, or NULL. */
extern char *optarg;
/* The index in argv of the next element to scan; starts at 1. Setting it
 * to 0 restarts the scan (and rereads POSIXLY_CORRECT and the leading
 * '+' or '-' of optstring). */
extern int optind;
/* Non-zero (the default): print error messages. */
extern int opterr;
/* The option character of the last error ('?' or ':' returned); 0 for an
 * unknown long option. */
extern int optopt;

/* A long option for getopt_long(); an array of them ends with an entry
 * whose name is NULL. */
struct option {
	const char *name;
	int has_arg; /* no_argument, required_argument, optional_argument */
	int *flag; /* NULL: return val; else store val here and return 0 */
	int val;
};

#define no_argument 0
#define required_argument 1
#define optional_argument 2

/*
 * Returns the next option character of argv[1..argc-1] listed in
 * `optstring`, or -1 when there are none left (optind is then the index of
 * the first non-option). In optstring, "x:" takes an argument ("-xARG" or
 * "-x ARG", in optarg), "x::" an optional one ("-xARG" only); "W;" makes
 * "-W foo" mean "--foo". A leading '+' (or POSIXLY_CORRECT in the
 * environment) stops at the first non-option; a leading '-' returns each
 * non-option as option 1 with optarg set to it; otherwise non-options are
 * moved to the end of argv (which is why argv is permuted despite const).
 * "--" ends the options. Returns '?' for an unknown option or a missing
 * argument (':' for the latter when optstring starts with ':', after any
 * '+' or '-', which also silences the messages), with optopt set.
 */
int getopt(int argc, char *const argv[], const char *optstring);

/*
 * getopt() that also accepts "--name", "--name=value" and "--name value"
 * (required_argument) from `longopts`, and any unambiguous prefix of a
 * name. A long option returns its val (or 0 after storing val in *flag)
 * and, unless longindex is NULL, stores its index in *longindex. Errors
 * return '?' (':' for a missing argument with a leading ':'): an unknown
 * or ambiguous name, or an argument given to a no_argument option.
 */
int getopt_long(int argc, char *const argv[], const char *optstring,
		const struct option *longopts, int *longindex);

/* getopt_long() that also takes long options after a single '-' ("-name");
 * an argument that matches no long option is read as short options when
 * its first character is one. */
int getopt_long_only(int argc, char *const argv[], const char *optstring,
		     const struct option *longopts, int *longindex);

#endif /* MOSAIC_GETOPT_H */
