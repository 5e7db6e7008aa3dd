/* SPDX-License-Identifier: MIT */
/*
 * Direct, read-only access to the initrd (the rootfs/ the build packed
 * into the image, or the archive the boot loader passed as a module),
 * for tests and until the VFS mounts it at "/": then open()/stat() are
 * the way in. Paths are relative to the archive's root ("/etc/x" and
 * "etc/x" are the same); symlinks are not followed.
 *
 * The archive is validated on the first call; a malformed one is
 * reported once on stderr and every call then returns -EINVAL. Errors are
 * negative errno values: -ENOENT (no such path, or no initrd), -EINVAL
 * (malformed archive or bad argument), -EISDIR/-ENOTDIR (wrong kind),
 * -ENOMEM. Any task, any CPU.
 */
#ifndef MOSAIC_INITRD_H
#define MOSAIC_INITRD_H

#include <stddef.h>
#include <stdint.h>

struct mosaic_initrd_stat {
	uint32_t mode; /* S_IFREG/S_IFDIR/S_IFLNK | permission bits */
	uint64_t size; /* bytes; a symlink's target length; 0 for a dir */
	int64_t mtime; /* seconds since the epoch */
	unsigned long ino; /* unique within the archive */
};

/* Fills *st for path. Returns 0 or a negative errno. */
int mosaic_initrd_stat(const char *path, struct mosaic_initrd_stat *st);

/*
 * Copies up to len bytes from offset off of the regular file at path (a
 * symlink: of its target) into buf. Returns the number of bytes copied
 * (0 at or past the end), or a negative errno (-EISDIR for a directory).
 */
long mosaic_initrd_read(const char *path, uint64_t off, void *buf, size_t len);

/*
 * The name of the index-th entry (from 0, in byte order) of directory
 * path, NUL-terminated into name[len]. Returns 0, -ENOENT past the last
 * entry, -ENOTDIR, or -EINVAL when the name does not fit.
 */
int mosaic_initrd_readdir(const char *path, unsigned int index, char *name,
			  size_t len);

#endif /* MOSAIC_INITRD_H */
