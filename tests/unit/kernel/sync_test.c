/* SPDX-License-Identifier: MIT */
/*
 * Host tests for kernel/sched/sync.c over the threaded fake scheduler
 * (tests/unit/fakes/fake_sched.h): mutual exclusion with exact totals,
 * FIFO wake-ups, barging and its bound (a woken waiter that loses once
 * gets the next hand-off), contract panics (also with waiters queued),
 * condition variables (no lost signal, timeouts, signal wakes one),
 * semaphores (limit, hand-off, timeouts) and rwlocks (exclusion, no
 * writer starvation, reader batches).
 */
#include <kernel/sync.h>

#include <kernel/errno.h>
#include <kernel/time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_sched.h"

#define MS 1000000ull
#define NTASKS 8

static struct fake_task *tasks[NTASKS];

static void start_all(int n, int (*fn)(void *), void *arg)
{
	for (int i = 0; i < n; i++)
		tasks[i] = fake_task_start(fn, arg);
}

static void join_all(int n)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(fake_task_join(tasks[i]), 0);
}

/* --- mutex --- */

static struct mutex mtx; /* all-zero: a valid unlocked mutex */
static unsigned long counter;
static int inside; /* [a] tasks inside the critical section */
static int overlap; /* [a] times two were inside at once */

static void enter(void)
{
	if (__atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST) != 1)
		__atomic_add_fetch(&overlap, 1, __ATOMIC_RELAXED);
}

static void leave(void)
{
	__atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
}

#define MUTEX_ROUNDS 20000

static int count_task(void *arg)
{
	(void)arg;
	for (int i = 0; i < MUTEX_ROUNDS; i++) {
		if (i % 7 == 0) {
			while (!mutex_trylock(&mtx))
				;
		} else {
			mutex_lock(&mtx);
		}
		enter();
		counter++;
		leave();
		mutex_unlock(&mtx);
	}
	return 0;
}

static void test_mutex_exact_total(void **state)
{
	(void)state;
	counter = 0;
	start_all(NTASKS, count_task, NULL);
	join_all(NTASKS);
	assert_int_equal(counter, (unsigned long)NTASKS * MUTEX_ROUNDS);
	assert_int_equal(overlap, 0);
	assert_true(mutex_trylock(&mtx)); /* left free */
	mutex_unlock(&mtx);
}

static int try_other(void *arg)
{
	return mutex_trylock(arg) ? 1 : 0;
}

static void test_mutex_trylock_and_owner(void **state)
{
	struct mutex m;

	(void)state;
	mutex_init(&m, "m");
	assert_false(mutex_is_owned(&m));
	mutex_lock(&m);
	assert_true(mutex_is_owned(&m));
	assert_false(mutex_trylock(&m)); /* not recursive */
	assert_int_equal(fake_task_join(fake_task_start(try_other, &m)), 0);
	mutex_unlock(&m);
	assert_false(mutex_is_owned(&m));
	assert_true(mutex_trylock(&m));
	mutex_unlock(&m);
}

/* Tasks queue in a known order; unlocking wakes them in that order. */
static int order[4], norder; /* [mtx2] */
static struct mutex mtx2 = MUTEX_INIT("mtx2");

static int fifo_task(void *arg)
{
	mutex_lock(&mtx2);
	order[norder++] = (int)(intptr_t)arg;
	mutex_unlock(&mtx2);
	return 0;
}

static void start_fifo_task(int i)
{
	tasks[i] = fake_task_start(fifo_task, (void *)(intptr_t)i);
}

static void test_mutex_fifo_wakeups(void **state)
{
	(void)state;
	norder = 0;
	mutex_lock(&mtx2);
	for (int i = 0; i < 4; i++) {
		start_fifo_task(i);
		assert_true(fake_wait_sleepers((unsigned int)i + 1));
	}
	/* Nobody else locks: each unlock's woken waiter takes it. */
	mutex_unlock(&mtx2);
	join_all(4);
	assert_int_equal(norder, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(order[i], i);
}

/*
 * Barging and its bound. Tasks 0 and 1 queue; the unlock frees the mutex
 * and wakes 0, which is held asleep: the owner takes the mutex back ahead
 * of it. Then 0 runs, loses and queues again, at the head; newcomer 2
 * queues behind 1. The next unlock hands the mutex straight to 0 (it is
 * not free even while 0 is held asleep), then 1 and 2 follow in order.
 */
static void test_mutex_barging_bounded(void **state)
{
	(void)state;
	norder = 0;
	mutex_lock(&mtx2);
	start_fifo_task(0);
	assert_true(fake_wait_sleepers(1));
	start_fifo_task(1);
	assert_true(fake_wait_sleepers(2));
	fake_hold_wakeups(true);
	mutex_unlock(&mtx2);
	assert_true(fake_wait_sleepers(1)); /* 0 woken, 1 asleep */
	assert_true(mutex_trylock(&mtx2)); /* barged ahead of 0 */
	fake_hold_wakeups(false);
	assert_true(fake_wait_sleepers(2)); /* 0 lost and queued again */
	start_fifo_task(2);
	assert_true(fake_wait_sleepers(3));
	fake_hold_wakeups(true);
	mutex_unlock(&mtx2);
	assert_true(fake_wait_sleepers(2)); /* 0 woken, owning it */
	assert_false(mutex_trylock(&mtx2));
	fake_hold_wakeups(false);
	join_all(3);
	assert_int_equal(norder, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(order[i], i);
	assert_true(mutex_trylock(&mtx2)); /* left free */
	mutex_unlock(&mtx2);
}

/* The last waiter woken leaves the mutex free with no waiters bit: a
 * newcomer takes it with the plain compare-and-swap, and the woken one
 * queues again, then gets it at the unlock. */
static void test_mutex_barging_last_waiter(void **state)
{
	(void)state;
	norder = 0;
	mutex_lock(&mtx2);
	start_fifo_task(0);
	assert_true(fake_wait_sleepers(1));
	fake_hold_wakeups(true);
	mutex_unlock(&mtx2);
	assert_true(fake_wait_sleepers(0));
	assert_true(mutex_trylock(&mtx2)); /* barged ahead of 0 */
	fake_hold_wakeups(false);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(norder, 0);
	mutex_unlock(&mtx2);
	join_all(1);
	assert_int_equal(norder, 1);
	assert_true(mutex_trylock(&mtx2));
	mutex_unlock(&mtx2);
}

static void unlock_unowned(void *arg)
{
	struct mutex m = MUTEX_INIT("victim");

	(void)arg;
	mutex_unlock(&m);
}

static void lock_twice(void *arg)
{
	struct mutex m = MUTEX_INIT("twice");

	(void)arg;
	mutex_lock(&m);
	mutex_lock(&m);
}

static int hold_forever(void *arg)
{
	mutex_lock(arg);
	return 0;
}

static void unlock_others(void *arg)
{
	struct mutex m = MUTEX_INIT("others");

	(void)arg;
	fake_task_join(fake_task_start(hold_forever, &m));
	mutex_unlock(&m);
}

static void cond_wait_unowned(void *arg)
{
	struct cond c = COND_INIT("c");
	struct mutex m = MUTEX_INIT("unowned");

	(void)arg;
	cond_wait(&c, &m);
}

/*
 * With a task queued the owner word carries the waiters bit, and the
 * unlock and relock checks run on the slow path: they must still catch
 * a foreign unlock and a second lock by the owner.
 */
static struct mutex queued_mtx = MUTEX_INIT("queued");

static int queue_on(void *arg)
{
	mutex_lock(arg);
	mutex_unlock(arg);
	return 0;
}

static int unlock_foreign(void *arg)
{
	mutex_unlock(arg);
	return 0;
}

static void with_waiter(void)
{
	mutex_lock(&queued_mtx);
	(void)fake_task_start(queue_on, &queued_mtx);
	if (!fake_wait_sleepers(1))
		abort();
}

static void unlock_unowned_queued(void *arg)
{
	(void)arg;
	with_waiter();
	fake_task_join(fake_task_start(unlock_foreign, &queued_mtx));
}

static void lock_twice_queued(void *arg)
{
	(void)arg;
	with_waiter();
	mutex_lock(&queued_mtx);
}

static void test_mutex_contracts_with_waiters(void **state)
{
	struct fake_task *t;

	(void)state;
	assert_true(fake_expect_panic(unlock_unowned_queued, NULL,
				      "mutex \"queued\": unlocked by a task"));
	assert_true(fake_expect_panic(lock_twice_queued, NULL,
				      "mutex \"queued\": locked twice"));
	/* And the wake-up itself: the waiter takes it, then frees it, and
	 * the fast path works again. */
	mutex_lock(&queued_mtx);
	t = fake_task_start(queue_on, &queued_mtx);
	assert_true(fake_wait_sleepers(1));
	mutex_unlock(&queued_mtx);
	assert_int_equal(fake_task_join(t), 0);
	assert_true(mutex_trylock(&queued_mtx));
	assert_true(mutex_is_owned(&queued_mtx));
	mutex_unlock(&queued_mtx);
	assert_false(mutex_is_owned(&queued_mtx));
}

static void test_mutex_contracts_panic(void **state)
{
	(void)state;
	assert_true(fake_expect_panic(cond_wait_unowned, NULL,
				      "\"unowned\": cond wait without"));
	assert_true(fake_expect_panic(unlock_unowned, NULL,
				      "mutex \"victim\": unlocked by a task"));
	assert_true(fake_expect_panic(lock_twice, NULL, "locked twice"));
	assert_true(fake_expect_panic(unlock_others, NULL, "does not own"));
}

/* --- condition variables --- */

#define QCAP 4
#define ITEMS 5000
static struct cond not_full = COND_INIT("not_full");
static struct cond not_empty = COND_INIT("not_empty");
static struct mutex qlock = MUTEX_INIT("q");
static unsigned long queue[QCAP], qhead, qcount, consumed_sum;

static int producer(void *arg)
{
	(void)arg;
	for (unsigned long i = 1; i <= ITEMS; i++) {
		mutex_lock(&qlock);
		while (qcount == QCAP)
			cond_wait(&not_full, &qlock);
		queue[(qhead + qcount++) % QCAP] = i;
		cond_signal(&not_empty);
		mutex_unlock(&qlock);
	}
	return 0;
}

static int consumer(void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < ITEMS; i++) {
		mutex_lock(&qlock);
		while (qcount == 0)
			cond_wait(&not_empty, &qlock);
		consumed_sum += queue[qhead];
		qhead = (qhead + 1) % QCAP;
		qcount--;
		cond_signal(&not_full);
		mutex_unlock(&qlock);
	}
	return 0;
}

static void test_cond_producers_consumers(void **state)
{
	(void)state;
	/* 4 producers and 4 consumers on a 4-slot queue: any lost signal
	 * hangs the test. */
	for (int i = 0; i < 4; i++) {
		tasks[i] = fake_task_start(producer, NULL);
		tasks[4 + i] = fake_task_start(consumer, NULL);
	}
	join_all(8);
	assert_int_equal(consumed_sum, 4ul * ITEMS * (ITEMS + 1) / 2);
	assert_int_equal(qcount, 0);
}

static void test_cond_timedwait_times_out(void **state)
{
	struct cond c;
	struct mutex m;
	uint64_t t0, deadline;

	(void)state;
	cond_init(&c, "c");
	mutex_init(&m, "m");
	mutex_lock(&m);
	t0 = time_ns();
	deadline = t0 + 20 * MS;
	assert_int_equal(cond_timedwait(&c, &m, deadline), -ETIMEDOUT);
	assert_true(time_ns() >= deadline);
	assert_true(mutex_is_owned(&m));
	/* A deadline already past: at once. */
	assert_int_equal(cond_timedwait(&c, &m, t0), -ETIMEDOUT);
	assert_true(mutex_is_owned(&m));
	mutex_unlock(&m);
}

static struct cond gate_c = COND_INIT("gate");
static struct mutex gate_m = MUTEX_INIT("gate");
static int tokens, woke; /* [gate_m] */

static int token_waiter(void *arg)
{
	(void)arg;
	mutex_lock(&gate_m);
	while (tokens == 0)
		cond_wait(&gate_c, &gate_m);
	tokens--;
	woke++;
	mutex_unlock(&gate_m);
	return 0;
}

static void test_cond_signal_one_broadcast_all(void **state)
{
	(void)state;
	start_all(3, token_waiter, NULL);
	assert_true(fake_wait_sleepers(3));
	mutex_lock(&gate_m);
	tokens = 1;
	cond_signal(&gate_c);
	mutex_unlock(&gate_m);
	for (int n = 0; n < 10000; n++) {
		mutex_lock(&gate_m);
		if (woke == 1)
			break;
		mutex_unlock(&gate_m);
		fake_sleep_ns(MS);
	}
	assert_int_equal(woke, 1);
	assert_int_equal(fake_sleepers(), 2); /* the other two still wait */
	tokens = 2;
	cond_broadcast(&gate_c);
	mutex_unlock(&gate_m);
	join_all(3);
	assert_int_equal(woke, 3);
	assert_int_equal(tokens, 0);
}

/* --- semaphores --- */

static struct sem slots = SEM_INIT("slots", 3);
static int in_sem, max_in_sem; /* [a] */

static int sem_task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3000; i++) {
		int now;

		if (i % 5 != 0)
			sem_down(&slots);
		else if (sem_timeddown(&slots, 0) != 0)
			return 1; /* no cmocka asserts outside the main task */
		now = __atomic_add_fetch(&in_sem, 1, __ATOMIC_SEQ_CST);
		if (now > __atomic_load_n(&max_in_sem, __ATOMIC_RELAXED))
			__atomic_store_n(&max_in_sem, now, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&in_sem, 1, __ATOMIC_SEQ_CST);
		sem_up(&slots);
	}
	return 0;
}

static void test_sem_limits_holders(void **state)
{
	(void)state;
	start_all(NTASKS, sem_task, NULL);
	join_all(NTASKS);
	assert_true(max_in_sem >= 1 && max_in_sem <= 3);
	/* All three units are back. */
	for (int i = 0; i < 3; i++)
		assert_true(sem_trydown(&slots));
	assert_false(sem_trydown(&slots));
}

static int sem_waiter(void *arg)
{
	sem_down(arg);
	return 0;
}

static void test_sem_handoff_and_timeout(void **state)
{
	struct sem s;
	struct fake_task *t;
	uint64_t deadline;

	(void)state;
	memset(&s, 0, sizeof(s)); /* all-zero: a semaphore at 0 */
	assert_false(sem_trydown(&s));
	deadline = time_ns() + 20 * MS;
	assert_int_equal(sem_timeddown(&s, deadline), -ETIMEDOUT);
	assert_true(time_ns() >= deadline);
	t = fake_task_start(sem_waiter, &s);
	assert_true(fake_wait_sleepers(1));
	sem_up(&s); /* goes to the waiter, not to the count */
	assert_false(sem_trydown(&s));
	assert_int_equal(fake_task_join(t), 0);
	sem_up(&s);
	assert_int_equal(sem_timeddown(&s, time_ns() + 20 * MS), 0);
}

/* --- rwlocks --- */

static struct rwlock rwl = RWLOCK_INIT("rw");
static int readers_in, writers_in, rw_bad; /* [a] */
static unsigned long rw_value; /* [rwl] */

static int rw_mixed(void *arg)
{
	int id = (int)(intptr_t)arg;

	for (int i = 0; i < 4000; i++) {
		if ((i + id) % 5 == 0) {
			if (i % 3 == 0 && !rw_trywlock(&rwl))
				continue;
			if (i % 3 != 0)
				rw_wlock(&rwl);
			if (__atomic_add_fetch(&writers_in, 1,
					       __ATOMIC_SEQ_CST) != 1 ||
			    __atomic_load_n(&readers_in, __ATOMIC_SEQ_CST))
				__atomic_add_fetch(&rw_bad, 1,
						   __ATOMIC_RELAXED);
			rw_value++;
			__atomic_sub_fetch(&writers_in, 1, __ATOMIC_SEQ_CST);
			rw_wunlock(&rwl);
		} else {
			if (i % 4 == 0 && !rw_tryrlock(&rwl))
				continue;
			if (i % 4 != 0)
				rw_rlock(&rwl);
			__atomic_add_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&writers_in, __ATOMIC_SEQ_CST))
				__atomic_add_fetch(&rw_bad, 1,
						   __ATOMIC_RELAXED);
			__atomic_sub_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
			rw_runlock(&rwl);
		}
	}
	return 0;
}

static void test_rwlock_exclusion(void **state)
{
	(void)state;
	for (int i = 0; i < NTASKS; i++)
		tasks[i] = fake_task_start(rw_mixed, (void *)(intptr_t)i);
	join_all(NTASKS);
	assert_int_equal(rw_bad, 0);
	assert_true(rw_value > 0);
	assert_true(rw_trywlock(&rwl)); /* left free */
	rw_wunlock(&rwl);
}

/*
 * Readers take turns so that there is always one inside; without writer
 * preference a writer would wait for ever.
 */
static int stop_readers; /* [a] */

static int stream_reader(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop_readers, __ATOMIC_RELAXED)) {
		rw_rlock(&rwl);
		fake_sleep_ns(200000);
		rw_runlock(&rwl);
	}
	return 0;
}

static void test_rwlock_writer_not_starved(void **state)
{
	uint64_t t0;

	(void)state;
	start_all(4, stream_reader, NULL);
	fake_sleep_ns(5 * MS);
	t0 = time_ns();
	rw_wlock(&rwl);
	/* Readers now queue behind us instead of streaming in. */
	assert_false(rw_tryrlock(&rwl));
	rw_wunlock(&rwl);
	assert_true(time_ns() - t0 < 2000 * MS);
	__atomic_store_n(&stop_readers, 1, __ATOMIC_RELAXED);
	join_all(4);
}

static int one_reader(void *arg)
{
	(void)arg;
	rw_rlock(&rwl);
	__atomic_add_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
	fake_sleep_ns(20 * MS);
	__atomic_sub_fetch(&readers_in, 1, __ATOMIC_SEQ_CST);
	rw_runlock(&rwl);
	return 0;
}

static int one_writer(void *arg)
{
	(void)arg;
	rw_wlock(&rwl);
	/* Every reader queued before us went first, as one batch. */
	if (__atomic_load_n(&readers_in, __ATOMIC_SEQ_CST))
		__atomic_add_fetch(&rw_bad, 1, __ATOMIC_RELAXED);
	rw_wunlock(&rwl);
	return 0;
}

static void test_rwlock_reader_batch_after_writer(void **state)
{
	(void)state;
	rw_bad = 0;
	readers_in = 0;
	rw_wlock(&rwl);
	tasks[0] = fake_task_start(one_reader, NULL);
	tasks[1] = fake_task_start(one_reader, NULL);
	assert_true(fake_wait_sleepers(2));
	tasks[2] = fake_task_start(one_writer, NULL);
	assert_true(fake_wait_sleepers(3));
	tasks[3] = fake_task_start(one_reader, NULL); /* behind the writer */
	assert_true(fake_wait_sleepers(4));
	rw_wunlock(&rwl);
	/* All three readers queued before the release go in together; the
	 * writer waits for them. */
	assert_true(fake_wait_sleepers(1));
	join_all(4);
	assert_int_equal(rw_bad, 0);
}

static void runlock_free(void *arg)
{
	struct rwlock rw = RWLOCK_INIT("free");

	(void)arg;
	rw_runlock(&rw);
}

static void wunlock_reader(void *arg)
{
	struct rwlock rw = RWLOCK_INIT("read");

	(void)arg;
	rw_rlock(&rw);
	rw_wunlock(&rw);
}

static void test_rwlock_contracts_panic(void **state)
{
	(void)state;
	assert_true(fake_expect_panic(runlock_free, NULL, "without a reader"));
	assert_true(fake_expect_panic(wunlock_reader, NULL, "not its writer"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutex_exact_total),
		cmocka_unit_test(test_mutex_trylock_and_owner),
		cmocka_unit_test(test_mutex_fifo_wakeups),
		cmocka_unit_test(test_mutex_barging_bounded),
		cmocka_unit_test(test_mutex_barging_last_waiter),
		cmocka_unit_test(test_mutex_contracts_panic),
		cmocka_unit_test(test_mutex_contracts_with_waiters),
		cmocka_unit_test(test_cond_producers_consumers),
		cmocka_unit_test(test_cond_timedwait_times_out),
		cmocka_unit_test(test_cond_signal_one_broadcast_all),
		cmocka_unit_test(test_sem_limits_holders),
		cmocka_unit_test(test_sem_handoff_and_timeout),
		cmocka_unit_test(test_rwlock_exclusion),
		cmocka_unit_test(test_rwlock_writer_not_starved),
		cmocka_unit_test(test_rwlock_reader_batch_after_writer),
		cmocka_unit_test(test_rwlock_contracts_panic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
