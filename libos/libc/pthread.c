/* SPDX-License-Identifier: MIT */
/*
 * POSIX threads over microapps (<mosaic/mapp.h>) and their sleeping locks
 * (<mosaic/sync.h>). A thread's bookkeeping (struct __pthread) is reached
 * from its own TLS, so pthread_self() is one load; threads the library did
 * not start (main, plain microapps) get one on first use.
 *
 * Ownership of a struct __pthread: the thread and its joiner share it; the
 * one that finishes last frees it. pt_state settles the race between a
 * thread ending and pthread_detach() with one compare-and-swap.
 */
#include <errno.h>
#include <mosaic/mapp.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/sched.h>
#include <kernel/mutex.h>

enum { PT_RUNNING, PT_EXITED, PT_DETACHED };

struct pt_value {
	const void *v_value;
	unsigned int v_gen; /* the key's generation it was set under */
};

struct __pthread {
	mapp_t pt_task; /* [I] */
	void *(*pt_start)(void *); /* [I] */
	void *pt_arg; /* [I] */
	void *pt_ret; /* [o] until exit, then read by the joiner */
	int pt_state; /* [a] PT_* */
	bool pt_gone; /* [o] counted out of live_threads by finish() */
	sigset_t pt_sigmask; /* [I] the creator's, the thread's first */
	bool pt_adopted; /* [I] not made by pthread_create() */
	struct pt_value *pt_values; /* [o] PTHREAD_KEYS_MAX, on first set */
};

static _Thread_local struct __pthread *pt_self;

/* Keys: [G keys_lock] to change; read racily by get/setspecific, which
 * only compare the generation. */
static struct {
	bool k_used;
	unsigned int k_gen;
	void (*k_dtor)(void *);
} keys[PTHREAD_KEYS_MAX];
static struct mapp_mutex keys_lock;

/* Threads pthread_create() started and that have not ended yet, for
 * pthread_exit() in main(). */
static unsigned int live_threads; /* [G live_lock] */
static struct mapp_mutex live_lock;
static struct mapp_cond live_done;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * An absolute time on `clock` as a CLOCK_MONOTONIC deadline in ns (at
 * least 1: 0 means "none" to the microapp locks). EINVAL for a bad
 * timespec or clock.
 */
static int deadline_of(clockid_t clock, const struct timespec *abst,
		       uint64_t *out)
{
	struct timespec now;
	int64_t abs_ns, now_ns, delta;

	if (!abst || abst->tv_nsec < 0 || abst->tv_nsec >= 1000000000)
		return EINVAL;
	if (abst->tv_sec < 0) {
		*out = 1;
		return 0;
	}
	if (abst->tv_sec > INT64_MAX / 1000000000 - 1) {
		*out = UINT64_MAX;
		return 0;
	}
	abs_ns = abst->tv_sec * 1000000000ll + abst->tv_nsec;
	if (clock == CLOCK_MONOTONIC) {
		*out = abs_ns > 0 ? (uint64_t)abs_ns : 1;
		return 0;
	}
	if (clock != CLOCK_REALTIME)
		return EINVAL;
	clock_gettime(CLOCK_REALTIME, &now);
	now_ns = now.tv_sec * 1000000000ll + now.tv_nsec;
	delta = abs_ns - now_ns;
	*out = mono_ns() + (delta > 0 ? (uint64_t)delta : 0);
	return 0;
}

/* --- Threads ------------------------------------------------------------ */

pthread_t pthread_self(void)
{
	struct __pthread *t = pt_self;

	if (t)
		return t;
	/* main() or a microapp started without pthread_create(). Without
	 * memory for its record it cannot be a thread: end it. */
	t = calloc(1, sizeof(*t));
	if (!t)
		abort();
	t->pt_task = mapp_self();
	t->pt_adopted = true;
	pt_self = t;
	return t;
}

int pthread_equal(pthread_t a, pthread_t b)
{
	return a == b;
}

static void run_destructors(struct __pthread *t)
{
	unsigned int round, k;
	bool again = t->pt_values != NULL;

	for (round = 0; again && round < PTHREAD_DESTRUCTOR_ITERATIONS;
	     round++) {
		again = false;
		for (k = 0; k < PTHREAD_KEYS_MAX; k++) {
			void (*dtor)(void *) = keys[k].k_dtor;
			void *v = (void *)t->pt_values[k].v_value;

			if (!v || !keys[k].k_used || !dtor ||
			    t->pt_values[k].v_gen != keys[k].k_gen)
				continue;
			t->pt_values[k].v_value = NULL;
			dtor(v);
			again = true;
		}
	}
}

static void record_free(struct __pthread *t)
{
	free(t->pt_values);
	free(t);
}

static void thread_gone(void)
{
	mapp_mutex_lock(&live_lock);
	if (--live_threads == 0)
		mapp_cond_broadcast(&live_done);
	mapp_mutex_unlock(&live_lock);
}

/* The end of a thread pthread_create() made: its value goes to the
 * joiner. A detached thread's record belongs to its reaper. */
static void __attribute__((noreturn)) finish(struct __pthread *t, void *ret)
{
	int state = PT_RUNNING;

	t->pt_ret = ret;
	run_destructors(t);
	thread_gone();
	t->pt_gone = true;
	__atomic_compare_exchange_n(&t->pt_state, &state, PT_EXITED, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	mapp_exit(0);
}

static int thread_main(void *arg)
{
	struct __pthread *t = arg;

	pt_self = t;
	sigprocmask(SIG_SETMASK, &t->pt_sigmask, NULL);
	finish(t, t->pt_start(t->pt_arg));
}

/*
 * A detached thread still ends as a joinable microapp: a reaper joins it,
 * so a thread that faulted (and never reached finish()) is still counted
 * out for pthread_exit() in main(), and its record freed.
 */
static int reaper(void *arg)
{
	struct __pthread *t = arg;
	struct mapp_exit ex;

	mapp_join(t->pt_task, &ex);
	if (!t->pt_gone)
		thread_gone();
	record_free(t);
	return 0;
}

/* pthread_detach() of a thread that has ended: nobody will join it. */
static int pthread_join_ended(struct __pthread *t)
{
	mapp_join(t->pt_task, NULL);
	record_free(t);
	return 0;
}

static int reap_later(struct __pthread *t)
{
	struct mapp_opts opts = { .stack_size = 4096 };

	return mapp_spawn(NULL, "pthread-reaper", reaper, t, &opts);
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		   void *(*start)(void *), void *arg)
{
	struct mapp_opts opts = { .stack_size = PTHREAD_STACK_DEFAULT };
	struct __pthread *t;
	bool detached = false;
	int rc;

	if (!thread || !start)
		return EINVAL;
	if (attr) {
		if (attr->__stacksize)
			opts.stack_size = attr->__stacksize;
		detached = attr->__detachstate == PTHREAD_CREATE_DETACHED;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return EAGAIN;
	t->pt_start = start;
	t->pt_arg = arg;
	sigprocmask(SIG_BLOCK, NULL, &t->pt_sigmask); /* POSIX: inherited */
	t->pt_state = detached ? PT_DETACHED : PT_RUNNING;
	mapp_mutex_lock(&live_lock);
	live_threads++;
	mapp_mutex_unlock(&live_lock);
	/* The handle is written before the thread can run. */
	*thread = t;
	rc = mapp_spawn(&t->pt_task, "pthread", thread_main, t, &opts);
	if (rc) {
		thread_gone();
		record_free(t);
		return rc == -EINVAL ? EINVAL : EAGAIN;
	}
	/* Without memory for a reaper the record stays with the task and
	 * a fault in it is not counted out (pthread.h says so). */
	if (detached)
		(void)reap_later(t);
	return 0;
}

int pthread_join(pthread_t t, void **retval)
{
	struct mapp_exit ex;

	if (!t)
		return ESRCH;
	if (t == pt_self)
		return EDEADLK;
	if (t->pt_adopted ||
	    __atomic_load_n(&t->pt_state, __ATOMIC_ACQUIRE) == PT_DETACHED)
		return EINVAL;
	mapp_join(t->pt_task, &ex);
	if (retval)
		*retval = ex.faulted ? PTHREAD_CANCELED : t->pt_ret;
	if (!t->pt_gone)
		thread_gone(); /* it faulted before finish() */
	record_free(t);
	return 0;
}

int pthread_detach(pthread_t t)
{
	int state = PT_RUNNING;

	if (!t || t->pt_adopted)
		return EINVAL;
	if (__atomic_compare_exchange_n(&t->pt_state, &state, PT_DETACHED,
					false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
		/* The thread may end meanwhile; its record waits for the
		 * reaper, so it is still ours to hand over. */
		(void)reap_later(t);
		return 0;
	}
	if (state == PT_DETACHED)
		return EINVAL;
	/* It has ended already: join it here. */
	return pthread_join_ended(t);
}

void pthread_exit(void *retval)
{
	struct __pthread *t = pthread_self();

	if (!t->pt_adopted)
		finish(t, retval);
	run_destructors(t);
	if (task_is_root(mapp_self())) {
		/* main() (or a plain microapp): wait for the threads, then
		 * end as exit(0) would after the last of them. */
		mapp_mutex_lock(&live_lock);
		while (live_threads)
			mapp_cond_wait(&live_done, &live_lock);
		mapp_mutex_unlock(&live_lock);
	}
	mapp_exit(0);
}

int pthread_attr_init(pthread_attr_t *attr)
{
	attr->__stacksize = PTHREAD_STACK_DEFAULT;
	attr->__detachstate = PTHREAD_CREATE_JOINABLE;
	return 0;
}

int pthread_attr_destroy(pthread_attr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_attr_setstacksize(pthread_attr_t *attr, size_t size)
{
	if (size < PTHREAD_STACK_MIN || size > (8188u << 10))
		return EINVAL;
	attr->__stacksize = size;
	return 0;
}

int pthread_attr_getstacksize(const pthread_attr_t *attr, size_t *size)
{
	*size = attr->__stacksize;
	return 0;
}

int pthread_attr_setdetachstate(pthread_attr_t *attr, int state)
{
	if (state != PTHREAD_CREATE_JOINABLE &&
	    state != PTHREAD_CREATE_DETACHED)
		return EINVAL;
	attr->__detachstate = state;
	return 0;
}

int pthread_attr_getdetachstate(const pthread_attr_t *attr, int *state)
{
	*state = attr->__detachstate;
	return 0;
}

/* --- Mutexes -------------------------------------------------------------- */

/* The microapp mutex is the kernel's (libos/mapp/sync.c): the default type
 * runs its fast paths inline. */
BUILD_ASSERT(sizeof(struct mutex) <= sizeof(struct mapp_mutex));
BUILD_ASSERT(_Alignof(struct mutex) <= _Alignof(struct mapp_mutex));

static inline struct mutex *kmutex(pthread_mutex_t *m)
{
	return (struct mutex *)(void *)&m->__m;
}

int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *attr)
{
	memset(m, 0, sizeof(*m));
	m->__type = attr ? attr->__type : PTHREAD_MUTEX_DEFAULT;
	return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	if (m->__type != PTHREAD_MUTEX_NORMAL && m->__owner)
		return EBUSY;
	return 0;
}

/* For the checking types: EDEADLK, a recursive re-entry (0 with the
 * count bumped), or -1 to go and take the lock. */
static int relock(pthread_mutex_t *m)
{
	if (m->__type == PTHREAD_MUTEX_NORMAL || m->__owner != pthread_self())
		return -1;
	if (m->__type != PTHREAD_MUTEX_RECURSIVE)
		return EDEADLK;
	if (m->__count == UINT32_MAX)
		return EAGAIN;
	m->__count++;
	return 0;
}

static void took(pthread_mutex_t *m)
{
	if (m->__type != PTHREAD_MUTEX_NORMAL) {
		m->__owner = pthread_self();
		m->__count = 1;
	}
}

/* The checking types, after pthread_mutex_lock() looked at the type. */
static int __attribute__((noinline)) lock_checked(pthread_mutex_t *m)
{
	int rc = relock(m);

	if (rc >= 0)
		return rc;
	mapp_mutex_lock(&m->__m);
	took(m);
	return 0;
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
	/* The default type is the kernel mutex, whose uncontended path is
	 * one compare-and-swap, inline here. */
	if (__builtin_expect(m->__type == PTHREAD_MUTEX_NORMAL, 1)) {
		mutex_lock_inline(kmutex(m));
		return 0;
	}
	return lock_checked(m);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	int rc = relock(m);

	if (rc >= 0)
		return rc == EDEADLK ? EBUSY : rc;
	if (!mapp_mutex_trylock(&m->__m))
		return EBUSY;
	took(m);
	return 0;
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *abst)
{
	uint64_t deadline, now;
	int rc = relock(m);

	if (rc >= 0)
		return rc;
	if (mapp_mutex_trylock(&m->__m)) {
		took(m);
		return 0;
	}
	rc = deadline_of(CLOCK_REALTIME, abst, &deadline);
	if (rc)
		return rc;
	/* The microapp mutex has no timed lock: poll, sleeping between. */
	for (;;) {
		if (mapp_mutex_trylock(&m->__m)) {
			took(m);
			return 0;
		}
		now = mono_ns();
		if (now >= deadline)
			return ETIMEDOUT;
		mapp_sleep_ns(deadline - now < 100000 ? deadline - now
						      : 100000);
	}
}

/* The checking types: only the owner unlocks, once per lock. */
static int __attribute__((noinline)) unlock_checked(pthread_mutex_t *m)
{
	if (m->__owner != pthread_self())
		return EPERM;
	if (--m->__count)
		return 0;
	m->__owner = NULL;
	mapp_mutex_unlock(&m->__m);
	return 0;
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	if (__builtin_expect(m->__type == PTHREAD_MUTEX_NORMAL, 1)) {
		mutex_unlock_inline(kmutex(m));
		return 0;
	}
	return unlock_checked(m);
}

int pthread_mutexattr_init(pthread_mutexattr_t *attr)
{
	attr->__type = PTHREAD_MUTEX_DEFAULT;
	return 0;
}

int pthread_mutexattr_destroy(pthread_mutexattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_mutexattr_settype(pthread_mutexattr_t *attr, int type)
{
	if (type < PTHREAD_MUTEX_NORMAL || type > PTHREAD_MUTEX_ERRORCHECK)
		return EINVAL;
	attr->__type = type;
	return 0;
}

int pthread_mutexattr_gettype(const pthread_mutexattr_t *attr, int *type)
{
	*type = attr->__type;
	return 0;
}

/* --- Condition variables -------------------------------------------------- */

int pthread_cond_init(pthread_cond_t *c, const pthread_condattr_t *attr)
{
	memset(c, 0, sizeof(*c));
	c->__clock = attr ? attr->__clock : CLOCK_REALTIME;
	return 0;
}

int pthread_cond_destroy(pthread_cond_t *c)
{
	(void)c;
	return 0;
}

/* Waiting gives the mutex up whole, recursion included. */
static int cond_wait_until(pthread_cond_t *c, pthread_mutex_t *m,
			   uint64_t deadline)
{
	unsigned int count = m->__count;
	int rc;

	if (m->__type != PTHREAD_MUTEX_NORMAL) {
		if (m->__owner != pthread_self())
			return EPERM;
		m->__owner = NULL;
	}
	rc = 0;
	if (deadline)
		rc = mapp_cond_timedwait(&c->__c, &m->__m, deadline);
	else
		mapp_cond_wait(&c->__c, &m->__m);
	took(m);
	m->__count = count;
	return rc == MAPP_ETIMEDOUT ? ETIMEDOUT : 0;
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	return cond_wait_until(c, m, 0);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
			   const struct timespec *abstime)
{
	uint64_t deadline;
	int rc = deadline_of(c->__clock, abstime, &deadline);

	return rc ? rc : cond_wait_until(c, m, deadline);
}

int pthread_cond_signal(pthread_cond_t *c)
{
	mapp_cond_signal(&c->__c);
	return 0;
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
	mapp_cond_broadcast(&c->__c);
	return 0;
}

int pthread_condattr_init(pthread_condattr_t *attr)
{
	attr->__clock = CLOCK_REALTIME;
	return 0;
}

int pthread_condattr_destroy(pthread_condattr_t *attr)
{
	(void)attr;
	return 0;
}

int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return EINVAL;
	attr->__clock = clock;
	return 0;
}

int pthread_condattr_getclock(const pthread_condattr_t *attr, clockid_t *clock)
{
	*clock = attr->__clock;
	return 0;
}

/* --- Readers-writer locks ------------------------------------------------- */

int pthread_rwlock_init(pthread_rwlock_t *rw, const pthread_rwlockattr_t *a)
{
	(void)a;
	memset(rw, 0, sizeof(*rw));
	return 0;
}

int pthread_rwlock_destroy(pthread_rwlock_t *rw)
{
	(void)rw;
	return 0;
}

int pthread_rwlock_rdlock(pthread_rwlock_t *rw)
{
	if (rw->__writer == pthread_self())
		return EDEADLK;
	mapp_rwlock_rlock(&rw->__rw);
	return 0;
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *rw)
{
	return mapp_rwlock_tryrlock(&rw->__rw) ? 0 : EBUSY;
}

int pthread_rwlock_wrlock(pthread_rwlock_t *rw)
{
	if (rw->__writer == pthread_self())
		return EDEADLK;
	mapp_rwlock_wlock(&rw->__rw);
	rw->__writer = pthread_self();
	return 0;
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *rw)
{
	if (!mapp_rwlock_trywlock(&rw->__rw))
		return EBUSY;
	rw->__writer = pthread_self();
	return 0;
}

int pthread_rwlock_unlock(pthread_rwlock_t *rw)
{
	if (rw->__writer == pthread_self()) {
		rw->__writer = NULL;
		mapp_rwlock_wunlock(&rw->__rw);
	} else {
		mapp_rwlock_runlock(&rw->__rw);
	}
	return 0;
}

/* --- Once, keys ------------------------------------------------------------
 */

enum { ONCE_NEW, ONCE_RUNNING, ONCE_DONE };

int pthread_once(pthread_once_t *once, void (*init)(void))
{
	int state = ONCE_NEW;

	if (__atomic_load_n(once, __ATOMIC_ACQUIRE) == ONCE_DONE)
		return 0;
	if (__atomic_compare_exchange_n(once, &state, ONCE_RUNNING, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		init();
		__atomic_store_n(once, ONCE_DONE, __ATOMIC_RELEASE);
		return 0;
	}
	/* Another thread runs init(): let it (cooperative CPUs). */
	while (__atomic_load_n(once, __ATOMIC_ACQUIRE) != ONCE_DONE)
		mapp_yield();
	return 0;
}

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
	unsigned int k;
	int rc = EAGAIN;

	mapp_mutex_lock(&keys_lock);
	for (k = 0; k < PTHREAD_KEYS_MAX; k++) {
		if (!keys[k].k_used) {
			keys[k].k_used = true;
			keys[k].k_gen++;
			keys[k].k_dtor = destructor;
			*key = k;
			rc = 0;
			break;
		}
	}
	mapp_mutex_unlock(&keys_lock);
	return rc;
}

int pthread_key_delete(pthread_key_t key)
{
	int rc = 0;

	if (key >= PTHREAD_KEYS_MAX)
		return EINVAL;
	mapp_mutex_lock(&keys_lock);
	if (keys[key].k_used)
		keys[key].k_used = false;
	else
		rc = EINVAL;
	mapp_mutex_unlock(&keys_lock);
	return rc;
}

void *pthread_getspecific(pthread_key_t key)
{
	struct __pthread *t = pthread_self();

	if (key >= PTHREAD_KEYS_MAX || !keys[key].k_used || !t->pt_values ||
	    t->pt_values[key].v_gen != keys[key].k_gen)
		return NULL;
	return (void *)t->pt_values[key].v_value;
}

int pthread_setspecific(pthread_key_t key, const void *value)
{
	struct __pthread *t = pthread_self();

	if (key >= PTHREAD_KEYS_MAX || !keys[key].k_used)
		return EINVAL;
	/* Most threads use no keys: their slots come on first use. */
	if (!t->pt_values) {
		t->pt_values = calloc(PTHREAD_KEYS_MAX, sizeof(*t->pt_values));
		if (!t->pt_values)
			return ENOMEM;
	}
	t->pt_values[key].v_value = value;
	t->pt_values[key].v_gen = keys[key].k_gen;
	return 0;
}

/* --- Barriers, spinlocks ---------------------------------------------------
 */

int pthread_barrier_init(pthread_barrier_t *b,
			 const pthread_barrierattr_t *attr, unsigned int count)
{
	(void)attr;
	if (count == 0)
		return EINVAL;
	memset(b, 0, sizeof(*b));
	b->__count = count;
	return 0;
}

int pthread_barrier_destroy(pthread_barrier_t *b)
{
	return b->__arrived ? EBUSY : 0;
}

int pthread_barrier_wait(pthread_barrier_t *b)
{
	unsigned int round;
	int rc = 0;

	mapp_mutex_lock(&b->__m);
	round = b->__round;
	if (++b->__arrived == b->__count) {
		b->__arrived = 0;
		b->__round++;
		mapp_cond_broadcast(&b->__c);
		rc = PTHREAD_BARRIER_SERIAL_THREAD;
	} else {
		while (round == b->__round)
			mapp_cond_wait(&b->__c, &b->__m);
	}
	mapp_mutex_unlock(&b->__m);
	return rc;
}

int pthread_spin_init(pthread_spinlock_t *s, int pshared)
{
	(void)pshared;
	*s = 0;
	return 0;
}

int pthread_spin_destroy(pthread_spinlock_t *s)
{
	(void)s;
	return 0;
}

int pthread_spin_lock(pthread_spinlock_t *s)
{
	while (__atomic_exchange_n(s, 1, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(s, __ATOMIC_RELAXED))
			mapp_yield();
	}
	return 0;
}

int pthread_spin_trylock(pthread_spinlock_t *s)
{
	return __atomic_exchange_n(s, 1, __ATOMIC_ACQUIRE) ? EBUSY : 0;
}

int pthread_spin_unlock(pthread_spinlock_t *s)
{
	__atomic_store_n(s, 0, __ATOMIC_RELEASE);
	return 0;
}

/* --- <sched.h>, <semaphore.h> -----------------------------------------------
 */

int sched_yield(void)
{
	mapp_yield();
	return 0;
}

int sched_getcpu(void)
{
	return (int)mapp_cpu();
}

int sem_init(sem_t *s, int pshared, unsigned int value)
{
	(void)pshared;
	if (value > SEM_VALUE_MAX) {
		errno = EINVAL;
		return -1;
	}
	mapp_sem_init(&s->__s, value);
	return 0;
}

int sem_destroy(sem_t *s)
{
	(void)s;
	return 0;
}

int sem_wait(sem_t *s)
{
	mapp_sem_down(&s->__s);
	return 0;
}

int sem_trywait(sem_t *s)
{
	if (mapp_sem_trydown(&s->__s))
		return 0;
	errno = EAGAIN;
	return -1;
}

int sem_timedwait(sem_t *s, const struct timespec *abstime)
{
	uint64_t deadline;
	int rc;

	if (mapp_sem_trydown(&s->__s))
		return 0;
	rc = deadline_of(CLOCK_REALTIME, abstime, &deadline);
	if (!rc && mapp_sem_timeddown(&s->__s, deadline) == MAPP_ETIMEDOUT)
		rc = ETIMEDOUT;
	if (rc) {
		errno = rc;
		return -1;
	}
	return 0;
}

int sem_post(sem_t *s)
{
	mapp_sem_up(&s->__s);
	return 0;
}
