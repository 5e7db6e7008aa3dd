/* SPDX-License-Identifier: MIT */
/*
 * Host tests for a channel's bookkeeping (kernel/sched/chan_ring.c): ring
 * sizes, wrap-around, full and empty, close and drain, direct hand-off to
 * queued receivers, refill from queued senders, rendezvous, dead select
 * waiters skipped, pokes on close, and the select lock order. The two
 * calls it makes into chan.c are faked: a "selector" is an open flag.
 */
#include "chan_impl.h"

#include <kernel/chan.h>
#include <kernel/errno.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* --- fakes of chan.c's side --- */

#define SEL_OPEN (-1)

struct chan_selector {
	int fired; /* SEL_OPEN or the op that completed */
	bool poked;
	int fires, pokes; /* calls that found it open */
};

bool chan_waiter_fire(struct chan_waiter *w, void *to, const void *from,
		      size_t size)
{
	struct chan_selector *s = w->cw_sel;

	assert_false(w->cw_queued); /* always taken out first */
	if (s->fired != SEL_OPEN)
		return false;
	memcpy(to, from, size);
	s->fired = (int)w->cw_index;
	s->fires++;
	return true;
}

void chan_waiter_poke(struct chan_waiter *w)
{
	struct chan_selector *s = w->cw_sel;

	assert_false(w->cw_queued);
	if (s->fired == SEL_OPEN) {
		s->poked = true;
		s->pokes++;
	}
}

/* --- helpers --- */

static void sel_reset(struct chan_selector *s)
{
	memset(s, 0, sizeof(*s));
	s->fired = SEL_OPEN;
}

static void waiter_init(struct chan_waiter *w, struct chan_selector *s,
			unsigned int index, bool send, void *msg)
{
	memset(w, 0, sizeof(*w));
	w->cw_sel = s;
	w->cw_index = index;
	w->cw_send = send;
	w->cw_msg = msg;
}

/* A core of `cap` uint64_t messages over a static buffer. */
static uint64_t buf[64];

static void core_init(struct chan_core *cc, size_t cap)
{
	assert_true(cap <= 64);
	memset(buf, 0xa5, sizeof(buf));
	chan_core_init(cc, buf, sizeof(uint64_t), cap);
}

static int send_u64(struct chan_core *cc, uint64_t v)
{
	return chan_core_send(cc, &v);
}

static uint64_t recv_u64(struct chan_core *cc)
{
	uint64_t v = 0;

	assert_int_equal(chan_core_recv(cc, &v), 0);
	return v;
}

/* --- ring --- */

static void test_ring_size(void **state)
{
	size_t bytes = 1;

	(void)state;
	assert_int_equal(chan_ring_size(0, 4, 0, &bytes), -EINVAL);
	assert_int_equal(chan_ring_size(CHAN_MSG_MAX + 1, 4, 0, &bytes),
			 -EINVAL);
	assert_int_equal(chan_ring_size(8, SIZE_MAX / 8 + 1, 0, &bytes),
			 -EINVAL);
	assert_int_equal(chan_ring_size(8, SIZE_MAX / 8, 64, &bytes), -EINVAL);
	assert_int_equal(chan_ring_size(8, (SIZE_MAX - 64) / 8, 64, &bytes), 0);
	assert_int_equal(chan_ring_size(CHAN_MSG_MAX, 3, 64, &bytes), 0);
	assert_int_equal(bytes, 3 * CHAN_MSG_MAX);
	assert_int_equal(chan_ring_size(1, 0, 64, &bytes), 0);
	assert_int_equal(bytes, 0);
}

static void test_ring_wraps_in_order(void **state)
{
	struct chan_ring r;
	unsigned char slots[3 * 5];
	unsigned char in[5], out[5];
	unsigned int next_in = 0, next_out = 0, round;

	(void)state;
	chan_ring_init(&r, slots, sizeof(in), 3);
	assert_true(chan_ring_is_empty(&r));
	for (round = 0; round < 100; round++) {
		/* Fill by 1..3, drain by 1..3: every head position is met. */
		unsigned int puts = 1 + round % 3, gets = 1 + (round / 3) % 3;

		while (puts-- > 0 && !chan_ring_is_full(&r)) {
			memset(in, (int)(next_in++ & 0xff), sizeof(in));
			chan_ring_put(&r, in);
		}
		while (gets-- > 0 && !chan_ring_is_empty(&r)) {
			chan_ring_get(&r, out);
			for (unsigned int k = 0; k < sizeof(out); k++)
				assert_int_equal(out[k], next_out & 0xff);
			next_out++;
		}
		assert_true(r.cr_head < 3);
		assert_int_equal(r.cr_count, next_in - next_out);
	}
	assert_true(next_out > 100);
}

static void test_full_and_empty(void **state)
{
	struct chan_core cc;
	uint64_t v;
	int i;

	(void)state;
	core_init(&cc, 4);
	assert_int_equal(chan_core_recv(&cc, &v), -EAGAIN);
	for (i = 0; i < 4; i++)
		assert_int_equal(send_u64(&cc, 100 + i), 0);
	assert_true(chan_ring_is_full(&cc.cc_ring));
	assert_int_equal(send_u64(&cc, 999), -EAGAIN);
	for (i = 0; i < 4; i++)
		assert_int_equal(recv_u64(&cc), 100 + i);
	assert_int_equal(chan_core_recv(&cc, &v), -EAGAIN);
	/* Wrapped: head is back at 0 after exactly cap messages. */
	assert_int_equal(cc.cc_ring.cr_head, 0);
	assert_false(chan_core_has_waiters(&cc));
}

static void test_close_drains_then_fails(void **state)
{
	struct chan_core cc;
	uint64_t v;

	(void)state;
	core_init(&cc, 4);
	assert_int_equal(send_u64(&cc, 1), 0);
	assert_int_equal(send_u64(&cc, 2), 0);
	assert_int_equal(chan_core_close(&cc), 0);
	assert_int_equal(chan_core_close(&cc), -EPIPE);
	assert_int_equal(send_u64(&cc, 3), -EPIPE);
	assert_int_equal(recv_u64(&cc), 1);
	assert_int_equal(recv_u64(&cc), 2);
	assert_int_equal(chan_core_recv(&cc, &v), -EPIPE);
	assert_int_equal(chan_core_recv(&cc, &v), -EPIPE);
}

/* --- waiters --- */

static void test_send_goes_straight_to_receiver(void **state)
{
	struct chan_core cc;
	struct chan_selector s;
	struct chan_waiter w;
	uint64_t got = 0;

	(void)state;
	core_init(&cc, 4);
	sel_reset(&s);
	waiter_init(&w, &s, 2, false, &got);
	chan_core_enqueue(&cc, &w);
	assert_true(chan_core_has_waiters(&cc));
	assert_int_equal(send_u64(&cc, 42), 0);
	assert_int_equal(got, 42);
	assert_int_equal(s.fired, 2);
	assert_false(w.cw_queued);
	assert_true(chan_ring_is_empty(&cc.cc_ring)); /* not buffered too */
	assert_false(chan_core_has_waiters(&cc));
}

static void test_receivers_served_in_order_dead_skipped(void **state)
{
	struct chan_core cc;
	struct chan_selector s[3];
	struct chan_waiter w[3];
	uint64_t got[3] = { 0, 0, 0 };
	int i;

	(void)state;
	core_init(&cc, 4);
	for (i = 0; i < 3; i++) {
		sel_reset(&s[i]);
		waiter_init(&w[i], &s[i], 0, false, &got[i]);
		chan_core_enqueue(&cc, &w[i]);
	}
	s[0].fired = 5; /* its select completed another op meanwhile */
	assert_int_equal(send_u64(&cc, 7), 0);
	assert_int_equal(send_u64(&cc, 8), 0);
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1], 7);
	assert_int_equal(got[2], 8);
	assert_false(w[0].cw_queued); /* dropped on the way */
	assert_int_equal(s[0].fires, 0);
	assert_true(chan_ring_is_empty(&cc.cc_ring));
	/* Nobody left: the next one is buffered. */
	assert_int_equal(send_u64(&cc, 9), 0);
	assert_int_equal(cc.cc_ring.cr_count, 1);
}

static void test_only_dead_receivers_means_buffer(void **state)
{
	struct chan_core cc;
	struct chan_selector s;
	struct chan_waiter w;
	uint64_t got = 0;

	(void)state;
	core_init(&cc, 1);
	sel_reset(&s);
	s.fired = 0;
	waiter_init(&w, &s, 1, false, &got);
	chan_core_enqueue(&cc, &w);
	assert_int_equal(send_u64(&cc, 5), 0);
	assert_int_equal(got, 0);
	assert_false(chan_core_has_waiters(&cc));
	assert_int_equal(recv_u64(&cc), 5);
}

static void test_recv_refills_from_sender(void **state)
{
	struct chan_core cc;
	struct chan_selector s[2];
	struct chan_waiter w[2];
	uint64_t m[2] = { 30, 31 };
	int i;

	(void)state;
	core_init(&cc, 2);
	assert_int_equal(send_u64(&cc, 10), 0);
	assert_int_equal(send_u64(&cc, 11), 0);
	for (i = 0; i < 2; i++) {
		sel_reset(&s[i]);
		waiter_init(&w[i], &s[i], 3, true, &m[i]);
		assert_int_equal(send_u64(&cc, m[i]), -EAGAIN);
		chan_core_enqueue(&cc, &w[i]);
	}
	assert_int_equal(recv_u64(&cc), 10);
	assert_int_equal(s[0].fired, 3); /* its message took the free slot */
	assert_int_equal(s[1].fired, SEL_OPEN);
	assert_true(chan_ring_is_full(&cc.cc_ring));
	assert_int_equal(recv_u64(&cc), 11);
	assert_int_equal(s[1].fired, 3);
	assert_int_equal(recv_u64(&cc), 30);
	assert_int_equal(recv_u64(&cc), 31);
	assert_true(chan_ring_is_empty(&cc.cc_ring));
	assert_false(chan_core_has_waiters(&cc));
}

static void test_rendezvous(void **state)
{
	struct chan_core cc;
	struct chan_selector s[2];
	struct chan_waiter w[2];
	uint64_t m[2] = { 77, 78 }, got = 0, v;

	(void)state;
	core_init(&cc, 0);
	assert_int_equal(send_u64(&cc, 1), -EAGAIN);
	assert_int_equal(chan_core_recv(&cc, &v), -EAGAIN);
	/* A dead sender then a live one: the receive gets the live one. */
	sel_reset(&s[0]);
	sel_reset(&s[1]);
	s[0].fired = 0;
	waiter_init(&w[0], &s[0], 0, true, &m[0]);
	waiter_init(&w[1], &s[1], 1, true, &m[1]);
	chan_core_enqueue(&cc, &w[0]);
	chan_core_enqueue(&cc, &w[1]);
	assert_int_equal(recv_u64(&cc), 78);
	assert_int_equal(s[1].fired, 1);
	assert_int_equal(chan_core_recv(&cc, &v), -EAGAIN);
	/* A queued receiver gets a send directly. */
	sel_reset(&s[0]);
	waiter_init(&w[0], &s[0], 4, false, &got);
	chan_core_enqueue(&cc, &w[0]);
	assert_int_equal(send_u64(&cc, 5), 0);
	assert_int_equal(got, 5);
	assert_int_equal(s[0].fired, 4);
	assert_int_equal(cc.cc_ring.cr_count, 0);
	assert_int_equal(chan_core_close(&cc), 0);
	assert_int_equal(chan_core_recv(&cc, &v), -EPIPE);
}

static void test_close_pokes_every_waiter(void **state)
{
	struct chan_core cc, cc2;
	struct chan_selector s[3];
	struct chan_waiter w[3];
	uint64_t m = 1, got = 0;

	(void)state;
	core_init(&cc, 0);
	chan_core_init(&cc2, NULL, 8, 0);
	sel_reset(&s[0]);
	sel_reset(&s[1]);
	sel_reset(&s[2]);
	s[2].fired = 1; /* finished: a poke must leave it alone */
	waiter_init(&w[0], &s[0], 0, true, &m);
	waiter_init(&w[1], &s[1], 0, false, &got);
	waiter_init(&w[2], &s[2], 0, false, &got);
	chan_core_enqueue(&cc, &w[0]);
	chan_core_enqueue(&cc, &w[1]);
	chan_core_enqueue(&cc, &w[2]);
	assert_int_equal(chan_core_close(&cc), 0);
	assert_true(s[0].poked && s[1].poked);
	assert_false(s[2].poked);
	assert_int_equal(s[0].pokes + s[1].pokes + s[2].pokes, 2);
	assert_false(chan_core_has_waiters(&cc));
	assert_false(w[0].cw_queued || w[1].cw_queued || w[2].cw_queued);
	/* Closing cc2 with nobody queued pokes nobody. */
	assert_int_equal(chan_core_close(&cc2), 0);
}

static void test_dequeue_anywhere(void **state)
{
	struct chan_core cc;
	struct chan_selector s;
	struct chan_waiter w[4];
	uint64_t got[4] = { 0 };
	int i;

	(void)state;
	core_init(&cc, 1);
	sel_reset(&s);
	for (i = 0; i < 4; i++) {
		waiter_init(&w[i], &s, (unsigned int)i, false, &got[i]);
		chan_core_enqueue(&cc, &w[i]);
	}
	chan_core_dequeue(&cc, &w[1]); /* middle */
	chan_core_dequeue(&cc, &w[3]); /* tail */
	chan_core_dequeue(&cc, &w[3]); /* again: no-op */
	assert_false(w[1].cw_queued || w[3].cw_queued);
	assert_ptr_equal(cc.cc_receivers.wl_head, &w[0]);
	assert_ptr_equal(w[0].cw_next, &w[2]);
	assert_ptr_equal(cc.cc_receivers.wl_tail, &w[2]);
	chan_core_dequeue(&cc, &w[0]); /* head */
	assert_ptr_equal(cc.cc_receivers.wl_head, &w[2]);
	assert_null(w[2].cw_prev);
	chan_core_dequeue(&cc, &w[2]);
	assert_false(chan_core_has_waiters(&cc));
}

/*
 * One select with a receive queued on two channels: a send on either
 * completes it, and a send on the other then finds the waiter dead and
 * buffers its message: exactly one op completes.
 */
static void test_select_completes_once(void **state)
{
	struct chan_core a, b;
	uint64_t abuf[2], bbuf[2], got[2] = { 0, 0 };
	struct chan_selector s;
	struct chan_waiter w[2];

	(void)state;
	chan_core_init(&a, abuf, 8, 2);
	chan_core_init(&b, bbuf, 8, 2);
	sel_reset(&s);
	waiter_init(&w[0], &s, 0, false, &got[0]);
	waiter_init(&w[1], &s, 1, false, &got[1]);
	chan_core_enqueue(&a, &w[0]);
	chan_core_enqueue(&b, &w[1]);
	assert_int_equal(send_u64(&b, 21), 0);
	assert_int_equal(s.fired, 1);
	assert_int_equal(got[1], 21);
	assert_int_equal(send_u64(&a, 20), 0);
	assert_int_equal(got[0], 0);
	assert_int_equal(s.fires, 1);
	assert_int_equal(a.cc_ring.cr_count, 1);
	assert_false(chan_core_has_waiters(&a) || chan_core_has_waiters(&b));
}

static void test_lock_order(void **state)
{
	char objs[6];
	void *p[8] = { &objs[3], &objs[1], &objs[3], &objs[5],
		       &objs[0], &objs[1], &objs[4], &objs[3] };
	void *one[1] = { &objs[2] };
	unsigned int n, i;

	(void)state;
	n = chan_lock_order(p, 8);
	assert_int_equal(n, 5);
	assert_ptr_equal(p[0], &objs[0]);
	assert_ptr_equal(p[1], &objs[1]);
	assert_ptr_equal(p[2], &objs[3]);
	assert_ptr_equal(p[3], &objs[4]);
	assert_ptr_equal(p[4], &objs[5]);
	for (i = 1; i < n; i++)
		assert_true((uintptr_t)p[i - 1] < (uintptr_t)p[i]);
	assert_int_equal(chan_lock_order(one, 1), 1);
	assert_ptr_equal(one[0], &objs[2]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_size),
		cmocka_unit_test(test_ring_wraps_in_order),
		cmocka_unit_test(test_full_and_empty),
		cmocka_unit_test(test_close_drains_then_fails),
		cmocka_unit_test(test_send_goes_straight_to_receiver),
		cmocka_unit_test(test_receivers_served_in_order_dead_skipped),
		cmocka_unit_test(test_only_dead_receivers_means_buffer),
		cmocka_unit_test(test_recv_refills_from_sender),
		cmocka_unit_test(test_rendezvous),
		cmocka_unit_test(test_close_pokes_every_waiter),
		cmocka_unit_test(test_dequeue_anywhere),
		cmocka_unit_test(test_select_completes_once),
		cmocka_unit_test(test_lock_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
