/* SPDX-License-Identifier: MIT */
/*
 * Sleeping locks for microapps: mutexes, condition variables, counting
 * semaphores and readers-writer locks, safe across CPUs. A microapp that
 * waits for one sleeps (its CPU runs others); a release hands the lock
 * straight to the longest waiter. Not POSIX (pthreads come later and
 * will be built on these).
 *
 * The types are storage for the kernel's objects: declare them anywhere
 * (static, on a stack, inside a struct) and touch no member. Memory that
 * is all zero is ready to use: an unlocked mutex, a condition variable,
 * a semaphore at 0, a free rwlock. So static objects need no set-up, and
 * `struct mapp_mutex m = { 0 };` initialises one on a stack; the _init
 * functions do the same (and set a semaphore's count).
 *
 * Misuse that would deadlock or corrupt a lock (unlocking a mutex the
 * caller does not own, locking it twice, waiting on a condition without
 * owning its mutex, releasing an rwlock one does not hold) ends the
 * calling microapp as a failed assert() does. Deadlines are absolute
 * CLOCK_MONOTONIC times in nanoseconds (clock_gettime(), <time.h>); 0
 * means none.
 */
#ifndef MOSAIC_SYNC_H
#define MOSAIC_SYNC_H

#include <stdbool.h>
#include <stdint.h>

/* What the timed waits return when the deadline passed (-ETIMEDOUT). */
#define MAPP_ETIMEDOUT (-110)

struct mapp_mutex {
	uint64_t mm_opaque[8];
};
struct mapp_cond {
	uint64_t mc_opaque[8];
};
struct mapp_sem {
	uint64_t ms_opaque[8];
};
struct mapp_rwlock {
	uint64_t mr_opaque[12];
};

/* Mutex: one owner at a time; not recursive. An unlock wakes the longest
 * waiter, which a newcomer may overtake once; it is then handed the mutex
 * at the next unlock, so no waiter starves. */
void mapp_mutex_init(struct mapp_mutex *m);
/* Takes m, sleeping while another microapp owns it. */
void mapp_mutex_lock(struct mapp_mutex *m);
/* Takes m if it is free; true if taken. Never blocks. */
bool mapp_mutex_trylock(struct mapp_mutex *m);
/* Releases m (the caller owns it). */
void mapp_mutex_unlock(struct mapp_mutex *m);

/*
 * Condition variable. mapp_cond_timedwait() releases m (which the caller
 * owns), sleeps until signalled or until deadline_ns, and takes m again
 * before it returns: 0 when signalled, MAPP_ETIMEDOUT. Another microapp
 * may run between the signal and the return, so re-check the condition
 * in a loop. mapp_cond_signal() wakes the longest waiter, broadcast all;
 * neither requires holding m.
 */
void mapp_cond_init(struct mapp_cond *c);
void mapp_cond_wait(struct mapp_cond *c, struct mapp_mutex *m);
int mapp_cond_timedwait(struct mapp_cond *c, struct mapp_mutex *m,
			uint64_t deadline_ns);
void mapp_cond_signal(struct mapp_cond *c);
void mapp_cond_broadcast(struct mapp_cond *c);

/*
 * Counting semaphore: down takes a unit (sleeping while there is none),
 * up gives one back, straight to the longest waiter if any.
 * mapp_sem_timeddown() returns 0 or MAPP_ETIMEDOUT (nothing taken).
 */
void mapp_sem_init(struct mapp_sem *s, unsigned long count);
void mapp_sem_down(struct mapp_sem *s);
bool mapp_sem_trydown(struct mapp_sem *s);
int mapp_sem_timeddown(struct mapp_sem *s, uint64_t deadline_ns);
void mapp_sem_up(struct mapp_sem *s);

/*
 * Readers-writer lock, writer-preferring: once a writer waits, new
 * readers queue behind it, so readers cannot starve writers; a writer's
 * release lets in every reader queued before it. Not recursive. The try
 * forms never block and return true if taken.
 */
void mapp_rwlock_init(struct mapp_rwlock *rw);
void mapp_rwlock_rlock(struct mapp_rwlock *rw);
void mapp_rwlock_runlock(struct mapp_rwlock *rw);
void mapp_rwlock_wlock(struct mapp_rwlock *rw);
void mapp_rwlock_wunlock(struct mapp_rwlock *rw);
bool mapp_rwlock_tryrlock(struct mapp_rwlock *rw);
bool mapp_rwlock_trywlock(struct mapp_rwlock *rw);

#endif /* MOSAIC_SYNC_H */
