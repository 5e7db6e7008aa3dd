/* SPDX-License-Identifier: MIT */
/*
 * <semaphore.h>: unnamed counting semaphores over the microapp ones
 * (<mosaic/sync.h>). Errors return -1 with errno, as POSIX says. Named
 * semaphores (sem_open) need a file system: not yet.
 */
#ifndef _SEMAPHORE_H
#define _SEMAPHORE_H

#include <mosaic/sync.h>
#include <time.h>

typedef struct {
	struct mapp_sem __s;
} sem_t;

#define SEM_VALUE_MAX 2147483647

/* pshared is accepted either way: everything shares one address space. */
int sem_init(sem_t *s, int pshared, unsigned int value);
int sem_destroy(sem_t *s);
int sem_wait(sem_t *s);
/* EAGAIN when it would block. */
int sem_trywait(sem_t *s);
/* ETIMEDOUT once CLOCK_REALTIME reaches *abstime. */
int sem_timedwait(sem_t *s, const struct timespec *abstime);
int sem_post(sem_t *s);

#endif /* _SEMAPHORE_H */
