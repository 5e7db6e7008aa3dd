/* SPDX-License-Identifier: MIT */
/*
 * A host stand-in for the scheduler and spinlocks (fake_sched.c over the
 * threads of fake_host.c) so that code blocking on wait queues (sync.c,
 * chan.c) runs unchanged with real concurrency: each fake task is a POSIX
 * thread, a spinlock spins on its word, and waitq_wait() sleeps on a
 * condition variable with the contract of <kernel/sched.h> (FIFO, w_data,
 * deadlines in time_ns(), waitq_wait_handoff_head()). Also fakes
 * time_ns(), heap_alloc/heap_free (malloc), panic() and the trace (it
 * counts events per type). Link both files and -pthread. This header
 * includes no POSIX header, so a test may include it next to
 * <kernel/sched.h> (whose sched_yield() is not POSIX's).
 */
#ifndef FAKE_SCHED_H
#define FAKE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct fake_task;

/* Starts fn(arg) as a new fake task (thread); aborts when it cannot. */
struct fake_task *fake_task_start(int (*fn)(void *), void *arg);

/* Waits for t, frees it and returns fn's value. */
int fake_task_join(struct fake_task *t);

/* TRACE_* events emitted since fake_trace_reset(). */
uint64_t fake_trace_count(unsigned int type);
void fake_trace_reset(void);

/* Tasks sleeping in waitq_wait() now, over all queues. */
unsigned int fake_sleepers(void);

/*
 * While `hold` is set, a task woken from waitq_wait() (and its handoff
 * variants) stays asleep, no longer counted by fake_sleepers(), until
 * fake_hold_wakeups(false): a test can act between a wake-up and the
 * woken task's next step. A timed-out wait is not held.
 */
void fake_hold_wakeups(bool hold);

/* Waits (polling) until fake_sleepers() == n; false after about 10 s. */
bool fake_wait_sleepers(unsigned int n);

/*
 * Runs fn(arg) in a forked child; true when it panicked (panic() or
 * spin_contract_failed()) and, unless `substr` is NULL, the panic message
 * contains substr. Call it with no other fake task running.
 */
bool fake_expect_panic(void (*fn)(void *), void *arg, const char *substr);

/* Sleeps the calling thread for `ns` nanoseconds (not a fake block). */
void fake_sleep_ns(uint64_t ns);

#endif /* FAKE_SCHED_H */
