/* SPDX-License-Identifier: MIT */
/*
 * The task mutex of <kernel/sync.h>, which includes this header: apart so
 * that libc, whose POSIX names (sem_init, ...) clash with the rest of
 * sync.h, can inline the mutex's uncontended paths.
 */
#ifndef KERNEL_MUTEX_H
#define KERNEL_MUTEX_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>
#include <kernel/percpu.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>

/* Locking: [L] m_lock, [a] atomic. No caller touches any field. */

/*
 * m_owner is the owning task's address, 0 when free, with bit 0
 * (MUTEX_WAITERS in sync.c) set while tasks are queued: an uncontended
 * lock or unlock is one compare-and-swap of it and never takes m_lock.
 */
struct mutex {
	struct spinlock m_lock; /* serialises the slow paths and m_waiters */
	uintptr_t m_owner; /* [a] set to 0 or changed by its owner (or
			    * the unlock that hands it over), given the
			    * waiters bit under m_lock, taken when free */
	struct waitq m_waiters; /* [L] */
};

#define MUTEX_INIT(name)                                                       \
	{                                                                      \
		SPINLOCK_INIT(name), 0, WAITQ_INIT                             \
	}

/*
 * Mutex: one owner at a time, recorded. Not recursive. Unlocking frees
 * the mutex and wakes the longest waiter, which competes for it with any
 * task that locks meanwhile (barging: the lock does not sit idle while
 * the waiter wakes up). A woken waiter that loses goes back to the head
 * of the queue, and the next unlock hands the mutex over to it: a waiter
 * is overtaken at most once after reaching the head, so none starves.
 */

/* Makes m an unlocked mutex named `name` (kept, for panic messages). */
void mutex_init(struct mutex *m, const char *name);

/* Takes m, sleeping while another task owns it. May yield. Locking a
 * mutex the caller already owns is a contract failure. */
void mutex_lock(struct mutex *m);

/* Takes m if it is free; returns true if taken. Never blocks. */
bool mutex_trylock(struct mutex *m);

/* Releases m and wakes the first waiter if any (handing m over to it
 * when it lost a race for m before). The caller must own m (else a
 * contract failure). Never blocks; spinlocks may be held. */
void mutex_unlock(struct mutex *m);

/* True when the calling task owns m (for contracts and asserts). */
bool mutex_is_owned(struct mutex *m);

/*
 * mutex_lock() and mutex_unlock() with their uncontended case inline, for
 * the hottest callers (libc's pthread mutexes): the same compare-and-swap
 * of m_owner, and on any other outcome (taken, waiters queued, not the
 * owner, a spinlock held) the full call, which sleeps, wakes a waiter or
 * reports the misuse. Not for the host tests' fake scheduler.
 */
static __always_inline void mutex_lock_inline(struct mutex *m)
{
	uintptr_t v = 0;

	/* A held spinlock is refused even when the lock is free: the full
	 * call reports it, as it would for a contended lock. */
	if (likely(this_cpu_lock_depth() == 0 &&
		   __atomic_compare_exchange_n(
			   &m->m_owner, &v, (uintptr_t)this_cpu_current(),
			   false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)))
		return;
	mutex_lock(m);
}

static __always_inline void mutex_unlock_inline(struct mutex *m)
{
	uintptr_t v = (uintptr_t)this_cpu_current();

	if (likely(__atomic_compare_exchange_n(&m->m_owner, &v, 0, false,
					       __ATOMIC_RELEASE,
					       __ATOMIC_RELAXED)))
		return;
	mutex_unlock(m);
}

#endif /* KERNEL_MUTEX_H */
