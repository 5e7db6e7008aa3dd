/* SPDX-License-Identifier: MIT */
/*
 * Integration test: microapps on every CPU. Each subcommand prints
 * "TEST PASS" or "TEST FAIL: why" and returns 0 or 1.
 *   spawn N       N microapps spawned and joined, in waves; each one's
 *                 status comes back, and the scheduler's books balance
 *   sleep         sleeps on every CPU never end early, and the monotonic
 *                 clock never goes backwards on any CPU
 *   cpus          CPU-bound microapps keep every CPU busy
 *   yield         microapps pinned to one CPU take turns fairly
 *   supervise K   a child that faults with K (null, overflow, div, ud,
 *                 abort, assert, doublefree, status) on its first two runs is
 *                 restarted while counters on other CPUs keep counting
 *   giveup        a child that always faults exhausts its restart budget
 *   mainfault     a fault in main() still ends the image with a panic
 *   uaf           a write after free ends a microapp; its restart on the
 *                 same CPU gets clean objects
 *   churn         32 microapps wake each other, yield and time out in a
 *                 tangle for a while: every one of them finishes
 */
#include <assert.h>
#include <mosaic/mapp.h>
#include <mosaic/sync.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <itest.h>

#define WAVE 500
#define MAX_CPUS 64

static long parse(const char *s)
{
	long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

/* --- spawn -------------------------------------------------------------- */

static unsigned long ran;

static int add_one(void *arg)
{
	__atomic_fetch_add(&ran, 1, __ATOMIC_RELAXED);
	return (int)((uintptr_t)arg & 0x7f);
}

static int test_spawn(long n)
{
	static mapp_t wave[WAVE];
	struct mapp_opts small = { .stack_size = 4096 };
	struct mapp_stats before, after;
	struct mapp_exit ex;
	long done = 0, i, k;

	mapp_get_stats(&before);
	while (done < n) {
		k = n - done < WAVE ? n - done : WAVE;
		for (i = 0; i < k; i++) {
			int rc = mapp_spawn(&wave[i], "worker", add_one,
					    (void *)(uintptr_t)(done + i),
					    &small);
			if (rc) {
				CHECK(0, "spawn %ld failed: %d", done + i, rc);
				return 1;
			}
		}
		for (i = 0; i < k; i++) {
			mapp_join(wave[i], &ex);
			CHECK(!ex.faulted && ex.status == ((done + i) & 0x7f),
			      "task %ld ended with %d (fault %d)", done + i,
			      ex.status, ex.faulted);
		}
		done += k;
	}
	mapp_get_stats(&after);
	CHECK(ran == (unsigned long)n, "%lu of %ld ran", ran, n);
	CHECK(after.spawned - before.spawned == (uint64_t)n, "spawned %lu",
	      (unsigned long)(after.spawned - before.spawned));
	CHECK(after.exited - before.exited == (uint64_t)n, "exited %lu",
	      (unsigned long)(after.exited - before.exited));
	CHECK(after.live == before.live, "live %u, was %u", after.live,
	      before.live);
	printf("spawned and joined %ld microapps on %u CPUs\n", n,
	       mapp_ncpus());
	return failures != 0;
}

/* --- sleep and the clock ---------------------------------------------- */

struct sleeper {
	unsigned int seed;
	int early;
	int backwards;
};

/* Last clock reading seen on each CPU; a CPU's own reads must never go
 * down. Updated with a CAS so readers on one CPU agree. */
static uint64_t last_seen[MAX_CPUS];

static int clock_step(void)
{
	unsigned int cpu = mapp_cpu();
	uint64_t t, prev;

	/* Interleaved with other microapps on this CPU only at yields, so
	 * read-then-publish cannot race on one CPU. */
	t = now_ns();
	prev = __atomic_load_n(&last_seen[cpu % MAX_CPUS], __ATOMIC_RELAXED);
	if (t < prev)
		return 1;
	__atomic_store_n(&last_seen[cpu % MAX_CPUS], t, __ATOMIC_RELAXED);
	return 0;
}

static int sleeper(void *arg)
{
	struct sleeper *s = arg;
	int i;

	for (i = 0; i < 20; i++) {
		uint64_t ns, t0, t1;

		s->seed = s->seed * 1103515245u + 12345u;
		ns = (s->seed >> 8) % 2000000; /* up to 2 ms */
		t0 = now_ns();
		mapp_sleep_ns(ns);
		t1 = now_ns();
		if (t1 - t0 < ns)
			s->early++;
		s->backwards += clock_step();
		mapp_yield();
		s->backwards += clock_step();
	}
	return 0;
}

static int test_sleep(void)
{
	struct sleeper s[16];
	mapp_t t[16];
	int i;

	for (i = 0; i < 16; i++) {
		s[i] = (struct sleeper){ .seed = (unsigned int)i * 7919u + 1 };
		CHECK(mapp_spawn(&t[i], "sleeper", sleeper, &s[i], NULL) == 0,
		      "spawn sleeper");
	}
	for (i = 0; i < 16; i++) {
		mapp_join(t[i], NULL);
		CHECK(s[i].early == 0, "sleeper %d woke early %d times", i,
		      s[i].early);
		CHECK(s[i].backwards == 0, "sleeper %d saw the clock go back",
		      i);
	}
	return failures != 0;
}

/* --- all CPUs busy ------------------------------------------------------ */

static volatile int stop_spinning;

static int spinner(void *arg)
{
	unsigned long n = 0;

	(void)arg;
	while (!__atomic_load_n(&stop_spinning, __ATOMIC_RELAXED)) {
		n++;
		if ((n & 0xfff) == 0)
			mapp_yield();
	}
	return 0;
}

static int test_cpus(void)
{
	unsigned int ncpus = mapp_ncpus(), i;
	uint64_t base[MAX_CPUS];
	mapp_t t[2 * MAX_CPUS];
	int busy = 0;

	for (i = 0; i < ncpus && i < MAX_CPUS; i++)
		base[i] = mapp_cpu_switches(i);
	for (i = 0; i < 2 * ncpus && i < 2 * MAX_CPUS; i++)
		CHECK(mapp_spawn(&t[i], "spinner", spinner, NULL, NULL) == 0,
		      "spawn spinner");
	/* Until every CPU has switched into a microapp, with a bound. */
	for (i = 0; i < 100000 && busy < (int)ncpus; i++) {
		unsigned int c;

		busy = 0;
		for (c = 0; c < ncpus && c < MAX_CPUS; c++)
			busy += mapp_cpu_switches(c) > base[c];
		mapp_yield();
	}
	__atomic_store_n(&stop_spinning, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2 * ncpus && i < 2 * MAX_CPUS; i++)
		mapp_join(t[i], NULL);
	CHECK(busy == (int)ncpus, "only %d of %u CPUs ran microapps", busy,
	      ncpus);
	printf("microapps ran on all %u CPUs\n", ncpus);
	return failures != 0;
}

/* --- yield ------------------------------------------------------------- */

static int turn_log[64];
static int turn_len;
static int go;

static int taker(void *arg)
{
	int id = (int)(uintptr_t)arg, i;

	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		mapp_yield();
	for (i = 0; i < 4; i++) {
		turn_log[turn_len++] = id; /* one CPU: no race */
		mapp_yield();
	}
	return 0;
}

static int test_yield(void)
{
	struct mapp_opts cpu0 = { .cpu_mask = 1 };
	mapp_t t[3];
	int i;

	for (i = 0; i < 3; i++)
		CHECK(mapp_spawn(&t[i], "taker", taker, (void *)(uintptr_t)i,
				 &cpu0) == 0,
		      "spawn taker");
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 3; i++)
		mapp_join(t[i], NULL);
	CHECK(turn_len == 12, "%d turns", turn_len);
	/* FIFO run queue: once all three run, they alternate. */
	for (i = 3; i < turn_len; i++)
		CHECK(turn_log[i] == turn_log[i - 3],
		      "turn %d went to %d, expected %d", i, turn_log[i],
		      turn_log[i - 3]);
	return failures != 0;
}

/* --- supervision ------------------------------------------------------- */

static const char *fault_kind;
static int runs;
static unsigned long counted;

/* noipa: the compiler may not see that these fault or never end. */
__attribute__((noinline, noipa)) static int recurse(volatile char *prev,
						    int depth, int limit)
{
	volatile char frame[256];

	frame[0] = (char)depth;
	if (prev)
		frame[1] = prev[0];
	if (depth == limit)
		return frame[1];
	return recurse(frame, depth + 1, limit) + frame[1];
}

__attribute__((noinline, noipa)) static int divide(int a, int b)
{
	return a / b;
}

__attribute__((noinline, noipa)) static int peek(volatile int *p)
{
	return *p;
}

static int flaky(void *arg)
{
	volatile int zero = 0;
	char *p;

	(void)arg;
	if (__atomic_add_fetch(&runs, 1, __ATOMIC_RELAXED) > 2)
		return 0;
	if (!strcmp(fault_kind, "null"))
		return peek(NULL);
	if (!strcmp(fault_kind, "overflow"))
		return recurse(NULL, 0, 1 << 30);
	if (!strcmp(fault_kind, "div"))
		return divide(1000, zero);
	if (!strcmp(fault_kind, "ud"))
		__asm__ volatile("ud2");
	if (!strcmp(fault_kind, "abort"))
		abort();
	if (!strcmp(fault_kind, "assert"))
		assert(zero == 1);
	if (!strcmp(fault_kind, "doublefree")) {
		p = malloc(32);
		free(p);
		free(p);
	}
	return 3; /* "status": a plain failure */
}

static int counter(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop_spinning, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&counted, 1, __ATOMIC_RELAXED);
		mapp_yield();
	}
	return 0;
}

static int test_supervise(const char *kind)
{
	struct mapp_policy policy = { MAPP_RESTART_ON_FAILURE, 5, 0 };
	struct mapp_opts small = { .stack_size = 8192 };
	unsigned long before;
	struct mapp_exit ex;
	mapp_t sup, c[2];
	int i;

	fault_kind = kind;
	for (i = 0; i < 2; i++)
		CHECK(mapp_spawn(&c[i], "counter", counter, NULL, NULL) == 0,
		      "spawn counter");
	before = __atomic_load_n(&counted, __ATOMIC_RELAXED);
	CHECK(mapp_supervise(&sup, "flaky", flaky, NULL, &small, &policy) == 0,
	      "supervise");
	mapp_join(sup, &ex);
	CHECK(runs == 3, "child ran %d times", runs);
	CHECK(ex.restarts == 2, "%u restarts", ex.restarts);
	CHECK(!ex.faulted && ex.status == 0, "last run: status %d fault %d",
	      ex.status, ex.faulted);
	/* The rest of the appliance kept working meanwhile. */
	for (i = 0; i < 1000 && counted == before; i++)
		mapp_yield();
	CHECK(counted > before, "counters stopped");
	__atomic_store_n(&stop_spinning, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 2; i++)
		mapp_join(c[i], NULL);
	return failures != 0;
}

/* Run 1 writes into a freed object, so its next malloc() finds the
 * poison broken and faults; run 2 (same CPU, same magazine) must then get
 * clean objects. */
static int uaf_child(void *arg)
{
	volatile char *p;

	(void)arg;
	if (__atomic_add_fetch(&runs, 1, __ATOMIC_RELAXED) == 1) {
		p = malloc(64);
		free((void *)p);
		p[40] = 1;
		p = malloc(64);
		return p != NULL; /* not reached */
	}
	free(malloc(64));
	return 0;
}

static int test_uaf(void)
{
	struct mapp_policy policy = { MAPP_RESTART_ON_FAILURE, 3, 0 };
	struct mapp_opts cpu0 = { .cpu_mask = 1 };
	struct mapp_exit ex;
	mapp_t sup;

	CHECK(mapp_supervise(&sup, "uaf", uaf_child, NULL, &cpu0, &policy) == 0,
	      "supervise");
	mapp_join(sup, &ex);
	CHECK(runs == 2 && ex.restarts == 1 && !ex.faulted,
	      "runs %d restarts %u faulted %d", runs, ex.restarts, ex.faulted);
	return failures != 0;
}

static int always_faults(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&runs, 1, __ATOMIC_RELAXED);
	return peek((volatile int *)8);
}

static int test_giveup(void)
{
	struct mapp_policy policy = { MAPP_RESTART_ON_FAILURE, 3,
				      60ull * 1000000000ull };
	struct mapp_exit ex;
	mapp_t sup;

	CHECK(mapp_supervise(&sup, "doomed", always_faults, NULL, NULL,
			     &policy) == 0,
	      "supervise");
	mapp_join(sup, &ex);
	CHECK(runs == 4, "child ran %d times", runs);
	CHECK(ex.restarts == 3, "%u restarts", ex.restarts);
	CHECK(ex.faulted && strstr(ex.fault, "NULL pointer"),
	      "last run: fault %d \"%s\"", ex.faulted, ex.fault);
	return failures != 0;
}

/* --- churn ------------------------------------------------------------ */

#define CHURNERS 32

static struct mapp_sem churn_sem[CHURNERS];
static unsigned long churn_done;

static int churner(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg, i;

	for (i = 0; i < 300; i++) {
		mapp_sem_up(&churn_sem[(id * 7 + i) % CHURNERS]);
		if (i % 3 == 0)
			mapp_yield();
		mapp_sem_timeddown(&churn_sem[id], now_ns() + 200000);
	}
	__atomic_fetch_add(&churn_done, 1, __ATOMIC_RELAXED);
	return 0;
}

static int test_churn(void)
{
	mapp_t t[CHURNERS];
	unsigned int i;

	for (i = 0; i < CHURNERS; i++)
		mapp_sem_init(&churn_sem[i], 0);
	for (i = 0; i < CHURNERS; i++)
		CHECK(mapp_spawn(&t[i], "churn", churner, (void *)(uintptr_t)i,
				 NULL) == 0,
		      "spawn churner");
	for (i = 0; i < CHURNERS; i++)
		mapp_join(t[i], NULL);
	CHECK(churn_done == CHURNERS, "%lu of %d finished", churn_done,
	      CHURNERS);
	return failures != 0;
}

int main(int argc, char **argv)
{
	int rc = 1;

	if (argc < 2) {
		printf("TEST FAIL: no subcommand\n");
		return 1;
	}
	if (!strcmp(argv[1], "spawn") && argc == 3)
		rc = test_spawn(parse(argv[2]));
	else if (!strcmp(argv[1], "sleep"))
		rc = test_sleep();
	else if (!strcmp(argv[1], "cpus"))
		rc = test_cpus();
	else if (!strcmp(argv[1], "yield"))
		rc = test_yield();
	else if (!strcmp(argv[1], "supervise") && argc == 3)
		rc = test_supervise(argv[2]);
	else if (!strcmp(argv[1], "giveup"))
		rc = test_giveup();
	else if (!strcmp(argv[1], "uaf"))
		rc = test_uaf();
	else if (!strcmp(argv[1], "churn"))
		rc = test_churn();
	else if (!strcmp(argv[1], "mainfault"))
		return peek((volatile int *)16);
	else
		printf("TEST FAIL: unknown subcommand %s\n", argv[1]);
	if (rc == 0 && failures == 0)
		printf("TEST PASS\n");
	return rc;
}
