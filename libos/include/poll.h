/* SPDX-License-Identifier: MIT */
/*
 * <poll.h>: struct pollfd and the event bits (Linux values). poll() works
 * on every descriptor: pipes, sockets and epoll instances report their
 * state; files and the console are always ready.
 */
#ifndef MOSAIC_POLL_H
#define MOSAIC_POLL_H

typedef unsigned long nfds_t;

struct pollfd {
	int fd;
	short events;
	short revents;
};

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLRDHUP 0x2000

/* Waits up to timeout ms (negative: forever) for one of fds to be ready;
 * returns how many have revents set, 0 on timeout. */
int poll(struct pollfd *fds, nfds_t nfds, int timeout);

#endif /* MOSAIC_POLL_H */
