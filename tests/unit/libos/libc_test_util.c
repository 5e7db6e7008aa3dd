/* SPDX-License-Identifier: MIT */
/* Helpers for the libos/libc host tests (libc_test_util.h). */
#include "libc_test_util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t rng_state = 1;

void test_rng_seed(uint64_t seed)
{
	rng_state = seed ? seed : 1;
}

uint64_t test_rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

size_t test_rng_below(size_t n)
{
	return (size_t)(test_rng() % n);
}

static unsigned char *guard_area;

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

unsigned char *test_guard_area(void)
{
	size_t page = page_size();
	unsigned char *map;

	if (guard_area)
		return guard_area;
	map = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		abort();
	if (mprotect(map, page, PROT_NONE) ||
	    mprotect(map + 3 * page, page, PROT_NONE))
		abort();
	guard_area = map + page;
	return guard_area;
}

size_t test_guard_size(void)
{
	return 2 * page_size();
}

void *test_guard_tail(const void *src, size_t n)
{
	unsigned char *dst = test_guard_area() + test_guard_size() - n;

	memcpy(dst, src, n);
	return dst;
}

void *test_guard_head(const void *src, size_t n, size_t align)
{
	unsigned char *dst = test_guard_area() + align;

	memcpy(dst, src, n);
	return dst;
}
