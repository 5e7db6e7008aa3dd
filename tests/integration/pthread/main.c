/* SPDX-License-Identifier: MIT */
/*
 * Integration test: POSIX threads on microapps, over every CPU.
 *   all        mutex counter, recursive and error-checking mutexes,
 *              condvar producer/consumer, rwlock, barrier, keys and their
 *              destructors, once, spinlock, semaphores, timed waits,
 *              TLS and errno per thread, detach, exit values
 *   exitmain   pthread_exit() in main() waits for the detached threads
 *   exitfault  ... and is not kept waiting by one that faulted
 *   relock     a default mutex locked again by its owner: the thread is
 *              ended (the inline fast path falls back to the checked one)
 *   badunlock  a default mutex unlocked by a thread that does not own it:
 *              that thread is ended
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <itest.h>

#define NTHREADS 8

static pthread_t spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, fn, arg);

	CHECK(rc == 0, "pthread_create: %d", rc);
	return t;
}

/* --- mutex counter ------------------------------------------------------ */

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count_up(void *arg)
{
	int i;

	for (i = 0; i < 5000; i++) {
		pthread_mutex_lock(&count_lock);
		counter++;
		if (i % 64 == 0)
			sched_yield(); /* hold it across a switch now and then
					*/
		pthread_mutex_unlock(&count_lock);
	}
	return arg;
}

static void test_counter(void)
{
	pthread_t t[NTHREADS];
	void *ret;
	long i;

	for (i = 0; i < NTHREADS; i++)
		t[i] = spawn(count_up, (void *)i);
	for (i = 0; i < NTHREADS; i++) {
		CHECK(pthread_join(t[i], &ret) == 0, "join");
		CHECK(ret == (void *)i, "thread %ld returned %p", i, ret);
	}
	CHECK(counter == NTHREADS * 5000L, "counter %ld", counter);
}

/* --- mutex types ------------------------------------------------------- */

static void test_mutex_types(void)
{
	pthread_mutexattr_t a;
	pthread_mutex_t r, e;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&r, &a);
	CHECK(pthread_mutex_lock(&r) == 0 && pthread_mutex_lock(&r) == 0 &&
		      pthread_mutex_trylock(&r) == 0,
	      "recursive relock");
	CHECK(pthread_mutex_unlock(&r) == 0 && pthread_mutex_unlock(&r) == 0 &&
		      pthread_mutex_unlock(&r) == 0,
	      "recursive unlock");
	CHECK(pthread_mutex_unlock(&r) == EPERM, "recursive over-unlock");
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&e, &a);
	CHECK(pthread_mutex_lock(&e) == 0, "errorcheck lock");
	CHECK(pthread_mutex_lock(&e) == EDEADLK, "errorcheck relock");
	CHECK(pthread_mutex_unlock(&e) == 0, "errorcheck unlock");
	CHECK(pthread_mutex_unlock(&e) == EPERM, "errorcheck foreign unlock");
}

/* --- condvar producer/consumer ----------------------------------------- */

#define SLOTS 4
#define ITEMS 2000

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_not_full = PTHREAD_COND_INITIALIZER;
static long q_buf[SLOTS], q_head, q_len, q_sum;

static void *producer(void *arg)
{
	long i;

	(void)arg;
	for (i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&q_lock);
		while (q_len == SLOTS)
			pthread_cond_wait(&q_not_full, &q_lock);
		q_buf[(q_head + q_len++) % SLOTS] = i;
		pthread_cond_signal(&q_not_empty);
		pthread_mutex_unlock(&q_lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long i, v;

	(void)arg;
	for (i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&q_lock);
		while (q_len == 0)
			pthread_cond_wait(&q_not_empty, &q_lock);
		v = q_buf[q_head];
		q_head = (q_head + 1) % SLOTS;
		q_len--;
		q_sum += v;
		pthread_cond_signal(&q_not_full);
		pthread_mutex_unlock(&q_lock);
	}
	return NULL;
}

static void test_condvar(void)
{
	pthread_t t[4];
	int i;

	t[0] = spawn(producer, NULL);
	t[1] = spawn(producer, NULL);
	t[2] = spawn(consumer, NULL);
	t[3] = spawn(consumer, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(q_sum == 2L * ITEMS * (ITEMS + 1) / 2, "sum %ld", q_sum);
}

/* --- rwlock ----------------------------------------------------------- */

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static volatile long rw_a, rw_b;
static int rw_torn;

static void *rw_worker(void *arg)
{
	long id = (long)arg, i;

	for (i = 0; i < 2000; i++) {
		if (id == 0 && i % 10 == 0) {
			pthread_rwlock_wrlock(&rw);
			rw_a++;
			sched_yield();
			rw_b++;
			pthread_rwlock_unlock(&rw);
		} else {
			pthread_rwlock_rdlock(&rw);
			if (rw_a != rw_b)
				__atomic_fetch_add(&rw_torn, 1,
						   __ATOMIC_RELAXED);
			pthread_rwlock_unlock(&rw);
		}
	}
	return NULL;
}

static void test_rwlock(void)
{
	pthread_t t[4];
	long i;

	for (i = 0; i < 4; i++)
		t[i] = spawn(rw_worker, (void *)i);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(rw_torn == 0 && rw_a == 200, "rwlock: %d torn reads, a=%ld",
	      rw_torn, rw_a);
}

/* --- barrier ----------------------------------------------------------- */

static pthread_barrier_t bar;
static int serial_count, in_round[10];

static void *bar_worker(void *arg)
{
	int r;

	(void)arg;
	for (r = 0; r < 10; r++) {
		__atomic_fetch_add(&in_round[r], 1, __ATOMIC_RELAXED);
		if (pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_fetch_add(&serial_count, 1, __ATOMIC_RELAXED);
		/* Everyone of this round arrived before anyone left. */
		CHECK(__atomic_load_n(&in_round[r], __ATOMIC_RELAXED) == 4,
		      "round %d: %d arrived", r, in_round[r]);
	}
	return NULL;
}

static void test_barrier(void)
{
	pthread_t t[4];
	int i;

	pthread_barrier_init(&bar, NULL, 4);
	for (i = 0; i < 4; i++)
		t[i] = spawn(bar_worker, NULL);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	CHECK(serial_count == 10, "%d serial threads", serial_count);
}

/* --- keys, once, TLS, errno ------------------------------------------------
 */

static pthread_key_t key;
static int destroyed;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static _Thread_local int tls_value = 7;

static void dtor(void *p)
{
	__atomic_fetch_add(&destroyed, 1, __ATOMIC_RELAXED);
	free(p);
}

static void init_once(void)
{
	once_runs++;
	sched_yield(); /* others must wait, not run it again */
}

static void *key_worker(void *arg)
{
	long id = (long)arg;
	int i;

	pthread_once(&once, init_once);
	CHECK(tls_value == 7, "TLS starts at %d", tls_value);
	tls_value = (int)id;
	errno = (int)id + 100;
	pthread_setspecific(key, malloc(16));
	for (i = 0; i < 10; i++) {
		sched_yield();
		CHECK(tls_value == id && errno == id + 100,
		      "thread %ld: TLS %d errno %d", id, tls_value, errno);
	}
	CHECK(pthread_getspecific(key) != NULL, "key value lost");
	if (id == 3)
		pthread_exit((void *)42);
	return NULL;
}

static void test_keys(void)
{
	pthread_t t[NTHREADS];
	void *ret;
	long i;

	CHECK(pthread_key_create(&key, dtor) == 0, "key_create");
	for (i = 0; i < NTHREADS; i++)
		t[i] = spawn(key_worker, (void *)i);
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], &ret);
		if (i == 3)
			CHECK(ret == (void *)42, "pthread_exit value %p", ret);
	}
	CHECK(destroyed == NTHREADS, "%d destructors ran", destroyed);
	CHECK(once_runs == 1, "once ran %d times", once_runs);
	CHECK(pthread_getspecific(key) == NULL, "main has no value");
}

/* --- spinlock, semaphores, timed waits, detach --------------------------- */

static pthread_spinlock_t spin;
static long spin_count;
static sem_t sem_done;

static void *spin_worker(void *arg)
{
	int i;

	for (i = 0; i < 2000; i++) {
		pthread_spin_lock(&spin);
		spin_count++;
		pthread_spin_unlock(&spin);
	}
	if (arg)
		sem_post(&sem_done);
	return NULL;
}

static uint64_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *mask_worker(void *arg)
{
	sigset_t now;

	(void)arg;
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	return (void *)(long)sigismember(&now, SIGUSR1);
}

static void test_misc(void)
{
	pthread_attr_t attr;
	pthread_condattr_t ca;
	pthread_cond_t c;
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	struct timespec ts;
	pthread_t t[4];
	uint64_t t0;
	int i, rc;

	pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
	sem_init(&sem_done, 0, 0);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 16384);
	for (i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], &attr, spin_worker, &sem_done) == 0,
		      "create detached");
	for (i = 0; i < 4; i++)
		sem_wait(&sem_done);
	CHECK(spin_count == 8000, "spin count %ld", spin_count);
	CHECK(sem_trywait(&sem_done) == -1 && errno == EAGAIN, "trywait");

	/* A timed wait on MONOTONIC: times out, and not early. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c, &ca);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = mono();
	ts.tv_nsec += 2000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m);
	rc = pthread_cond_timedwait(&c, &m, &ts);
	pthread_mutex_unlock(&m);
	CHECK(rc == ETIMEDOUT && mono() - t0 >= 2000000,
	      "cond_timedwait: %d after %lu ns", rc,
	      (unsigned long)(mono() - t0));
	/* The same on REALTIME (the default clock), through a semaphore. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	CHECK(sem_timedwait(&sem_done, &ts) == -1 && errno == ETIMEDOUT,
	      "sem_timedwait");
	CHECK(pthread_equal(pthread_self(), pthread_self()), "self");
	{
		sigset_t usr1;
		void *blocked;

		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		pthread_sigmask(SIG_BLOCK, &usr1, NULL);
		pthread_join(spawn(mask_worker, NULL), &blocked);
		pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
		CHECK(blocked == (void *)1L, "signal mask not inherited");
	}
	CHECK(sched_getcpu() >= 0, "getcpu");
}

/* --- pthread_exit in main ------------------------------------------------ */

static void *late(void *arg)
{
	struct timespec ts = { 0, 0 };

	(void)ts;
	sched_yield();
	printf("late thread %ld done\n", (long)arg);
	return NULL;
}

__attribute__((noinline, noipa)) static void *crash(void *arg)
{
	return (void *)(long)*(volatile int *)arg;
}

static pthread_mutex_t misuse_lock = PTHREAD_MUTEX_INITIALIZER;

static void *relock(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&misuse_lock);
	pthread_mutex_lock(&misuse_lock);
	printf("TEST FAIL: relocked a default mutex\n");
	return NULL;
}

static void *badunlock(void *arg)
{
	(void)arg;
	pthread_mutex_unlock(&misuse_lock);
	printf("TEST FAIL: unlocked a mutex another thread owns\n");
	return NULL;
}

/* Runs fn in a thread that must be ended by its misuse, then shows that
 * the mutex still works for its rightful owner. */
static int misuse(void *(*fn)(void *), int main_owns)
{
	pthread_t t;
	void *ret;

	if (main_owns)
		pthread_mutex_lock(&misuse_lock);
	printf("misuse: start\n");
	if (pthread_create(&t, NULL, fn, NULL) || pthread_join(t, &ret)) {
		printf("TEST FAIL: create/join\n");
		return 1;
	}
	if (main_owns) {
		/* Still ours: the bad unlock changed nothing. */
		if (pthread_mutex_trylock(&misuse_lock) != EBUSY) {
			printf("TEST FAIL: the mutex was released\n");
			return 1;
		}
		pthread_mutex_unlock(&misuse_lock);
	}
	printf("TEST PASS\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "relock"))
		return misuse(relock, 0);
	if (argc == 2 && !strcmp(argv[1], "badunlock"))
		return misuse(badunlock, 1);
	if (argc == 2 && !strcmp(argv[1], "exitfault")) {
		pthread_attr_t attr;
		pthread_t t;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		/* Printed first, so the fault record always comes after it. */
		printf("TEST PASS\n");
		pthread_create(&t, &attr, crash, NULL);
		pthread_exit(NULL);
	}
	if (argc == 2 && !strcmp(argv[1], "exitmain")) {
		pthread_attr_t attr;
		pthread_t t;
		long i;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		printf("TEST PASS\n"); /* before the threads' lines */
		for (i = 0; i < 3; i++)
			pthread_create(&t, &attr, late, (void *)i);
		pthread_exit(NULL);
	}
	if (argc != 2 || strcmp(argv[1], "all")) {
		printf("TEST FAIL: usage: all|exitmain\n");
		return 1;
	}
	test_counter();
	test_mutex_types();
	test_condvar();
	test_rwlock();
	test_barrier();
	test_keys();
	test_misc();
	if (!failures)
		printf("TEST PASS\n");
	return failures != 0;
}
