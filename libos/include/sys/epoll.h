/* SPDX-License-Identifier: MIT */
/*
 * <sys/epoll.h>: Linux's epoll, with struct epoll_event packed as on
 * x86-64 (12 bytes): level- and edge-triggered, EPOLLONESHOT; a closed
 * file leaves every set. EPOLLEXCLUSIVE and EPOLLWAKEUP are accepted and
 * change nothing; an epoll instance cannot be added to another (EINVAL).
 * There are no signals: epoll_pwait()'s mask is ignored.
 */
#ifndef MOSAIC_SYS_EPOLL_H
#define MOSAIC_SYS_EPOLL_H

#include <signal.h>
#include <stdint.h>

#define EPOLL_CLOEXEC 02000000

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

#define EPOLLIN 0x001u
#define EPOLLPRI 0x002u
#define EPOLLOUT 0x004u
#define EPOLLERR 0x008u
#define EPOLLHUP 0x010u
#define EPOLLRDNORM 0x040u
#define EPOLLRDBAND 0x080u
#define EPOLLWRNORM 0x100u
#define EPOLLWRBAND 0x200u
#define EPOLLMSG 0x400u
#define EPOLLRDHUP 0x2000u
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)

typedef union epoll_data {
	void *ptr;
	int fd;
	uint32_t u32;
	uint64_t u64;
} epoll_data_t;

struct epoll_event {
	uint32_t events;
	epoll_data_t data;
} __attribute__((packed));

int epoll_create(int size);
int epoll_create1(int flags);
int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);
int epoll_wait(int epfd, struct epoll_event *evs, int maxevents, int timeout);
int epoll_pwait(int epfd, struct epoll_event *evs, int maxevents, int timeout,
		const sigset_t *mask);

#endif /* MOSAIC_SYS_EPOLL_H */
