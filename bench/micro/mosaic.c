/* SPDX-License-Identifier: MIT */
/*
 * bench/micro's Mosaic side: the same operations through Mosaic's own
 * microapp calls (<mosaic/mapp.h>, <mosaic/chan.h>) where they differ from
 * the POSIX ones, the memory of an idle microapp, and a CPU-bound load
 * for the -smp 1 / -smp 2 ratio. Pthreads cannot be pinned here: a new
 * thread goes to the least-loaded CPU, which micro.c checks.
 */
#include "micro.h"

#include <errno.h>
#include <mosaic/chan.h>
#include <mosaic/mapp.h>
#include <mosaic/memstats.h>
#include <stdio.h>
#include <string.h>

#define CPU_WORKERS 8

int micro_pin(int cpu)
{
	(void)cpu;
	return -ENOTSUP;
}

#define STARTED_MAX 2

static struct started {
	void (*fn)(void *arg);
	void *arg;
	mapp_t m;
} started[STARTED_MAX];

static int start_pinned(void *arg)
{
	struct started *st = arg;

	st->fn(st->arg);
	return 0;
}

int micro_start_on(int cpu, void (*fn)(void *arg), void *arg)
{
	struct mapp_opts pin = { .cpu_mask = 1ull << cpu };

	if (cpu < 0 || cpu >= STARTED_MAX)
		return -EINVAL;
	started[cpu].fn = fn;
	started[cpu].arg = arg;
	return mapp_spawn(&started[cpu].m, "started", start_pinned,
			  &started[cpu], &pin);
}

int micro_join_started(int cpu)
{
	if (cpu < 0 || cpu >= STARTED_MAX)
		return -EINVAL;
	return mapp_join(started[cpu].m, NULL);
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

static int echo_status(void *arg)
{
	return (int)(intptr_t)arg;
}

/* mapp_spawn + mapp_join of a microapp that returns at once. */
static int mapp_test_spawn(long n)
{
	struct mapp_opts cpu0 = { .cpu_mask = 1 };
	struct mapp_exit ex;
	uint64_t t0, t1;
	mapp_t m;
	long i;

	t0 = micro_now();
	for (i = 0; i < n; i++) {
		if (mapp_spawn(&m, "empty", echo_status,
			       (void *)(intptr_t)(i & 0xffff), &cpu0) ||
		    mapp_join(m, &ex))
			return -ENOMEM;
		if (ex.status != (i & 0xffff) || ex.faulted)
			return -EIO;
	}
	t1 = micro_now();
	printf("micro mspawn ops=%ld instr=%lu\n", n, (unsigned long)(t1 - t0));
	return 0;
}

/* Two microapps on CPU 0 calling mapp_yield(): n switches. */
static int mapp_test_switch(long n)
{
	struct mapp_opts cpu0 = { .cpu_mask = 1 };
	struct mapp_stats s0, s1;
	uint64_t t0, t1;
	mapp_t a, b;

	rounds = n / 2;
	if (mapp_spawn(&a, "y1", yielder, NULL, &cpu0))
		return -ENOMEM;
	if (mapp_spawn(&b, "y2", yielder, NULL, &cpu0)) {
		mapp_join(a, NULL);
		return -ENOMEM;
	}
	mapp_get_stats(&s0);
	t0 = micro_now();
	mapp_join(a, NULL);
	mapp_join(b, NULL);
	t1 = micro_now();
	mapp_get_stats(&s1);
	printf("micro mswitch ops=%ld instr=%lu switches=%lu\n", 2 * rounds,
	       (unsigned long)(t1 - t0),
	       (unsigned long)(s1.switches - s0.switches));
	return 0;
}

static struct chan *to_pong, *to_ping;
static uint64_t mwake_instr;
static unsigned int mwake_cpu[2];

/* On CPU 1: echoes each token, plus one, to CPU 0. */
static int pong(void *arg)
{
	long v, i;

	(void)arg;
	for (i = 0; i < rounds; i++) {
		if (chan_recv(to_pong, &v))
			return 1;
		v++;
		if (chan_send(to_ping, &v))
			return 1;
	}
	mwake_cpu[1] = mapp_cpu();
	return 0;
}

/* On CPU 0: sends the tokens and checks the replies. */
static int ping(void *arg)
{
	uint64_t t0;
	long v, i;

	int bad = 0;

	(void)arg;
	t0 = micro_now();
	for (i = 0; i < rounds; i++) {
		v = 2 * i;
		if (chan_send(to_pong, &v) || chan_recv(to_ping, &v))
			return 1;
		/* On: pong must finish its rounds. */
		bad |= v != 2 * i + 1;
	}
	mwake_instr = micro_now() - t0;
	mwake_cpu[0] = mapp_cpu();
	return bad;
}

/* Channel ping-pong between microapps on CPU 0 and CPU 1: n cross-CPU
 * wake-ups. */
static int mapp_test_wake(long n)
{
	struct mapp_opts cpu0 = { .cpu_mask = 1 }, cpu1 = { .cpu_mask = 2 };
	struct mapp_stats s0, s1;
	struct mapp_exit ea, eb;
	mapp_t a, b;

	if (mapp_ncpus() < 2) {
		printf("micro error: mwake needs 2 CPUs\n");
		return -EINVAL;
	}
	rounds = n / 2;
	if (chan_create(sizeof(long), 1, &to_pong) ||
	    chan_create(sizeof(long), 1, &to_ping) ||
	    mapp_spawn(&b, "pong", pong, NULL, &cpu1))
		return -ENOMEM;
	if (mapp_spawn(&a, "ping", ping, NULL, &cpu0)) {
		chan_close(to_pong);
		mapp_join(b, NULL);
		return -ENOMEM;
	}
	mapp_get_stats(&s0);
	if (mapp_join(a, &ea) || mapp_join(b, &eb) || ea.status || eb.status)
		return -EIO;
	mapp_get_stats(&s1);
	printf("micro mwake ops=%ld instr=%lu cpus=%u,%u ipis=%lu\n",
	       2 * rounds, (unsigned long)mwake_instr, mwake_cpu[0],
	       mwake_cpu[1], (unsigned long)(s1.ipis - s0.ipis));
	if (mwake_cpu[0] == mwake_cpu[1])
		return -EINVAL;
	return 0;
}

static int idle(void *arg)
{
	(void)arg;
	mapp_sleep_ns(3600ull * 1000000000ull);
	return 0;
}

/* n sleeping microapps with 4 KiB stacks; the frames they took. They stay
 * asleep until the appliance ends: run it last. */
static int mapp_test_idle(long n)
{
	struct mapp_opts small = { .stack_size = 4096 };
	struct mosaic_memstats before, after;
	struct mapp_stats st;
	long i;

	mosaic_memstats(&before);
	for (i = 0; i < n; i++) {
		if (mapp_spawn(NULL, "idle", idle, NULL, &small)) {
			printf("micro error: idle: spawn %ld failed\n", i);
			return -ENOMEM;
		}
	}
	/* Every one runs once, to its sleep. */
	mapp_yield();
	mosaic_memstats(&after);
	mapp_get_stats(&st);
	printf("micro idle ops=%ld bytes=%lu live=%u\n", n,
	       (before.ms_free_pages - after.ms_free_pages) * 4096ul, st.live);
	return 0;
}

static long burn_iters;
static volatile unsigned long sink;

static int burn(void *arg)
{
	unsigned long x = (uintptr_t)arg;
	long i;

	for (i = 0; i < burn_iters; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink += x;
	return 0;
}

/* CPU_WORKERS microapps of n million steps each, spread over every CPU:
 * the TSC delta from the first spawn to the last join. */
static int mapp_test_cpu(long n)
{
	mapp_t w[CPU_WORKERS];
	uint64_t t0, t1;
	int i;

	burn_iters = n * 1000000;
	t0 = micro_now();
	for (i = 0; i < CPU_WORKERS; i++)
		if (mapp_spawn(&w[i], "burn", burn, (void *)(uintptr_t)i, NULL))
			return -ENOMEM;
	for (i = 0; i < CPU_WORKERS; i++)
		mapp_join(w[i], NULL);
	t1 = micro_now();
	printf("micro cpu ops=%d instr=%lu cpus=%u\n", CPU_WORKERS,
	       (unsigned long)(t1 - t0), mapp_ncpus());
	return 0;
}

static const struct {
	const char *name;
	int (*run)(long n);
	long min;
} mapp_tests[] = {
	{ "mspawn", mapp_test_spawn, 1 }, { "mswitch", mapp_test_switch, 2 },
	{ "mwake", mapp_test_wake, 2 },	  { "idle", mapp_test_idle, 1 },
	{ "cpu", mapp_test_cpu, 1 },
};

int micro_side_run(const char *name, long n)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof(mapp_tests) / sizeof(mapp_tests[0]); i++) {
		if (strcmp(name, mapp_tests[i].name))
			continue;
		rc = n >= mapp_tests[i].min ? mapp_tests[i].run(n) : -EINVAL;
		if (rc) {
			printf("micro error: %s failed (%d)\n", name, rc);
			return rc;
		}
		return 1;
	}
	return 0;
}
