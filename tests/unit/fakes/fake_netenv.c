/* SPDX-License-Identifier: MIT */
/* A settable clock, a seeded generator and a malloc heap for the network
 * stack's host tests (fake_netenv.h). */
#include "fake_netenv.h"

#include <kernel/heap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t now_ns;
static uint64_t prng_state = 1;
static unsigned int fail_countdown;
static size_t heap_live;

void fake_net_set_time(uint64_t ns)
{
	now_ns = ns;
}

void fake_net_advance(uint64_t ns)
{
	now_ns += ns;
}

void fake_net_seed(uint64_t seed)
{
	prng_state = seed;
}

uint64_t net_now_ns(void)
{
	return now_ns;
}

/* splitmix64: every seed (0 included) gives a full-period sequence. */
uint64_t fake_net_rand64(void)
{
	uint64_t z = (prng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void net_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		uint64_t v = fake_net_rand64();
		size_t n = len < sizeof(v) ? len : sizeof(v);
		memcpy(p, &v, n);
		p += n;
		len -= n;
	}
}

void fake_net_heap_fail_at(unsigned int nth)
{
	fail_countdown = nth;
}

size_t fake_net_heap_live(void)
{
	return heap_live;
}

void *heap_alloc(size_t size)
{
	if (fail_countdown != 0 && --fail_countdown == 0)
		return NULL;
	void *p = malloc(size != 0 ? size : 1);
	if (p != NULL)
		heap_live++;
	return p;
}

void *heap_calloc(size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	void *p = heap_alloc(n * size);
	if (p != NULL)
		memset(p, 0, n * size);
	return p;
}

void heap_free(void *p)
{
	if (p == NULL)
		return;
	heap_live--;
	free(p);
}

void heap_violation(const char *what, const void *ptr)
{
	fprintf(stderr, "heap violation: %s at %p\n", what, ptr);
	abort();
}
