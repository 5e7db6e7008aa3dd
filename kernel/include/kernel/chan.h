/* SPDX-License-Identifier: MIT */
/*
 * Channels: bounded FIFO queues of fixed-size messages between tasks, with
 * any number of senders and receivers, blocking, non-blocking and timed
 * send/recv, close, and chan_select() over several channels (each op a
 * send or a receive; exactly one completes). A message is copied in and
 * copied out; a sender and a receiver that meet are matched directly (the
 * message goes straight into the receiver's buffer). Capacity 0 makes a
 * rendezvous channel: a send completes only together with a receive.
 *
 * Apps reach these very functions (libos re-exports them); the app-side
 * declarations are libos/include/mosaic/chan.h, which must stay in step
 * with this file (the sizes below are pinned on both sides, and a host
 * test compares the two).
 *
 * Deadlines are time_ns() values (<kernel/time.h>): 0 means none, and one
 * already past means "do not block". Tasks only, except the try forms
 * and chan_close(); any number of tasks on any CPUs may use a channel.
 */
#ifndef KERNEL_CHAN_H
#define KERNEL_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

struct chan;

/* Largest message, bytes: it is copied with a spinlock held. */
#define CHAN_MSG_MAX 4096
/* Most ops in one chan_select(). */
#define CHAN_SEL_MAX 16

/* chan_sel.cs_op */
#define CHAN_OP_SEND 1
#define CHAN_OP_RECV 2

/* One op of chan_select(). 24 bytes: 0 cs_chan, 8 cs_op, 16 cs_msg. */
struct chan_sel {
	struct chan *cs_chan; /* not NULL */
	unsigned int cs_op; /* CHAN_OP_SEND or CHAN_OP_RECV */
	/* SEND: the message (elem_size bytes, read only);
	 * RECV: where the message goes (elem_size bytes) */
	void *cs_msg;
};

/*
 * Creates a channel of messages of `elem_size` bytes (1 to CHAN_MSG_MAX)
 * holding up to `capacity` of them (0: rendezvous), and stores it in
 * *out. Each channel gets an id for the trace (dense from 1).
 * Returns 0, -EINVAL (bad size, NULL out, size overflow), -ENOMEM.
 * Never blocks.
 */
int __must_check chan_create(size_t elem_size, size_t capacity,
			     struct chan **out);

/*
 * Frees c (NULL: nothing). Messages still in it are dropped. Returns 0,
 * or -EBUSY (nothing freed) while a task is blocked on c. The caller
 * makes sure nobody uses c afterwards (e.g. close it, then join the
 * tasks that use it). Never blocks.
 */
int __must_check chan_destroy(struct chan *c);

/*
 * Closes c: sends fail from now on, receives drain what is queued and
 * then fail; every task blocked on c wakes up. Returns 0, -EPIPE when c
 * was already closed, -EINVAL for NULL. Never blocks; any context.
 */
int chan_close(struct chan *c);

/*
 * Sends the elem_size bytes at `msg` (copied), blocking while c is full
 * (for capacity 0: until a receiver takes it). Returns 0 once the message
 * is in c or with a receiver; -EPIPE when c is closed (before or while
 * blocked: the message was not sent). May yield.
 */
int __must_check chan_send(struct chan *c, const void *msg);

/*
 * Receives the oldest message of c into `msg` (elem_size bytes), blocking
 * while c is empty. Returns 0; -EPIPE once c is closed and drained.
 * May yield.
 */
int __must_check chan_recv(struct chan *c, void *msg);

/* Like chan_send()/chan_recv() but never block: -EAGAIN when they would.
 * Any context, IRQ handlers included (they take only spinlocks). */
int __must_check chan_trysend(struct chan *c, const void *msg);
int __must_check chan_tryrecv(struct chan *c, void *msg);

/* Like chan_send()/chan_recv() with a deadline (0: none): -ETIMEDOUT when
 * it passes first, nothing sent or received. May yield. */
int __must_check chan_timedsend(struct chan *c, const void *msg,
				uint64_t deadline_ns);
int __must_check chan_timedrecv(struct chan *c, void *msg,
				uint64_t deadline_ns);

/*
 * Performs exactly one of the `n` ops (1 to CHAN_SEL_MAX): the first that
 * can complete, looking from a rotating start so that no op is favoured,
 * else the first that becomes possible, blocking until then or until
 * deadline_ns (0: none; past: do not block). A channel may appear in
 * several ops. An op on a closed channel never completes (a receive
 * still drains what is queued); when every op is on a closed channel the
 * select fails. Returns the index of the op that completed; -ETIMEDOUT;
 * -EPIPE (all channels closed); -EINVAL (n, a NULL channel or buffer, a
 * bad cs_op). May yield.
 */
int __must_check chan_select(const struct chan_sel *ops, unsigned int n,
			     uint64_t deadline_ns);

/* c's trace id (TRACE_CHAN_SEND / TRACE_CHAN_RECV). */
uint32_t chan_id(const struct chan *c);

#endif /* KERNEL_CHAN_H */
