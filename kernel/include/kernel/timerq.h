/* SPDX-License-Identifier: MIT */
/*
 * A timer queue: an intrusive min-heap of deadlines (a pairing heap), so
 * arming is O(1), cancelling and taking the earliest O(log n) amortised,
 * and no memory is allocated and nothing recurses. The caller serialises
 * access (each CPU's queue has its own lock in the scheduler); no call
 * blocks, so all may run under a spinlock or in IRQ context.
 */
#ifndef KERNEL_TIMERQ_H
#define KERNEL_TIMERQ_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>

/*
 * A node callers embed in their timer object; zero it before its first
 * timerq_insert() (tn_queued must start false). Callers may read
 * tn_deadline and timer_queued() under the queue's lock and must not
 * write any field; the links belong to the queue.
 */
struct timer_node {
	uint64_t tn_deadline; /* when it expires, in the queue's clock */
	struct timer_node *tn_child; /* first child */
	struct timer_node *tn_next; /* next sibling */
	struct timer_node *tn_prev; /* previous sibling, or the parent for a
				     * first child; NULL for the root */
	bool tn_queued; /* in a queue */
};

/* A queue. Callers may read tq_count (nodes queued) under their lock. */
struct timerq {
	struct timer_node *tq_root; /* earliest node, or NULL */
	uint32_t tq_count;
};

/* Makes q empty. Nodes still in it are forgotten, not dequeued. */
void timerq_init(struct timerq *q);

/*
 * Adds n to q to expire at `deadline`. If n is already queued in q it is
 * moved (re-armed); n must not be queued in another queue. Nodes with
 * equal deadlines come out in an unspecified order. Caller holds q's
 * lock. O(1), plus a timerq_remove() for a re-arm.
 */
void timerq_insert(struct timerq *q, struct timer_node *n, uint64_t deadline);

/*
 * Takes n out of q if it is queued (it must then be queued in q, not in
 * another queue). Returns true if it was queued, false if not (nothing
 * changes). Caller holds q's lock. O(log n) amortised.
 */
bool timerq_remove(struct timerq *q, struct timer_node *n);

/* The node with the earliest deadline, still queued, or NULL when q is
 * empty. Caller holds q's lock. O(1). */
struct timer_node *timerq_first(const struct timerq *q);

/*
 * Removes and returns the earliest node if its deadline is <= now, else
 * returns NULL and leaves q as it is. Call it in a loop to take every
 * expired node, earliest first. Caller holds q's lock. O(log n)
 * amortised.
 */
struct timer_node *timerq_pop_expired(struct timerq *q, uint64_t now);

/* Whether n is in a queue. Caller holds that queue's lock. */
static inline bool timer_queued(const struct timer_node *n)
{
	return n->tn_queued;
}

#endif /* KERNEL_TIMERQ_H */
