/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the libos/libc host tests: a seeded random generator,
 * so every run sees the same inputs, and memory that ends (or starts) at
 * an inaccessible page, so a read one byte too far faults under test.
 */
#ifndef TESTS_UNIT_LIBOS_LIBC_TEST_UTIL_H
#define TESTS_UNIT_LIBOS_LIBC_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Reseeds the generator; the tests call it once per test case. */
void test_rng_seed(uint64_t seed);
/* The next 64 random bits (xorshift64*). */
uint64_t test_rng(void);
/* A random number in 0..n-1 (n > 0). */
size_t test_rng_below(size_t n);

/*
 * Two read-write pages between two PROT_NONE pages, set up once. Returns
 * the first byte of the read-write area; test_guard_size() bytes follow
 * before the trailing guard page.
 */
unsigned char *test_guard_area(void);
size_t test_guard_size(void);
/* Copies (n) bytes of (src) so that they end right at the trailing guard
 * page and returns the copy. */
void *test_guard_tail(const void *src, size_t n);
/* Copies (n) bytes of (src) to the start of the area plus (align). */
void *test_guard_head(const void *src, size_t n, size_t align);

#endif /* TESTS_UNIT_LIBOS_LIBC_TEST_UTIL_H */
