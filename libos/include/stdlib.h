/* SPDX-License-Identifier: MIT */
/*
 * The start of <stdlib.h>: memory and process exit. The libc issue (#5)
 * completes it.
 */
#ifndef MOSAIC_STDLIB_H
#define MOSAIC_STDLIB_H

#include <stddef.h>
#include <stdint.h>

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

/* Random numbers for keys and nonces, from the kernel's CSPRNG (ChaCha20
 * seeded from RDRAND); never blocks, safe in every thread.
 * arc4random_uniform(n) is uniform in [0, n) (0 for n < 2). */
uint32_t arc4random(void);
void arc4random_buf(void *buf, size_t len);
uint32_t arc4random_uniform(uint32_t n);

/* Multibyte characters in the C locale (one byte each; bytes >= 0x80
 * are EILSEQ); <wchar.h> has the restartable forms. */
#ifndef MB_CUR_MAX
#define MB_CUR_MAX ((size_t)1)
#endif
int mblen(const char *s, size_t n);
int mbtowc(wchar_t *wc, const char *s, size_t n);
int wctomb(char *s, wchar_t wc);
size_t mbstowcs(wchar_t *dst, const char *src, size_t n);
size_t wcstombs(char *dst, const wchar_t *src, size_t n);

/* Number parsing */
/*
 * strtod, strtof, strtold (C11 7.22.1.3): skip white space, then read an
 * optional sign and one of: a decimal number with an optional exponent
 * ("1.5e-3"), a hexadecimal one ("0x1.8p3", binary exponent), "inf" or
 * "infinity", "nan" or "nan(chars)" (any case; a chars that is a whole
 * number in strtoull(,,0) form sets the NaN's payload, as glibc). The
 * result is correctly rounded to nearest-even (long double: x87 80-bit).
 * Returns the value; on overflow +-HUGE_VAL(F/L) and errno ERANGE; on a
 * result that is subnormal and inexact, or rounds to zero, that result and
 * errno ERANGE (glibc's rule). With no number, returns 0 and *(end) =
 * (s). (end), if not NULL, receives the first character not used. Very
 * long or extreme strtold inputs take heap memory; without it, 0 and errno
 * ENOMEM. Never yields; thread-safe; errno is changed only on error.
 */
double strtod(const char *restrict s, char **restrict end);
float strtof(const char *restrict s, char **restrict end);
long double strtold(const char *restrict s, char **restrict end);
/* strtod(s, NULL). */
double atof(const char *s);

/*
 * strtol, strtoll, strtoul, strtoull (C11 7.22.1.4): skip white space,
 * read an optional sign and digits in (base), 2 to 36 (letters are 10-35,
 * any case), or 0: "0x" means 16, a leading "0" 8, else 10. Base 16 also
 * accepts the "0x". "0x" with no hex digit after it reads as "0", *(end)
 * pointing at the x. The unsigned forms negate in their type after a
 * minus sign. Returns the value; out of range, LONG_MIN/LONG_MAX
 * (ULONG_MAX, ...) and errno ERANGE; with no digits, 0 and *(end) = (s);
 * an invalid (base), 0 and errno EINVAL, *(end) left alone (as glibc).
 */
long strtol(const char *restrict s, char **restrict end, int base);
long long strtoll(const char *restrict s, char **restrict end, int base);
unsigned long strtoul(const char *restrict s, char **restrict end, int base);
unsigned long long strtoull(const char *restrict s, char **restrict end,
			    int base);
/* strtol(s, NULL, 10), truncated to int for atoi. */
int atoi(const char *s);
long atol(const char *s);
long long atoll(const char *s);

#endif /* MOSAIC_STDLIB_H */
