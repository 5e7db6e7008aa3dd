/* SPDX-License-Identifier: MIT */
/*
 * Sleeping locks for tasks: mutexes, condition variables, counting
 * semaphores and readers-writer locks. Each is an internal spinlock plus
 * wait queues (<kernel/sched.h>); a blocked task sleeps, it never spins.
 * An uncontended mutex lock or unlock is one compare-and-swap and takes
 * no spinlock.
 * Releases wake one waiter, never a herd. Semaphores, rwlocks and
 * condition variables hand the unit (or the lock) straight to it; a
 * mutex lets a newcomer take it first, but at most once per waiter
 * (<kernel/mutex.h>). Not for IRQ context; spinlocks are in
 * <kernel/spinlock.h>.
 *
 * Every type is embedded by value; callers touch no field. An object whose
 * bytes are all zero is valid: an unlocked, unnamed mutex, a condition
 * variable nobody waits on, a semaphore at 0, a free rwlock (libos relies
 * on it for static initialisers). Deadlines are time_ns() values
 * (<kernel/time.h>); 0 means "no deadline".
 *
 * Misuse that would deadlock or corrupt a lock (unlocking a mutex one
 * does not own, locking it twice, ...) is a contract failure: the caller
 * is ended as by a failed assertion (fault_or_panic(), so a microapp's
 * supervisor sees a fault; outside a task the image panics).
 */
#ifndef KERNEL_SYNC_H
#define KERNEL_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/mutex.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>

/* Locking: [L] this object's spinlock, [a] atomic. No caller touches
 * any field. */

struct cond {
	struct spinlock c_lock;
	struct waitq c_waiters; /* [L] */
};

struct sem {
	struct spinlock s_lock;
	unsigned long s_count; /* [L] units available */
	struct waitq s_waiters; /* [L] only while s_count == 0 */
};

struct rwlock {
	struct spinlock rw_lock;
	struct task *rw_writer; /* [L] the writer inside, or NULL */
	uint32_t rw_readers; /* [L] readers inside */
	uint32_t rw_writers_waiting; /* [L] tasks in rw_wq */
	struct waitq rw_rq; /* [L] readers waiting */
	struct waitq rw_wq; /* [L] writers waiting */
};

#define COND_INIT(name)                                                        \
	{                                                                      \
		SPINLOCK_INIT(name), WAITQ_INIT                                \
	}
#define SEM_INIT(name, count)                                                  \
	{                                                                      \
		SPINLOCK_INIT(name), (count), WAITQ_INIT                       \
	}
#define RWLOCK_INIT(name)                                                      \
	{                                                                      \
		SPINLOCK_INIT(name), NULL, 0, 0, WAITQ_INIT, WAITQ_INIT        \
	}

/*
 * Condition variable, used with a mutex the waiter owns. Wake-ups may be
 * spurious in the sense of POSIX (another task may have run first and
 * changed the state), so waiters re-check their predicate in a loop.
 * Waiting without owning the mutex is a contract failure.
 */

void cond_init(struct cond *c, const char *name);

/*
 * Releases m, sleeps until cond_signal()/cond_broadcast() picks the
 * caller or time_ns() reaches deadline_ns (0: none), then takes m again.
 * Releasing m and starting to wait are one step: a signal sent by a task
 * that took m after this call released it is never lost. The caller must
 * own m. Returns 0 when woken, -ETIMEDOUT when the deadline passed first
 * (m is owned again in both cases). May yield.
 */
int __must_check cond_timedwait(struct cond *c, struct mutex *m,
				uint64_t deadline_ns);

/* cond_timedwait() without a deadline. May yield. */
void cond_wait(struct cond *c, struct mutex *m);

/* Wakes the longest waiter of c, if any. Holding the mutex is not
 * required. Never blocks. */
void cond_signal(struct cond *c);

/* Wakes every waiter of c. Never blocks. */
void cond_broadcast(struct cond *c);

/*
 * Counting semaphore. sem_up() hands its unit straight to the longest
 * waiter when there is one, so waiters are served in FIFO order.
 */

void sem_init(struct sem *s, const char *name, unsigned long count);

/* Takes one unit, sleeping while there is none. May yield. */
void sem_down(struct sem *s);

/* Takes one unit if there is one; returns true if taken. Never blocks. */
bool sem_trydown(struct sem *s);

/* sem_down() until time_ns() reaches deadline_ns (0: none). Returns 0,
 * or -ETIMEDOUT with no unit taken. May yield. */
int __must_check sem_timeddown(struct sem *s, uint64_t deadline_ns);

/*
 * Gives one unit back (or to the first waiter). Never blocks. Called by a
 * task holding no spinlock with interrupts on, it may let the waiter it
 * woke run first when both share a CPU with nothing else queued (see
 * waitq_wake_one_switch()): it returns once that one blocks or yields.
 */
void sem_up(struct sem *s);

/*
 * Readers-writer lock, writer-preferring: once a writer waits, new
 * readers queue behind it, so a stream of readers cannot starve writers.
 * A releasing writer admits every reader that queued before it released
 * (they are not starved by a stream of writers either), else the next
 * writer; the last reader out hands the lock to the first writer. Not
 * recursive: a reader that takes its read lock again while a writer is
 * queued deadlocks; a writer taking it again is a contract failure.
 */

void rwlock_init(struct rwlock *rw, const char *name);

/* Takes rw for reading. May yield. */
void rw_rlock(struct rwlock *rw);

/* Releases a read hold (rw must have a reader). Never blocks. */
void rw_runlock(struct rwlock *rw);

/* Takes rw for writing (exclusive). May yield. */
void rw_wlock(struct rwlock *rw);

/* Releases the write hold; the caller must be the writer. Never
 * blocks. */
void rw_wunlock(struct rwlock *rw);

/* Take rw for reading (no writer inside or waiting) / writing (nobody
 * inside) if that is possible now; true if taken. Never block. */
bool rw_tryrlock(struct rwlock *rw);
bool rw_trywlock(struct rwlock *rw);

#endif /* KERNEL_SYNC_H */
