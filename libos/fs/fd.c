/* SPDX-License-Identifier: MIT */
/* Open files and the descriptor table (<fs/fd.h>). */
#include <fs/fd.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/errno.h>

struct fd_slot {
	struct file *s_file; /* [T] */
	bool s_cloexec; /* [T] */
};

static struct mutex fd_mutex = MUTEX_INIT("fd");
static struct fd_slot *fd_slots; /* [T] fd_cap of them */

/* --- files --- */

int file_alloc(const struct file_ops *ops, unsigned int flags, void *priv,
	       struct file **out)
{
	struct file *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->f_ops = ops;
	f->f_priv = priv;
	f->f_refs = 1;
	f->f_flags = flags & (FILE_ACCMODE | FILE_APPEND | FILE_NONBLOCK);
	f->f_lock = (struct mutex)MUTEX_INIT("file");
	*out = f;
	return 0;
}

void file_ref(struct file *f)
{
	__atomic_fetch_add(&f->f_refs, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
	if (__atomic_sub_fetch(&f->f_refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (f->f_ops->fo_release)
		f->f_ops->fo_release(f);
	vnode_put(f->f_vn);
	free(f);
}

static ssize_t vn_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	ssize_t n = vfs_read(f->f_vn, buf, len, *off);

	if (n > 0)
		*off += n;
	return n;
}

static ssize_t vn_write(struct file *f, const void *buf, size_t len,
			int64_t *off, bool append)
{
	return vfs_write(f->f_vn, buf, len, off, append);
}

static int vn_stat(struct file *f, struct vattr *va)
{
	return vfs_getattr(f->f_vn, va);
}

static int vn_truncate(struct file *f, int64_t size)
{
	return vfs_ftruncate(f->f_vn, size);
}

static int vn_sync(struct file *f)
{
	return vfs_fsync(f->f_vn);
}

static int vn_readdir(struct file *f, uint64_t *cookie, struct vfs_dirent *de)
{
	return vfs_readdir(f->f_vn, cookie, de);
}

static const struct file_ops vnode_file_ops = {
	.fo_read = vn_read,
	.fo_write = vn_write,
	.fo_stat = vn_stat,
	.fo_truncate = vn_truncate,
	.fo_sync = vn_sync,
	.fo_readdir = vn_readdir,
	.fo_seekable = true,
};

int file_open_vnode(struct vnode *vn, unsigned int flags, struct file **out)
{
	int err = file_alloc(&vnode_file_ops, flags, NULL, out);

	if (err)
		return err;
	vnode_ref(vn);
	(*out)->f_vn = vn;
	return 0;
}

static bool can_read(struct file *f)
{
	return (file_get_flags(f) & FILE_ACCMODE) != FILE_WRONLY;
}

static bool can_write(struct file *f)
{
	return (file_get_flags(f) & FILE_ACCMODE) != FILE_RDONLY;
}

ssize_t file_read(struct file *f, void *buf, size_t len)
{
	ssize_t n;

	if (!can_read(f))
		return -EBADF;
	if (!f->f_ops->fo_read)
		return -EINVAL;
	if (!f->f_ops->fo_seekable)
		return f->f_ops->fo_read(f, buf, len, &f->f_off);
	mutex_lock(&f->f_lock);
	n = f->f_ops->fo_read(f, buf, len, &f->f_off);
	mutex_unlock(&f->f_lock);
	return n;
}

ssize_t file_write(struct file *f, const void *buf, size_t len)
{
	ssize_t n;

	if (!can_write(f))
		return -EBADF;
	if (!f->f_ops->fo_write)
		return -EINVAL;
	if (!f->f_ops->fo_seekable)
		return f->f_ops->fo_write(f, buf, len, &f->f_off,
					  file_get_flags(f) & FILE_APPEND);
	mutex_lock(&f->f_lock);
	n = f->f_ops->fo_write(f, buf, len, &f->f_off,
			       file_get_flags(f) & FILE_APPEND);
	mutex_unlock(&f->f_lock);
	return n;
}

ssize_t file_pread(struct file *f, void *buf, size_t len, int64_t off)
{
	if (!can_read(f))
		return -EBADF;
	if (!f->f_ops->fo_seekable)
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	return f->f_ops->fo_read(f, buf, len, &off);
}

ssize_t file_getbuf(struct file *f, int64_t off, size_t len,
		    struct netbuf **out)
{
	ssize_t n;

	if (!can_read(f))
		return -EBADF;
	if (!f->f_vn || !VFS_IS_REG(f->f_vn->v_type))
		return -EOPNOTSUPP;
	if (off < 0)
		return -EINVAL;
	vfs_lock();
	n = vop_getbuf(f->f_vn, off, len, out);
	vfs_unlock();
	return n;
}

ssize_t file_pwrite(struct file *f, const void *buf, size_t len, int64_t off)
{
	if (!can_write(f))
		return -EBADF;
	if (!f->f_ops->fo_seekable)
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	/* Linux: pwrite on an O_APPEND file appends; POSIX lets it. */
	return f->f_ops->fo_write(f, buf, len, &off,
				  file_get_flags(f) & FILE_APPEND);
}

int64_t file_seek(struct file *f, int64_t off, int whence)
{
	struct vattr va;
	int64_t base, res;
	int err;

	if (!f->f_ops->fo_seekable)
		return -ESPIPE;
	mutex_lock(&f->f_lock);
	switch (whence) {
	case 0:
		base = 0;
		break;
	case 1:
		base = f->f_off;
		break;
	case 2:
		err = f->f_ops->fo_stat(f, &va);
		base = err ? err : va.va_size;
		break;
	default:
		base = -EINVAL;
	}
	if (base >= 0) {
		if (__builtin_add_overflow(base, off, &res))
			base = -EOVERFLOW;
		else
			base = res < 0 ? -EINVAL : res;
	}
	if (base >= 0)
		f->f_off = base;
	mutex_unlock(&f->f_lock);
	return base;
}

int file_stat(struct file *f, struct vattr *va)
{
	return f->f_ops->fo_stat(f, va);
}

int file_truncate(struct file *f, int64_t size)
{
	if (!can_write(f))
		return -EINVAL; /* POSIX: EBADF or EINVAL; Linux EINVAL */
	if (!f->f_ops->fo_truncate)
		return -EINVAL;
	return f->f_ops->fo_truncate(f, size);
}

int file_sync(struct file *f)
{
	return f->f_ops->fo_sync ? f->f_ops->fo_sync(f) : 0;
}

int file_readdir(struct file *f, struct vfs_dirent *de)
{
	uint64_t cookie;
	int rc;

	if (!f->f_ops->fo_readdir)
		return -ENOTDIR;
	mutex_lock(&f->f_lock);
	cookie = (uint64_t)f->f_off;
	rc = f->f_ops->fo_readdir(f, &cookie, de);
	if (rc > 0)
		f->f_off = (int64_t)cookie;
	mutex_unlock(&f->f_lock);
	return rc;
}

unsigned int file_get_flags(struct file *f)
{
	return __atomic_load_n(&f->f_flags, __ATOMIC_RELAXED);
}

void file_set_flags(struct file *f, unsigned int flags)
{
	unsigned int keep = file_get_flags(f) & FILE_ACCMODE;

	flags &= FILE_APPEND | FILE_NONBLOCK;
	__atomic_store_n(&f->f_flags, keep | flags, __ATOMIC_RELAXED);
}

bool file_is_tty(struct file *f)
{
	return f->f_ops->fo_tty;
}

unsigned int file_poll(struct file *f, struct pollwait *pw)
{
	if (!f->f_ops->fo_poll)
		return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	return f->f_ops->fo_poll(f, pw);
}

bool file_can_poll(struct file *f)
{
	return f->f_ops->fo_poll != NULL;
}

/* --- the table --- */

/*
 * The table grows on demand (doubling, up to FD_MAX) so that a small
 * appliance pays for the descriptors it uses, not for FD_MAX of them.
 * fd_low keeps allocation cheap when thousands are open: every slot
 * below it is in use, so the search for the lowest free one starts
 * there.
 */
#define FD_TABLE_MIN 64

static unsigned int fd_cap; /* [T] slots in fd_slots */
static unsigned int fd_low; /* [T] every slot below is in use */

/* Makes fd a valid index. Caller holds fd_mutex. Returns 0 or -ENOMEM. */
static int table_reach(unsigned int fd)
{
	unsigned int cap = fd_cap ? fd_cap : FD_TABLE_MIN;
	struct fd_slot *slots;

	while (cap <= fd)
		cap *= 2;
	if (cap > FD_MAX)
		cap = FD_MAX;
	if (cap <= fd_cap)
		return 0;
	slots = realloc(fd_slots, cap * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	memset(slots + fd_cap, 0, (cap - fd_cap) * sizeof(*slots));
	fd_slots = slots;
	fd_cap = cap;
	return 0;
}

/* Empties slot fd (caller holds fd_mutex; fd < fd_cap) and returns what
 * it held. */
static struct file *slot_clear(int fd)
{
	struct file *f = fd_slots[fd].s_file;

	fd_slots[fd].s_file = NULL;
	if (f && (unsigned int)fd < fd_low)
		fd_low = (unsigned int)fd;
	return f;
}

int fd_install(struct file *f, int min, bool cloexec)
{
	unsigned int fd, start;
	int rc;

	if (min < 0 || min >= FD_MAX)
		return -EINVAL;
	mutex_lock(&fd_mutex);
	start = (unsigned int)min > fd_low ? (unsigned int)min : fd_low;
	for (fd = start; fd < fd_cap && fd_slots[fd].s_file; fd++)
		;
	rc = fd < FD_MAX ? table_reach(fd) : -EMFILE;
	if (!rc) {
		fd_slots[fd] = (struct fd_slot){ f, cloexec };
		if (start == fd_low)
			fd_low = fd + 1;
		rc = (int)fd;
	}
	mutex_unlock(&fd_mutex);
	return rc;
}

int fd_install_at(struct file *f, int fd, bool cloexec)
{
	struct file *old = NULL;
	int rc;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	file_ref(f);
	mutex_lock(&fd_mutex);
	rc = table_reach((unsigned int)fd);
	if (!rc) {
		old = fd_slots[fd].s_file;
		fd_slots[fd] = (struct fd_slot){ f, cloexec };
	}
	mutex_unlock(&fd_mutex);
	if (rc) {
		file_put(f);
		return rc;
	}
	if (old)
		file_put(old);
	return fd;
}

int fd_get(int fd, struct file **out)
{
	struct file *f = NULL;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	mutex_lock(&fd_mutex);
	if ((unsigned int)fd < fd_cap)
		f = fd_slots[fd].s_file;
	if (f)
		file_ref(f);
	mutex_unlock(&fd_mutex);
	*out = f;
	return f ? 0 : -EBADF;
}

int fd_close(int fd)
{
	struct file *f = NULL;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	mutex_lock(&fd_mutex);
	if ((unsigned int)fd < fd_cap)
		f = slot_clear(fd);
	mutex_unlock(&fd_mutex);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

int fd_dup2(int fd, int fd2, bool cloexec)
{
	struct file *f;
	int err;

	if (fd2 < 0 || fd2 >= FD_MAX)
		return -EBADF;
	err = fd_get(fd, &f);
	if (err)
		return err;
	err = fd_install_at(f, fd2, cloexec);
	file_put(f);
	return err;
}

int fd_get_cloexec(int fd)
{
	int rc;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	mutex_lock(&fd_mutex);
	rc = (unsigned int)fd < fd_cap && fd_slots[fd].s_file
		     ? fd_slots[fd].s_cloexec
		     : -EBADF;
	mutex_unlock(&fd_mutex);
	return rc;
}

int fd_set_cloexec(int fd, bool cloexec)
{
	int rc = 0;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	mutex_lock(&fd_mutex);
	if ((unsigned int)fd < fd_cap && fd_slots[fd].s_file)
		fd_slots[fd].s_cloexec = cloexec;
	else
		rc = -EBADF;
	mutex_unlock(&fd_mutex);
	return rc;
}

void fd_reset(void)
{
	for (int fd = 0; fd < (int)fd_cap; fd++)
		if (fd_close(fd))
			continue; /* was not open */
}
