/* SPDX-License-Identifier: MIT */
/*
 * malloc/free fast-path cost. In the guest, run under QEMU with
 * -icount shift=0 so the TSC counts guest instructions; on the host the
 * same file builds against glibc and runs under callgrind
 * (bench/malloc.sh does both). Prints instructions per malloc+free pair.
 */
#include <stdio.h>
#include <stdlib.h>

#ifndef ROUNDS
#define ROUNDS 10000
#endif
#define BATCH 8

static unsigned long long cycles(void)
{
	return __builtin_ia32_rdtsc();
}

int main(void)
{
	static void *p[BATCH];
	unsigned long long t0, t1;
	int r, i;

	/* Warm up: slabs and per-CPU caches exist before we count. */
	for (i = 0; i < BATCH; i++)
		free(malloc(64));
	t0 = cycles();
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < BATCH; i++)
			p[i] = malloc(64);
		for (i = 0; i < BATCH; i++)
			free(p[i]);
	}
	t1 = cycles();
	printf("malloc+free of 64 bytes: %llu instructions per pair\n",
	       (t1 - t0) / (ROUNDS * BATCH));
	return 0;
}
