/* SPDX-License-Identifier: MIT */
/*
 * Sockets, poll/select/epoll, ioctl and name resolution before the
 * network issue: every call fails with ENOSYS (getaddrinfo() with
 * EAI_SYSTEM, gethostbyname() with h_errno NO_RECOVERY) and says so once
 * on stderr. gai_strerror() and freeaddrinfo() already work.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>

#include "enosys_impl.h"

#define NET "network"

int h_errno;

int socket(int domain, int type, int protocol)
{
	(void)domain, (void)type, (void)protocol;
	return LIBC_ENOSYS(socket, NET);
}

int socketpair(int domain, int type, int protocol, int sv[2])
{
	(void)domain, (void)type, (void)protocol, (void)sv;
	return LIBC_ENOSYS(socketpair, NET);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	(void)fd, (void)addr, (void)len;
	return LIBC_ENOSYS(bind, NET);
}

int listen(int fd, int backlog)
{
	(void)fd, (void)backlog;
	return LIBC_ENOSYS(listen, NET);
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	(void)fd, (void)addr, (void)len;
	return LIBC_ENOSYS(accept, NET);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	(void)fd, (void)addr, (void)len, (void)flags;
	return LIBC_ENOSYS(accept4, NET);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	(void)fd, (void)addr, (void)len;
	return LIBC_ENOSYS(connect, NET);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	(void)fd, (void)buf, (void)len, (void)flags;
	return LIBC_ENOSYS(send, NET);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	(void)fd, (void)buf, (void)len, (void)flags;
	return LIBC_ENOSYS(recv, NET);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	(void)fd, (void)buf, (void)len, (void)flags, (void)to, (void)tolen;
	return LIBC_ENOSYS(sendto, NET);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
		 struct sockaddr *from, socklen_t *fromlen)
{
	(void)fd, (void)buf, (void)len, (void)flags, (void)from, (void)fromlen;
	return LIBC_ENOSYS(recvfrom, NET);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	(void)fd, (void)msg, (void)flags;
	return LIBC_ENOSYS(sendmsg, NET);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	(void)fd, (void)msg, (void)flags;
	return LIBC_ENOSYS(recvmsg, NET);
}

int shutdown(int fd, int how)
{
	(void)fd, (void)how;
	return LIBC_ENOSYS(shutdown, NET);
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	(void)fd, (void)level, (void)name, (void)val, (void)len;
	return LIBC_ENOSYS(setsockopt, NET);
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	(void)fd, (void)level, (void)name, (void)val, (void)len;
	return LIBC_ENOSYS(getsockopt, NET);
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	(void)fd, (void)addr, (void)len;
	return LIBC_ENOSYS(getsockname, NET);
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	(void)fd, (void)addr, (void)len;
	return LIBC_ENOSYS(getpeername, NET);
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	(void)fds, (void)nfds, (void)timeout;
	return LIBC_ENOSYS(poll, NET);
}

int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tmo)
{
	(void)nfds, (void)rd, (void)wr, (void)ex, (void)tmo;
	return LIBC_ENOSYS(select, NET);
}

int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
	    const struct timespec *tmo, const sigset_t *mask)
{
	(void)nfds, (void)rd, (void)wr, (void)ex, (void)tmo, (void)mask;
	return LIBC_ENOSYS(pselect, NET);
}

int epoll_create(int size)
{
	(void)size;
	return LIBC_ENOSYS(epoll_create, NET);
}

int epoll_create1(int flags)
{
	(void)flags;
	return LIBC_ENOSYS(epoll_create1, NET);
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	(void)epfd, (void)op, (void)fd, (void)ev;
	return LIBC_ENOSYS(epoll_ctl, NET);
}

int epoll_wait(int epfd, struct epoll_event *evs, int maxevents, int timeout)
{
	(void)epfd, (void)evs, (void)maxevents, (void)timeout;
	return LIBC_ENOSYS(epoll_wait, NET);
}

int ioctl(int fd, unsigned long request, ...)
{
	(void)fd, (void)request;
	return LIBC_ENOSYS(ioctl, NET);
}

int getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res)
{
	(void)node, (void)service, (void)hints;
	if (res)
		*res = NULL;
	LIBC_ENOSYS(getaddrinfo, NET);
	return EAI_SYSTEM;
}

void freeaddrinfo(struct addrinfo *res)
{
	/* getaddrinfo() never returns a list yet. */
	(void)res;
}

const char *gai_strerror(int code)
{
	switch (code) {
	case EAI_BADFLAGS:
		return "Bad value for ai_flags";
	case EAI_NONAME:
		return "Name or service not known";
	case EAI_AGAIN:
		return "Temporary failure in name resolution";
	case EAI_FAIL:
		return "Non-recoverable failure in name resolution";
	case EAI_NODATA:
		return "No address associated with hostname";
	case EAI_FAMILY:
		return "ai_family not supported";
	case EAI_SOCKTYPE:
		return "ai_socktype not supported";
	case EAI_SERVICE:
		return "Servname not supported for ai_socktype";
	case EAI_ADDRFAMILY:
		return "Address family for hostname not supported";
	case EAI_MEMORY:
		return "Memory allocation failure";
	case EAI_SYSTEM:
		return "System error";
	default: /* glibc's text for EAI_OVERFLOW too */
		return "Unknown error";
	}
}

struct hostent *gethostbyname(const char *name)
{
	(void)name;
	LIBC_ENOSYS(gethostbyname, NET);
	h_errno = NO_RECOVERY;
	return NULL;
}
