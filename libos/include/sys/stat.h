/* SPDX-License-Identifier: MIT */
/*
 * <sys/stat.h>: struct stat as on Linux x86-64 (144 bytes) and the mode
 * bits, over the VFS. The console descriptors 0-2 are character devices
 * (S_IFCHR | 0620). uid and gid are always 0.
 */
#ifndef MOSAIC_SYS_STAT_H
#define MOSAIC_SYS_STAT_H

#include <sys/types.h>
#include <time.h>

struct stat {
	dev_t st_dev;
	ino_t st_ino;
	nlink_t st_nlink;
	mode_t st_mode;
	uid_t st_uid;
	gid_t st_gid;
	int __pad0;
	dev_t st_rdev;
	off_t st_size;
	blksize_t st_blksize;
	blkcnt_t st_blocks;
	struct timespec st_atim;
	struct timespec st_mtim;
	struct timespec st_ctim;
	long __unused[3];
};
#define st_atime st_atim.tv_sec
#define st_mtime st_mtim.tv_sec
#define st_ctime st_ctim.tv_sec

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISUID 04000
#define S_ISGID 02000
#define S_ISVTX 01000

#define S_ISSOCK(m) (((m)&S_IFMT) == S_IFSOCK)
#define S_ISLNK(m) (((m)&S_IFMT) == S_IFLNK)
#define S_ISREG(m) (((m)&S_IFMT) == S_IFREG)
#define S_ISBLK(m) (((m)&S_IFMT) == S_IFBLK)
#define S_ISDIR(m) (((m)&S_IFMT) == S_IFDIR)
#define S_ISCHR(m) (((m)&S_IFMT) == S_IFCHR)
#define S_ISFIFO(m) (((m)&S_IFMT) == S_IFIFO)

#define S_IRWXU 0700
#define S_IRUSR 0400
#define S_IWUSR 0200
#define S_IXUSR 0100
#define S_IRWXG 070
#define S_IRGRP 040
#define S_IWGRP 020
#define S_IXGRP 010
#define S_IRWXO 07
#define S_IROTH 04
#define S_IWOTH 02
#define S_IXOTH 01

#define UTIME_NOW ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

int stat(const char *path, struct stat *st);
int lstat(const char *path, struct stat *st);
int fstatat(int dirfd, const char *path, struct stat *st, int flags);
int mkdir(const char *path, mode_t mode);
int mkdirat(int dirfd, const char *path, mode_t mode);
int fstat(int fd, struct stat *st);
int utimensat(int dirfd, const char *path, const struct timespec ts[2],
	      int flags);
int futimens(int fd, const struct timespec ts[2]);

/*
 * Permissions, for one user (root): umask() sets the bits removed from
 * the mode of new files and directories (open, creat, mkdir) and returns
 * the former mask (022 at start). chmod/fchmod/fchmodat store the bits
 * (07777); fchmodat's AT_SYMLINK_NOFOLLOW on a symlink fails with
 * EOPNOTSUPP; descriptors that are not files (the console, sockets) give
 * EINVAL; a read-only mount EROFS. No call checks the bits but access().
 */
mode_t umask(mode_t mask);
int chmod(const char *path, mode_t mode);
int fchmod(int fd, mode_t mode);
int fchmodat(int dirfd, const char *path, mode_t mode, int flags);

#endif /* MOSAIC_SYS_STAT_H */
