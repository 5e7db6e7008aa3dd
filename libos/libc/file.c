/* SPDX-License-Identifier: MIT */
/*
 * The POSIX file calls over the VFS and the descriptor table
 * (<fs/vfs.h>, <fs/fd.h>): this is where their negative errno values
 * become errno and -1. Descriptors 0-2 start as the console, as files of
 * their own kind: 0 reads end of file at once (no input device yet) and
 * is no terminal; 1 and 2 write to the console and are terminals. stdio's
 * standard streams write through these descriptors, so dup2() onto them
 * redirects stdout and friends. libc_files_init() sets this up before
 * main(); the file systems come with the first call that resolves a path
 * (vfs_boot(), libos/fs/boot.c), so an app that has none carries no VFS.
 *
 * Permissions, kept simple: the appliance is one user, root. umask()
 * (022 at start) masks the mode of open(O_CREAT), creat() and mkdir();
 * chmod() and friends store the bits; nothing checks them but access(),
 * which for root needs an x bit to grant X_OK on a file (Linux), and
 * the read-only mounts (EROFS).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>
#include <utime.h>

#include <fs/fd.h>
#include <fs/vfs.h>
#include <kernel/compiler.h>
#include <kernel/console.h>

#include "libc_impl.h"

BUILD_ASSERT(O_APPEND == FILE_APPEND && O_NONBLOCK == FILE_NONBLOCK);
BUILD_ASSERT(S_IFDIR == VFS_IFDIR && S_IFLNK == VFS_IFLNK);
BUILD_ASSERT(DT_DIR == VFS_DT_DIR && DT_REG == VFS_DT_REG);

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

/* --- the console as descriptors 0-2 --- */

static ssize_t con_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	(void)f, (void)buf, (void)len, (void)off;
	return 0; /* no input device yet: end of file */
}

static ssize_t con_write(struct file *f, const void *buf, size_t len,
			 int64_t *off, bool append)
{
	(void)f, (void)off, (void)append;
	console_write(buf, len);
	return (ssize_t)len;
}

static int con_stat(struct file *f, struct vattr *va)
{
	(void)f;
	memset(va, 0, sizeof(*va));
	va->va_mode = VFS_IFCHR | 0620;
	va->va_nlink = 1;
	va->va_blksize = 1024;
	return 0;
}

static const struct file_ops con_in_ops = {
	.fo_read = con_read,
	.fo_stat = con_stat,
};

static const struct file_ops con_out_ops = {
	.fo_write = con_write,
	.fo_stat = con_stat,
	.fo_tty = true,
};

static void install_console(int fd)
{
	struct file *f;

	if (file_alloc(fd ? &con_out_ops : &con_in_ops,
		       fd ? O_WRONLY : O_RDONLY, NULL, &f))
		return;
	if (fd_install(f, fd, false) != fd)
		file_put(f);
}

void libc_files_init(void)
{
	/* The console first: stderr writes through descriptor 2. */
	for (int fd = 0; fd < 3; fd++)
		install_console(fd);
	vfs_disks_check();
}

/* --- descriptors --- */

ssize_t libc_fd_write(int fd, const void *buf, size_t len)
{
	struct file *f;
	ssize_t n = fd_get(fd, &f);

	if (n)
		return n;
	n = file_write(f, buf, len);
	file_put(f);
	return n;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	struct file *f;
	ssize_t n = fd_get(fd, &f);

	if (n)
		return sret(n);
	/* stdio's own buffers first, so the order of output is kept. */
	if (file_is_tty(f))
		libc_stdio_flush_std();
	n = file_write(f, buf, len);
	file_put(f);
	return sret(n);
}

ssize_t libc_fd_read(int fd, void *buf, size_t len)
{
	struct file *f;
	ssize_t n = fd_get(fd, &f);

	if (n)
		return n;
	n = file_read(f, buf, len);
	file_put(f);
	return n;
}

ssize_t read(int fd, void *buf, size_t len)
{
	return sret(libc_fd_read(fd, buf, len));
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	struct file *f;
	ssize_t n = fd_get(fd, &f);

	if (n)
		return sret(n);
	n = file_pread(f, buf, len, off);
	file_put(f);
	return sret(n);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	struct file *f;
	ssize_t n = fd_get(fd, &f);

	if (n)
		return sret(n);
	n = file_pwrite(f, buf, len, off);
	file_put(f);
	return sret(n);
}

/* Checks a vector for readv()/writev(): 0 <= iovcnt <= IOV_MAX and a
 * total that fits in ssize_t. */
static int check_iov(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;

	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	return 0;
}

ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t total = 0, n;

	if (check_iov(iov, iovcnt))
		return sret(-EINVAL);
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

/* writev() gathers up to this many bytes into one write(): one write is
 * one O_APPEND position, one atomic pipe write (up to PIPE_BUF), one
 * segment's worth of TCP rather than one per piece. */
#define WRITEV_GATHER_MAX 65536u

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	ssize_t total = 0, n;
	size_t sum = 0;

	if (check_iov(iov, iovcnt))
		return sret(-EINVAL);
	for (int i = 0; i < iovcnt; i++)
		sum += iov[i].iov_len; /* check_iov() bounds the sum */
	if (iovcnt > 1 && sum <= WRITEV_GATHER_MAX) {
		char small[1024],
			*buf = sum <= sizeof(small) ? small : malloc(sum);

		if (buf) {
			size_t off = 0;

			for (int i = 0; i < iovcnt; i++) {
				if (!iov[i].iov_len)
					continue;
				memcpy(buf + off, iov[i].iov_base,
				       iov[i].iov_len);
				off += iov[i].iov_len;
			}
			n = write(fd, buf, sum);
			if (buf != small)
				free(buf);
			return n;
		}
	}
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

off_t libc_fd_seek(int fd, off_t off, int whence)
{
	struct file *f;
	int64_t rc = fd_get(fd, &f);

	if (rc)
		return rc;
	rc = file_seek(f, off, whence);
	file_put(f);
	return rc;
}

off_t lseek(int fd, off_t off, int whence)
{
	off_t rc = libc_fd_seek(fd, off, whence);

	return rc < 0 ? sret(rc) : rc;
}

int close(int fd)
{
	return ret(fd_close(fd));
}

int dup(int fd)
{
	struct file *f;
	int rc = fd_get(fd, &f);

	if (rc)
		return ret(rc);
	rc = fd_install(f, 0, false);
	if (rc < 0)
		file_put(f);
	return ret(rc);
}

int dup3(int fd, int fd2, int flags)
{
	if (flags & ~O_CLOEXEC)
		return ret(-EINVAL);
	if (fd == fd2)
		return ret(-EINVAL);
	return ret(fd_dup2(fd, fd2, flags & O_CLOEXEC));
}

int dup2(int fd, int fd2)
{
	struct file *f;

	if (fd == fd2) {
		if (fd_get(fd, &f))
			return ret(-EBADF);
		file_put(f);
		return fd2;
	}
	return ret(fd_dup2(fd, fd2, false));
}

static int dupfd(int fd, int min, bool cloexec)
{
	struct file *f;
	int rc = fd_get(fd, &f);

	if (rc)
		return ret(rc);
	rc = fd_install(f, min, cloexec);
	if (rc < 0)
		file_put(f);
	return ret(rc);
}

int fcntl(int fd, int cmd, ...)
{
	struct file *f;
	va_list ap;
	int arg, rc;

	va_start(ap, cmd);
	arg = va_arg(ap, int); /* harmless for the commands without one */
	va_end(ap);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return dupfd(fd, arg, cmd == F_DUPFD_CLOEXEC);
	if (cmd == F_GETFD)
		return ret(fd_get_cloexec(fd) > 0 ? FD_CLOEXEC
						  : fd_get_cloexec(fd));
	if (cmd == F_SETFD)
		return ret(fd_set_cloexec(fd, arg & FD_CLOEXEC));
	rc = fd_get(fd, &f);
	if (rc)
		return ret(rc);
	if (cmd == F_GETFL)
		rc = (int)file_get_flags(f);
	else if (cmd == F_SETFL)
		file_set_flags(f, (unsigned int)arg);
	else
		rc = -EINVAL;
	file_put(f);
	return ret(rc);
}

static void to_stat(const struct vattr *va, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = va->va_dev;
	st->st_ino = va->va_ino;
	st->st_nlink = va->va_nlink;
	st->st_mode = va->va_mode;
	st->st_size = va->va_size;
	st->st_blksize = va->va_blksize;
	st->st_blocks = va->va_blocks;
	st->st_atim = va->va_atime;
	st->st_mtim = va->va_mtime;
	st->st_ctim = va->va_ctime;
}

int fstat(int fd, struct stat *st)
{
	struct vattr va;
	struct file *f;
	int rc = fd_get(fd, &f);

	if (rc)
		return ret(rc);
	rc = file_stat(f, &va);
	file_put(f);
	if (!rc)
		to_stat(&va, st);
	return ret(rc);
}

int isatty(int fd)
{
	struct file *f;
	bool tty;

	if (fd_get(fd, &f)) {
		errno = EBADF;
		return 0;
	}
	tty = file_is_tty(f);
	file_put(f);
	if (!tty)
		errno = ENOTTY;
	return tty;
}

int fsync(int fd)
{
	struct file *f;
	int rc = fd_get(fd, &f);

	if (rc)
		return ret(rc);
	if (file_is_tty(f))
		libc_stdio_flush_std();
	rc = file_sync(f);
	file_put(f);
	return ret(rc);
}

int fdatasync(int fd)
{
	return fsync(fd);
}

int ftruncate(int fd, off_t len)
{
	struct file *f;
	int rc = fd_get(fd, &f);

	if (rc)
		return ret(rc);
	rc = file_truncate(f, len);
	file_put(f);
	return ret(rc);
}

/* --- paths relative to a directory descriptor --- */

/* The directory dirfd names (referenced in *df), or NULL for the working
 * directory (AT_FDCWD) and absolute paths. */
static int at_dir(int dirfd, const char *path, struct file **df,
		  struct vnode **at)
{
	*df = NULL;
	*at = NULL;
	if (!path)
		return -EFAULT;
	if (path[0] == '/' || dirfd == AT_FDCWD)
		return 0;
	if (fd_get(dirfd, df))
		return -EBADF;
	if (!(*df)->f_vn || !VFS_IS_DIR((*df)->f_vn->v_type)) {
		file_put(*df);
		*df = NULL;
		return -ENOTDIR;
	}
	*at = (*df)->f_vn;
	return 0;
}

static void at_done(struct file *df)
{
	if (df)
		file_put(df);
}

/* umask(): [a]. */
static mode_t umask_bits = 022;

mode_t umask(mode_t mask)
{
	return __atomic_exchange_n(&umask_bits, mask & 0777, __ATOMIC_RELAXED);
}

/* The mode a new file or directory gets. */
static uint32_t new_mode(mode_t mode)
{
	return mode & 07777 & ~__atomic_load_n(&umask_bits, __ATOMIC_RELAXED);
}

/* What open() may not open, as Linux decides it. O_TRUNC asks for
 * writing too (Linux: it truncates even with O_RDONLY). */
static int open_check(struct vnode *vn, int flags)
{
	bool write = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);

	if (VFS_IS_LNK(vn->v_type))
		return -ELOOP; /* O_NOFOLLOW met a symlink */
	if (VFS_IS_DIR(vn->v_type) && (write || (flags & O_CREAT)))
		return -EISDIR;
	if (write && vfs_is_rdonly(vn))
		return -EROFS;
	return 0;
}

/* Opens path; *out is the new file. Caller checks flags. */
static int open_vnode(struct vnode *at, const char *path, int flags,
		      mode_t mode, struct file **out)
{
	unsigned int lf = flags & O_NOFOLLOW ? 0 : VFS_FOLLOW;
	struct vnode *vn;
	bool created;
	int err;

	if (flags & O_DIRECTORY)
		lf |= VFS_DIRECTORY;
	err = vfs_open_create(at, path, lf, flags & O_CREAT, flags & O_EXCL,
			      new_mode(mode), &vn, &created);
	if (err)
		return err;
	err = open_check(vn, flags);
	if (!err && (flags & O_TRUNC) && !created && VFS_IS_REG(vn->v_type))
		err = vfs_ftruncate(vn, 0);
	if (!err)
		err = file_open_vnode(vn, (unsigned int)flags, out);
	vnode_put(vn);
	return err;
}

/* Linux's O_PATH and O_TMPFILE, which <fcntl.h> does not offer: refused
 * rather than taken for a plain open. */
#define OPEN_UNSUPPORTED (010000000 | 020000000)

int openat(int dirfd, const char *path, int flags, ...)
{
	struct file *df, *f;
	struct vnode *at;
	mode_t mode = 0;
	va_list ap;
	int rc;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if ((flags & O_ACCMODE) == O_ACCMODE || (flags & OPEN_UNSUPPORTED) ||
	    ((flags & O_CREAT) && (flags & O_DIRECTORY)))
		return ret(-EINVAL);
	rc = at_dir(dirfd, path, &df, &at);
	if (rc)
		return ret(rc);
	rc = open_vnode(at, path, flags, mode, &f);
	at_done(df);
	if (rc)
		return ret(rc);
	rc = fd_install(f, 0, flags & O_CLOEXEC);
	if (rc < 0)
		file_put(f);
	return ret(rc);
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return openat(AT_FDCWD, path, flags, mode);
}

int creat(const char *path, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	struct vattr va;
	struct file *df;
	struct vnode *at;
	int rc;

	if (flags & ~AT_SYMLINK_NOFOLLOW)
		return ret(-EINVAL);
	rc = at_dir(dirfd, path, &df, &at);
	if (rc)
		return ret(rc);
	rc = vfs_stat(at, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : VFS_FOLLOW,
		      &va);
	at_done(df);
	if (!rc)
		to_stat(&va, st);
	return ret(rc);
}

int stat(const char *path, struct stat *st)
{
	return fstatat(AT_FDCWD, path, st, 0);
}

int lstat(const char *path, struct stat *st)
{
	return fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

BUILD_ASSERT(R_OK == VFS_R_OK && W_OK == VFS_W_OK && X_OK == VFS_X_OK);

int faccessat(int dirfd, const char *path, int mode, int flags)
{
	struct file *df;
	struct vnode *at;
	int rc;

	/* One user: the real and effective ids are the same (AT_EACCESS). */
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS))
		return ret(-EINVAL);
	rc = at_dir(dirfd, path, &df, &at);
	if (rc)
		return ret(rc);
	rc = vfs_access(at, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : VFS_FOLLOW,
			(unsigned int)mode);
	at_done(df);
	return ret(rc);
}

int access(const char *path, int mode)
{
	return faccessat(AT_FDCWD, path, mode, 0);
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	struct file *df;
	struct vnode *at;
	int rc = at_dir(dirfd, path, &df, &at);

	if (rc)
		return ret(rc);
	rc = vfs_mkdir(at, path, new_mode(mode));
	at_done(df);
	return ret(rc);
}

int mkdir(const char *path, mode_t mode)
{
	return mkdirat(AT_FDCWD, path, mode);
}

int fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	struct file *df;
	struct vnode *at;
	int rc;

	if (flags & ~AT_SYMLINK_NOFOLLOW)
		return ret(-EINVAL);
	rc = at_dir(dirfd, path, &df, &at);
	if (rc)
		return ret(rc);
	rc = vfs_chmod(at, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : VFS_FOLLOW,
		       mode);
	at_done(df);
	return ret(rc);
}

int chmod(const char *path, mode_t mode)
{
	return fchmodat(AT_FDCWD, path, mode, 0);
}

int fchmod(int fd, mode_t mode)
{
	struct file *f;
	int rc = fd_get(fd, &f);

	if (rc)
		return ret(rc);
	rc = f->f_vn ? vfs_fchmod(f->f_vn, mode) : -EINVAL;
	file_put(f);
	return ret(rc);
}

int unlinkat(int dirfd, const char *path, int flags)
{
	struct file *df;
	struct vnode *at;
	int rc;

	if (flags & ~AT_REMOVEDIR)
		return ret(-EINVAL);
	rc = at_dir(dirfd, path, &df, &at);
	if (rc)
		return ret(rc);
	rc = flags & AT_REMOVEDIR ? vfs_rmdir(at, path) : vfs_unlink(at, path);
	at_done(df);
	return ret(rc);
}

int unlink(const char *path)
{
	return unlinkat(AT_FDCWD, path, 0);
}

int rmdir(const char *path)
{
	return unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

int remove(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return -1;
	return S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path);
}

int renameat(int ofd, const char *opath, int nfd, const char *npath)
{
	struct file *odf, *ndf;
	struct vnode *oat, *nat;
	int rc = at_dir(ofd, opath, &odf, &oat);

	if (rc)
		return ret(rc);
	rc = at_dir(nfd, npath, &ndf, &nat);
	if (!rc) {
		rc = vfs_rename(oat, opath, nat, npath);
		at_done(ndf);
	}
	at_done(odf);
	return ret(rc);
}

int rename(const char *from, const char *to)
{
	return renameat(AT_FDCWD, from, AT_FDCWD, to);
}

int link(const char *from, const char *to)
{
	if (!from || !to)
		return ret(-EFAULT);
	return ret(vfs_link(NULL, from, NULL, to, 0));
}

int symlink(const char *target, const char *path)
{
	if (!target || !path)
		return ret(-EFAULT);
	return ret(vfs_symlink(target, NULL, path));
}

ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t size)
{
	struct file *df;
	struct vnode *at;
	ssize_t n;
	int rc;

	if (!size)
		return sret(-EINVAL);
	rc = at_dir(dirfd, path, &df, &at);
	if (rc)
		return sret(rc);
	n = vfs_readlink(at, path, buf, size);
	at_done(df);
	return sret(n);
}

ssize_t readlink(const char *path, char *buf, size_t size)
{
	return readlinkat(AT_FDCWD, path, buf, size);
}

int truncate(const char *path, off_t len)
{
	if (!path)
		return ret(-EFAULT);
	return ret(vfs_truncate(NULL, path, len));
}

int chdir(const char *path)
{
	if (!path)
		return ret(-EFAULT);
	return ret(vfs_chdir(NULL, path));
}

int fchdir(int fd)
{
	struct file *f;
	int rc = fd_get(fd, &f);

	if (rc)
		return ret(rc);
	rc = f->f_vn ? vfs_fchdir(f->f_vn) : -ENOTDIR;
	file_put(f);
	return ret(rc);
}

/* As glibc: a NULL buf gets a malloc'd one (the caller frees it), of
 * size bytes, or as long as the path needs when size is 0. */
char *getcwd(char *buf, size_t size)
{
	char *mine = NULL, *fit;
	int rc;

	if (!buf) {
		mine = malloc(size ? size : VFS_PATH_MAX);
		if (!mine)
			return NULL; /* errno is ENOMEM */
		buf = mine;
	} else if (!size) {
		errno = EINVAL;
		return NULL;
	}
	rc = vfs_getcwd(buf, size ? size : VFS_PATH_MAX);
	if (rc) {
		free(mine);
		errno = -rc;
		return NULL;
	}
	if (mine && !size) {
		fit = realloc(mine, strlen(mine) + 1);
		return fit ? fit : mine;
	}
	return buf;
}

/* --- timestamps --- */

/* Resolves UTIME_NOW/UTIME_OMIT against the current times of va. */
static void fix_times(const struct timespec in[2], const struct vattr *va,
		      struct timespec out[2])
{
	struct timespec now;

	vfs_now(&now);
	for (int i = 0; i < 2; i++) {
		if (!in || in[i].tv_nsec == UTIME_NOW)
			out[i] = now;
		else if (in[i].tv_nsec == UTIME_OMIT)
			out[i] = i ? va->va_mtime : va->va_atime;
		else
			out[i] = in[i];
	}
}

static bool bad_times(const struct timespec ts[2])
{
	for (int i = 0; ts && i < 2; i++)
		if ((ts[i].tv_nsec < 0 || ts[i].tv_nsec > 999999999) &&
		    ts[i].tv_nsec != UTIME_NOW && ts[i].tv_nsec != UTIME_OMIT)
			return true;
	return false;
}

int utimensat(int dirfd, const char *path, const struct timespec ts[2],
	      int flags)
{
	unsigned int lf = flags & AT_SYMLINK_NOFOLLOW ? 0 : VFS_FOLLOW;
	struct timespec t[2];
	struct vattr va;
	struct file *df;
	struct vnode *at;
	int rc;

	if (bad_times(ts) || (flags & ~AT_SYMLINK_NOFOLLOW))
		return ret(-EINVAL);
	rc = at_dir(dirfd, path, &df, &at);
	if (rc)
		return ret(rc);
	rc = vfs_stat(at, path, lf, &va);
	if (!rc) {
		fix_times(ts, &va, t);
		rc = vfs_utimes(at, path, lf, t);
	}
	at_done(df);
	return ret(rc);
}

int futimens(int fd, const struct timespec ts[2])
{
	struct timespec t[2];
	struct vattr va;
	struct file *f;
	int rc;

	if (bad_times(ts))
		return ret(-EINVAL);
	rc = fd_get(fd, &f);
	if (rc)
		return ret(rc);
	rc = f->f_vn ? vfs_getattr(f->f_vn, &va) : -EINVAL;
	if (!rc) {
		fix_times(ts, &va, t);
		rc = vfs_settimes(f->f_vn, t);
	}
	file_put(f);
	return ret(rc);
}

int utimes(const char *path, const struct timeval tv[2])
{
	struct timespec ts[2];

	if (!tv)
		return utimensat(AT_FDCWD, path, NULL, 0);
	for (int i = 0; i < 2; i++) {
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return utimensat(AT_FDCWD, path, ts, 0);
}

int utime(const char *path, const struct utimbuf *ub)
{
	struct timespec ts[2] = { { 0, 0 }, { 0, 0 } };

	if (!ub)
		return utimensat(AT_FDCWD, path, NULL, 0);
	ts[0].tv_sec = ub->actime;
	ts[1].tv_sec = ub->modtime;
	return utimensat(AT_FDCWD, path, ts, 0);
}

/* --- directory streams --- */

struct __dirstream {
	int d_fd;
	struct dirent d_ent;
};

DIR *fdopendir(int fd)
{
	struct stat st;
	DIR *d;

	if (fstat(fd, &st))
		return NULL;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->d_fd = fd;
	return d;
}

DIR *opendir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

struct dirent *readdir(DIR *d)
{
	struct vfs_dirent de;
	struct file *f;
	int rc;

	rc = fd_get(d->d_fd, &f);
	if (!rc) {
		rc = file_readdir(f, &de);
		d->d_ent.d_off = f->f_off;
		file_put(f);
	}
	if (rc <= 0) {
		if (rc < 0)
			errno = -rc;
		return NULL; /* end: errno unchanged */
	}
	d->d_ent.d_ino = de.d_ino;
	d->d_ent.d_type = de.d_type;
	d->d_ent.d_reclen = sizeof(d->d_ent);
	memcpy(d->d_ent.d_name, de.d_name, sizeof(d->d_ent.d_name));
	return &d->d_ent;
}

void rewinddir(DIR *d)
{
	(void)libc_fd_seek(d->d_fd, 0, SEEK_SET);
}

int dirfd(DIR *d)
{
	return d->d_fd;
}

int closedir(DIR *d)
{
	int rc;

	if (!d)
		return ret(-EBADF);
	rc = close(d->d_fd);
	free(d);
	return rc;
}

/* --- sendfile's copy: files that cannot lend their bytes, or not to a
 * TCP socket (sendfile() itself is in socket.c) --- */

/* Moves in's offset back over bytes read but not sent, keeping errno. */
static void unread(int in, ssize_t n)
{
	int saved = errno;

	(void)lseek(in, -(off_t)n, SEEK_CUR);
	errno = saved;
}

/* As Linux: the bytes sent, or -1 with errno when none were (a failed
 * write as much as a failed read); in's offset (or *off) moves by what
 * was sent. */
ssize_t libc_sendfile_copy(int out, int in, off_t *off, size_t count)
{
	char *buf = malloc(16384);
	ssize_t total = 0, n = 0, w = 0;
	off_t pos = off ? *off : 0;

	if (!buf)
		return -1;
	if (count > SSIZE_MAX)
		count = SSIZE_MAX;
	while ((size_t)total < count) {
		size_t k = count - (size_t)total;

		if (k > 16384)
			k = 16384;
		n = off ? pread(in, buf, k, pos) : read(in, buf, k);
		if (n <= 0)
			break;
		w = write(out, buf, (size_t)n);
		if (w > 0)
			total += w, pos += w;
		if (w != n) {
			if (!off)
				unread(in, n - (w > 0 ? w : 0));
			break;
		}
	}
	free(buf);
	if (off)
		*off = pos;
	if (total)
		return total;
	return n < 0 || w < 0 ? -1 : 0;
}
