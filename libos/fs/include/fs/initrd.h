/* SPDX-License-Identifier: MIT */
/*
 * The initrd reader: a read-only index over a cpio "newc" archive (magic
 * 070701, or 070702 whose checksums are then verified) as tools/mkinitrd
 * writes it. The archive is untrusted: initrd_open() validates all of it
 * once and refuses anything malformed with -EINVAL, never reading outside
 * [archive, archive + len). What it accepts:
 *   - 110-byte headers of 8 hex digits per field, names NUL-terminated
 *     and padded with zero bytes to 4, data padded with zero bytes to 4
 *     (offsets count from the archive's first byte);
 *   - regular files, directories and symlinks (targets of 1..4095 bytes
 *     without NUL); device nodes, FIFOs and sockets are refused;
 *   - names relative to the root: a leading "./" is dropped and "." alone
 *     names the root; then no empty component, no "." or "..", no leading
 *     or trailing '/', at most 4095 bytes;
 *   - every entry's parent directory present in the archive (in any
 *     order); the same name twice is refused (no "last one wins");
 *   - the "TRAILER!!!" entry, followed by nothing or by zero bytes only.
 * Hard links are not reconstructed: each entry stands alone, nlink is
 * ignored. uid/gid and device numbers are ignored.
 *
 * The index points into the archive, which must stay mapped and unchanged
 * while the struct initrd lives. Nodes are valid until initrd_close().
 * Nothing here locks: the index is immutable after initrd_open(), so any
 * number of tasks may read it at once.
 */
#ifndef FS_INITRD_H
#define FS_INITRD_H

#include <stddef.h>
#include <stdint.h>

struct initrd;
struct initrd_node;

/* Why initrd_open_diag() refused an archive. */
struct initrd_diag {
	size_t offset; /* of the header or field at fault */
	const char *reason; /* a static string, e.g. "bad magic" */
};

/*
 * Validates [archive, archive + len) and builds the index into *out.
 * Returns 0, -EINVAL (malformed: nothing is built) or -ENOMEM.
 * archive need not be aligned; len 0 is malformed (no trailer).
 */
int initrd_open(const void *archive, size_t len, struct initrd **out);

/* As initrd_open(); on -EINVAL also says where and why in *diag (if not
 * NULL). */
int initrd_open_diag(const void *archive, size_t len, struct initrd **out,
		     struct initrd_diag *diag);

/* Frees the index (not the archive). NULL is fine. */
void initrd_close(struct initrd *rd);

/* Number of nodes, the root included (an empty archive has 1). */
size_t initrd_count(const struct initrd *rd);

/* The root directory: always present, mode 040755 unless the archive has
 * a "." entry. */
const struct initrd_node *initrd_root(const struct initrd *rd);

/*
 * The node at path, or NULL. path is relative to the root, with or
 * without leading '/'; repeated '/' and "." components are skipped; ".."
 * is not resolved (NULL) and symlinks are not followed: both are the
 * path walker's job.
 */
const struct initrd_node *initrd_lookup(const struct initrd *rd,
					const char *path);

/*
 * Children of a directory, in byte order of their names: first_child
 * returns NULL when dir is empty or not a directory, next_sibling NULL
 * after the last child.
 */
const struct initrd_node *initrd_first_child(const struct initrd *rd,
					     const struct initrd_node *dir);
const struct initrd_node *initrd_next_sibling(const struct initrd *rd,
					      const struct initrd_node *node);

/* The parent directory (the root's is the root). */
const struct initrd_node *initrd_parent(const struct initrd *rd,
					const struct initrd_node *node);

/* Accessors. path is the full name without leading '/' ("" for the
 * root), name its last component; both NUL-terminated, in the archive. */
const char *initrd_node_path(const struct initrd_node *node);
const char *initrd_node_name(const struct initrd_node *node);
uint32_t initrd_node_mode(const struct initrd_node *node); /* S_IF* | perm */
uint64_t initrd_node_size(const struct initrd_node *node);
int64_t initrd_node_mtime(const struct initrd_node *node); /* seconds */
unsigned long initrd_node_ino(const struct initrd_node *node); /* >= 1 */

/* A regular file's bytes (size of them), NULL for other kinds. */
const void *initrd_node_data(const struct initrd_node *node);

/* A symlink's target, not NUL-terminated, its length in *len; NULL for
 * other kinds. */
const char *initrd_node_link(const struct initrd_node *node, size_t *len);

/* File-type bits of initrd_node_mode(), as in <sys/stat.h>. */
#define INITRD_S_IFMT 0170000u
#define INITRD_S_IFDIR 0040000u
#define INITRD_S_IFREG 0100000u
#define INITRD_S_IFLNK 0120000u

#endif /* FS_INITRD_H */
