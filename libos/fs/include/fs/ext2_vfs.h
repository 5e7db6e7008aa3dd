/* SPDX-License-Identifier: MIT */
/*
 * ext2 under the VFS (ext2_vfs.c): an ext2 file system on a block device
 * mounted at a directory, its vnode ops over <fs/ext2.h>, and the table
 * of ext2 mounts, written back and marked clean when the appliance ends.
 *
 * Vnodes: one per inode while referenced (a table by inode number in
 * each mount), so two opens of a file share one vnode. When the last
 * reference to an inode whose last name went is dropped, its blocks and
 * the inode are freed (ext2_release()); until then it reads and writes
 * as usual. The VFS lock serialises everything here.
 */
#ifndef FS_EXT2_VFS_H
#define FS_EXT2_VFS_H

#include <stddef.h>

#include <kernel/compiler.h>

struct blkdev;

/* ext2_vfs_mount() flags. */
#define EXT2_VFS_RDONLY 1u

/*
 * Mounts the ext2 file system on bd at path (an existing directory),
 * read-only with EXT2_VFS_RDONLY, or when the device is read-only or the
 * file system has read-only-compatible features this code lacks (one log
 * line). cache_bytes bounds its block cache (0: a quarter of RAM, at
 * least 1 MiB). Returns 0;
 * -EBUSY when bd is mounted already or path is a mount point; -ENOENT,
 * -ENOTDIR for path; -EUCLEAN for a corrupt file system and -EOPNOTSUPP
 * for unsupported features (one log line says which); -EIO; -ENOMEM.
 * Takes the VFS lock; may sleep.
 */
int __must_check ext2_vfs_mount(struct blkdev *bd, const char *path,
				unsigned int flags, size_t cache_bytes);

/*
 * Unmounts the ext2 file system whose root path names: writes it back
 * and marks it clean. Returns 0; -EINVAL when path is no ext2 mount
 * point; -EBUSY when a file or directory in it is open, the working
 * directory is in it or another file system is mounted in it; or the
 * write-back error (it is unmounted all the same). Takes the VFS lock;
 * may sleep.
 */
int __must_check ext2_vfs_unmount(const char *path);

/*
 * For the end of the appliance (libc's exit()): frees the files that
 * were unlinked while open, writes every ext2 file system back and marks
 * it clean, so that e2fsck finds nothing after a clean exit. Later calls
 * on their files fail with EIO. Returns 0 or the first error. Takes the
 * VFS lock; may sleep.
 */
int ext2_vfs_shutdown(void);

#endif /* FS_EXT2_VFS_H */
