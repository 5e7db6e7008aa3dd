/* SPDX-License-Identifier: MIT */
/*
 * Mutexes, condition variables, semaphores and rwlocks (<kernel/sync.h>)
 * over the scheduler's wait queues. A release that has a waiter does the
 * waiter's bookkeeping itself and passes "you have it" in w_data
 * (SYNC_HANDOFF), so the woken task owns the lock as soon as it runs;
 * except the mutex, which frees itself and wakes its first waiter to
 * compete, and hands over only to a waiter that already lost once (the
 * scheme of Linux's mutex and its HANDOFF flag).
 * Tasks only: nothing here may run in IRQ context.
 */
#include <kernel/sync.h>

#include <kernel/errno.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/spinlock_inline.h>
#include <kernel/trace.h>

/* What a release hands a waiter in w_data; a waiter starts with 0. */
#define SYNC_HANDOFF 1u

static const char *name_of(const struct spinlock *l)
{
	return l->sl_name ? l->sl_name : "(unnamed)";
}

/*
 * A task broke a lock's contract: releases the lock's spinlock `l` (held)
 * and ends the task like a failed assertion (the whole image when it is
 * not a task). `kind` names the lock type.
 */
static void __noreturn misuse(struct spinlock *l, const char *kind,
			      const char *what)
{
	const char *name = name_of(l);

	spin_unlock(l);
	fault_or_panic(FAULT_CODE_ASSERT, "%s \"%s\": %s", kind, name, what);
}

/*
 * Sleeps on q (caller holds `lock`, the only spinlock held) until a
 * release hands over, or deadline_ns (0: none) passes. Returns 0 when
 * handed over, with `lock` released (the releaser did all the bookkeeping
 * under it), else -ETIMEDOUT with `lock` held. Every wake-up here is a
 * hand-off (SYNC_HANDOFF), and one racing with the deadline wins.
 * `reason` (TRACE_BLOCK_*) goes to the trace.
 */
static int wait_handoff(struct waitq *q, struct spinlock *lock,
			uint64_t deadline_ns, unsigned int reason)
{
	struct waiter w;

	/* The wait fills in the rest; the waker, w_data. Not zeroed
	 * first: that costs a store a word on every block. */
	w.w_reason = reason;
	return waitq_wait_handoff(q, lock, deadline_ns, &w);
}

/* --- mutex --- */

/*
 * m_owner's bit 0: tasks are queued (or about to be, under m_lock), so the
 * owner's unlock must take the slow path and wake one. Task records are
 * at least 8-byte aligned, so the bit is free. A free mutex with the bit
 * (others queued behind the woken waiter) fails the inline compare-and-
 * swap from 0, so a newcomer takes it in mutex_lock_slow(), keeping the
 * bit, under m_lock.
 */
#define MUTEX_WAITERS ((uintptr_t)1)

void mutex_init(struct mutex *m, const char *name)
{
	spin_init(&m->m_lock, name);
	m->m_owner = 0;
	m->m_waiters = (struct waitq)WAITQ_INIT;
}

/*
 * The calling task as an owner word, and assert_may_yield(), for the
 * mutex fast paths: one %gs load each instead of a call. The host tests
 * ask their fake scheduler.
 */
static inline uintptr_t self_word(void)
{
#ifdef UNIT_TEST
	return (uintptr_t)sched_self();
#else
	return (uintptr_t)this_cpu_current();
#endif
}

static inline void check_may_yield(void)
{
#ifdef UNIT_TEST
	assert_may_yield();
#else
	if (unlikely(this_cpu_lock_depth() != 0))
		spin_contract_failed("may yield", NULL);
#endif
}

static bool owner_cas(struct mutex *m, uintptr_t *expected, uintptr_t to,
		      int success_order)
{
	return __atomic_compare_exchange_n(&m->m_owner, expected, to, false,
					   success_order, __ATOMIC_RELAXED);
}

/*
 * Queues the caller on m (caller holds m_lock, and m_owner has the waiters
 * bit) and sleeps until an unlock wakes it. Returns true when the unlock
 * handed m over (m_lock released, m ours), false when it only woke us to
 * compete (m_lock taken again). A waiter that lost once (`lost`) queues at
 * the head and asks for the hand-off, so it waits at most one more turn.
 */
static bool mutex_wait(struct mutex *m, bool lost)
{
	struct waiter w;

	/* The wait fills in the rest; the waker, w_data. */
	w.w_reason = TRACE_BLOCK_MUTEX;
	w.w_handoff = lost;
	if (lost)
		(void)waitq_wait_handoff_head(&m->m_waiters, &m->m_lock, 0, &w);
	else
		(void)waitq_wait_handoff(&m->m_waiters, &m->m_lock, 0, &w);
	/* The releaser made us the owner before waking us; m_lock and
	 * the hand-off order its critical section before ours. */
	if (w.w_data == SYNC_HANDOFF)
		return true;
	spin_lock(&m->m_lock);
	return false;
}

static void __attribute__((noinline))
mutex_lock_slow(struct mutex *m, uintptr_t self)
{
	bool lost = false;
	uintptr_t v;

	spin_lock(&m->m_lock);
	for (;;) {
		v = __atomic_load_n(&m->m_owner, __ATOMIC_RELAXED);
		if ((v & ~MUTEX_WAITERS) == 0) {
			/* Free: whoever comes first takes it (barging), with
			 * the bit kept for those still queued. */
			if (owner_cas(m, &v, self | v, __ATOMIC_ACQUIRE))
				break;
			continue;
		}
		if (unlikely((v & ~MUTEX_WAITERS) == self))
			misuse(&m->m_lock, "mutex",
			       "locked twice by its owner");
		/* The owner sees the bit, fails its fast unlock and takes
		 * m_lock, which it gets only once we are queued. */
		if (!(v & MUTEX_WAITERS) &&
		    !owner_cas(m, &v, v | MUTEX_WAITERS, __ATOMIC_RELAXED))
			continue;
		if (mutex_wait(m, lost))
			return;
		lost = true;
	}
	spin_unlock(&m->m_lock);
}

void mutex_lock(struct mutex *m)
{
	uintptr_t self = self_word(), v = 0;

	check_may_yield();
	if (likely(owner_cas(m, &v, self, __ATOMIC_ACQUIRE)))
		return;
	mutex_lock_slow(m, self);
}

bool mutex_trylock(struct mutex *m)
{
	uintptr_t self = self_word(), v = 0;

	/* Free with waiters queued (one woken to compete) counts as free:
	 * take it keeping the bit, as mutex_lock_slow() would. */
	do {
		if (owner_cas(m, &v, self | v, __ATOMIC_ACQUIRE))
			return true;
	} while ((v & ~MUTEX_WAITERS) == 0);
	return false;
}

static void __attribute__((noinline))
mutex_unlock_slow(struct mutex *m, uintptr_t self)
{
	uintptr_t v;
	struct task *next;
	bool more, handoff;

	spin_lock(&m->m_lock);
	/* Stable now: only its owner clears it, others only add the bit
	 * under m_lock. */
	v = __atomic_load_n(&m->m_owner, __ATOMIC_RELAXED);
	if (unlikely((v & ~MUTEX_WAITERS) != self))
		misuse(&m->m_lock, "mutex",
		       "unlocked by a task that does not own it");
	next = waitq_first(&m->m_waiters, &more);
	handoff = waitq_first_wants_handoff(&m->m_waiters);
	/*
	 * A first waiter that already lost a race owns it from here, before
	 * it even runs. Else m is free (the bit kept while others wait) and
	 * the first waiter competes with whoever comes meanwhile.
	 */
	__atomic_store_n(&m->m_owner,
			 (handoff ? (uintptr_t)next : 0) |
				 (more ? MUTEX_WAITERS : 0),
			 __ATOMIC_RELEASE);
	if (next)
		(void)waitq_wake_one(&m->m_waiters, handoff ? SYNC_HANDOFF : 0);
	spin_unlock(&m->m_lock);
}

void mutex_unlock(struct mutex *m)
{
	uintptr_t self = self_word(), v = self;

	if (likely(owner_cas(m, &v, 0, __ATOMIC_RELEASE)))
		return;
	mutex_unlock_slow(m, self);
}

bool mutex_is_owned(struct mutex *m)
{
	return (__atomic_load_n(&m->m_owner, __ATOMIC_RELAXED) &
		~MUTEX_WAITERS) == self_word();
}

/* --- condition variable --- */

void cond_init(struct cond *c, const char *name)
{
	spin_init(&c->c_lock, name);
	c->c_waiters = (struct waitq)WAITQ_INIT;
}

static int cond_wait_until(struct cond *c, struct mutex *m,
			   uint64_t deadline_ns)
{
	int rc;

	assert_may_yield();
	/* Only the owner changes "owned by me": checking first is exact,
	 * and keeps the failure out of the c_lock section. */
	if (unlikely(!mutex_is_owned(m)))
		fault_or_panic(FAULT_CODE_ASSERT,
			       "mutex \"%s\": cond wait without owning it",
			       name_of(&m->m_lock));
	/*
	 * c_lock is taken before m is released (lock order: cond, then
	 * mutex), and the wait starts before c_lock is released: a signaller
	 * who took m after us must take c_lock and then finds us queued.
	 */
	spin_lock(&c->c_lock);
	mutex_unlock(m);
	rc = wait_handoff(&c->c_waiters, &c->c_lock, deadline_ns,
			  TRACE_BLOCK_WAIT);
	if (rc)
		spin_unlock(&c->c_lock);
	mutex_lock(m);
	return rc;
}

int cond_timedwait(struct cond *c, struct mutex *m, uint64_t deadline_ns)
{
	return cond_wait_until(c, m, deadline_ns);
}

void cond_wait(struct cond *c, struct mutex *m)
{
	cond_wait_until(c, m, 0);
}

void cond_signal(struct cond *c)
{
	spin_lock(&c->c_lock);
	(void)waitq_wake_one(&c->c_waiters, SYNC_HANDOFF);
	spin_unlock(&c->c_lock);
}

void cond_broadcast(struct cond *c)
{
	spin_lock(&c->c_lock);
	/* One at a time so that each gets SYNC_HANDOFF in w_data. */
	while (waitq_wake_one(&c->c_waiters, SYNC_HANDOFF))
		;
	spin_unlock(&c->c_lock);
}

/* --- semaphore --- */

void sem_init(struct sem *s, const char *name, unsigned long count)
{
	spin_init(&s->s_lock, name);
	s->s_count = count;
	s->s_waiters = (struct waitq)WAITQ_INIT;
}

static int sem_down_until(struct sem *s, uint64_t deadline_ns)
{
	int rc = 0;

	check_may_yield();
	spin_lock_inl(&s->s_lock);
	if (s->s_count > 0) {
		s->s_count--;
		spin_unlock_inl(&s->s_lock);
		return 0;
	}
	rc = wait_handoff(&s->s_waiters, &s->s_lock, deadline_ns,
			  TRACE_BLOCK_WAIT);
	if (rc)
		spin_unlock(&s->s_lock);
	return rc;
}

int sem_timeddown(struct sem *s, uint64_t deadline_ns)
{
	return sem_down_until(s, deadline_ns);
}

void sem_down(struct sem *s)
{
	sem_down_until(s, 0);
}

bool sem_trydown(struct sem *s)
{
	bool taken = false;

	spin_lock(&s->s_lock);
	if (s->s_count > 0) {
		s->s_count--;
		taken = true;
	}
	spin_unlock(&s->s_lock);
	return taken;
}

void sem_up(struct sem *s)
{
	spin_lock_inl(&s->s_lock);
	/* Releases s_lock when it wakes a waiter, and may switch to it. */
	if (waitq_wake_one_switch(&s->s_waiters, SYNC_HANDOFF, &s->s_lock))
		return;
	s->s_count++;
	spin_unlock_inl(&s->s_lock);
}

/* --- rwlock --- */

void rwlock_init(struct rwlock *rw, const char *name)
{
	spin_init(&rw->rw_lock, name);
	rw->rw_writer = NULL;
	rw->rw_readers = 0;
	rw->rw_writers_waiting = 0;
	rw->rw_rq = (struct waitq)WAITQ_INIT;
	rw->rw_wq = (struct waitq)WAITQ_INIT;
}

/* Gives rw to the first waiting writer, which owns it from here, before
 * it even runs. Caller holds rw_lock; rw is free and a writer waits. */
static void rw_handoff_writer(struct rwlock *rw)
{
	bool more;

	rw->rw_writers_waiting--;
	rw->rw_writer = waitq_first(&rw->rw_wq, &more);
	if (unlikely(!waitq_wake_one(&rw->rw_wq, SYNC_HANDOFF)))
		panic("rwlock \"%s\": writer count out of step",
		      name_of(&rw->rw_lock));
}

void rw_rlock(struct rwlock *rw)
{
	assert_may_yield();
	spin_lock(&rw->rw_lock);
	if (unlikely(rw->rw_writer == sched_self()))
		misuse(&rw->rw_lock, "rwlock", "read-locked by its writer");
	if (rw->rw_writer || rw->rw_writers_waiting > 0) {
		/* The releaser counts us in rw_readers. */
		(void)wait_handoff(&rw->rw_rq, &rw->rw_lock, 0,
				   TRACE_BLOCK_MUTEX);
		return;
	}
	rw->rw_readers++;
	spin_unlock(&rw->rw_lock);
}

bool rw_tryrlock(struct rwlock *rw)
{
	bool taken = false;

	spin_lock(&rw->rw_lock);
	if (!rw->rw_writer && rw->rw_writers_waiting == 0) {
		rw->rw_readers++;
		taken = true;
	}
	spin_unlock(&rw->rw_lock);
	return taken;
}

void rw_runlock(struct rwlock *rw)
{
	spin_lock(&rw->rw_lock);
	if (unlikely(rw->rw_readers == 0 || rw->rw_writer))
		misuse(&rw->rw_lock, "rwlock",
		       "read-unlocked without a reader");
	if (--rw->rw_readers == 0 && rw->rw_writers_waiting > 0)
		rw_handoff_writer(rw);
	spin_unlock(&rw->rw_lock);
}

void rw_wlock(struct rwlock *rw)
{
	struct task *self = sched_self();

	assert_may_yield();
	spin_lock(&rw->rw_lock);
	if (unlikely(rw->rw_writer == self))
		misuse(&rw->rw_lock, "rwlock",
		       "write-locked twice by its writer");
	if (rw->rw_writer || rw->rw_readers > 0) {
		/* The releaser names us the writer. */
		rw->rw_writers_waiting++;
		(void)wait_handoff(&rw->rw_wq, &rw->rw_lock, 0,
				   TRACE_BLOCK_MUTEX);
		return;
	}
	rw->rw_writer = self;
	spin_unlock(&rw->rw_lock);
}

bool rw_trywlock(struct rwlock *rw)
{
	bool taken = false;

	spin_lock(&rw->rw_lock);
	if (!rw->rw_writer && rw->rw_readers == 0) {
		rw->rw_writer = sched_self();
		taken = true;
	}
	spin_unlock(&rw->rw_lock);
	return taken;
}

void rw_wunlock(struct rwlock *rw)
{
	spin_lock(&rw->rw_lock);
	if (unlikely(rw->rw_writer != sched_self()))
		misuse(&rw->rw_lock, "rwlock",
		       "write-unlocked by a task that is not its writer");
	rw->rw_writer = NULL;
	/* Readers that queued while we held it go first, all together. */
	while (waitq_wake_one(&rw->rw_rq, SYNC_HANDOFF))
		rw->rw_readers++;
	if (rw->rw_readers == 0 && rw->rw_writers_waiting > 0)
		rw_handoff_writer(rw);
	spin_unlock(&rw->rw_lock);
}
