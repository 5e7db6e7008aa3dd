/* SPDX-License-Identifier: MIT */
/*
 * Channels between microapps: bounded FIFO queues of fixed-size messages,
 * any number of senders and receivers on any CPUs, blocking, non-blocking
 * and timed send and receive, close, and chan_select() over several
 * channels. Messages are copied in and out (send pointers to share big
 * data). Capacity 0 makes a rendezvous channel: a send completes only
 * together with a receive.
 *
 * Errors are negative errno numbers; until <errno.h> arrives (issue #5)
 * the CHAN_E* names below carry them. Deadlines are absolute
 * CLOCK_MONOTONIC times in nanoseconds (clock_gettime(), <time.h>): 0
 * means none, and one already past means "do not block".
 *
 * Example, a worker fed through `jobs`:
 *     struct chan *jobs;
 *     if (chan_create(sizeof(struct job), 16, &jobs) != 0) ...
 *     chan_send(jobs, &job);                  (producer)
 *     while (chan_recv(jobs, &job) == 0) ...  (worker, until closed)
 *     chan_close(jobs);                       (producer, when done)
 */
#ifndef MOSAIC_CHAN_H
#define MOSAIC_CHAN_H

#include <stddef.h>
#include <stdint.h>

struct chan;

/* Largest message, bytes. */
#define CHAN_MSG_MAX 4096
/* Most ops in one chan_select(). */
#define CHAN_SEL_MAX 16

/* The errors returned (equal to -EAGAIN, -ENOMEM, -EBUSY, -EINVAL,
 * -EPIPE and -ETIMEDOUT). */
#define CHAN_EAGAIN (-11)
#define CHAN_ENOMEM (-12)
#define CHAN_EBUSY (-16)
#define CHAN_EINVAL (-22)
#define CHAN_EPIPE (-32)
#define CHAN_ETIMEDOUT (-110)

/* chan_sel.cs_op */
#define CHAN_OP_SEND 1
#define CHAN_OP_RECV 2

/* One op of chan_select(). */
struct chan_sel {
	struct chan *cs_chan; /* not NULL */
	unsigned int cs_op; /* CHAN_OP_SEND or CHAN_OP_RECV */
	/* SEND: the message (read only); RECV: where it goes */
	void *cs_msg;
};

/* The kernel's own declaration (kernel/include/kernel/chan.h) pins the
 * same layout. */
_Static_assert(sizeof(struct chan_sel) == 24, "struct chan_sel layout");
_Static_assert(offsetof(struct chan_sel, cs_op) == 8, "cs_op offset");
_Static_assert(offsetof(struct chan_sel, cs_msg) == 16, "cs_msg offset");

/*
 * Creates a channel of messages of `elem_size` bytes (1 to CHAN_MSG_MAX)
 * holding up to `capacity` of them (0: rendezvous), stored in *out.
 * Returns 0, CHAN_EINVAL (bad size, NULL out) or CHAN_ENOMEM.
 */
int chan_create(size_t elem_size, size_t capacity, struct chan **out)
	__attribute__((warn_unused_result));

/*
 * Frees c (NULL: nothing); queued messages are dropped. Returns 0, or
 * CHAN_EBUSY (nothing freed) while a microapp is blocked on c. Nobody may
 * use c afterwards: close it and join its users first.
 */
int chan_destroy(struct chan *c);

/*
 * Closes c: sends fail from now on, receives drain what is queued, then
 * fail; every microapp blocked on c wakes up. Returns 0, or CHAN_EPIPE if
 * it was closed already.
 */
int chan_close(struct chan *c);

/*
 * Copies elem_size bytes from msg into c, blocking while c is full (for
 * capacity 0: until a receiver takes it). Returns 0, CHAN_EPIPE when c is
 * closed (before or while blocked; nothing was sent), CHAN_EINVAL for a
 * NULL argument.
 */
int chan_send(struct chan *c, const void *msg);

/*
 * Moves the oldest message of c into msg (elem_size bytes), blocking while
 * c is empty. Returns 0, or CHAN_EPIPE once c is closed and empty.
 */
int chan_recv(struct chan *c, void *msg);

/* chan_send()/chan_recv() that never block: CHAN_EAGAIN when they would. */
int chan_trysend(struct chan *c, const void *msg);
int chan_tryrecv(struct chan *c, void *msg);

/* chan_send()/chan_recv() that give up at deadline_ns: CHAN_ETIMEDOUT,
 * with nothing sent or received. */
int chan_timedsend(struct chan *c, const void *msg, uint64_t deadline_ns);
int chan_timedrecv(struct chan *c, void *msg, uint64_t deadline_ns);

/*
 * Performs exactly one of the `n` ops (1 to CHAN_SEL_MAX): one that can
 * complete now (no op is favoured when several can), else the first that
 * becomes possible, waiting until deadline_ns. A channel may appear in
 * several ops. Ops on closed channels are skipped (a receive still
 * drains what is queued). Returns the index of the op that completed,
 * CHAN_ETIMEDOUT, CHAN_EPIPE when every op's channel is closed, or
 * CHAN_EINVAL (n, a NULL channel or message, a bad cs_op).
 */
int chan_select(const struct chan_sel *ops, unsigned int n,
		uint64_t deadline_ns);

/* c's id in the scheduler trace (dense from 1). */
uint32_t chan_id(const struct chan *c);

#endif /* MOSAIC_CHAN_H */
