/* SPDX-License-Identifier: MIT */
/*
 * Channel internals shared by chan.c (locks, blocking, select) and
 * chan_ring.c (the message ring and the queues of blocked ops: no locks,
 * no blocking, no allocation, so the host tests run it as it is).
 *
 * A channel's core is its ring plus two FIFO queues of blocked ops, one of
 * senders and one of receivers. Invariants, with the channel lock held
 * and counting only "live" waiters (whose select has not fired yet):
 *   - a live receiver waits only while the ring is empty;
 *   - a live sender waits only while the ring is full (always, when the
 *     capacity is 0);
 * so a send first serves the oldest live receiver, and a receive refills
 * the ring from the oldest live sender. Dead waiters (their select fired
 * on another channel, or timed out) stay queued until their owner takes
 * them out or an operation here meets them and drops them.
 */
#ifndef SCHED_CHAN_IMPL_H
#define SCHED_CHAN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A ring of cr_cap slots of cr_elem_size bytes. Caller serialises. */
struct chan_ring {
	unsigned char *cr_buf; /* cr_cap * cr_elem_size bytes */
	size_t cr_elem_size;
	size_t cr_cap; /* 0: no buffer (rendezvous) */
	size_t cr_head; /* slot of the oldest message */
	size_t cr_count; /* messages held, 0..cr_cap */
};

struct chan_selector; /* defined by chan.c (or a test) */

/*
 * One op of a blocked select (a blocking send or receive is a select of
 * one op) while it is queued on a channel. Lives on the blocked task's
 * stack. Locking: [L] the channel's lock  [I] set before queueing.
 */
struct chan_waiter {
	struct chan_waiter *cw_next, *cw_prev; /* [L] */
	bool cw_queued; /* [L] in one of the channel's queues */
	struct chan_selector *cw_sel; /* [I] the select it belongs to */
	unsigned int cw_index; /* [I] the op's index in the select */
	bool cw_send; /* [I] a send (else a receive) */
	void *cw_msg; /* [I] send: the message; receive: its buffer */
};

struct chan_wlist {
	struct chan_waiter *wl_head, *wl_tail;
};

struct chan_core {
	struct chan_ring cc_ring;
	struct chan_wlist cc_senders;
	struct chan_wlist cc_receivers;
	bool cc_closed;
};

/*
 * Checks (elem_size, capacity) and stores the ring's size in bytes in
 * *bytes. Returns 0, or -EINVAL for elem_size 0 or over CHAN_MSG_MAX, or
 * a size that does not fit in size_t together with `extra` bytes.
 */
int chan_ring_size(size_t elem_size, size_t capacity, size_t extra,
		   size_t *bytes);

void chan_ring_init(struct chan_ring *r, void *buf, size_t elem_size,
		    size_t capacity);
bool chan_ring_is_empty(const struct chan_ring *r);
bool chan_ring_is_full(const struct chan_ring *r);
/* Copies msg into the slot after the newest. The ring is not full. */
void chan_ring_put(struct chan_ring *r, const void *msg);
/* Copies the oldest message to msg and frees its slot. Not empty. */
void chan_ring_get(struct chan_ring *r, void *msg);
/* The slot the next put fills, for a copy done by chan_waiter_fire();
 * chan_ring_commit() then counts it. The ring is not full. */
void *chan_ring_next_slot(struct chan_ring *r);
void chan_ring_commit(struct chan_ring *r);

/*
 * The two calls chan_ring.c makes into its user, with the channel's lock
 * held (provided by chan.c; the host tests bring their own).
 *
 * chan_waiter_fire(): if w's select is still open, copies `size` bytes
 * from `from` to `to`, records w's op as the select's one completed op,
 * wakes its task and returns true. Returns false, copying nothing, when
 * the select already completed an op or gave up.
 *
 * chan_waiter_poke(): w's channel closed, so w's op can never complete:
 * unless its select is finished, its task must wake and look again.
 */
bool chan_waiter_fire(struct chan_waiter *w, void *to, const void *from,
		      size_t size);
void chan_waiter_poke(struct chan_waiter *w);

/* All calls below: the caller holds the channel's lock. */

void chan_core_init(struct chan_core *cc, void *buf, size_t elem_size,
		    size_t capacity);

/*
 * Sends msg now if possible: to the oldest live receiver, else into the
 * ring. Returns 0; -EAGAIN when it would block (ring full, nobody
 * receiving); -EPIPE when closed.
 */
int chan_core_send(struct chan_core *cc, const void *msg);

/*
 * Receives into msg now if possible: from the ring (then refilled from
 * the oldest live sender), else straight from a live sender. Returns 0;
 * -EAGAIN when it would block; -EPIPE when closed and empty.
 */
int chan_core_recv(struct chan_core *cc, void *msg);

/* Queues w (its [I] fields set) as a sender or receiver after its
 * chan_core_send()/_recv() returned -EAGAIN. */
void chan_core_enqueue(struct chan_core *cc, struct chan_waiter *w);

/* Takes w out of its queue if it is still in it. */
void chan_core_dequeue(struct chan_core *cc, struct chan_waiter *w);

/* Closes cc and pokes every queued waiter (taking them all out).
 * Returns 0, or -EPIPE when cc was closed already. */
int chan_core_close(struct chan_core *cc);

/* True when some waiter (live or dead) is queued. */
bool chan_core_has_waiters(const struct chan_core *cc);

/*
 * Sorts the n pointers in p by address and drops duplicates, giving the
 * order in which a select takes channel locks. Returns how many remain.
 */
unsigned int chan_lock_order(void **p, unsigned int n);

#endif /* SCHED_CHAN_IMPL_H */
