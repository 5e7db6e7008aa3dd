/* SPDX-License-Identifier: MIT */
/*
 * Microapp costs in guest instructions, one POSIX source for both sides of
 * bench/micro.py: Mosaic (pthreads are microapps) and a static glibc
 * binary in a Linux guest, both under QEMU -icount shift=0 where the TSC
 * counts guest instructions (without -icount it is wall time). Arguments
 * are tests, NAME:COUNT each, run in order; each prints one line
 *   micro NAME ops=COUNT instr=TOTAL [more=...]
 * (TOTAL TSC ticks over all COUNT operations, for micro.py to divide), then
 * "micro done". A test that sees a wrong result prints "micro error: ..."
 * and the program exits 1.
 */
/* sched_getcpu() in glibc */
#define _GNU_SOURCE
#include "micro.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MALLOC_BATCH 8
#define MALLOC_BYTES 64

static void *echo(void *arg)
{
	return arg;
}

/* pthread_create + pthread_join of a thread that returns at once. */
static int test_spawn(long n)
{
	uint64_t t0, t1;
	pthread_t t;
	void *ret;
	long i;

	/* The first thread's stack and the allocator's first use. */
	if (pthread_create(&t, NULL, echo, NULL) || pthread_join(t, NULL))
		return -EAGAIN;
	t0 = micro_now();
	for (i = 0; i < n; i++) {
		if (pthread_create(&t, NULL, echo, (void *)i) ||
		    pthread_join(t, &ret))
			return -EAGAIN;
		if (ret != (void *)i)
			return -EIO;
	}
	t1 = micro_now();
	printf("micro spawn ops=%ld instr=%lu\n", n, (unsigned long)(t1 - t0));
	return 0;
}

static int sw_turn;
static long sw_rounds;
static unsigned long sw_yields[2];

/* Hands the turn to the other thread sw_rounds times, yielding the CPU
 * while it is not ours: each handover is one switch at least. */
static void *sw_thread(void *arg)
{
	int me = (int)(intptr_t)arg;
	unsigned long yields = 0;
	long i;

	for (i = 0; i < sw_rounds; i++) {
		while (__atomic_load_n(&sw_turn, __ATOMIC_ACQUIRE) != me) {
			sched_yield();
			yields++;
		}
		__atomic_store_n(&sw_turn, !me, __ATOMIC_RELEASE);
	}
	sw_yields[me] = yields;
	return NULL;
}

/* Yield ping-pong of two threads on one CPU: n handovers in all. */
static int test_switch(long n)
{
	pthread_t t[2];
	uint64_t t0, t1;
	int i;

	sw_rounds = n / 2;
	sw_turn = -1;
	for (i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, sw_thread, (void *)(intptr_t)i))
			return -EAGAIN;
	t0 = micro_now();
	__atomic_store_n(&sw_turn, 0, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	t1 = micro_now();
	printf("micro switch ops=%ld instr=%lu yields=%lu\n", 2 * sw_rounds,
	       (unsigned long)(t1 - t0), sw_yields[0] + sw_yields[1]);
	return 0;
}

static pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;
static volatile long mx_count;

/* Uncontended pthread_mutex_lock + unlock. */
static int test_mutex(long n)
{
	uint64_t t0, t1;
	long i;

	mx_count = 0;
	t0 = micro_now();
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&mx);
		mx_count++;
		pthread_mutex_unlock(&mx);
	}
	t1 = micro_now();
	if (mx_count != n)
		return -EIO;
	printf("micro mutex ops=%ld instr=%lu\n", n, (unsigned long)(t1 - t0));
	return 0;
}

struct wake {
	sem_t ready, ping, pong;
	long rounds;
	volatile long token;
	int failed; /* the pinger saw a wrong token */
	uint64_t instr; /* the pinger's count */
	int cpu[2]; /* sched_getcpu() at the end: pinger, ponger */
};

static void wake_pong(void *arg)
{
	struct wake *w = arg;
	long i;

	sem_post(&w->ready);
	for (i = 0; i < w->rounds; i++) {
		sem_wait(&w->ping);
		w->token++;
		sem_post(&w->pong);
	}
	w->cpu[1] = sched_getcpu();
}

static void wake_ping(void *arg)
{
	struct wake *w = arg;
	uint64_t t0;
	long i;

	sem_wait(&w->ready);
	t0 = micro_now();
	for (i = 0; i < w->rounds; i++) {
		w->token = 2 * i;
		sem_post(&w->ping);
		sem_wait(&w->pong);
		/* On: the other thread must finish its rounds. */
		if (w->token != 2 * i + 1)
			w->failed = 1;
	}
	w->instr = micro_now() - t0;
	w->cpu[0] = sched_getcpu();
}

static void *wake_thread(void *arg)
{
	micro_pin(0);
	wake_pong(arg);
	return NULL;
}

/* Semaphore ping-pong between main and a pthread on one CPU, or (cross)
 * between two threads micro_start_on() keeps on CPUs 0 and 1: 2 * rounds
 * wake-ups of a blocked thread. */
static int wake_run(const char *name, long rounds, int cross)
{
	struct wake w = { .rounds = rounds };
	pthread_t t;
	long i;
	int rc;

	if (sem_init(&w.ready, 0, 0) || sem_init(&w.ping, 0, 0) ||
	    sem_init(&w.pong, 0, 0))
		return -ENOMEM;
	if (cross) {
		if (micro_start_on(1, wake_pong, &w))
			return -EAGAIN;
		rc = micro_start_on(0, wake_ping, &w);
		if (rc) {
			/* Lets the ponger through its rounds, to end it. */
			for (i = 0; i < rounds; i++)
				sem_post(&w.ping);
		}
		if (micro_join_started(1) || rc || micro_join_started(0))
			return -EAGAIN;
	} else {
		micro_pin(0);
		if (pthread_create(&t, NULL, wake_thread, &w))
			return -EAGAIN;
		wake_ping(&w);
		pthread_join(t, NULL);
	}
	if (w.failed)
		return -EIO;
	printf("micro %s ops=%ld instr=%lu cpus=%d,%d\n", name, 2 * rounds,
	       (unsigned long)w.instr, w.cpu[0], w.cpu[1]);
	if ((w.cpu[0] != w.cpu[1]) != cross) {
		printf("micro error: %s ran on CPUs %d and %d\n", name,
		       w.cpu[0], w.cpu[1]);
		return -EINVAL;
	}
	return 0;
}

static int test_wake(long n)
{
	return wake_run("wake", n / 2, 0);
}

static int test_wakex(long n)
{
	return wake_run("wakex", n / 2, 1);
}

/* malloc + free of 64 bytes, MALLOC_BATCH live at a time. */
static int test_malloc(long n)
{
	static char *p[MALLOC_BATCH];
	uint64_t t0, t1;
	long r, rounds = n / MALLOC_BATCH;
	int i;

	/* Warm up: the size class exists before we count. */
	free(malloc(MALLOC_BYTES));
	t0 = micro_now();
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < MALLOC_BATCH; i++) {
			p[i] = malloc(MALLOC_BYTES);
			if (!p[i])
				return -ENOMEM;
			p[i][0] = (char)i;
		}
		for (i = 0; i < MALLOC_BATCH; i++) {
			if (p[i][0] != (char)i)
				return -EIO;
			free(p[i]);
		}
	}
	t1 = micro_now();
	printf("micro malloc ops=%ld instr=%lu\n", rounds * MALLOC_BATCH,
	       (unsigned long)(t1 - t0));
	return 0;
}

static const struct {
	const char *name;
	int (*run)(long n);
} tests[] = {
	{ "spawn", test_spawn }, { "switch", test_switch },
	{ "mutex", test_mutex }, { "wake", test_wake },
	{ "wakex", test_wakex }, { "malloc", test_malloc },
};

/* "NAME:COUNT" into name (at most len - 1 bytes) and *n; -EINVAL when
 * malformed or COUNT is over 10^9. */
static int parse_arg(const char *arg, char *name, size_t len, long *n)
{
	const char *colon = strchr(arg, ':'), *s;
	long v = 0;

	if (!colon || colon == arg || (size_t)(colon - arg) >= len || !colon[1])
		return -EINVAL;
	for (s = colon + 1; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000)
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (v > 1000000000)
		return -EINVAL;
	memcpy(name, arg, colon - arg);
	name[colon - arg] = '\0';
	*n = v;
	return 0;
}

static int run_one(const char *arg)
{
	char name[16];
	size_t i;
	long n;
	int rc;

	if (parse_arg(arg, name, sizeof(name), &n)) {
		printf("micro error: bad test '%s' (want NAME:COUNT)\n", arg);
		return -EINVAL;
	}
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (strcmp(name, tests[i].name))
			continue;
		/* Every test halves or batches its count. */
		rc = n >= MALLOC_BATCH ? tests[i].run(n) : -EINVAL;
		if (rc)
			printf("micro error: %s failed (%d)\n", name, rc);
		return rc;
	}
	rc = micro_side_run(name, n);
	if (rc == 0)
		printf("micro error: no test '%s' here\n", name);
	return rc == 1 ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (run_one(argv[i])) {
			fflush(stdout);
			return 1;
		}
	}
	printf("micro done\n");
	fflush(stdout);
	return 0;
}
