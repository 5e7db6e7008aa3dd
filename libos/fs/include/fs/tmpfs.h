/* SPDX-License-Identifier: MIT */
/*
 * tmpfs: a filesystem in memory, for "/" until the initrd takes it and
 * for "/tmp". Regular files keep their data in page-sized chunks
 * allocated on first write (holes read as zeros), directories are lists
 * kept in creation order (readdir cookies stay valid across unlinks),
 * symlinks hold their target. Hard links, rename and unlink of open
 * files (data freed at the last vnode_put) work as POSIX says.
 *
 * Size bound: every byte the tmpfs allocates for its content counts
 * against the size given to tmpfs_create(): data pages, page indexes,
 * symlink targets, and the metadata, i.e. one node per file, directory
 * or symlink and one directory entry (with its name) per link. What
 * would pass the bound is refused with -ENOSPC (a write returns what it
 * did before), so many empty files or long names fill a tmpfs too. The
 * root directory and the instance itself are a fixed cost, not counted;
 * neither is the allocator's own overhead. A file may not grow past the
 * size either (-EFBIG). Permission bits are stored (chmod), not checked.
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

/* Bytes counted against the bound (0 when the tmpfs holds nothing but
 * its empty root). */
uint64_t tmpfs_used_bytes(struct tmpfs *fs);

/* Frees the whole tree; only when no vnode of it is referenced (tests). */
void tmpfs_destroy(struct tmpfs *fs);

#endif /* FS_TMPFS_H */
