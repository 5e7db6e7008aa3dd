/* SPDX-License-Identifier: MIT */
/*
 * Integration test: sleeping locks (<mosaic/sync.h>) between microapps on
 * every CPU. Each subcommand prints "TEST PASS" or "TEST FAIL: why".
 *   mutex T N   T microapps add 1 to a plain counter N times each under
 *               a mutex (yielding inside now and then, so others queue):
 *               the total is exact and nobody was ever inside together
 *   cond        producers and consumers over a 4-slot queue with two
 *               condition variables: every item arrives once; timed
 *               waits time out no earlier than their deadline
 *   sem         a semaphore of 3 units bounds its holders; units handed
 *               to a waiter skip the count; timed downs time out
 *   rwlock      readers together, writers alone; a stream of readers
 *               cannot starve a writer
 *   misuse      a microapp that unlocks a mutex it does not own is ended
 *               by a fault; the others go on
 *   race        posters hand semaphore units to waiters whose deadlines
 *               are a few microseconds away: every unit posted is taken
 *               once or left in the count, none lost or doubled
 *   pingpong    two microapps on CPU 0 hand a token back and forth with
 *               two semaphores: alone there, a post switches straight to
 *               the woken one (it has the token before the post
 *               returns); with a third microapp yielding on CPU 0 in a
 *               loop, it runs between the rounds (the direct switch does
 *               not jump the queue); every token arrives once, in order
 */
#include <mosaic/mapp.h>
#include <mosaic/sync.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <itest.h>

#define MAX_TASKS 64

static long parse(const char *s)
{
	long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

/* Spawns n microapps running fn(arg) and joins them; returns how many
 * did not end with status 0. */
static int run_all(const char *name, int n, int (*fn)(void *), void *arg)
{
	static mapp_t t[MAX_TASKS];
	struct mapp_exit ex;
	int bad = 0, i;

	for (i = 0; i < n; i++) {
		if (mapp_spawn(&t[i], name, fn, arg, NULL) != 0) {
			CHECK(0, "spawn %s %d failed", name, i);
			break;
		}
	}
	while (i-- > 0) {
		if (mapp_join(t[i], &ex) != 0 || ex.faulted || ex.status != 0)
			bad++;
	}
	return bad;
}

/* --- mutex --------------------------------------------------------------- */

static struct mapp_mutex mtx; /* static: ready without set-up */
static unsigned long counter; /* [mtx] */
static int inside, overlaps; /* [a] */
static long rounds;

static int count_task(void *arg)
{
	(void)arg;
	for (long i = 0; i < rounds; i++) {
		unsigned long v;

		if (i % 3 == 0) {
			while (!mapp_mutex_trylock(&mtx))
				mapp_yield();
		} else {
			mapp_mutex_lock(&mtx);
		}
		if (__atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST) != 1)
			__atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
		v = counter;
		if (i % 16 == 0)
			mapp_yield(); /* others queue on the mutex meanwhile */
		counter = v + 1;
		__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
		mapp_mutex_unlock(&mtx);
	}
	return 0;
}

static int test_mutex(int tasks, long n)
{
	uint64_t t0 = now_ns();

	if (tasks < 1 || tasks > MAX_TASKS || n < 1) {
		CHECK(0, "bad arguments");
		return 1;
	}
	rounds = n;
	CHECK(run_all("counter", tasks, count_task, NULL) == 0,
	      "a counter task failed");
	CHECK(counter == (unsigned long)tasks * (unsigned long)n,
	      "counter %lu, expected %lu", counter,
	      (unsigned long)tasks * (unsigned long)n);
	CHECK(overlaps == 0, "%d overlaps inside the mutex", overlaps);
	CHECK(mapp_mutex_trylock(&mtx), "mutex left locked");
	mapp_mutex_unlock(&mtx);
	printf("mutex: %d tasks x %ld = %lu on %u CPUs in %llu ms\n", tasks, n,
	       counter, mapp_ncpus(),
	       (unsigned long long)((now_ns() - t0) / 1000000));
	return failures != 0;
}

/* --- cond ---------------------------------------------------------------- */

#define QCAP 4
#define ITEMS 3000
#define NPROD 4

static struct mapp_mutex qlock;
static struct mapp_cond not_full, not_empty;
static unsigned long queue[QCAP], qhead, qcount, qsum; /* [qlock] */

static int producer(void *arg)
{
	(void)arg;
	for (unsigned long i = 1; i <= ITEMS; i++) {
		mapp_mutex_lock(&qlock);
		while (qcount == QCAP)
			mapp_cond_wait(&not_full, &qlock);
		queue[(qhead + qcount++) % QCAP] = i;
		mapp_cond_signal(&not_empty);
		mapp_mutex_unlock(&qlock);
	}
	return 0;
}

static int consumer(void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < ITEMS; i++) {
		mapp_mutex_lock(&qlock);
		while (qcount == 0)
			mapp_cond_wait(&not_empty, &qlock);
		qsum += queue[qhead];
		qhead = (qhead + 1) % QCAP;
		qcount--;
		mapp_cond_signal(&not_full);
		mapp_mutex_unlock(&qlock);
	}
	return 0;
}

static int prodcons(void *arg)
{
	return arg ? producer(NULL) : consumer(NULL);
}

static int test_cond(void)
{
	static mapp_t t[2 * NPROD];
	struct mapp_exit ex;
	uint64_t deadline;
	int i;

	mapp_mutex_init(&qlock);
	mapp_cond_init(&not_full);
	mapp_cond_init(&not_empty);
	for (i = 0; i < 2 * NPROD; i++)
		CHECK(mapp_spawn(&t[i], i % 2 ? "producer" : "consumer",
				 prodcons, (void *)(uintptr_t)(i % 2),
				 NULL) == 0,
		      "spawn");
	for (i = 0; i < 2 * NPROD; i++)
		CHECK(mapp_join(t[i], &ex) == 0 && ex.status == 0 &&
			      !ex.faulted,
		      "task %d failed", i);
	CHECK(qsum == (unsigned long)NPROD * ITEMS * (ITEMS + 1) / 2, "sum %lu",
	      qsum);

	mapp_mutex_lock(&qlock);
	deadline = now_ns() + 5000000;
	CHECK(mapp_cond_timedwait(&not_empty, &qlock, deadline) ==
		      MAPP_ETIMEDOUT,
	      "timedwait did not time out");
	CHECK(now_ns() >= deadline, "timedwait returned early");
	CHECK(!mapp_mutex_trylock(&qlock), "mutex not re-taken");
	mapp_mutex_unlock(&qlock);
	printf("cond: %d x %d items through a %d-slot queue\n", NPROD, ITEMS,
	       QCAP);
	return failures != 0;
}

/* --- sem ----------------------------------------------------------------- */

static struct mapp_sem slots;
static int holders, max_holders; /* [a] */

static int sem_task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 500; i++) {
		int now;

		mapp_sem_down(&slots);
		now = __atomic_add_fetch(&holders, 1, __ATOMIC_SEQ_CST);
		if (now > __atomic_load_n(&max_holders, __ATOMIC_RELAXED))
			__atomic_store_n(&max_holders, now, __ATOMIC_RELAXED);
		mapp_yield();
		__atomic_sub_fetch(&holders, 1, __ATOMIC_SEQ_CST);
		mapp_sem_up(&slots);
	}
	return 0;
}

static int sem_waiter(void *arg)
{
	mapp_sem_down(arg);
	return 7;
}

static int test_sem(void)
{
	struct mapp_sem zero = { 0 };
	struct mapp_exit ex;
	uint64_t deadline;
	mapp_t t;

	mapp_sem_init(&slots, 3);
	CHECK(run_all("sem", 12, sem_task, NULL) == 0, "a sem task failed");
	CHECK(max_holders >= 1 && max_holders <= 3, "%d holders at once",
	      max_holders);
	for (int i = 0; i < 3; i++)
		CHECK(mapp_sem_trydown(&slots), "unit %d missing", i);
	CHECK(!mapp_sem_trydown(&slots), "a fourth unit");

	deadline = now_ns() + 5000000;
	CHECK(mapp_sem_timeddown(&zero, deadline) == MAPP_ETIMEDOUT,
	      "timeddown did not time out");
	CHECK(now_ns() >= deadline, "timeddown returned early");
	CHECK(mapp_spawn(&t, "semwait", sem_waiter, &zero, NULL) == 0, "spawn");
	mapp_sleep_ns(2000000); /* let it block */
	mapp_sem_up(&zero);
	CHECK(mapp_join(t, &ex) == 0 && ex.status == 7, "waiter");
	CHECK(!mapp_sem_trydown(&zero), "the unit went to the count");
	printf("sem: at most %d of 12 holders at once (limit 3)\n",
	       max_holders);
	return failures != 0;
}

/* --- rwlock -------------------------------------------------------------- */

static struct mapp_rwlock rwl;
static int readers_in, writers_in, rw_bad, max_readers; /* [a] */
static unsigned long rw_value; /* [rwl] */
static int stop_readers; /* [a] */

static int rw_mixed(void *arg)
{
	int id = (int)(uintptr_t)arg;

	for (int i = 0; i < 800; i++) {
		if ((i + id) % 6 == 0) {
			mapp_rwlock_wlock(&rwl);
			if (__atomic_add_fetch(&writers_in, 1,
					       __ATOMIC_SEQ_CST) != 1 ||
			    __atomic_load_n(&readers_in, __ATOMIC_SEQ_CST))
				__atomic_add_fetch(&rw_bad, 1,
						   __ATOMIC_RELAXED);
			rw_value++;
			mapp_yield();
			__atomic_sub_fetch(&writers_in, 1, __ATOMIC_SEQ_CST);
			mapp_rwlock_wunlock(&rwl);
		} else {
			int n;

			mapp_rwlock_rlock(&rwl);
			n = __atomic_add_fetch(&readers_in, 1,
					       __ATOMIC_SEQ_CST);
			if (n > __atomic_load_n(&max_readers, __ATOMIC_RELAXED))
				__atomic_store_n(&max_readers, n,
						 __ATOMIC_RELAXED);
			if (__atomic_load_n(&writers_in, __ATOMIC_SEQ_CST))
				__atomic_add_fetch(&rw_bad, 1,
						   __ATOMIC_RELAXED);
			mapp_yield();
			__atomic_sub_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
			mapp_rwlock_runlock(&rwl);
		}
	}
	return 0;
}

static int stream_reader(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop_readers, __ATOMIC_RELAXED)) {
		mapp_rwlock_rlock(&rwl);
		mapp_sleep_ns(100000);
		mapp_rwlock_runlock(&rwl);
	}
	return 0;
}

static int test_rwlock(void)
{
	static mapp_t t[12];
	struct mapp_exit ex;
	uint64_t t0;
	int i;

	for (i = 0; i < 12; i++)
		CHECK(mapp_spawn(&t[i], "rw", rw_mixed, (void *)(uintptr_t)i,
				 NULL) == 0,
		      "spawn");
	for (i = 0; i < 12; i++)
		CHECK(mapp_join(t[i], &ex) == 0 && ex.status == 0, "rw task");
	CHECK(rw_bad == 0, "%d exclusion violations", rw_bad);
	CHECK(rw_value > 0, "no writes");

	/* Four readers overlap their holds: without writer preference the
	 * lock would never be free for a writer. */
	for (i = 0; i < 4; i++)
		CHECK(mapp_spawn(&t[i], "reader", stream_reader, NULL, NULL) ==
			      0,
		      "spawn");
	mapp_sleep_ns(3000000);
	t0 = now_ns();
	mapp_rwlock_wlock(&rwl);
	CHECK(!mapp_rwlock_tryrlock(&rwl), "read lock while written");
	mapp_rwlock_wunlock(&rwl);
	CHECK(now_ns() - t0 < 2000000000ull, "writer waited %llu ms",
	      (unsigned long long)((now_ns() - t0) / 1000000));
	__atomic_store_n(&stop_readers, 1, __ATOMIC_RELAXED);
	for (i = 0; i < 4; i++)
		CHECK(mapp_join(t[i], &ex) == 0 && ex.status == 0, "reader");
	printf("rwlock: %lu writes, up to %d readers together, writer got in "
	       "after %llu us\n",
	       rw_value, max_readers,
	       (unsigned long long)((now_ns() - t0) / 1000));
	return failures != 0;
}

/* --- misuse -------------------------------------------------------------- */

static struct mapp_mutex owned;
static unsigned long ticks; /* [a] */

static int bad_unlocker(void *arg)
{
	(void)arg;
	mapp_mutex_unlock(&owned); /* main owns it */
	return 0;
}

static int ticker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++) {
		__atomic_add_fetch(&ticks, 1, __ATOMIC_RELAXED);
		mapp_sleep_ns(100000);
	}
	return 0;
}

static int test_misuse(void)
{
	struct mapp_exit ex;
	mapp_t bad, tick;

	mapp_mutex_lock(&owned);
	CHECK(mapp_spawn(&tick, "ticker", ticker, NULL, NULL) == 0, "spawn");
	CHECK(mapp_spawn(&bad, "badunlock", bad_unlocker, NULL, NULL) == 0,
	      "spawn");
	CHECK(mapp_join(bad, &ex) == 0, "join");
	CHECK(ex.faulted, "the bad unlocker was not ended by a fault");
	printf("misuse: joiner saw \"%s\"\n", ex.fault);
	CHECK(mapp_join(tick, &ex) == 0 && ex.status == 0 && ticks == 100,
	      "the ticker stopped");
	mapp_mutex_unlock(&owned); /* still ours */
	return failures != 0;
}

/* --- hand-off against deadlines ----------------------------------------- */

#define RACE_POSTERS 2
#define RACE_WAITERS 4
#define RACE_UPS 3000 /* per poster */

static struct mapp_sem race_sem;
static long race_taken; /* [a] */
static int race_posters_left = RACE_POSTERS; /* [a] */

static int race_poster(void *arg)
{
	(void)arg;
	for (int i = 0; i < RACE_UPS; i++) {
		mapp_sem_up(&race_sem);
		if (i % 4 == 0)
			mapp_yield();
	}
	__atomic_sub_fetch(&race_posters_left, 1, __ATOMIC_SEQ_CST);
	return 0;
}

/* Takes units with short deadlines, so that hand-offs meet timeouts,
 * until the posters are done and a wait times out. */
static int race_waiter(void *arg)
{
	(void)arg;
	for (;;) {
		bool done = __atomic_load_n(&race_posters_left,
					    __ATOMIC_SEQ_CST) == 0;

		if (mapp_sem_timeddown(&race_sem, now_ns() + 20000) == 0)
			__atomic_add_fetch(&race_taken, 1, __ATOMIC_SEQ_CST);
		else if (done)
			return 0;
	}
}

static int race_task(void *arg)
{
	return (intptr_t)arg < RACE_POSTERS ? race_poster(NULL)
					    : race_waiter(NULL);
}

static int test_race(void)
{
	static mapp_t t[RACE_POSTERS + RACE_WAITERS];
	struct mapp_exit ex;
	long left = 0;
	int i;

	mapp_sem_init(&race_sem, 0);
	for (i = 0; i < RACE_POSTERS + RACE_WAITERS; i++)
		CHECK(mapp_spawn(&t[i], "race", race_task, (void *)(intptr_t)i,
				 NULL) == 0,
		      "spawn %d", i);
	for (i = 0; i < RACE_POSTERS + RACE_WAITERS; i++)
		CHECK(mapp_join(t[i], &ex) == 0 && !ex.faulted &&
			      ex.status == 0,
		      "race task %d", i);
	while (mapp_sem_trydown(&race_sem))
		left++;
	CHECK(race_taken + left == (long)RACE_POSTERS * RACE_UPS,
	      "%ld units taken and %ld left of %d posted", race_taken, left,
	      RACE_POSTERS * RACE_UPS);
	printf("race: %ld units taken by timed waits, %ld left\n", race_taken,
	       left);
	return failures != 0;
}

/* --- direct switch and fairness ----------------------------------------- */

#define PP_ROUNDS 2000

static struct mapp_sem pp_ping, pp_pong;
static long pp_token, pp_echo; /* [the semaphores hand them over] */
static int pp_stop; /* [a] */
static long pp_spins; /* [a] the yielding microapp's turns */

static int pp_ponger(void *arg)
{
	(void)arg;
	for (long i = 1; i <= PP_ROUNDS; i++) {
		mapp_sem_down(&pp_ping);
		if (pp_token != i)
			return 1;
		pp_echo = i;
		mapp_sem_up(&pp_pong);
	}
	return 0;
}

static int pp_yielder(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&pp_stop, __ATOMIC_SEQ_CST)) {
		__atomic_add_fetch(&pp_spins, 1, __ATOMIC_SEQ_CST);
		mapp_yield();
	}
	return 0;
}

/* PP_ROUNDS rounds against a ponger on CPU 0; returns how many posts
 * found the token echoed on their return, or -1 on a wrong echo. */
static long pp_rounds(void)
{
	long direct = 0;

	for (long i = 1; i <= PP_ROUNDS; i++) {
		pp_token = i;
		mapp_sem_up(&pp_ping);
		/* Only the ponger writes it, after taking the token: equal
		 * means it ran before the post returned. */
		if (pp_echo == i)
			direct++;
		mapp_sem_down(&pp_pong);
		if (pp_echo != i)
			return -1;
	}
	return direct;
}

static int pp_pinger(void *arg)
{
	long *direct = arg;

	*direct = pp_rounds();
	__atomic_store_n(&pp_stop, 1, __ATOMIC_SEQ_CST);
	return *direct < 0;
}

/* The pinger, the ponger and (with_yielder) the yielding microapp, all on
 * CPU 0; returns the pinger's pp_rounds() result. */
static long pp_run(bool with_yielder)
{
	struct mapp_opts cpu0 = { .cpu_mask = 1 };
	struct mapp_exit ex;
	mapp_t t[3];
	long direct = -1;
	int n = 0;

	mapp_sem_init(&pp_ping, 0);
	mapp_sem_init(&pp_pong, 0);
	pp_token = pp_echo = 0;
	pp_stop = 0;
	pp_spins = 0;
	CHECK(mapp_spawn(&t[n++], "ponger", pp_ponger, NULL, &cpu0) == 0,
	      "spawn ponger");
	if (with_yielder)
		CHECK(mapp_spawn(&t[n++], "yielder", pp_yielder, NULL, &cpu0) ==
			      0,
		      "spawn yielder");
	CHECK(mapp_spawn(&t[n++], "pinger", pp_pinger, &direct, &cpu0) == 0,
	      "spawn pinger");
	while (n-- > 0)
		CHECK(mapp_join(t[n], &ex) == 0 && !ex.faulted &&
			      ex.status == 0,
		      "pingpong task %d failed", n);
	return direct;
}

static int test_pingpong(void)
{
	long alone, shared;

	alone = pp_run(false);
	/* Others may run on CPU 0 now and then (the test's own main is
	 * blocked in a join): most posts, not all, must switch. */
	CHECK(alone > PP_ROUNDS / 2,
	      "alone: %ld of %d posts switched to the woken microapp", alone,
	      PP_ROUNDS);
	shared = pp_run(true);
	CHECK(shared >= 0, "shared: a token went astray");
	/* FIFO: the yielder is queued whenever the pinger runs, so it gets
	 * a turn in every round, and no post jumps it. */
	CHECK(pp_spins >= PP_ROUNDS,
	      "shared: the yielding microapp ran %ld times in %d rounds",
	      pp_spins, PP_ROUNDS);
	CHECK(shared == 0, "shared: %ld posts switched past the queue", shared);
	printf("pingpong: %ld of %d posts switched directly alone, %ld with a "
	       "yielder (%ld turns)\n",
	       alone, PP_ROUNDS, shared, pp_spins);
	return failures != 0;
}

int main(int argc, char **argv)
{
	int rc = 1;

	if (argc < 2) {
		printf("TEST FAIL: no subcommand\n");
		return 1;
	}
	if (!strcmp(argv[1], "mutex") && argc == 4)
		rc = test_mutex((int)parse(argv[2]), parse(argv[3]));
	else if (!strcmp(argv[1], "cond"))
		rc = test_cond();
	else if (!strcmp(argv[1], "sem"))
		rc = test_sem();
	else if (!strcmp(argv[1], "rwlock"))
		rc = test_rwlock();
	else if (!strcmp(argv[1], "misuse"))
		rc = test_misuse();
	else if (!strcmp(argv[1], "race"))
		rc = test_race();
	else if (!strcmp(argv[1], "pingpong"))
		rc = test_pingpong();
	else
		printf("TEST FAIL: unknown subcommand %s\n", argv[1]);
	if (rc == 0 && failures == 0)
		printf("TEST PASS\n");
	return rc || failures;
}
