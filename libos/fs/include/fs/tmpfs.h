/* SPDX-License-Identifier: MIT */
/*
 * tmpfs: a filesystem in memory, for "/" until the initrd takes it and
 * for "/tmp". Regular files keep their data in page-sized chunks
 * allocated on first write (holes read as zeros), directories are lists
 * kept in creation order (readdir cookies stay valid across unlinks),
 * symlinks hold their target. Hard links, rename and unlink of open
 * files (data freed at the last vnode_put) work as POSIX says.
 *
 * Size bound: the bytes of data pages and symlink targets may not pass
 * the size given to tmpfs_create(); a write or symlink that would is
 * refused with -ENOSPC (a write returns what it did before). A file may
 * not grow past that size either (-EFBIG). Nodes and names are not
 * counted.
 *
 * Locking: every entry point but tmpfs_create() runs under the VFS lock
 * (<fs/vfs.h>); tmpfs_destroy() takes it.
 */
#ifndef FS_TMPFS_H
#define FS_TMPFS_H

#include <stdint.h>

#include <kernel/compiler.h>

#define TMPFS_SIZE_DEFAULT (16ull << 20)

struct tmpfs;
struct vnode;

/* A new empty tmpfs of at most size_bytes (0: TMPFS_SIZE_DEFAULT). */
int __must_check tmpfs_create(uint64_t size_bytes, struct tmpfs **out);

/* The root directory; the tmpfs keeps it for its lifetime. */
struct vnode *tmpfs_root(struct tmpfs *fs);

/* Bytes counted against the bound. */
uint64_t tmpfs_used_bytes(struct tmpfs *fs);

/* Frees the whole tree; only when no vnode of it is referenced (tests). */
void tmpfs_destroy(struct tmpfs *fs);

#endif /* FS_TMPFS_H */
