/* SPDX-License-Identifier: MIT */
/* Shared by poll.c and epoll.c; nobody else includes it. */
#ifndef FS_POLL_IMPL_H
#define FS_POLL_IMPL_H

#include <stdint.h>

/*
 * The mutex that ends persistent registrations: pollhead_release() holds
 * it while it calls pw_gone, and an epoll instance's release holds it
 * while it takes its registrations off their pollheads, so the two never
 * race for one registration. Outermost lock of <fs/poll.h>.
 */
void poll_persist_lock(void);
void poll_persist_unlock(void);

/* The time_ns() deadline for a timeout (negative: none, returns 0). */
uint64_t poll_deadline(int64_t timeout_ns);

#endif /* FS_POLL_IMPL_H */
