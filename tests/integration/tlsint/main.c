/* SPDX-License-Identifier: MIT */
/*
 * Integration test: a TLS segment aligned to less than 8 bytes (only int
 * and char thread-locals), whose template the linker places at
 * round_up(size, 4) below the thread pointer, not round_up(size, 8).
 * Every microapp must see the initial values.
 */
#include <mosaic/mapp.h>
#include <stdio.h>

static _Thread_local int tl_a = 7;
static _Thread_local char tl_b = 'q';
static _Thread_local int tl_c;

static int failures;

static int worker(void *arg)
{
	(void)arg;
	if (tl_a != 7 || tl_b != 'q' || tl_c != 0) {
		printf("TEST FAIL: a=%d b=%c c=%d\n", tl_a, tl_b, tl_c);
		__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
	}
	tl_a++;
	tl_c = 5;
	mapp_yield();
	if (tl_a != 8 || tl_c != 5) {
		printf("TEST FAIL: a=%d c=%d after a yield\n", tl_a, tl_c);
		__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

int main(void)
{
	mapp_t t[4];
	int i;

	worker(NULL); /* main's own block */
	for (i = 0; i < 4; i++)
		mapp_spawn(&t[i], "tls", worker, NULL, NULL);
	for (i = 0; i < 4; i++)
		mapp_join(t[i], NULL);
	if (!failures)
		printf("TEST PASS\n");
	return failures != 0;
}
