/* SPDX-License-Identifier: MIT */
/*
 * The virtual file system shared by libos's filesystems (tmpfs, initrd,
 * ext2) and by libc's file calls.
 *
 * Vnodes. A filesystem embeds a struct vnode in its own node and fills it
 * with vnode_init(); the VFS counts references (vnode_ref/vnode_put) and
 * calls the release op when the last one goes, so a filesystem frees an
 * unlinked node's data only then ("unlink of an open file"). A vnode the
 * filesystem keeps in its own tree (nlink > 0) may have no reference.
 *
 * Operations. Each filesystem gives one `static const struct vnode_ops`;
 * members are marked required or optional (a missing optional op makes
 * the wrapper return the error it names). Everybody, the VFS included,
 * calls them through the vop_*() wrappers, never ops->fn directly.
 * Names passed to ops are (name, len) pairs, not NUL-terminated, never
 * "." or ".." (except ".." to lookup), 1..VFS_NAME_MAX bytes without '/'.
 *
 * Locking: one VFS lock (a sleeping mutex, <kernel/sync.h>) serialises
 * every path walk, mount change and vnode op. The vfs_*() calls take it;
 * the vop_*() wrappers and the filesystems' ops run with it held ("caller
 * holds the VFS lock"), so a filesystem needs no lock of its own for now.
 * vnode_ref/vnode_put are atomic and need no lock, but the release op runs
 * with the VFS lock held (vnode_put takes it when the caller does not hold
 * it). One lock is simple and correct on several CPUs; finer locks can
 * come when a benchmark shows contention.
 *
 * Mounts. vfs_mount() covers a directory with the root of another
 * filesystem; lookup crosses mount points downwards (a covered directory
 * gives the mounted root) and upwards ("..", from a mounted root, starts
 * from the covered directory). A mount flag VFS_MNT_RDONLY makes every
 * modifying call under it fail with EROFS. vfs_set_root() installs the
 * root filesystem (tmpfs at boot; the initrd will replace it).
 *
 * Paths: "." and "..", repeated and trailing slashes (a trailing slash
 * requires a directory), symlinks followed at most VFS_SYMLOOP_MAX times
 * in one lookup (ELOOP), components of at most VFS_NAME_MAX bytes and
 * paths of less than VFS_PATH_MAX bytes (ENAMETOOLONG). A name cache of
 * at most 512 (directory, name) entries, LRU, answers repeated lookups,
 * "absent" included, without the lookup op; entries hold references to
 * the directory and the child, and the VFS drops them on every name
 * change it makes, on rmdir, at umount and with the root. A filesystem
 * must therefore change names only through its ops called by vfs.c.
 *
 * Permissions: an appliance is one user, root. Mode bits are stored
 * (create, mkdir, chmod) and not checked, except where Linux refuses
 * root too: writing under a read-only mount (EROFS) and executing a
 * file without any x bit (vfs_access(), EACCES). The umask is libc's.
 *
 * Errors are negative errno values (<kernel/errno.h>); only libc sets
 * errno.
 */
#ifndef FS_VFS_H
#define FS_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <kernel/compiler.h>

#define VFS_NAME_MAX 255
#define VFS_PATH_MAX 4096
#define VFS_SYMLOOP_MAX 40
#define VFS_MOUNT_MAX 16

/* File types and permission bits: the values of <sys/stat.h>. */
#define VFS_IFMT 0170000
#define VFS_IFLNK 0120000
#define VFS_IFREG 0100000
#define VFS_IFDIR 0040000
#define VFS_IFCHR 0020000
#define VFS_IS_DIR(m) (((m)&VFS_IFMT) == VFS_IFDIR)
#define VFS_IS_REG(m) (((m)&VFS_IFMT) == VFS_IFREG)
#define VFS_IS_LNK(m) (((m)&VFS_IFMT) == VFS_IFLNK)

/* Directory entry types: the DT_* values of <dirent.h>. */
#define VFS_DT_UNKNOWN 0
#define VFS_DT_DIR 4
#define VFS_DT_REG 8
#define VFS_DT_LNK 10

/* vfs_mount() flags. */
#define VFS_MNT_RDONLY 1u

/* A filesystem instance; embedded in the filesystem's own state. */
struct vfs_super {
	const char *sb_type; /* [I] "tmpfs", "initrd", "ext2" */
	uint32_t sb_dev; /* [I] st_dev, given by vfs_super_init() */
	unsigned int sb_flags; /* [G] VFS_MNT_*, set by vfs_mount() */
};

struct vnode_ops;
struct netbuf;

/* Locking: [I] immutable after vnode_init  [a] atomic ops only */
struct vnode {
	const struct vnode_ops *v_ops; /* [I] */
	struct vfs_super *v_sb; /* [I] */
	uint32_t v_type; /* [I] VFS_IFDIR, VFS_IFREG or VFS_IFLNK */
	unsigned int v_refs; /* [a] */
};

/* What getattr reports; libc turns it into struct stat. */
struct vattr {
	uint32_t va_mode; /* type and permission bits */
	uint32_t va_nlink;
	uint64_t va_ino;
	uint32_t va_dev;
	int64_t va_size;
	int64_t va_blocks; /* 512-byte units */
	uint32_t va_blksize;
	struct timespec va_atime, va_mtime, va_ctime;
};

/* One directory entry from readdir. */
struct vfs_dirent {
	uint64_t d_ino;
	uint8_t d_type; /* VFS_DT_* */
	char d_name[VFS_NAME_MAX + 1];
};

/* Sizes in bytes; offsets are int64_t and never negative. All ops: caller
 * holds the VFS lock. "dir" arguments are directories of the same
 * filesystem as the vnode the op is called on. */
struct vnode_ops {
	/* Required for directories: *out is the child, with a reference;
	 * -ENOENT when there is none. ".." gives the parent (the directory
	 * itself at the filesystem's root); the VFS crosses mounts. */
	int (*lookup)(struct vnode *dir, const char *name, size_t len,
		      struct vnode **out);
	/* Optional (-EROFS): a new regular file, returned referenced; the
	 * VFS has checked that the name is free. */
	int (*create)(struct vnode *dir, const char *name, size_t len,
		      uint32_t mode, struct vnode **out);
	/* Optional (-EROFS): a new empty directory; the name is free. */
	int (*mkdir)(struct vnode *dir, const char *name, size_t len,
		     uint32_t mode);
	/* Optional (-EROFS): removes a non-directory entry. */
	int (*unlink)(struct vnode *dir, const char *name, size_t len);
	/* Optional (-EROFS): removes an empty directory (-ENOTEMPTY). */
	int (*rmdir)(struct vnode *dir, const char *name, size_t len);
	/* Optional (-EROFS): moves an entry, replacing the target as POSIX
	 * says (the VFS has checked types, emptiness and loops). */
	int (*rename)(struct vnode *odir, const char *oname, size_t olen,
		      struct vnode *ndir, const char *nname, size_t nlen);
	/* Optional (-EPERM): a new name for the non-directory target. */
	int (*link)(struct vnode *dir, const char *name, size_t len,
		    struct vnode *target);
	/* Optional (-EROFS): a symlink holding target (NUL-terminated). */
	int (*symlink)(struct vnode *dir, const char *name, size_t len,
		       const char *target);
	/* Required for symlinks: copies at most size bytes of the target,
	 * not NUL-terminated; returns the length copied. */
	ssize_t (*readlink)(struct vnode *vn, char *buf, size_t size);
	/* Required for regular files: at most len bytes at off; 0 at end. */
	ssize_t (*read)(struct vnode *vn, void *buf, size_t len, int64_t off);
	/* Optional (-EROFS): writes len bytes at off, growing the file;
	 * returns the count written (short only on -ENOSPC after some). */
	ssize_t (*write)(struct vnode *vn, const void *buf, size_t len,
			 int64_t off);
	/* Optional (-EROFS): sets the size, freeing or adding zeros. */
	int (*truncate)(struct vnode *vn, int64_t size);
	/* Required. */
	int (*getattr)(struct vnode *vn, struct vattr *va);
	/* Optional (-EROFS): sets atime (ts[0]) and mtime (ts[1]). */
	int (*settimes)(struct vnode *vn, const struct timespec ts[2]);
	/* Required for directories: the entry at or after *cookie (0 is
	 * the start), advancing *cookie past it; returns 1, 0 at the end. */
	int (*readdir)(struct vnode *dir, uint64_t *cookie,
		       struct vfs_dirent *de);
	/* Optional (-EPERM): sets the permission bits (mode & 07777) of a
	 * file or directory (never a symlink). */
	int (*chmod)(struct vnode *vn, uint32_t mode);
	/* Optional (0): writes the vnode's data and metadata to storage. */
	int (*fsync)(struct vnode *vn);
	/* Optional: the last reference went; free what nlink 0 leaves. */
	void (*release)(struct vnode *vn);
	/*
	 * Optional (-EOPNOTSUPP: the caller copies with read): lends bytes
	 * of a regular file for sending without a copy (sendfile): *out is
	 * a netbuf over at most len bytes at off, fewer where the
	 * filesystem's memory is not contiguous; returns its length, 0 at
	 * the end of the file (no netbuf then). The bytes stay valid and
	 * unchanged for as long as the netbuf lives, whatever happens to
	 * the file meanwhile.
	 */
	ssize_t (*getbuf)(struct vnode *vn, int64_t off, size_t len,
			  struct netbuf **out);
};

/* Filesystems: set up a vnode or a super before first use. */
void vnode_init(struct vnode *vn, const struct vnode_ops *ops,
		struct vfs_super *sb, uint32_t type);
void vfs_super_init(struct vfs_super *sb, const char *type);

/* Reference counting. vnode_put may run the release op (and take the
 * VFS lock for it, unless the caller holds it already). */
void vnode_ref(struct vnode *vn);
void vnode_put(struct vnode *vn);

/* The op wrappers: assert, check the optional ones, dispatch. Caller
 * holds the VFS lock. */
int __must_check vop_lookup(struct vnode *dir, const char *name, size_t len,
			    struct vnode **out);
int __must_check vop_create(struct vnode *dir, const char *name, size_t len,
			    uint32_t mode, struct vnode **out);
int __must_check vop_mkdir(struct vnode *dir, const char *name, size_t len,
			   uint32_t mode);
int __must_check vop_unlink(struct vnode *dir, const char *name, size_t len);
int __must_check vop_rmdir(struct vnode *dir, const char *name, size_t len);
int __must_check vop_rename(struct vnode *odir, const char *oname, size_t olen,
			    struct vnode *ndir, const char *nname, size_t nlen);
int __must_check vop_link(struct vnode *dir, const char *name, size_t len,
			  struct vnode *target);
int __must_check vop_symlink(struct vnode *dir, const char *name, size_t len,
			     const char *target);
ssize_t __must_check vop_readlink(struct vnode *vn, char *buf, size_t size);
ssize_t __must_check vop_read(struct vnode *vn, void *buf, size_t len,
			      int64_t off);
ssize_t __must_check vop_write(struct vnode *vn, const void *buf, size_t len,
			       int64_t off);
int __must_check vop_truncate(struct vnode *vn, int64_t size);
int __must_check vop_getattr(struct vnode *vn, struct vattr *va);
int __must_check vop_settimes(struct vnode *vn, const struct timespec ts[2]);
int __must_check vop_chmod(struct vnode *vn, uint32_t mode);
int __must_check vop_readdir(struct vnode *dir, uint64_t *cookie,
			     struct vfs_dirent *de);
int __must_check vop_fsync(struct vnode *vn);
ssize_t __must_check vop_getbuf(struct vnode *vn, int64_t off, size_t len,
				struct netbuf **out);

/* The VFS lock, for the fd layer and filesystems' own entry points. */
void vfs_lock(void);
void vfs_unlock(void);
bool vfs_lock_held(void);

/* The current time for timestamps (CLOCK_REALTIME). */
void vfs_now(struct timespec *ts);

/*
 * Mounts. vfs_set_root() makes root (referenced by the VFS from now on)
 * the root and the working directory, replacing any former root (and
 * dropping every mount). vfs_mount() covers the directory at path with
 * root; -EBUSY if something is mounted there already, -ENOSPC beyond
 * VFS_MOUNT_MAX. Both take the VFS lock.
 */
int __must_check vfs_set_root(struct vnode *root, const char *fstype,
			      unsigned int flags);
int __must_check vfs_mount(const char *path, struct vnode *root,
			   const char *fstype, unsigned int flags);
/*
 * Takes away the mount whose root path names: -EINVAL when path is no
 * mount point; -EBUSY when the working directory is in that filesystem
 * or another mount sits in it; else check(root), called under the VFS
 * lock with a reference of the call's own besides the mount's, may
 * refuse with its error. On success *root is the mount's root, with the
 * mount's reference handed over. Takes the VFS lock.
 */
int __must_check vfs_umount(const char *path, int (*check)(struct vnode *root),
			    struct vnode **root);
/* Boot (boot.c): the initrd (or a tmpfs) at /, a tmpfs at /tmp, each
 * bounded by mosaic.tmpfs=SIZE (default 16M). An "app" initcall calls it
 * before main() in every image that resolves paths; later calls return the
 * first one's result at once. The ext2 disks of mosaic.disk= options are
 * mounted after it by another one, where ext2 is linked. */
int __must_check vfs_boot(void);
/* Ends the image (status 126) with a line naming the fix when the command
 * line names a disk but the image has no ext2. libc calls it before
 * main(). */
void vfs_disks_check(void);
/* Drops the root, the working directory and every mount (host tests). */
void vfs_reset(void);

/* Lookup flags. */
#define VFS_FOLLOW 1u /* follow a symlink in the last component */
#define VFS_DIRECTORY 2u /* the result must be a directory */

/*
 * Path calls. `at` is the directory relative paths start from, or NULL
 * for the working directory. Each takes the VFS lock.
 */
int __must_check vfs_lookup(struct vnode *at, const char *path,
			    unsigned int flags, struct vnode **out);
/* Opens or creates (if create, with mode) the regular file at path:
 * *created says which. excl: -EEXIST when anything, a symlink included,
 * has the name. With create, a final symlink is followed (if flags has
 * VFS_FOLLOW) to what it names, which is created if missing (a dangling
 * link makes its target, as on Linux); a trailing slash, "." or ".."
 * is -EISDIR. Directories are returned as they are: the caller refuses
 * what open() may not open. */
int __must_check vfs_open_create(struct vnode *at, const char *path,
				 unsigned int flags, bool create, bool excl,
				 uint32_t mode, struct vnode **out,
				 bool *created);
int __must_check vfs_mkdir(struct vnode *at, const char *path, uint32_t mode);
int __must_check vfs_rmdir(struct vnode *at, const char *path);
int __must_check vfs_unlink(struct vnode *at, const char *path);
int __must_check vfs_rename(struct vnode *oat, const char *opath,
			    struct vnode *nat, const char *npath);
/* flags: VFS_FOLLOW to link to what a final symlink names. */
int __must_check vfs_link(struct vnode *oat, const char *opath,
			  struct vnode *nat, const char *npath,
			  unsigned int flags);
int __must_check vfs_symlink(const char *target, struct vnode *at,
			     const char *path);
ssize_t __must_check vfs_readlink(struct vnode *at, const char *path, char *buf,
				  size_t size);
int __must_check vfs_stat(struct vnode *at, const char *path,
			  unsigned int flags, struct vattr *va);
int __must_check vfs_truncate(struct vnode *at, const char *path, int64_t size);
/* ts NULL: now. */
int __must_check vfs_utimes(struct vnode *at, const char *path,
			    unsigned int flags, const struct timespec ts[2]);
/* Sets the permission bits (mode & 07777) of what path names; flags:
 * VFS_FOLLOW. -EOPNOTSUPP for a symlink itself, -EROFS under a
 * read-only mount. */
int __must_check vfs_chmod(struct vnode *at, const char *path,
			   unsigned int flags, uint32_t mode);
int __must_check vfs_fchmod(struct vnode *vn, uint32_t mode);
/* access() for root: 0 when path exists and mode (VFS_R_OK, VFS_W_OK,
 * VFS_X_OK, or 0 for existence) is allowed; -EROFS for VFS_W_OK under a
 * read-only mount, -EACCES for VFS_X_OK on a file without any x bit,
 * -EINVAL for other mode bits; flags: VFS_FOLLOW. */
#define VFS_X_OK 1u
#define VFS_W_OK 2u
#define VFS_R_OK 4u
int __must_check vfs_access(struct vnode *at, const char *path,
			    unsigned int flags, unsigned int mode);
int __must_check vfs_chdir(struct vnode *at, const char *path);
/* Makes dir (a directory) the working directory. */
int __must_check vfs_fchdir(struct vnode *dir);
/* The working directory's absolute path; -ERANGE if size is too small. */
int __must_check vfs_getcwd(char *buf, size_t size);

/* Vnode calls that take the VFS lock (for open files). */
ssize_t __must_check vfs_read(struct vnode *vn, void *buf, size_t len,
			      int64_t off);
/* append: write at the end (*off is set to where the data went). */
ssize_t __must_check vfs_write(struct vnode *vn, const void *buf, size_t len,
			       int64_t *off, bool append);
int __must_check vfs_ftruncate(struct vnode *vn, int64_t size);
int __must_check vfs_getattr(struct vnode *vn, struct vattr *va);
int __must_check vfs_fsync(struct vnode *vn);
int __must_check vfs_readdir(struct vnode *dir, uint64_t *cookie,
			     struct vfs_dirent *de);
int __must_check vfs_settimes(struct vnode *vn, const struct timespec ts[2]);
/* True if the vnode's filesystem is mounted read-only. */
bool vfs_is_rdonly(struct vnode *vn);

#endif /* FS_VFS_H */
