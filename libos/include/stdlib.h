/* SPDX-License-Identifier: MIT */
/*
 * The start of <stdlib.h>: memory and process exit. The libc issue (#5)
 * completes it.
 */
#ifndef MOSAIC_STDLIB_H
#define MOSAIC_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/* Runs atexit handlers (last registered first), flushes stdio, ends the
 * image with `status` (0..125 reach the host; see docs/architecture.md). */
void exit(int status) __attribute__((noreturn));
/* Ends the image at once: no handlers, no flush. */
void _Exit(int status) __attribute__((noreturn));
/* Ends the calling microapp with a fault record (backtrace included);
 * in main(), the image with a panic record. */
void abort(void) __attribute__((noreturn));
/* Registers fn for exit(); returns 0, or -1 when 32 are registered. */
int atexit(void (*fn)(void));

/*
 * The heap: 16-byte aligned blocks; a failure returns NULL with errno
 * ENOMEM. A double free, a free of a pointer the heap never returned or
 * corrupted heap metadata ends the calling microapp with a fault record
 * naming the violation (in main(), the image, with a panic record).
 */
void *malloc(size_t size);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
/* align must be a power of two; NULL otherwise. */
void *aligned_alloc(size_t align, size_t size);
/* 0, EINVAL (align not a power-of-two multiple of sizeof(void *)) or
 * ENOMEM; *out is set only on success. */
int posix_memalign(void **out, size_t align, size_t size);

int abs(int v);
long labs(long v);

/* Searching, sorting, environment, random numbers */

/*
 * Sorts the (n) elements of (size) bytes at (base) into the ascending
 * order of (cmp), which returns <0, 0 or >0 like strcmp. Not stable.
 * O(n log n) calls of (cmp) in the worst case (introsort), O(log n) stack,
 * no allocation. An inconsistent (cmp) leaves the order unspecified but
 * never makes qsort touch memory outside the array.
 */
void qsort(void *base, size_t n, size_t size,
	   int (*cmp)(const void *, const void *));
/*
 * Searches the (n) elements of (size) bytes at (base), sorted by (cmp),
 * for one equal to (key); cmp(key, element) is called with (key) first.
 * Returns such an element (any one of several equal ones) or NULL.
 */
void *bsearch(const void *key, const void *base, size_t n, size_t size,
	      int (*cmp)(const void *, const void *));

/*
 * The environment, `environ` (set from the image command line before
 * main()). None of these functions is thread-safe; callers serialize
 * them, and getenv against them.
 *
 * getenv: the value of (name), pointing into the environment (valid until
 * that name is next changed), or NULL when it is not set.
 * setenv: sets (name) to a copy of (value), unless it is already set and
 * (overwrite) is 0. 0, or -1 with errno EINVAL ((name) NULL, empty or
 * containing '='; (value) NULL) or ENOMEM.
 * unsetenv: removes every entry for (name); 0 (also when none), or -1
 * with errno EINVAL as for setenv.
 * putenv: puts (string), "NAME=value", itself into the environment, so a
 * later change to it changes the variable (the caller keeps it alive).
 * A string without '=' removes NAME, as glibc does. 0, or -1 with errno
 * ENOMEM (or EINVAL, as for unsetenv).
 */
char *getenv(const char *name);
int setenv(const char *name, const char *value, int overwrite);
int unsetenv(const char *name);
int putenv(char *string);

#define RAND_MAX 2147483647
/*
 * Pseudo-random numbers in 0..RAND_MAX, glibc's generator and sequences:
 * rand() and random() share one state, which srand() and srandom() seed
 * (as if seeded with 1 before the first call). Not thread-safe; the state
 * is shared by every microapp. Never use them for secrets.
 */
int rand(void);
void srand(unsigned int seed);
long random(void);
void srandom(unsigned int seed);
/* Like rand, but with all its state in *(seed), so reentrant; glibc's
 * sequence for the same seed. */
int rand_r(unsigned int *seed);

/* Quotient (rounded toward zero) and remainder, computed together. */
typedef struct {
	int quot;
	int rem;
} div_t;
typedef struct {
	long quot;
	long rem;
} ldiv_t;
typedef struct {
	long long quot;
	long long rem;
} lldiv_t;

/* (num) / (den) and (num) % (den); (den) 0 or an overflowing quotient
 * (INT_MIN / -1) is undefined, as for the operators. */
div_t div(int num, int den);
ldiv_t ldiv(long num, long den);
lldiv_t lldiv(long long num, long long den);
/* |v|; undefined for LLONG_MIN. */
long long llabs(long long v);

#endif /* MOSAIC_STDLIB_H */
