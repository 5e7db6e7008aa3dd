/* SPDX-License-Identifier: MIT */
/*
 * What is left of the network stubs: socketpair() (no AF_UNIX) and
 * ioctl() fail with ENOSYS and say so once on stderr. The socket calls
 * are in socket.c, name resolution in libos/net/resolv.c.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "enosys_impl.h"

int socketpair(int domain, int type, int protocol, int sv[2])
{
	(void)domain, (void)type, (void)protocol, (void)sv;
	return LIBC_ENOSYS(socketpair, "there are no AF_UNIX sockets");
}

int ioctl(int fd, unsigned long request, ...)
{
	(void)fd, (void)request;
	return LIBC_ENOSYS(ioctl, "use fcntl() for O_NONBLOCK");
}
