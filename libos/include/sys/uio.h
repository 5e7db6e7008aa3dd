/* SPDX-License-Identifier: MIT */
/*
 * <sys/uio.h>: scatter/gather I/O. readv() and writev() work on the
 * console descriptors 0-2 (as read() and write() do); other descriptors
 * arrive with the storage and network issues.
 */
#ifndef MOSAIC_SYS_UIO_H
#define MOSAIC_SYS_UIO_H

#include <stddef.h>
#include <sys/types.h>

#define IOV_MAX 1024
#define UIO_MAXIOV IOV_MAX

/* One buffer of a vector; Linux x86-64 layout (16 bytes). */
struct iovec {
	void *iov_base;
	size_t iov_len;
};

/* read() into each buffer in turn; stops at the first short read.
 * Returns the total, or -1 with errno (EINVAL for a bad iovcnt or a
 * total over SSIZE_MAX). */
ssize_t readv(int fd, const struct iovec *iov, int iovcnt);

/* write() of each buffer in turn; same errors as readv(). */
ssize_t writev(int fd, const struct iovec *iov, int iovcnt);

#endif /* MOSAIC_SYS_UIO_H */
