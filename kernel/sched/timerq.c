/* SPDX-License-Identifier: MIT */
/*
 * Timer queue (<kernel/timerq.h>): an intrusive pairing heap (Fredman,
 * Sedgewick, Sleator and Tarjan, 1986) with the two-pass pairing on
 * delete-min. Every walk is a loop, never recursion, and nothing is
 * allocated, so it runs under a spinlock on a small stack whatever the
 * number of nodes. Locking is the caller's.
 */
#include <kernel/timerq.h>

#include <stddef.h>

/*
 * Links two heap roots and returns the new root: the one with the
 * earlier deadline (a on a tie), with the other as its first child. The
 * winner's tn_next and tn_prev are left as they were, for the caller.
 */
static struct timer_node *link_roots(struct timer_node *a, struct timer_node *b)
{
	struct timer_node *win = a, *lose = b;

	if (b->tn_deadline < a->tn_deadline) {
		win = b;
		lose = a;
	}
	lose->tn_prev = win;
	lose->tn_next = win->tn_child;
	if (win->tn_child)
		win->tn_child->tn_prev = lose;
	win->tn_child = lose;
	return win;
}

/*
 * Melds a sibling list starting at `first` into one heap and returns its
 * root (tn_next and tn_prev cleared), or NULL for an empty list.
 * Pass one links the siblings in pairs from left to right and chains the
 * pairs in reverse through tn_next; pass two links that chain into one
 * tree, so the last pair is the first merged, as the two-pass rule asks.
 */
static struct timer_node *pair_siblings(struct timer_node *first)
{
	struct timer_node *pairs = NULL, *root, *a, *next;

	while (first) {
		a = first;
		next = NULL;
		if (a->tn_next) {
			next = a->tn_next->tn_next;
			a = link_roots(a, a->tn_next);
		}
		a->tn_next = pairs;
		pairs = a;
		first = next;
	}
	if (!pairs)
		return NULL;
	root = pairs;
	pairs = pairs->tn_next;
	while (pairs) {
		next = pairs->tn_next;
		root = link_roots(root, pairs);
		pairs = next;
	}
	root->tn_next = NULL;
	root->tn_prev = NULL;
	return root;
}

/* Takes n, a non-root node, out of its parent's child list, with its
 * subtree. */
static void cut_subtree(struct timer_node *n)
{
	/* tn_prev is the parent exactly when n is that parent's first
	 * child; a previous sibling never has n as its child. */
	if (n->tn_prev->tn_child == n)
		n->tn_prev->tn_child = n->tn_next;
	else
		n->tn_prev->tn_next = n->tn_next;
	if (n->tn_next)
		n->tn_next->tn_prev = n->tn_prev;
	n->tn_next = NULL;
	n->tn_prev = NULL;
}

/* Adds a heap root (tn_next and tn_prev clear) to q's heap. */
static void meld_root(struct timerq *q, struct timer_node *h)
{
	q->tq_root = q->tq_root ? link_roots(q->tq_root, h) : h;
}

void timerq_init(struct timerq *q)
{
	q->tq_root = NULL;
	q->tq_count = 0;
}

void timerq_insert(struct timerq *q, struct timer_node *n, uint64_t deadline)
{
	if (n->tn_queued)
		timerq_remove(q, n);
	n->tn_deadline = deadline;
	n->tn_child = NULL;
	n->tn_next = NULL;
	n->tn_prev = NULL;
	n->tn_queued = true;
	meld_root(q, n);
	q->tq_count++;
}

bool timerq_remove(struct timerq *q, struct timer_node *n)
{
	struct timer_node *sub;

	if (!n->tn_queued)
		return false;
	if (n == q->tq_root) {
		q->tq_root = pair_siblings(n->tn_child);
	} else {
		cut_subtree(n);
		sub = pair_siblings(n->tn_child);
		if (sub)
			meld_root(q, sub);
	}
	n->tn_child = NULL;
	n->tn_queued = false;
	q->tq_count--;
	return true;
}

struct timer_node *timerq_first(const struct timerq *q)
{
	return q->tq_root;
}

struct timer_node *timerq_pop_expired(struct timerq *q, uint64_t now)
{
	struct timer_node *n = q->tq_root;

	if (!n || n->tn_deadline > now)
		return NULL;
	timerq_remove(q, n);
	return n;
}
