/* SPDX-License-Identifier: MIT */
/*
 * <poll.h>, <sys/select.h>, <sys/epoll.h> and pipe()/pipe2(): the POSIX
 * and Linux calls over libos/fs (<fs/poll.h>, <fs/pipe.h>), where their
 * negative errno values become errno and -1. No signals exist, so the
 * signal masks of pselect() and epoll_pwait() are ignored and no call
 * ends with EINTR.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

#include <fs/pipe.h>
#include <fs/poll.h>
#include <kernel/compiler.h>
#include <kernel/time.h>

BUILD_ASSERT(sizeof(struct epoll_event) == 12);

#define NS_PER_MS 1000000ll
#define NS_PER_US 1000ll
#define NS_PER_S 1000000000ll

static int ret(int rc)
{
	if (rc >= 0)
		return rc;
	errno = -rc;
	return -1;
}

/* poll()'s and epoll_wait()'s milliseconds (negative: forever). */
static int64_t ms_to_ns(int ms)
{
	return ms < 0 ? -1 : (int64_t)ms * NS_PER_MS;
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	if (!fds && nfds)
		return ret(-EFAULT);
	return ret(poll_fds(fds, nfds, ms_to_ns(timeout)));
}

int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tmo)
{
	int64_t timeout = -1;
	uint64_t start = time_ns();
	int rc;

	if (tmo) {
		if (tmo->tv_sec < 0 || tmo->tv_usec < 0 ||
		    tmo->tv_usec >= 1000000)
			return ret(-EINVAL);
		if (tmo->tv_sec > INT64_MAX / NS_PER_S - 1)
			timeout = -1;
		else
			timeout = tmo->tv_sec * NS_PER_S +
				  tmo->tv_usec * NS_PER_US;
	}
	rc = poll_select(nfds, rd, wr, ex, timeout);
	/* As Linux: the timeout is left holding the time not slept. */
	if (tmo && timeout >= 0 && rc >= 0) {
		int64_t left = timeout - (int64_t)(time_ns() - start);
		if (left < 0)
			left = 0;
		tmo->tv_sec = left / NS_PER_S;
		tmo->tv_usec = (left % NS_PER_S) / NS_PER_US;
	}
	return ret(rc);
}

int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
	    const struct timespec *tmo, const sigset_t *mask)
{
	int64_t timeout = -1;

	(void)mask;
	if (tmo) {
		if (tmo->tv_sec < 0 || tmo->tv_nsec < 0 ||
		    tmo->tv_nsec >= NS_PER_S)
			return ret(-EINVAL);
		if (tmo->tv_sec <= INT64_MAX / NS_PER_S - 1)
			timeout = tmo->tv_sec * NS_PER_S + tmo->tv_nsec;
	}
	return ret(poll_select(nfds, rd, wr, ex, timeout));
}

int epoll_create(int size)
{
	if (size <= 0)
		return ret(-EINVAL);
	return ret(eventpoll_create(0));
}

int epoll_create1(int flags)
{
	return ret(eventpoll_create(flags));
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	return ret(eventpoll_ctl(epfd, op, fd, ev));
}

int epoll_wait(int epfd, struct epoll_event *evs, int maxevents, int timeout)
{
	return ret(eventpoll_wait(epfd, evs, maxevents, ms_to_ns(timeout)));
}

int epoll_pwait(int epfd, struct epoll_event *evs, int maxevents, int timeout,
		const sigset_t *mask)
{
	(void)mask;
	return epoll_wait(epfd, evs, maxevents, timeout);
}

int pipe2(int fds[2], int flags)
{
	if (!fds)
		return ret(-EFAULT);
	if (flags & ~(O_NONBLOCK | O_CLOEXEC))
		return ret(-EINVAL);
	return ret(pipe_create(fds, flags & O_NONBLOCK, flags & O_CLOEXEC));
}

int pipe(int fds[2])
{
	return pipe2(fds, 0);
}
