/* SPDX-License-Identifier: MIT */
/*
 * Host tests for channels (kernel/sched/chan.c with chan_ring.c) over the
 * threaded fake scheduler (tests/unit/fakes/fake_sched.h): argument
 * checks, many senders and receivers with exact totals and per-sender
 * order, ping-pong, rendezvous, close and destroy semantics, try and
 * timed variants (also with deadlines passing mid-operation), and
 * chan_select (readiness, fairness, wake-up from any channel, exactly one
 * op per select under contention, close, timeout).
 */
#include <kernel/chan.h>

#include <kernel/errno.h>
#include <kernel/time.h>
#include <kernel/trace.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_sched.h"

#define MS 1000000ull

static struct chan *make(size_t elem, size_t cap)
{
	struct chan *c = NULL;

	assert_int_equal(chan_create(elem, cap, &c), 0);
	assert_non_null(c);
	return c;
}

static void test_create_checks(void **state)
{
	struct chan *c = NULL, *d = NULL;

	(void)state;
	assert_int_equal(chan_create(0, 4, &c), -EINVAL);
	assert_int_equal(chan_create(CHAN_MSG_MAX + 1, 4, &c), -EINVAL);
	assert_int_equal(chan_create(8, SIZE_MAX / 4, &c), -EINVAL);
	assert_int_equal(chan_create(8, 4, NULL), -EINVAL);
	assert_null(c);
	c = make(CHAN_MSG_MAX, 2);
	d = make(1, 0);
	assert_int_equal(chan_id(d), chan_id(c) + 1);
	assert_int_equal(chan_destroy(c), 0);
	assert_int_equal(chan_destroy(d), 0);
	assert_int_equal(chan_destroy(NULL), 0);
	assert_int_equal(chan_send(NULL, &c), -EINVAL);
	assert_int_equal(chan_trysend(NULL, &c), -EINVAL);
	assert_int_equal(chan_tryrecv(NULL, &c), -EINVAL);
	assert_int_equal(chan_close(NULL), -EINVAL);
}

/* --- many senders, many receivers --- */

#define NSEND 4
#define NRECV 4
#define PER_SENDER 5000

struct mpmc {
	struct chan *c;
	int id;
	uint64_t sum, count;
	uint64_t last[NSEND]; /* receivers: last sequence seen per sender */
};

static int mpmc_sender(void *arg)
{
	struct mpmc *m = arg;

	for (uint64_t i = 1; i <= PER_SENDER; i++) {
		uint64_t v = ((uint64_t)m->id << 32) | i;

		if (chan_send(m->c, &v) != 0)
			return 1;
	}
	return 0;
}

static int mpmc_receiver(void *arg)
{
	struct mpmc *m = arg;
	uint64_t v;
	int rc;

	while ((rc = chan_recv(m->c, &v)) == 0) {
		unsigned int from = (unsigned int)(v >> 32);
		uint64_t seq = v & 0xffffffffu;

		if (from >= NSEND || seq <= m->last[from])
			return 2; /* out of order for that sender */
		m->last[from] = seq;
		m->sum += seq;
		m->count++;
	}
	return rc == -EPIPE ? 0 : 3;
}

static void run_mpmc(size_t cap)
{
	struct mpmc s[NSEND], r[NRECV];
	struct fake_task *ts[NSEND], *tr[NRECV];
	struct chan *c = make(sizeof(uint64_t), cap);
	uint64_t sum = 0, count = 0;
	int i;

	fake_trace_reset();
	memset(s, 0, sizeof(s));
	memset(r, 0, sizeof(r));
	for (i = 0; i < NRECV; i++) {
		r[i].c = c;
		tr[i] = fake_task_start(mpmc_receiver, &r[i]);
	}
	for (i = 0; i < NSEND; i++) {
		s[i].c = c;
		s[i].id = i;
		ts[i] = fake_task_start(mpmc_sender, &s[i]);
	}
	for (i = 0; i < NSEND; i++)
		assert_int_equal(fake_task_join(ts[i]), 0);
	assert_int_equal(chan_close(c), 0);
	for (i = 0; i < NRECV; i++) {
		assert_int_equal(fake_task_join(tr[i]), 0);
		sum += r[i].sum;
		count += r[i].count;
	}
	assert_int_equal(count, NSEND * PER_SENDER);
	assert_int_equal(sum,
			 (uint64_t)NSEND * PER_SENDER * (PER_SENDER + 1) / 2);
	assert_int_equal(fake_trace_count(TRACE_CHAN_SEND), count);
	assert_int_equal(fake_trace_count(TRACE_CHAN_RECV), count);
	assert_int_equal(chan_destroy(c), 0);
}

static void test_many_senders_receivers(void **state)
{
	(void)state;
	run_mpmc(8);
}

static void test_many_senders_receivers_cap1(void **state)
{
	(void)state;
	run_mpmc(1);
}

static void test_many_senders_receivers_rendezvous(void **state)
{
	(void)state;
	run_mpmc(0);
}

/* --- ping-pong --- */

#define ROUNDS 3000
static struct chan *ping, *pong;

static int ponger(void *arg)
{
	uint32_t v;

	(void)arg;
	while (chan_recv(ping, &v) == 0) {
		v++;
		if (chan_send(pong, &v) != 0)
			return 1;
	}
	return 0;
}

static void test_ping_pong(void **state)
{
	struct fake_task *t;
	uint32_t v = 0;

	(void)state;
	ping = make(sizeof(v), 1);
	pong = make(sizeof(v), 0);
	t = fake_task_start(ponger, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		uint32_t sent = v;

		assert_int_equal(chan_send(ping, &v), 0);
		assert_int_equal(chan_recv(pong, &v), 0);
		assert_int_equal(v, sent + 1);
	}
	assert_int_equal(chan_close(ping), 0);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(chan_destroy(ping), 0);
	assert_int_equal(chan_destroy(pong), 0);
}

/* --- close, destroy, try, timed --- */

static int expect_pipe_recv(void *arg)
{
	uint64_t v;

	return chan_recv(arg, &v) == -EPIPE ? 0 : 1;
}

static int expect_pipe_send(void *arg)
{
	uint64_t v = 1;

	return chan_send(arg, &v) == -EPIPE ? 0 : 1;
}

static void test_close_wakes_everyone(void **state)
{
	struct chan *empty = make(8, 2), *full = make(8, 1);
	struct fake_task *t[6];
	uint64_t v = 5;
	int i;

	(void)state;
	assert_int_equal(chan_trysend(full, &v), 0);
	for (i = 0; i < 3; i++) {
		t[i] = fake_task_start(expect_pipe_recv, empty);
		t[3 + i] = fake_task_start(expect_pipe_send, full);
	}
	assert_true(fake_wait_sleepers(6));
	assert_int_equal(chan_destroy(empty), -EBUSY);
	assert_int_equal(chan_close(empty), 0);
	assert_int_equal(chan_close(full), 0);
	assert_int_equal(chan_close(full), -EPIPE);
	for (i = 0; i < 6; i++)
		assert_int_equal(fake_task_join(t[i]), 0);
	/* The message sent before the close is still there to drain. */
	v = 0;
	assert_int_equal(chan_recv(full, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(chan_recv(full, &v), -EPIPE);
	assert_int_equal(chan_tryrecv(full, &v), -EPIPE);
	assert_int_equal(chan_trysend(full, &v), -EPIPE);
	assert_int_equal(chan_destroy(empty), 0);
	assert_int_equal(chan_destroy(full), 0);
}

static void test_try_ops(void **state)
{
	struct chan *c = make(sizeof(uint16_t), 2), *z = make(1, 0);
	uint16_t v = 1;
	char b = 0;

	(void)state;
	assert_int_equal(chan_tryrecv(c, &v), -EAGAIN);
	assert_int_equal(chan_trysend(c, &v), 0);
	v = 2;
	assert_int_equal(chan_trysend(c, &v), 0);
	assert_int_equal(chan_trysend(c, &v), -EAGAIN);
	assert_int_equal(chan_tryrecv(c, &v), 0);
	assert_int_equal(v, 1);
	/* Rendezvous: nobody on the other side, so a try never works. */
	assert_int_equal(chan_trysend(z, &b), -EAGAIN);
	assert_int_equal(chan_tryrecv(z, &b), -EAGAIN);
	assert_int_equal(chan_destroy(c), 0);
	assert_int_equal(chan_destroy(z), 0);
}

static void test_timed_ops(void **state)
{
	struct chan *c = make(8, 1);
	uint64_t v = 9, t0, deadline;

	(void)state;
	deadline = time_ns() + 20 * MS;
	assert_int_equal(chan_timedrecv(c, &v, deadline), -ETIMEDOUT);
	assert_true(time_ns() >= deadline);
	assert_int_equal(chan_timedsend(c, &v, deadline), 0); /* room: ok */
	deadline = time_ns() + 20 * MS;
	assert_int_equal(chan_timedsend(c, &v, deadline), -ETIMEDOUT);
	assert_true(time_ns() >= deadline);
	/* A past deadline polls. */
	t0 = time_ns();
	assert_int_equal(chan_timedsend(c, &v, 1), -ETIMEDOUT);
	assert_true(time_ns() - t0 < 10 * MS);
	v = 0;
	assert_int_equal(chan_timedrecv(c, &v, 1), 0);
	assert_int_equal(v, 9);
	assert_false(fake_sleepers());
	assert_int_equal(chan_destroy(c), 0);
}

/* Timed sends and receives whose deadlines keep passing while the other
 * side is mid-operation: every message still arrives exactly once. */
#define RACE_SIDES 3
#define RACE_MSGS 2000 /* per sender */
static unsigned char race_seen[RACE_SIDES][RACE_MSGS];

struct race {
	struct chan *c;
	int id;
	uint64_t timeouts;
};

static uint64_t race_deadline(uint64_t k)
{
	return time_ns() + 5000 + (k % 5) * 20000; /* 5-85 us */
}

static int race_sender(void *arg)
{
	struct race *r = arg;
	int rc;

	for (uint64_t k = 0; k < RACE_MSGS; k++) {
		uint64_t v = ((uint64_t)r->id << 32) | k;

		while ((rc = chan_timedsend(r->c, &v, race_deadline(k))) ==
		       -ETIMEDOUT)
			r->timeouts++;
		if (rc != 0)
			return 1;
	}
	return 0;
}

static int race_receiver(void *arg)
{
	struct race *r = arg;
	uint64_t v;
	int rc;

	for (uint64_t k = 0;; k++) {
		rc = chan_timedrecv(r->c, &v, race_deadline(k));
		if (rc == -ETIMEDOUT) {
			r->timeouts++;
			continue;
		}
		if (rc == -EPIPE)
			return 0;
		if (rc != 0 || (v >> 32) >= RACE_SIDES ||
		    (v & 0xffffffffu) >= RACE_MSGS)
			return 2;
		__atomic_fetch_add(&race_seen[v >> 32][v & 0xffffffffu], 1,
				   __ATOMIC_RELAXED);
	}
}

static void run_timed_race(size_t cap)
{
	struct race s[RACE_SIDES], r[RACE_SIDES];
	struct fake_task *ts[RACE_SIDES], *tr[RACE_SIDES];
	struct chan *c = make(sizeof(uint64_t), cap);
	int i, k;

	memset(race_seen, 0, sizeof(race_seen));
	for (i = 0; i < RACE_SIDES; i++) {
		r[i] = (struct race){ .c = c, .id = i };
		s[i] = (struct race){ .c = c, .id = i };
		tr[i] = fake_task_start(race_receiver, &r[i]);
		ts[i] = fake_task_start(race_sender, &s[i]);
	}
	for (i = 0; i < RACE_SIDES; i++)
		assert_int_equal(fake_task_join(ts[i]), 0);
	assert_int_equal(chan_close(c), 0);
	for (i = 0; i < RACE_SIDES; i++)
		assert_int_equal(fake_task_join(tr[i]), 0);
	for (i = 0; i < RACE_SIDES; i++)
		for (k = 0; k < RACE_MSGS; k++)
			assert_int_equal(race_seen[i][k], 1);
	assert_false(fake_sleepers());
	assert_int_equal(chan_destroy(c), 0);
}

static void test_timed_race_rendezvous(void **state)
{
	(void)state;
	run_timed_race(0);
}

static void test_timed_race_cap1(void **state)
{
	(void)state;
	run_timed_race(1);
}

/* --- select --- */

static void test_select_checks(void **state)
{
	struct chan *c = make(4, 1);
	uint32_t v;
	struct chan_sel ops[CHAN_SEL_MAX + 1];

	(void)state;
	for (int i = 0; i <= CHAN_SEL_MAX; i++)
		ops[i] = (struct chan_sel){ c, CHAN_OP_RECV, &v };
	assert_int_equal(chan_select(ops, 0, 1), -EINVAL);
	assert_int_equal(chan_select(NULL, 1, 1), -EINVAL);
	assert_int_equal(chan_select(ops, CHAN_SEL_MAX + 1, 1), -EINVAL);
	assert_int_equal(chan_select(ops, CHAN_SEL_MAX, 1), -ETIMEDOUT);
	ops[1].cs_op = 3;
	assert_int_equal(chan_select(ops, 2, 1), -EINVAL);
	ops[1] = (struct chan_sel){ NULL, CHAN_OP_RECV, &v };
	assert_int_equal(chan_select(ops, 2, 1), -EINVAL);
	ops[1] = (struct chan_sel){ c, CHAN_OP_SEND, NULL };
	assert_int_equal(chan_select(ops, 2, 1), -EINVAL);
	assert_int_equal(chan_destroy(c), 0);
}

/* Sends m on c unless c is full. */
static void offer(struct chan *c, const void *m)
{
	int rc = chan_trysend(c, m);

	assert_true(rc == 0 || rc == -EAGAIN);
}

static void test_select_ready_and_fair(void **state)
{
	struct chan *a = make(4, 1), *b = make(4, 1);
	uint32_t ra = 0, rb = 0, one = 1;
	struct chan_sel ops[2] = { { a, CHAN_OP_RECV, &ra },
				   { b, CHAN_OP_RECV, &rb } };
	int hits[2] = { 0, 0 }, rc;

	(void)state;
	assert_int_equal(chan_trysend(b, &one), 0);
	assert_int_equal(chan_select(ops, 2, 0), 1); /* the only ready one */
	assert_int_equal(rb, 1);
	/* Both always ready: each must be picked a fair share. */
	for (int i = 0; i < 200; i++) {
		offer(a, &one);
		offer(b, &one);
		rc = chan_select(ops, 2, 0);
		assert_true(rc == 0 || rc == 1);
		hits[rc]++;
	}
	assert_true(hits[0] >= 50 && hits[1] >= 50);
	/* A send op and a receive op on the same channel. */
	while (chan_tryrecv(a, &ra) == 0)
		;
	ops[1] = (struct chan_sel){ a, CHAN_OP_SEND, &one };
	assert_int_equal(chan_select(ops, 2, 0), 1);
	assert_int_equal(chan_select(ops, 2, 0), 0);
	assert_int_equal(chan_destroy(a), 0);
	assert_int_equal(chan_destroy(b), 0);
}

struct sel_wait {
	struct chan *c[3];
	uint32_t got;
	int rc;
};

static int select_three(void *arg)
{
	struct sel_wait *s = arg;
	struct chan_sel ops[3];

	for (int i = 0; i < 3; i++)
		ops[i] = (struct chan_sel){ s->c[i], CHAN_OP_RECV, &s->got };
	s->rc = chan_select(ops, 3, 0);
	return 0;
}

static void test_select_wakes_on_any(void **state)
{
	struct sel_wait s;
	struct fake_task *t;
	uint32_t v;

	(void)state;
	for (int which = 0; which < 3; which++) {
		memset(&s, 0, sizeof(s));
		for (int i = 0; i < 3; i++)
			s.c[i] = make(4, i); /* capacities 0, 1, 2 */
		t = fake_task_start(select_three, &s);
		assert_true(fake_wait_sleepers(1));
		v = 100 + (uint32_t)which;
		assert_int_equal(chan_send(s.c[which], &v), 0);
		assert_int_equal(fake_task_join(t), 0);
		assert_int_equal(s.rc, which);
		assert_int_equal(s.got, v);
		for (int i = 0; i < 3; i++) {
			assert_int_equal(chan_tryrecv(s.c[i], &v), -EAGAIN);
			/* -EBUSY if a waiter of the select were left queued */
			assert_int_equal(chan_destroy(s.c[i]), 0);
		}
	}
}

static void test_select_timeout_and_close(void **state)
{
	struct sel_wait s;
	struct fake_task *t;
	uint64_t deadline;
	struct chan_sel ops[2];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.c[0] = s.c[1] = make(4, 1);
	s.c[2] = make(4, 0);
	ops[0] = (struct chan_sel){ s.c[0], CHAN_OP_RECV, &s.got };
	ops[1] = (struct chan_sel){ s.c[2], CHAN_OP_RECV, &s.got };
	deadline = time_ns() + 20 * MS;
	assert_int_equal(chan_select(ops, 2, deadline), -ETIMEDOUT);
	assert_true(time_ns() >= deadline);
	/* Closing one channel leaves the select waiting on the other; closing
	 * the last one ends it with -EPIPE. */
	t = fake_task_start(select_three, &s);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(chan_close(s.c[0]), 0);
	fake_sleep_ns(5 * MS);
	assert_int_equal(fake_sleepers(), 1);
	assert_int_equal(chan_close(s.c[2]), 0);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(s.rc, -EPIPE);
	assert_int_equal(chan_select(ops, 2, 0), -EPIPE);
	assert_int_equal(chan_destroy(s.c[0]), 0);
	assert_int_equal(chan_destroy(s.c[2]), 0);
}

/*
 * Selectors receive from A or B while senders feed both, and other
 * selectors send to A or B: every message arrives exactly once.
 */
#define NSEL 4
#define SEL_MSGS 3000
static struct chan *sa, *sb;

static int sel_receiver(void *arg)
{
	uint64_t *sum = arg, got;
	struct chan_sel ops[2] = { { sa, CHAN_OP_RECV, &got },
				   { sb, CHAN_OP_RECV, &got } };
	int rc;

	while ((rc = chan_select(ops, 2, 0)) >= 0)
		*sum += got;
	return rc == -EPIPE ? 0 : 1;
}

static int sel_sender(void *arg)
{
	uint64_t base = (uint64_t)(uintptr_t)arg, v;
	struct chan_sel ops[2] = { { sa, CHAN_OP_SEND, &v },
				   { sb, CHAN_OP_SEND, &v } };

	for (uint64_t i = 1; i <= SEL_MSGS; i++) {
		v = base + i;
		if (chan_select(ops, 2, 0) < 0)
			return 1;
	}
	return 0;
}

static int plain_sender(void *arg)
{
	uint64_t base = (uint64_t)(uintptr_t)arg, v;

	for (uint64_t i = 1; i <= SEL_MSGS; i++) {
		v = base + i;
		if (chan_send(i % 2 ? sa : sb, &v) != 0)
			return 1;
	}
	return 0;
}

static void test_select_exactly_once(void **state)
{
	struct fake_task *recv[NSEL], *send[NSEL];
	uint64_t sums[NSEL] = { 0 }, total = 0, want = 0;
	int i;

	(void)state;
	sa = make(8, 2);
	sb = make(8, 0);
	for (i = 0; i < NSEL; i++)
		recv[i] = fake_task_start(sel_receiver, &sums[i]);
	for (i = 0; i < NSEL; i++) {
		uintptr_t base = (uintptr_t)i << 20;

		send[i] = fake_task_start(i % 2 ? plain_sender : sel_sender,
					  (void *)base);
		want += (uint64_t)base * SEL_MSGS +
			(uint64_t)SEL_MSGS * (SEL_MSGS + 1) / 2;
	}
	for (i = 0; i < NSEL; i++)
		assert_int_equal(fake_task_join(send[i]), 0);
	assert_int_equal(chan_close(sa), 0);
	assert_int_equal(chan_close(sb), 0);
	for (i = 0; i < NSEL; i++) {
		assert_int_equal(fake_task_join(recv[i]), 0);
		total += sums[i];
	}
	assert_int_equal(total, want);
	assert_int_equal(chan_destroy(sa), 0);
	assert_int_equal(chan_destroy(sb), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_checks),
		cmocka_unit_test(test_many_senders_receivers),
		cmocka_unit_test(test_many_senders_receivers_cap1),
		cmocka_unit_test(test_many_senders_receivers_rendezvous),
		cmocka_unit_test(test_ping_pong),
		cmocka_unit_test(test_close_wakes_everyone),
		cmocka_unit_test(test_try_ops),
		cmocka_unit_test(test_timed_ops),
		cmocka_unit_test(test_timed_race_rendezvous),
		cmocka_unit_test(test_timed_race_cap1),
		cmocka_unit_test(test_select_checks),
		cmocka_unit_test(test_select_ready_and_fair),
		cmocka_unit_test(test_select_wakes_on_any),
		cmocka_unit_test(test_select_timeout_and_close),
		cmocka_unit_test(test_select_exactly_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
