/* SPDX-License-Identifier: MIT */
/*
 * <fcntl.h>: open flags and fcntl() commands with Linux x86-64 values.
 * Files live in the VFS (tmpfs at / and /tmp for now). open() takes
 * O_RDONLY/O_WRONLY/O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND,
 * O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK and O_CLOEXEC (kept, meaningless
 * without exec); the others are ignored, but Linux's O_PATH and
 * O_TMPFILE fail with EINVAL. As on Linux, O_CREAT follows a dangling
 * symlink and creates its target, O_TRUNC truncates even with O_RDONLY,
 * and O_CREAT on a directory fails with EISDIR. There is no permission
 * check (one user, root); the mode of O_CREAT is masked by umask().
 */
#ifndef MOSAIC_FCNTL_H
#define MOSAIC_FCNTL_H

#include <sys/types.h>

#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_ACCMODE 03
#define O_CREAT 0100
#define O_EXCL 0200
#define O_NOCTTY 0400
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_NDELAY O_NONBLOCK
#define O_DSYNC 010000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_SYNC 04010000

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1

#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2

#define AT_FDCWD -100
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200

struct flock {
	short l_type;
	short l_whence;
	off_t l_start;
	off_t l_len;
	pid_t l_pid;
};

/* `mode` is read with O_CREAT. Descriptors are the lowest free, below
 * 1024 (EMFILE). */
int open(const char *path, int flags, ...);
int openat(int dirfd, const char *path, int flags, ...);
int creat(const char *path, mode_t mode);

/* F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL and F_SETFL (which
 * changes O_APPEND and O_NONBLOCK); other commands fail with EINVAL. The
 * console descriptors report O_RDONLY (0) and O_WRONLY (1, 2). */
int fcntl(int fd, int cmd, ...);

#endif /* MOSAIC_FCNTL_H */
