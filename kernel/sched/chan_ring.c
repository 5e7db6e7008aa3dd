/* SPDX-License-Identifier: MIT */
/*
 * The bookkeeping of a channel (chan_impl.h): its message ring, its queues
 * of blocked senders and receivers, and the matching of the two. No locks
 * and no blocking: chan.c calls it with the channel's lock held and
 * supplies chan_waiter_fire()/chan_waiter_poke(); the host tests run it
 * single-threaded with fakes of those two.
 */
#include "chan_impl.h"

#include <kernel/chan.h>
#include <kernel/errno.h>
#include <kernel/string.h>

/* --- ring --- */

int chan_ring_size(size_t elem_size, size_t capacity, size_t extra,
		   size_t *bytes)
{
	if (elem_size == 0 || elem_size > CHAN_MSG_MAX)
		return -EINVAL;
	if (capacity > (SIZE_MAX - extra) / elem_size)
		return -EINVAL;
	*bytes = elem_size * capacity;
	return 0;
}

void chan_ring_init(struct chan_ring *r, void *buf, size_t elem_size,
		    size_t capacity)
{
	r->cr_buf = buf;
	r->cr_elem_size = elem_size;
	r->cr_cap = capacity;
	r->cr_head = 0;
	r->cr_count = 0;
}

bool chan_ring_is_empty(const struct chan_ring *r)
{
	return r->cr_count == 0;
}

bool chan_ring_is_full(const struct chan_ring *r)
{
	return r->cr_count == r->cr_cap;
}

static unsigned char *ring_slot(const struct chan_ring *r, size_t i)
{
	return r->cr_buf + i * r->cr_elem_size;
}

void *chan_ring_next_slot(struct chan_ring *r)
{
	size_t tail = r->cr_head + r->cr_count;

	if (tail >= r->cr_cap)
		tail -= r->cr_cap;
	return ring_slot(r, tail);
}

void chan_ring_commit(struct chan_ring *r)
{
	r->cr_count++;
}

void chan_ring_put(struct chan_ring *r, const void *msg)
{
	memcpy(chan_ring_next_slot(r), msg, r->cr_elem_size);
	chan_ring_commit(r);
}

void chan_ring_get(struct chan_ring *r, void *msg)
{
	memcpy(msg, ring_slot(r, r->cr_head), r->cr_elem_size);
	if (++r->cr_head == r->cr_cap)
		r->cr_head = 0;
	r->cr_count--;
}

/* --- waiter queues --- */

static void wlist_append(struct chan_wlist *l, struct chan_waiter *w)
{
	w->cw_next = NULL;
	w->cw_prev = l->wl_tail;
	if (l->wl_tail)
		l->wl_tail->cw_next = w;
	else
		l->wl_head = w;
	l->wl_tail = w;
	w->cw_queued = true;
}

static void wlist_remove(struct chan_wlist *l, struct chan_waiter *w)
{
	if (w->cw_prev)
		w->cw_prev->cw_next = w->cw_next;
	else
		l->wl_head = w->cw_next;
	if (w->cw_next)
		w->cw_next->cw_prev = w->cw_prev;
	else
		l->wl_tail = w->cw_prev;
	w->cw_next = w->cw_prev = NULL;
	w->cw_queued = false;
}

static struct chan_waiter *wlist_pop(struct chan_wlist *l)
{
	struct chan_waiter *w = l->wl_head;

	if (w)
		wlist_remove(l, w);
	return w;
}

/* --- core --- */

void chan_core_init(struct chan_core *cc, void *buf, size_t elem_size,
		    size_t capacity)
{
	chan_ring_init(&cc->cc_ring, buf, elem_size, capacity);
	cc->cc_senders.wl_head = cc->cc_senders.wl_tail = NULL;
	cc->cc_receivers.wl_head = cc->cc_receivers.wl_tail = NULL;
	cc->cc_closed = false;
}

int chan_core_send(struct chan_core *cc, const void *msg)
{
	struct chan_ring *r = &cc->cc_ring;
	struct chan_waiter *w;

	if (cc->cc_closed)
		return -EPIPE;
	/* A live receiver means the ring is empty: FIFO order is kept. */
	while ((w = wlist_pop(&cc->cc_receivers)) != NULL) {
		if (chan_waiter_fire(w, w->cw_msg, msg, r->cr_elem_size))
			return 0;
	}
	if (chan_ring_is_full(r))
		return -EAGAIN;
	chan_ring_put(r, msg);
	return 0;
}

int chan_core_recv(struct chan_core *cc, void *msg)
{
	struct chan_ring *r = &cc->cc_ring;
	struct chan_waiter *w;

	if (!chan_ring_is_empty(r)) {
		chan_ring_get(r, msg);
		/* A live sender waits for the slot just freed. */
		while ((w = wlist_pop(&cc->cc_senders)) != NULL) {
			if (chan_waiter_fire(w, chan_ring_next_slot(r),
					     w->cw_msg, r->cr_elem_size)) {
				chan_ring_commit(r);
				break;
			}
		}
		return 0;
	}
	/* Empty ring: only a rendezvous channel can have live senders. */
	while ((w = wlist_pop(&cc->cc_senders)) != NULL) {
		if (chan_waiter_fire(w, msg, w->cw_msg, r->cr_elem_size))
			return 0;
	}
	return cc->cc_closed ? -EPIPE : -EAGAIN;
}

static struct chan_wlist *queue_of(struct chan_core *cc,
				   const struct chan_waiter *w)
{
	return w->cw_send ? &cc->cc_senders : &cc->cc_receivers;
}

void chan_core_enqueue(struct chan_core *cc, struct chan_waiter *w)
{
	wlist_append(queue_of(cc, w), w);
}

void chan_core_dequeue(struct chan_core *cc, struct chan_waiter *w)
{
	if (w->cw_queued)
		wlist_remove(queue_of(cc, w), w);
}

int chan_core_close(struct chan_core *cc)
{
	struct chan_waiter *w;

	if (cc->cc_closed)
		return -EPIPE;
	cc->cc_closed = true;
	while ((w = wlist_pop(&cc->cc_senders)) != NULL)
		chan_waiter_poke(w);
	while ((w = wlist_pop(&cc->cc_receivers)) != NULL)
		chan_waiter_poke(w);
	return 0;
}

bool chan_core_has_waiters(const struct chan_core *cc)
{
	return cc->cc_senders.wl_head || cc->cc_receivers.wl_head;
}

unsigned int chan_lock_order(void **p, unsigned int n)
{
	unsigned int i, j, out;

	for (i = 1; i < n; i++) { /* insertion sort: n <= CHAN_SEL_MAX */
		void *v = p[i];

		for (j = i; j > 0 && (uintptr_t)p[j - 1] > (uintptr_t)v; j--)
			p[j] = p[j - 1];
		p[j] = v;
	}
	for (i = 0, out = 0; i < n; i++) {
		if (out == 0 || p[out - 1] != p[i])
			p[out++] = p[i];
	}
	return out;
}
