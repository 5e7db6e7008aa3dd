/* SPDX-License-Identifier: MIT */
/*
 * Scheduler figures for bench/sched.sh. Under QEMU -icount shift=0 the TSC
 * counts guest instructions (all vCPUs together), so the per-operation
 * figures are instruction counts that repeat exactly; without -icount the
 * TSC is real time.
 *   switch N   cooperative switches: two microapps on one CPU yielding
 *   spawn N    spawn + join of an empty microapp
 *   wake N     cross-CPU wake-ups: a microapp on CPU 0 and one on CPU 1
 *              hand a token back and forth over two channels
 *   cpu W      W CPU-bound microapps of fixed work; elapsed time
 *   idle N     N idle microapps with 4 KiB stacks; memory each
 */
#include <mosaic/chan.h>
#include <mosaic/mapp.h>
#include <mosaic/memstats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static long parse(const char *s)
{
	long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static long rounds;

static int yielder(void *arg)
{
	long i;

	(void)arg;
	for (i = 0; i < rounds; i++)
		mapp_yield();
	return 0;
}

static int nothing(void *arg)
{
	(void)arg;
	return 0;
}

static struct chan *to_pong, *to_ping;

/* On CPU 1: every token it receives was sent from CPU 0, where the
 * sender then blocks on the reply: two cross-CPU wake-ups a round. */
static int pong(void *arg)
{
	long v, i;

	(void)arg;
	for (i = 0; i < rounds; i++) {
		chan_recv(to_pong, &v);
		chan_send(to_ping, &v);
	}
	return 0;
}

static volatile unsigned long sink;

static int burn(void *arg)
{
	unsigned long x = (uintptr_t)arg, i;

	for (i = 0; i < 100000000ul; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink += x;
	return 0;
}

static int idle(void *arg)
{
	(void)arg;
	mapp_sleep_ns(3600ull * 1000000000ull);
	return 0;
}

int main(int argc, char **argv)
{
	/* main() starts on CPU 0 (the least-loaded CPU at boot, tie to the
	 * boot CPU) and is woken back there: CPU 1 is busy then. */
	struct mapp_opts cpu0 = { .cpu_mask = 1 }, cpu1 = { .cpu_mask = 2 };
	uint64_t t0, t1;
	long n, i;
	mapp_t a, b;

	if (argc != 3) {
		printf("usage: switch|spawn|wake|cpu|idle N\n");
		return 1;
	}
	n = parse(argv[2]);
	if (!strcmp(argv[1], "switch")) {
		rounds = n;
		mapp_spawn(&a, "y1", yielder, NULL, &cpu0);
		mapp_spawn(&b, "y2", yielder, NULL, &cpu0);
		t0 = tsc();
		mapp_join(a, NULL);
		mapp_join(b, NULL);
		t1 = tsc();
		printf("switch: %lu instructions per switch\n",
		       (unsigned long)((t1 - t0) / (2 * n)));
	} else if (!strcmp(argv[1], "spawn")) {
		t0 = tsc();
		for (i = 0; i < n; i++) {
			mapp_spawn(&a, "empty", nothing, NULL, &cpu0);
			mapp_join(a, NULL);
		}
		t1 = tsc();
		printf("spawn: %lu instructions per spawn+join\n",
		       (unsigned long)((t1 - t0) / n));
	} else if (!strcmp(argv[1], "wake")) {
		if (mapp_ncpus() < 2) {
			printf("wake: needs 2 CPUs\n");
			return 1;
		}
		long v;

		rounds = n;
		if (chan_create(sizeof(long), 1, &to_pong) ||
		    chan_create(sizeof(long), 1, &to_ping)) {
			printf("wake: no channels\n");
			return 1;
		}
		mapp_spawn(&b, "pong", pong, NULL, &cpu1);
		t0 = tsc();
		for (i = 0; i < n; i++) {
			chan_send(to_pong, &i);
			chan_recv(to_ping, &v);
		}
		t1 = tsc();
		mapp_join(b, NULL);
		printf("wake: %lu instructions per cross-CPU wake-up\n",
		       (unsigned long)((t1 - t0) / (2 * n)));
	} else if (!strcmp(argv[1], "cpu")) {
		mapp_t w[64];

		if (n > 64)
			n = 64;
		t0 = tsc();
		for (i = 0; i < n; i++)
			mapp_spawn(&w[i], "burn", burn, (void *)(uintptr_t)i,
				   NULL);
		for (i = 0; i < n; i++)
			mapp_join(w[i], NULL);
		t1 = tsc();
		printf("cpu: %ld workers on %u CPUs: %lu cycles\n", n,
		       mapp_ncpus(), (unsigned long)(t1 - t0));
	} else if (!strcmp(argv[1], "idle")) {
		struct mapp_opts small = { .stack_size = 4096 };
		struct mosaic_memstats before, after;
		struct mapp_stats st;

		mosaic_memstats(&before);
		for (i = 0; i < n; i++) {
			if (mapp_spawn(NULL, "idle", idle, NULL, &small)) {
				printf("idle: spawn %ld failed\n", i);
				return 1;
			}
		}
		mapp_yield();
		mosaic_memstats(&after);
		mapp_get_stats(&st);
		printf("idle: %ld microapps (%u live), %lu bytes each\n", n,
		       st.live,
		       (unsigned long)((before.ms_free_pages -
					after.ms_free_pages) *
				       4096 / n));
		return 0;
	}
	return 0;
}
