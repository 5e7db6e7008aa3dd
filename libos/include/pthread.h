/* SPDX-License-Identifier: MIT */
/*
 * <pthread.h>: POSIX threads as microapps. A thread is a microapp (its own
 * guarded stack, TLS block and errno), scheduled cooperatively over every
 * CPU: it runs until it blocks, yields or returns, unless the appliance
 * boots with mosaic.preempt=MS. No cancellation. Functions return 0 or an
 * error number, as POSIX says; none sets errno.
 *
 * All-zero memory is a ready mutex, condition variable, rwlock and once
 * control, so the static initialisers are { 0 }.
 */
#ifndef _PTHREAD_H
#define _PTHREAD_H

#include <mosaic/sync.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct __pthread *pthread_t;

typedef struct {
	size_t __stacksize;
	int __detachstate;
} pthread_attr_t;

#define PTHREAD_CREATE_JOINABLE 0
#define PTHREAD_CREATE_DETACHED 1
#define PTHREAD_STACK_MIN 4096
#define PTHREAD_STACK_DEFAULT (64u << 10)

#define PTHREAD_MUTEX_NORMAL 0
#define PTHREAD_MUTEX_RECURSIVE 1
#define PTHREAD_MUTEX_ERRORCHECK 2
#define PTHREAD_MUTEX_DEFAULT PTHREAD_MUTEX_NORMAL

typedef struct {
	struct mapp_mutex __m;
	int __type;
	unsigned int __count; /* recursive depth */
	pthread_t __owner; /* recursive and error-checking types */
} pthread_mutex_t;

typedef struct {
	int __type;
} pthread_mutexattr_t;

typedef struct {
	struct mapp_cond __c;
	clockid_t __clock; /* of pthread_cond_timedwait()'s abstime */
} pthread_cond_t;

typedef struct {
	clockid_t __clock;
} pthread_condattr_t;

typedef struct {
	struct mapp_rwlock __rw;
	pthread_t __writer; /* the writer inside, for unlock */
} pthread_rwlock_t;

typedef struct {
	int __unused;
} pthread_rwlockattr_t;

typedef struct {
	struct mapp_mutex __m;
	struct mapp_cond __c;
	unsigned int __count; /* threads per round */
	unsigned int __arrived;
	unsigned int __round;
} pthread_barrier_t;

typedef struct {
	int __unused;
} pthread_barrierattr_t;

#define PTHREAD_BARRIER_SERIAL_THREAD (-1)

typedef int pthread_once_t;
typedef unsigned int pthread_key_t;
typedef volatile int pthread_spinlock_t;

#define PTHREAD_MUTEX_INITIALIZER                                              \
	{                                                                      \
		{ { 0 } }, 0, 0, 0                                             \
	}
#define PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP                                 \
	{                                                                      \
		{ { 0 } }, PTHREAD_MUTEX_RECURSIVE, 0, 0                       \
	}
#define PTHREAD_COND_INITIALIZER                                               \
	{                                                                      \
		{ { 0 } }, CLOCK_REALTIME                                      \
	}
#define PTHREAD_RWLOCK_INITIALIZER                                             \
	{                                                                      \
		{ { 0 } }, 0                                                   \
	}
#define PTHREAD_ONCE_INIT 0

#define PTHREAD_KEYS_MAX 128
#define PTHREAD_DESTRUCTOR_ITERATIONS 4
#define PTHREAD_PROCESS_PRIVATE 0
#define PTHREAD_PROCESS_SHARED 1
#define PTHREAD_CANCELED ((void *)-1) /* a thread ended by a fault */

/*
 * Threads. pthread_create() starts start(arg) as a microapp on the
 * least-loaded CPU (stack: attr's size, default 64 KiB); EAGAIN when
 * memory is short, EINVAL for a bad attribute. A thread that faults ends
 * alone (a "fault:" record); joining it gives PTHREAD_CANCELED. A
 * detached thread is joined by a small reaper microapp (4 KiB of stack
 * while it waits). pthread_exit() in main() waits for the threads
 * pthread_create() made, then ends the appliance with status 0.
 */
int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		   void *(*start)(void *), void *arg);
int pthread_join(pthread_t thread, void **retval);
int pthread_detach(pthread_t thread);
pthread_t pthread_self(void);
int pthread_equal(pthread_t a, pthread_t b);
void pthread_exit(void *retval) __attribute__((noreturn));

int pthread_attr_init(pthread_attr_t *attr);
int pthread_attr_destroy(pthread_attr_t *attr);
int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size);
int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *size);
int pthread_attr_setdetachstate(pthread_attr_t *attr, int state);
int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state);

/* Mutexes: normal (relocking deadlocks), recursive, error-checking
 * (relock EDEADLK, foreign unlock EPERM). */
int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr);
int pthread_mutex_destroy(pthread_mutex_t *m);
int pthread_mutex_lock(pthread_mutex_t *m);
int pthread_mutex_trylock(pthread_mutex_t *m);
int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abst);
int pthread_mutex_unlock(pthread_mutex_t *m);
int pthread_mutexattr_init(pthread_mutexattr_t *attr);
int pthread_mutexattr_destroy(pthread_mutexattr_t *attr);
int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type);
int pthread_mutexattr_gettype(const pthread_mutexattr_t *attr, int *type);

/* Condition variables; timed waits on CLOCK_REALTIME (default) or the
 * clock pthread_condattr_setclock() chose (CLOCK_MONOTONIC). */
int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr);
int pthread_cond_destroy(pthread_cond_t *c);
int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
			   const struct timespec *abstime);
int pthread_cond_signal(pthread_cond_t *c);
int pthread_cond_broadcast(pthread_cond_t *c);
int pthread_condattr_init(pthread_condattr_t *attr);
int pthread_condattr_destroy(pthread_condattr_t *attr);
int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock);
int pthread_condattr_getclock(const pthread_condattr_t *attr, clockid_t *clock);

/* Readers-writer locks, writers first: a thread that holds a read lock
 * must not take it again while a writer waits (it would wait for a
 * writer that waits for it). */
int pthread_rwlock_init(pthread_rwlock_t *rw, const pthread_rwlockattr_t *a);
int pthread_rwlock_destroy(pthread_rwlock_t *rw);
int pthread_rwlock_rdlock(pthread_rwlock_t *rw);
int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw);
int pthread_rwlock_wrlock(pthread_rwlock_t *rw);
int pthread_rwlock_trywrlock(pthread_rwlock_t *rw);
int pthread_rwlock_unlock(pthread_rwlock_t *rw);

int pthread_once(pthread_once_t *once, void (*init)(void));

/* Thread-specific data: destructors run when a thread exits, up to
 * PTHREAD_DESTRUCTOR_ITERATIONS rounds. */
int pthread_key_create(pthread_key_t *key, void (*destructor)(void *));
int pthread_key_delete(pthread_key_t key);
void *pthread_getspecific(pthread_key_t key);
int pthread_setspecific(pthread_key_t key, const void *value);

int pthread_barrier_init(pthread_barrier_t *b,
			 const pthread_barrierattr_t *attr, unsigned int count);
int pthread_barrier_destroy(pthread_barrier_t *b);
int pthread_barrier_wait(pthread_barrier_t *b);

/* Spinlocks yield while they wait: threads are cooperative, so a holder
 * on the same CPU must get to run. */
int pthread_spin_init(pthread_spinlock_t *s, int pshared);
int pthread_spin_destroy(pthread_spinlock_t *s);
int pthread_spin_lock(pthread_spinlock_t *s);
int pthread_spin_trylock(pthread_spinlock_t *s);
int pthread_spin_unlock(pthread_spinlock_t *s);

#endif /* _PTHREAD_H */
