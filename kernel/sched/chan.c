/* SPDX-License-Identifier: MIT */
/*
 * Channels (<kernel/chan.h>): the locking, blocking and select built over
 * the bookkeeping of chan_ring.c. Memory comes from the kernel heap: one
 * allocation per channel holds the header and the ring.
 *
 * Protocol. Every blocked op belongs to a selector on the blocked task's
 * stack (a blocking send or receive is a select of one op): a spinlock,
 * a wait queue holding only that task, and ss_fired, which moves once
 * from SEL_OPEN to either the index of the op that completed or
 * SEL_GAVE_UP. Moving it is the only way an op completes while its task
 * sleeps, and it happens under ss_lock, so exactly one op completes.
 *
 *  1. Pass: the selecting task takes the locks of all its channels (in
 *     address order, the lock order) and tries each op from a rotating
 *     start; the first that can complete does (no waiter of it is queued
 *     anywhere, so nobody else can complete another). Otherwise it
 *     queues one chan_waiter per op whose channel is open, still holding
 *     every lock, so no change to any channel falls between its check
 *     and its queueing: no wake-up is lost.
 *  2. Another task's send/recv that meets a queued waiter of ours (it
 *     holds that channel's lock) calls chan_waiter_fire(): under ss_lock,
 *     if ss_fired is SEL_OPEN it copies the message (into our buffer, or
 *     out of our message), sets ss_fired to the op's index and wakes us;
 *     otherwise the waiter is dead and it tries the next one. chan_close()
 *     pokes each waiter: ss_poked tells the selector to scan again.
 *  3. The selecting task sleeps on its wait queue under ss_lock until
 *     ss_fired or ss_poked is set; at the deadline it sets SEL_GAVE_UP
 *     itself, under ss_lock, so a late fire fails instead of completing
 *     an op nobody will report.
 *  4. It then takes every channel lock it queued a waiter under, one at a
 *     time, and takes its waiter out if still queued. A waker touches the
 *     selector only while holding such a lock, so afterwards nobody can:
 *     the stack frame may go. Poked and not fired: back to 1.
 * Lock order: channel locks (address order), then one selector lock.
 *
 * A plain send or receive (one op, one channel) takes a shorter way with
 * the same outcome: its selector is "single" and has no lock of its own.
 * Everybody who can reach the one waiter holds the channel's lock (the
 * waiter lists are guarded by it), and so does the sleeper when it
 * queues, so that lock guards the selector too and is the wait queue's
 * lock. A queued single waiter is always live; a firer or poker pops it,
 * sets the outcome and wakes the task as its very last touch, so the
 * woken task needs no lock at all (step 4 has nothing left to undo), and
 * one that times out finds its waiter still queued under the lock.
 */
#include <kernel/chan.h>

#include <kernel/errno.h>
#include <kernel/heap.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/spinlock_inline.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/trace.h>

#include "chan_impl.h"

/* The app-side copy (libos/include/mosaic/chan.h) pins the same layout. */
BUILD_ASSERT(sizeof(struct chan_sel) == 24);
BUILD_ASSERT(offsetof(struct chan_sel, cs_chan) == 0);
BUILD_ASSERT(offsetof(struct chan_sel, cs_op) == 8);
BUILD_ASSERT(offsetof(struct chan_sel, cs_msg) == 16);

/* Locking: [L] c_lock  [I] immutable after chan_create() */
struct chan {
	struct spinlock c_lock;
	uint32_t c_id; /* [I] */
	struct chan_core c_core; /* [L] */
};

/* The ring follows the header, 16-byte aligned. */
#define CHAN_HDR_SIZE ((sizeof(struct chan) + 15) & ~(size_t)15)

#define SEL_OPEN (-1) /* no op completed yet */
#define SEL_GAVE_UP (-2) /* the deadline passed: no op may complete */

/* What a pass or a sleep may return besides an op index or -errno. */
#define SEL_BLOCKED (-4096) /* waiters queued: sleep */
#define SEL_AGAIN (-4097) /* poked: scan again */

/* Locking: [L] ss_lock, or for a single op its channel's c_lock
 * [I] set before the selector is reachable */
struct chan_selector {
	struct spinlock ss_lock; /* not used by a single op */
	struct waitq ss_wq; /* [L] the selecting task alone */
	int ss_fired; /* [L] SEL_OPEN, SEL_GAVE_UP or an op index */
	bool ss_poked; /* [L] a channel closed: scan again */
	bool ss_single; /* [I] one send or receive (chan_op()) */
};

static uint32_t chan_last_id; /* [a] */
static unsigned int sel_rotor; /* [a] where the next scan starts */

int chan_create(size_t elem_size, size_t capacity, struct chan **out)
{
	size_t bytes;
	struct chan *c;

	if (!out || chan_ring_size(elem_size, capacity, CHAN_HDR_SIZE, &bytes))
		return -EINVAL;
	c = heap_alloc(CHAN_HDR_SIZE + bytes);
	if (!c)
		return -ENOMEM;
	spin_init(&c->c_lock, "chan");
	c->c_id = __atomic_add_fetch(&chan_last_id, 1, __ATOMIC_RELAXED);
	chan_core_init(&c->c_core, (unsigned char *)c + CHAN_HDR_SIZE,
		       elem_size, capacity);
	*out = c;
	return 0;
}

int chan_destroy(struct chan *c)
{
	bool busy;

	if (!c)
		return 0;
	spin_lock(&c->c_lock);
	busy = chan_core_has_waiters(&c->c_core);
	spin_unlock(&c->c_lock);
	if (busy)
		return -EBUSY;
	heap_free(c);
	return 0;
}

int chan_close(struct chan *c)
{
	int rc;

	if (!c)
		return -EINVAL;
	spin_lock(&c->c_lock);
	rc = chan_core_close(&c->c_core);
	spin_unlock(&c->c_lock);
	return rc;
}

uint32_t chan_id(const struct chan *c)
{
	return c->c_id;
}

static void trace_op(const struct chan *c, bool send)
{
	uint32_t task;

	/* trace_chan_*() check too, but after the task lookup. */
	if (likely(!trace_enabled))
		return;
	task = task_id(sched_self());
	if (send)
		trace_chan_send(c->c_id, task);
	else
		trace_chan_recv(c->c_id, task);
}

/* --- the two calls chan_ring.c makes (chan_impl.h) --- */

bool chan_waiter_fire(struct chan_waiter *w, void *to, const void *from,
		      size_t size)
{
	struct chan_selector *s = w->cw_sel;
	bool fired = false;

	if (s->ss_single) {
		/* Queued, hence open; the wake-up is the last touch. */
		memcpy(to, from, size);
		s->ss_fired = 0;
		(void)waitq_wake_one(&s->ss_wq, 0);
		return true;
	}
	spin_lock_inl(&s->ss_lock);
	if (s->ss_fired == SEL_OPEN) {
		memcpy(to, from, size);
		s->ss_fired = (int)w->cw_index;
		(void)waitq_wake_one(&s->ss_wq, 0);
		fired = true;
	}
	spin_unlock_inl(&s->ss_lock);
	return fired;
}

void chan_waiter_poke(struct chan_waiter *w)
{
	struct chan_selector *s = w->cw_sel;

	if (s->ss_single) {
		s->ss_poked = true;
		(void)waitq_wake_one(&s->ss_wq, 0);
		return;
	}
	spin_lock(&s->ss_lock);
	if (s->ss_fired == SEL_OPEN) {
		s->ss_poked = true;
		(void)waitq_wake_one(&s->ss_wq, 0);
	}
	spin_unlock(&s->ss_lock);
}

/* --- select --- */

static int sel_check(const struct chan_sel *ops, unsigned int n)
{
	unsigned int i;

	if (!ops || n == 0 || n > CHAN_SEL_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!ops[i].cs_chan || !ops[i].cs_msg)
			return -EINVAL;
		if (ops[i].cs_op != CHAN_OP_SEND &&
		    ops[i].cs_op != CHAN_OP_RECV)
			return -EINVAL;
	}
	return 0;
}

static void lock_all(void *const *locks, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		spin_lock_inl(&((struct chan *)locks[i])->c_lock);
}

static void unlock_all(void *const *locks, unsigned int n)
{
	while (n-- > 0)
		spin_unlock_inl(&((struct chan *)locks[n])->c_lock);
}

static int op_try(const struct chan_sel *op)
{
	struct chan_core *cc = &op->cs_chan->c_core;

	if (op->cs_op == CHAN_OP_SEND)
		return chan_core_send(cc, op->cs_msg);
	return chan_core_recv(cc, op->cs_msg);
}

static void sel_init(struct chan_selector *s)
{
	spin_init(&s->ss_lock, "chan select");
	s->ss_wq = (struct waitq)WAITQ_INIT;
	s->ss_fired = SEL_OPEN;
	s->ss_poked = false;
	s->ss_single = false;
}

/*
 * Step 1 of the protocol. Returns the index of the op that completed,
 * -EPIPE (every channel closed), -ETIMEDOUT (nothing possible and the
 * deadline passed), or SEL_BLOCKED with ws[i] queued for every op i
 * whose ws[i].cw_sel is set.
 */
static int sel_pass(const struct chan_sel *ops, unsigned int n,
		    void *const *locks, unsigned int nlocks,
		    struct chan_waiter *ws, struct chan_selector *s,
		    uint64_t deadline_ns)
{
	unsigned int i, k, start = 0, open = 0;
	int rc;

	if (n > 1)
		start = __atomic_fetch_add(&sel_rotor, 1, __ATOMIC_RELAXED) % n;
	lock_all(locks, nlocks);
	for (k = 0; k < n; k++) {
		i = (start + k) % n;
		rc = op_try(&ops[i]);
		if (rc == 0) {
			rc = (int)i;
			goto out_unlock;
		}
		ws[i].cw_sel = rc == -EAGAIN ? s : NULL;
		open += rc == -EAGAIN;
	}
	if (open == 0) {
		rc = -EPIPE;
	} else if (deadline_ns != 0 && time_ns() >= deadline_ns) {
		rc = -ETIMEDOUT;
	} else {
		sel_init(s);
		for (i = 0; i < n; i++) {
			if (!ws[i].cw_sel)
				continue;
			ws[i].cw_index = i;
			ws[i].cw_send = ops[i].cs_op == CHAN_OP_SEND;
			ws[i].cw_msg = ops[i].cs_msg;
			chan_core_enqueue(&ops[i].cs_chan->c_core, &ws[i]);
		}
		rc = SEL_BLOCKED;
	}
out_unlock:
	unlock_all(locks, nlocks);
	return rc;
}

/* Step 4: after it, no other task can reach ws[] or their selector. */
static void sel_dequeue(const struct chan_sel *ops, unsigned int n,
			struct chan_waiter *ws)
{
	struct chan *c;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!ws[i].cw_sel)
			continue;
		c = ops[i].cs_chan;
		spin_lock_inl(&c->c_lock);
		chan_core_dequeue(&c->c_core, &ws[i]);
		spin_unlock_inl(&c->c_lock);
	}
}

/* Steps 3 and 4. Returns an op index, -ETIMEDOUT or SEL_AGAIN. */
static int sel_sleep(const struct chan_sel *ops, unsigned int n,
		     struct chan_waiter *ws, struct chan_selector *s,
		     uint64_t deadline_ns)
{
	struct waiter w;
	int rc;

	w.w_reason = TRACE_BLOCK_CHAN;
	spin_lock_inl(&s->ss_lock);
	if (s->ss_fired == SEL_OPEN && !s->ss_poked) {
		/*
		 * Every wake-up here is a fire or a poke, made under ss_lock
		 * before it: once woken, neither needs ss_lock again to be
		 * read, and a later fire is read after sel_dequeue() below
		 * (the firer holds a channel lock we then take).
		 */
		rc = waitq_wait_handoff(&s->ss_wq, &s->ss_lock, deadline_ns,
					&w);
		if (rc == 0)
			goto woken;
		/* Timed out, ss_lock held. */
		if (s->ss_fired == SEL_OPEN && !s->ss_poked)
			s->ss_fired = SEL_GAVE_UP;
	}
	spin_unlock_inl(&s->ss_lock);
woken:
	sel_dequeue(ops, n, ws);
	/* A fire may have come after a poke, until the dequeue: it counts. */
	if (s->ss_fired >= 0)
		return s->ss_fired;
	return s->ss_fired == SEL_GAVE_UP ? -ETIMEDOUT : SEL_AGAIN;
}

/* chan_select() with the caller's arrays of n entries (ws, locks). */
static int sel_run(const struct chan_sel *ops, unsigned int n,
		   uint64_t deadline_ns, struct chan_waiter *ws, void **locks)
{
	struct chan_selector sel;
	unsigned int i, nlocks;
	int rc;

	assert_may_yield();
	rc = sel_check(ops, n);
	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		locks[i] = ops[i].cs_chan;
	/* One channel (a send or receive) is in order already. */
	nlocks = n == 1 ? 1 : chan_lock_order(locks, n);
	do {
		rc = sel_pass(ops, n, locks, nlocks, ws, &sel, deadline_ns);
		if (rc == SEL_BLOCKED)
			rc = sel_sleep(ops, n, ws, &sel, deadline_ns);
	} while (rc == SEL_AGAIN);
	if (rc >= 0)
		trace_op(ops[rc].cs_chan, ops[rc].cs_op == CHAN_OP_SEND);
	return rc;
}

int chan_select(const struct chan_sel *ops, unsigned int n,
		uint64_t deadline_ns)
{
	struct chan_waiter ws[CHAN_SEL_MAX];
	void *locks[CHAN_SEL_MAX];

	return sel_run(ops, n, deadline_ns, ws, locks);
}

/* --- single ops --- */

/*
 * One send or receive, the short way (the protocol's last paragraph):
 * 0, -EPIPE, -ETIMEDOUT. The caller checked c and msg.
 */
static int chan_op(struct chan *c, bool send, void *msg, uint64_t deadline_ns)
{
	struct chan_selector sel;
	struct chan_waiter w;
	struct waiter wt;
	int rc;

	assert_may_yield();
	for (;;) {
		spin_lock_inl(&c->c_lock);
		rc = send ? chan_core_send(&c->c_core, msg)
			  : chan_core_recv(&c->c_core, msg);
		if (rc != -EAGAIN)
			break;
		if (deadline_ns != 0 && time_ns() >= deadline_ns) {
			rc = -ETIMEDOUT;
			break;
		}
		sel.ss_wq = (struct waitq)WAITQ_INIT;
		sel.ss_fired = SEL_OPEN;
		sel.ss_poked = false;
		sel.ss_single = true;
		w.cw_sel = &sel;
		w.cw_index = 0;
		w.cw_send = send;
		w.cw_msg = msg;
		chan_core_enqueue(&c->c_core, &w);
		wt.w_reason = TRACE_BLOCK_CHAN;
		if (waitq_wait_handoff(&sel.ss_wq, &c->c_lock, deadline_ns,
				       &wt) == 0) {
			/* Fired (the message moved) or poked (closed). */
			if (sel.ss_fired == 0)
				goto done;
			continue;
		}
		/* Timed out with the lock held: nobody took the waiter. */
		chan_core_dequeue(&c->c_core, &w);
		rc = -ETIMEDOUT;
		break;
	}
	spin_unlock_inl(&c->c_lock);
	if (rc)
		return rc;
done:
	trace_op(c, send);
	return 0;
}

int chan_timedsend(struct chan *c, const void *msg, uint64_t deadline_ns)
{
	if (!c || !msg)
		return -EINVAL;
	/* msg is not const for chan_op(), but a send only reads it. */
	return chan_op(c, true, (void *)msg, deadline_ns);
}

int chan_timedrecv(struct chan *c, void *msg, uint64_t deadline_ns)
{
	if (!c || !msg)
		return -EINVAL;
	return chan_op(c, false, msg, deadline_ns);
}

int chan_send(struct chan *c, const void *msg)
{
	return chan_timedsend(c, msg, 0);
}

int chan_recv(struct chan *c, void *msg)
{
	return chan_timedrecv(c, msg, 0);
}

int chan_trysend(struct chan *c, const void *msg)
{
	int rc;

	if (!c || !msg)
		return -EINVAL;
	spin_lock(&c->c_lock);
	rc = chan_core_send(&c->c_core, msg);
	spin_unlock(&c->c_lock);
	if (rc == 0)
		trace_op(c, true);
	return rc;
}

int chan_tryrecv(struct chan *c, void *msg)
{
	int rc;

	if (!c || !msg)
		return -EINVAL;
	spin_lock(&c->c_lock);
	rc = chan_core_recv(&c->c_core, msg);
	spin_unlock(&c->c_lock);
	if (rc == 0)
		trace_op(c, false);
	return rc;
}
