/* SPDX-License-Identifier: MIT */
/*
 * Files and directories before the storage issue. Calls that name a path
 * fail with ENOSYS and say so once on stderr. Calls on a descriptor work
 * on the console descriptors 0-2 as far as that is meaningful (readv and
 * writev over read and write, fstat as a character device, uname) and
 * fail with EBADF on any other descriptor, as no other exists yet.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "enosys_impl.h"

#define STORAGE "storage"

static bool console_fd(int fd)
{
	return fd >= 0 && fd <= 2;
}

static int badf(void)
{
	errno = EBADF;
	return -1;
}

int open(const char *path, int flags, ...)
{
	(void)path, (void)flags;
	return LIBC_ENOSYS(open, STORAGE);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	(void)dirfd, (void)path, (void)flags;
	return LIBC_ENOSYS(openat, STORAGE);
}

int creat(const char *path, mode_t mode)
{
	(void)path, (void)mode;
	return LIBC_ENOSYS(creat, STORAGE);
}

int fcntl(int fd, int cmd, ...)
{
	if (!console_fd(fd))
		return badf();
	switch (cmd) {
	case F_GETFD:
		return 0;
	case F_SETFD:
		return 0; /* close-on-exec means nothing without exec */
	case F_GETFL:
		return fd == 0 ? O_RDONLY : O_WRONLY;
	default:
		return LIBC_ENOSYS(fcntl, STORAGE);
	}
}

int stat(const char *path, struct stat *st)
{
	(void)path, (void)st;
	return LIBC_ENOSYS(stat, STORAGE);
}

int lstat(const char *path, struct stat *st)
{
	(void)path, (void)st;
	return LIBC_ENOSYS(lstat, STORAGE);
}

int mkdir(const char *path, mode_t mode)
{
	(void)path, (void)mode;
	return LIBC_ENOSYS(mkdir, STORAGE);
}

int fstat(int fd, struct stat *st)
{
	if (!console_fd(fd))
		return badf();
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0620;
	st->st_nlink = 1;
	st->st_blksize = 1024;
	return 0;
}

/* Checks a vector for readv()/writev(): 0 < iovcnt <= IOV_MAX and a
 * total that fits in ssize_t. */
static int check_iov(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;

	if (iovcnt < 0 || iovcnt > IOV_MAX)
		goto inval;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
			goto inval;
		total += iov[i].iov_len;
	}
	return 0;
inval:
	errno = EINVAL;
	return -1;
}

ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t total = 0, n;

	if (check_iov(iov, iovcnt))
		return -1;
	for (int i = 0; i < iovcnt; i++) {
		n = read(fd, iov[i].iov_base, iov[i].iov_len);
		if (n < 0)
			return total ? total : -1;
		total += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	return total;
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t total = 0, n;

	if (check_iov(iov, iovcnt))
		return -1;
	for (int i = 0; i < iovcnt; i++) {
		if (!iov[i].iov_len)
			continue;
		n = write(fd, iov[i].iov_base, iov[i].iov_len);
		if (n < 0)
			return total ? total : -1;
		total += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	return total;
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	(void)buf, (void)len, (void)off;
	if (!console_fd(fd))
		return badf();
	errno = ESPIPE; /* the console cannot seek */
	return -1;
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	(void)buf, (void)len, (void)off;
	if (!console_fd(fd))
		return badf();
	errno = ESPIPE;
	return -1;
}

int ftruncate(int fd, off_t len)
{
	(void)len;
	if (!console_fd(fd))
		return badf();
	errno = EINVAL; /* not a regular file */
	return -1;
}

int dup(int fd)
{
	if (!console_fd(fd))
		return badf();
	return LIBC_ENOSYS(dup, STORAGE);
}

int dup2(int fd, int fd2)
{
	if (!console_fd(fd))
		return badf();
	if (fd == fd2)
		return fd2;
	return LIBC_ENOSYS(dup2, STORAGE);
}

int pipe(int fds[2])
{
	(void)fds;
	return LIBC_ENOSYS(pipe, STORAGE);
}

int access(const char *path, int mode)
{
	(void)path, (void)mode;
	return LIBC_ENOSYS(access, STORAGE);
}

int chdir(const char *path)
{
	(void)path;
	return LIBC_ENOSYS(chdir, STORAGE);
}

int rmdir(const char *path)
{
	(void)path;
	return LIBC_ENOSYS(rmdir, STORAGE);
}

int unlink(const char *path)
{
	(void)path;
	return LIBC_ENOSYS(unlink, STORAGE);
}

int rename(const char *from, const char *to)
{
	(void)from, (void)to;
	return LIBC_ENOSYS(rename, STORAGE);
}

DIR *opendir(const char *path)
{
	(void)path;
	LIBC_ENOSYS(opendir, STORAGE);
	return NULL;
}

struct dirent *readdir(DIR *dir)
{
	(void)dir;
	errno = EBADF;
	return NULL;
}

int closedir(DIR *dir)
{
	(void)dir;
	return badf();
}

static void copy_field(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n >= _UTSNAME_LENGTH)
		n = _UTSNAME_LENGTH - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int uname(struct utsname *u)
{
	memset(u, 0, sizeof(*u));
	copy_field(u->sysname, "Mosaic");
	if (gethostname(u->nodename, sizeof(u->nodename)))
		copy_field(u->nodename, "mosaic");
	copy_field(u->release, "0.1");
	copy_field(u->version, "#1 " __DATE__);
	copy_field(u->machine, "x86_64");
	copy_field(u->domainname, "(none)");
	return 0;
}
