/* SPDX-License-Identifier: MIT */
/*
 * Integration test: optional timer preemption (mosaic.preempt=N).
 *   spin   two microapps pinned to one CPU busy-wait for each other's
 *          progress without ever yielding: only preemption lets both
 *          finish. Each keeps floating-point values in SSE registers
 *          across the loop, so a preemption that lost the FPU state
 *          would change its result.
 * Without mosaic.preempt the same test never ends (the timeout is the
 * expected outcome; see test.cfg).
 */
#include <mosaic/mapp.h>
#include <stdio.h>
#include <string.h>

#define ROUNDS 40

static volatile unsigned long progress[2];

struct worker {
	int id;
	double seed;
	double result;
};

/* The same arithmetic as worker(), without the waiting: the expected
 * result. */
static double expect(double seed)
{
	volatile double x = seed;
	int r, i;

	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < 1000; i++)
			x = x * 1.000001 + seed;
	return x;
}

static int worker(void *arg)
{
	struct worker *w = arg;
	double x = w->seed, s = w->seed;
	unsigned long seen;
	int r, i;

	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < 1000; i++)
			x = x * 1.000001 + s;
		progress[w->id] = (unsigned long)r + 1;
		/* Wait for the other one to catch up: no yield. */
		seen = progress[!w->id];
		while (seen < (unsigned long)r && seen < ROUNDS)
			seen = progress[!w->id];
	}
	w->result = x;
	return 0;
}

int main(int argc, char **argv)
{
	struct mapp_opts cpu0 = { .cpu_mask = 1 };
	struct worker w[2] = { { 0, 1.5, 0 }, { 1, -0.25, 0 } };
	mapp_t t[2];
	int i, fail = 0;

	if (argc != 2 || strcmp(argv[1], "spin")) {
		printf("TEST FAIL: usage: preempt spin\n");
		return 1;
	}
	for (i = 0; i < 2; i++)
		if (mapp_spawn(&t[i], "spinner", worker, &w[i], &cpu0)) {
			printf("TEST FAIL: spawn\n");
			return 1;
		}
	for (i = 0; i < 2; i++)
		mapp_join(t[i], NULL);
	for (i = 0; i < 2; i++) {
		if (w[i].result != expect(w[i].seed)) {
			printf("TEST FAIL: worker %d computed a wrong result\n",
			       i);
			fail = 1;
		}
	}
	if (!fail)
		printf("TEST PASS\n");
	return fail;
}
