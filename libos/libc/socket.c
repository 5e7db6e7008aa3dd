/* SPDX-License-Identifier: MIT */
/*
 * <sys/socket.h>: the socket calls over libos/net (<net/socket.h>),
 * where their negative errno values become errno and -1, and sendfile(),
 * which lends file bytes to TCP. socketpair() stays in net_stub.c
 * (ENOSYS: no AF_UNIX).
 */
#include <errno.h>
#include <limits.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fs/fd.h>
#include <net/socket.h>

#include "libc_impl.h"

static int ret(int rc)
{
	if (rc >= 0)
		return rc;
	errno = -rc;
	return -1;
}

static ssize_t sret(ssize_t rc)
{
	if (rc >= 0)
		return rc;
	errno = (int)-rc;
	return -1;
}

int socket(int domain, int type, int protocol)
{
	return ret(sock_socket(domain, type, protocol));
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	return ret(sock_bind(fd, addr, len));
}

int listen(int fd, int backlog)
{
	return ret(sock_listen(fd, backlog));
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return ret(sock_accept(fd, addr, len, 0));
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	return ret(sock_accept(fd, addr, len, flags));
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	return ret(sock_connect(fd, addr, len));
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return sret(sock_sendto(fd, buf, len, flags, NULL, 0));
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	return sret(sock_recvfrom(fd, buf, len, flags, NULL, NULL));
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	return sret(sock_sendto(fd, buf, len, flags, to, tolen));
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
		 struct sockaddr *from, socklen_t *fromlen)
{
	return sret(sock_recvfrom(fd, buf, len, flags, from, fromlen));
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return sret(sock_sendmsg(fd, msg, flags));
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	return sret(sock_recvmsg(fd, msg, flags));
}

int shutdown(int fd, int how)
{
	return ret(sock_shutdown(fd, how));
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return ret(sock_setsockopt(fd, level, name, val, len));
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	return ret(sock_getsockopt(fd, level, name, val, len));
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	return ret(sock_getsockname(fd, addr, len));
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	return ret(sock_getpeername(fd, addr, len));
}

/* File to TCP socket: the file's bytes are lent to the stack
 * (sock_sendfile()) when its filesystem can; anything else, and the
 * errors, are the copy's (libc_sendfile_copy(), file.c). */
ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	struct file *f;
	int64_t pos;
	ssize_t n;

	if ((off && *off < 0) || fd_get(in, &f) != 0)
		return libc_sendfile_copy(out, in, off, count);
	if (off) {
		pos = *off;
	} else {
		pos = libc_fd_seek(in, 0, SEEK_CUR);
		if (pos < 0) {
			file_put(f);
			return libc_sendfile_copy(out, in, off, count);
		}
	}
	if (count > SSIZE_MAX)
		count = SSIZE_MAX;
	n = sock_sendfile(out, f, &pos, count);
	file_put(f);
	if (n == -EOPNOTSUPP)
		return libc_sendfile_copy(out, in, off, count);
	if (n > 0) {
		if (off)
			*off = pos;
		else
			(void)libc_fd_seek(in, pos, SEEK_SET);
	}
	return sret(n);
}
