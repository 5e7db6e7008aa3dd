/* SPDX-License-Identifier: MIT */
/*
 * <mosaic/sync.h> over the kernel's sleeping locks (<kernel/sync.h>): each
 * mapp_ type is storage for the kernel object, whose all-zero state is
 * valid, so the wrappers only convert the pointer. Initialisation uses
 * the kernel's *_INIT macros, so that the kernel need not export
 * sem_init (a POSIX name libc will define).
 */
#include <mosaic/sync.h>

#include <kernel/compiler.h>
#include <kernel/errno.h>
#include <kernel/sync.h>

BUILD_ASSERT(MAPP_ETIMEDOUT == -ETIMEDOUT);
BUILD_ASSERT(sizeof(struct mutex) <= sizeof(struct mapp_mutex));
BUILD_ASSERT(_Alignof(struct mutex) <= _Alignof(struct mapp_mutex));
BUILD_ASSERT(sizeof(struct cond) <= sizeof(struct mapp_cond));
BUILD_ASSERT(_Alignof(struct cond) <= _Alignof(struct mapp_cond));
BUILD_ASSERT(sizeof(struct sem) <= sizeof(struct mapp_sem));
BUILD_ASSERT(_Alignof(struct sem) <= _Alignof(struct mapp_sem));
BUILD_ASSERT(sizeof(struct rwlock) <= sizeof(struct mapp_rwlock));
BUILD_ASSERT(_Alignof(struct rwlock) <= _Alignof(struct mapp_rwlock));

static struct mutex *kmutex(struct mapp_mutex *m)
{
	return (struct mutex *)(void *)m;
}

static struct cond *kcond(struct mapp_cond *c)
{
	return (struct cond *)(void *)c;
}

static struct sem *ksem(struct mapp_sem *s)
{
	return (struct sem *)(void *)s;
}

static struct rwlock *krw(struct mapp_rwlock *rw)
{
	return (struct rwlock *)(void *)rw;
}

void mapp_mutex_init(struct mapp_mutex *m)
{
	*kmutex(m) = (struct mutex)MUTEX_INIT(NULL);
}

void mapp_mutex_lock(struct mapp_mutex *m)
{
	mutex_lock(kmutex(m));
}

bool mapp_mutex_trylock(struct mapp_mutex *m)
{
	return mutex_trylock(kmutex(m));
}

void mapp_mutex_unlock(struct mapp_mutex *m)
{
	mutex_unlock(kmutex(m));
}

void mapp_cond_init(struct mapp_cond *c)
{
	*kcond(c) = (struct cond)COND_INIT(NULL);
}

void mapp_cond_wait(struct mapp_cond *c, struct mapp_mutex *m)
{
	cond_wait(kcond(c), kmutex(m));
}

int mapp_cond_timedwait(struct mapp_cond *c, struct mapp_mutex *m,
			uint64_t deadline_ns)
{
	return cond_timedwait(kcond(c), kmutex(m), deadline_ns);
}

void mapp_cond_signal(struct mapp_cond *c)
{
	cond_signal(kcond(c));
}

void mapp_cond_broadcast(struct mapp_cond *c)
{
	cond_broadcast(kcond(c));
}

void mapp_sem_init(struct mapp_sem *s, unsigned long count)
{
	*ksem(s) = (struct sem)SEM_INIT(NULL, count);
}

void mapp_sem_down(struct mapp_sem *s)
{
	sem_down(ksem(s));
}

bool mapp_sem_trydown(struct mapp_sem *s)
{
	return sem_trydown(ksem(s));
}

int mapp_sem_timeddown(struct mapp_sem *s, uint64_t deadline_ns)
{
	return sem_timeddown(ksem(s), deadline_ns);
}

void mapp_sem_up(struct mapp_sem *s)
{
	sem_up(ksem(s));
}

void mapp_rwlock_init(struct mapp_rwlock *rw)
{
	*krw(rw) = (struct rwlock)RWLOCK_INIT(NULL);
}

void mapp_rwlock_rlock(struct mapp_rwlock *rw)
{
	rw_rlock(krw(rw));
}

void mapp_rwlock_runlock(struct mapp_rwlock *rw)
{
	rw_runlock(krw(rw));
}

void mapp_rwlock_wlock(struct mapp_rwlock *rw)
{
	rw_wlock(krw(rw));
}

void mapp_rwlock_wunlock(struct mapp_rwlock *rw)
{
	rw_wunlock(krw(rw));
}

bool mapp_rwlock_tryrlock(struct mapp_rwlock *rw)
{
	return rw_tryrlock(krw(rw));
}

bool mapp_rwlock_trywlock(struct mapp_rwlock *rw)
{
	return rw_trywlock(krw(rw));
}
