/* SPDX-License-Identifier: MIT */
/*
 * Open files and the descriptor table of the appliance (one table: an
 * appliance is one process).
 *
 * A struct file is an open-file description: the object, its offset and
 * status flags (O_ACCMODE, O_APPEND, O_NONBLOCK), shared by every
 * descriptor dup()ed from it. Files, the console, pipes, sockets and
 * epoll instances are all files: each kind gives a `static const struct
 * file_ops` (members marked required or optional) and embeds or points
 * to its object; callers use the file_*() wrappers, never ops directly.
 *
 * Descriptors are the lowest free numbers below FD_MAX (-EMFILE beyond);
 * the table grows with the highest one in use, so FD_MAX costs nothing
 * until a server holds that many connections.
 * The close-on-exec flag is kept per descriptor and means nothing here
 * (there is no exec).
 *
 * Locking: [T] the table's mutex (taken by the fd_*() calls; never held
 * while a file op runs), [L] f_lock of the file (held across a read or
 * write that moves the offset, so concurrent calls on one description
 * do not interleave their offsets; streams, which have no offset, are
 * not serialised: a read blocked on a socket or pipe must not hold up a
 * write to it), [a] atomic, [I] immutable. The last
 * file_put() runs fo_release, which may take the VFS lock: never call it
 * with a spinlock held.
 */
#ifndef FS_FD_H
#define FS_FD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <fs/vfs.h>
#include <kernel/compiler.h>
#include <kernel/sync.h>

#define FD_MAX 65536

/* Status flags and access modes: the O_* values of <fcntl.h>. */
#define FILE_RDONLY 00
#define FILE_WRONLY 01
#define FILE_RDWR 02
#define FILE_ACCMODE 03
#define FILE_APPEND 02000
#define FILE_NONBLOCK 04000

struct file;
struct pollwait;

struct file_ops {
	/* Optional (-EINVAL): reads at *off (seekable files; advance it)
	 * or from the stream (others; ignore off). */
	ssize_t (*fo_read)(struct file *f, void *buf, size_t len, int64_t *off);
	/* Optional (-EINVAL): writes like fo_read reads; append (for
	 * seekable files) means at the end. */
	ssize_t (*fo_write)(struct file *f, const void *buf, size_t len,
			    int64_t *off, bool append);
	/* Required. */
	int (*fo_stat)(struct file *f, struct vattr *va);
	/* Optional (-EINVAL). */
	int (*fo_truncate)(struct file *f, int64_t size);
	/* Optional (0). */
	int (*fo_sync)(struct file *f);
	/* Optional (-ENOTDIR): the entry at *cookie, advancing it; 1, or 0
	 * at the end. */
	int (*fo_readdir)(struct file *f, uint64_t *cookie,
			  struct vfs_dirent *de);
	/* Optional: the last reference went (free f_priv; not f). A kind
	 * with fo_poll calls pollhead_release() first (<fs/poll.h>). */
	void (*fo_release)(struct file *f);
	/*
	 * Optional (NULL: always ready for reading and writing, nothing to
	 * wait for, as regular files): the POLL* events (<poll.h> values)
	 * ready now. When pw is not NULL it first registers pw with the
	 * object's pollhead (pollhead_add(), under the lock that orders the
	 * object's state changes), so that every later change calls
	 * pw->pw_wake until pollhead_remove(pw). May yield.
	 */
	unsigned int (*fo_poll)(struct file *f, struct pollwait *pw);
	/* lseek/pread/pwrite work (else -ESPIPE). */
	bool fo_seekable;
	/* A terminal (isatty). */
	bool fo_tty;
};

struct file {
	const struct file_ops *f_ops; /* [I] */
	struct vnode *f_vn; /* [I] referenced, or NULL */
	void *f_priv; /* [I] for the file's kind */
	unsigned int f_refs; /* [a] */
	unsigned int f_flags; /* [a] FILE_* */
	struct mutex f_lock;
	int64_t f_off; /* [L] */
};

/* A new file with one reference (freed by the last file_put). */
int __must_check file_alloc(const struct file_ops *ops, unsigned int flags,
			    void *priv, struct file **out);
/* A file over vn (which it references) with the flags of open(). */
int __must_check file_open_vnode(struct vnode *vn, unsigned int flags,
				 struct file **out);
void file_ref(struct file *f);
void file_put(struct file *f);

ssize_t __must_check file_read(struct file *f, void *buf, size_t len);
ssize_t __must_check file_write(struct file *f, const void *buf, size_t len);
ssize_t __must_check file_pread(struct file *f, void *buf, size_t len,
				int64_t off);
/* Lends up to len bytes at off of a regular file without copying
 * (vop_getbuf(): see there); -EOPNOTSUPP when its filesystem cannot or
 * f is no regular file: read it instead. */
ssize_t __must_check file_getbuf(struct file *f, int64_t off, size_t len,
				 struct netbuf **out);
ssize_t __must_check file_pwrite(struct file *f, const void *buf, size_t len,
				 int64_t off);
/* whence: 0 SEEK_SET, 1 SEEK_CUR, 2 SEEK_END. */
int64_t __must_check file_seek(struct file *f, int64_t off, int whence);
int __must_check file_stat(struct file *f, struct vattr *va);
int __must_check file_truncate(struct file *f, int64_t size);
int __must_check file_sync(struct file *f);
/* Reads the entry at the description's offset (a readdir cookie). */
int __must_check file_readdir(struct file *f, struct vfs_dirent *de);
unsigned int file_get_flags(struct file *f);
/* Changes only FILE_APPEND and FILE_NONBLOCK. */
void file_set_flags(struct file *f, unsigned int flags);
bool file_is_tty(struct file *f);
/* fo_poll (see there), or POLLIN|POLLOUT|POLLRDNORM|POLLWRNORM for a
 * kind without one. May yield. */
unsigned int file_poll(struct file *f, struct pollwait *pw);
/* Whether f's kind can be waited for (has fo_poll): epoll takes only
 * those. */
bool file_can_poll(struct file *f);

/* The table. fd_install puts f (taking over the caller's reference) at
 * the lowest free descriptor >= min and returns it; -EINVAL (min out of
 * range), -EMFILE (none free below FD_MAX), -ENOMEM (the table could not
 * grow). */
int __must_check fd_install(struct file *f, int min, bool cloexec);
/* Puts f at fd (referencing it), closing what was there. Returns fd,
 * -EBADF (out of range) or -ENOMEM. */
int __must_check fd_install_at(struct file *f, int fd, bool cloexec);
/* *out referenced; -EBADF when fd is not open. */
int __must_check fd_get(int fd, struct file **out);
int __must_check fd_close(int fd);
/* dup2 (fd == fd2 is checked by the caller). */
int __must_check fd_dup2(int fd, int fd2, bool cloexec);
int __must_check fd_get_cloexec(int fd);
int __must_check fd_set_cloexec(int fd, bool cloexec);
/* Closes every descriptor (host tests). */
void fd_reset(void);

#endif /* FS_FD_H */
