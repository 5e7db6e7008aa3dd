/* SPDX-License-Identifier: MIT */
/*
 * Host tests of libos/libc/getopt.c: renames Mosaic's <getopt.h> names to
 * mosaic_*, so that they link next to glibc's, the oracle. unit.mk
 * force-includes this file in getopt.c; getopt_test.c includes glibc's
 * <getopt.h>, then this file and Mosaic's header, then this file again
 * with LIBC_NAMES_UNDO defined. No include guard, on purpose.
 */
#ifndef LIBC_NAMES_UNDO
#define getopt mosaic_getopt
#define getopt_long mosaic_getopt_long
#define getopt_long_only mosaic_getopt_long_only
#define optarg mosaic_optarg
#define optind mosaic_optind
#define opterr mosaic_opterr
#define optopt mosaic_optopt
#define option mosaic_option
#else /* LIBC_NAMES_UNDO */
#undef getopt
#undef getopt_long
#undef getopt_long_only
#undef optarg
#undef optind
#undef opterr
#undef optopt
#undef option
#endif /* LIBC_NAMES_UNDO */
