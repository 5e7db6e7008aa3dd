/* SPDX-License-Identifier: MIT */
/*
 * <mosaic/initrd.h> over the initrd reader and the archive the kernel
 * found. The index is built on first use; two tasks racing to build it
 * both may, and the loser frees its copy.
 */
#include <mosaic/initrd.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <fs/initrd.h>
#include <kernel/initrd.h>

static struct initrd *the_initrd; /* set once, atomically */
static int open_error; /* sticky; written before the_initrd stays NULL */

static int get_initrd(const struct initrd **out)
{
	struct initrd *rd = __atomic_load_n(&the_initrd, __ATOMIC_ACQUIRE);
	struct initrd *expected = NULL;
	struct initrd_diag diag = { 0, "" };
	const void *archive;
	size_t len;
	int rc;

	if (!rd) {
		rc = __atomic_load_n(&open_error, __ATOMIC_RELAXED);
		if (rc)
			return rc;
		archive = kernel_initrd(&len);
		if (!archive)
			return -ENOENT;
		rc = initrd_open_diag(archive, len, &rd, &diag);
		if (rc == -EINVAL &&
		    !__atomic_exchange_n(&open_error, rc, __ATOMIC_RELAXED))
			fprintf(stderr,
				"initrd: malformed archive at offset %lu: "
				"%s\n",
				(unsigned long)diag.offset, diag.reason);
		if (rc)
			return rc;
		if (!__atomic_compare_exchange_n(&the_initrd, &expected, rd,
						 false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			initrd_close(rd);
			rd = expected;
		}
	}
	*out = rd;
	return 0;
}

static int find(const char *path, const struct initrd **rd,
		const struct initrd_node **node)
{
	int rc;

	if (!path)
		return -EINVAL;
	rc = get_initrd(rd);
	if (rc)
		return rc;
	*node = initrd_lookup(*rd, path);
	return *node ? 0 : -ENOENT;
}

int mosaic_initrd_stat(const char *path, struct mosaic_initrd_stat *st)
{
	const struct initrd *rd;
	const struct initrd_node *n;
	int rc;

	if (!st)
		return -EINVAL;
	rc = find(path, &rd, &n);
	if (rc)
		return rc;
	st->mode = initrd_node_mode(n);
	st->size = initrd_node_size(n);
	st->mtime = initrd_node_mtime(n);
	st->ino = initrd_node_ino(n);
	return 0;
}

long mosaic_initrd_read(const char *path, uint64_t off, void *buf, size_t len)
{
	const struct initrd *rd;
	const struct initrd_node *n;
	const char *data;
	uint64_t size;
	size_t link_len;
	int rc;

	if (!buf && len)
		return -EINVAL;
	rc = find(path, &rd, &n);
	if (rc)
		return rc;
	data = initrd_node_data(n);
	if (!data)
		data = initrd_node_link(n, &link_len);
	if (!data)
		return -EISDIR;
	size = initrd_node_size(n);
	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	memcpy(buf, data + off, len);
	return (long)len;
}

int mosaic_initrd_readdir(const char *path, unsigned int index, char *name,
			  size_t len)
{
	const struct initrd *rd;
	const struct initrd_node *n, *c;
	int rc;

	if (!name && len)
		return -EINVAL;
	rc = find(path, &rd, &n);
	if (rc)
		return rc;
	if ((initrd_node_mode(n) & INITRD_S_IFMT) != INITRD_S_IFDIR)
		return -ENOTDIR;
	for (c = initrd_first_child(rd, n); c && index;
	     c = initrd_next_sibling(rd, c))
		index--;
	if (!c)
		return -ENOENT;
	if (strlen(initrd_node_name(c)) >= len)
		return -EINVAL;
	strcpy(name, initrd_node_name(c));
	return 0;
}
