/* SPDX-License-Identifier: MIT */
/*
 * The filesystems an appliance starts with: a tmpfs as "/" (until the
 * initrd replaces it through vfs_set_root()) and a tmpfs on "/tmp", each
 * bounded by mosaic.tmpfs=SIZE.
 */
#include <fs/vfs.h>

#include <fs/tmpfs.h>
#include <kernel/errno.h>
#include <kernel/param.h>

#define TMPFS_SIZE_MAX (1ull << 40)

static uint64_t tmpfs_size = TMPFS_SIZE_DEFAULT;

/* mosaic.tmpfs=N[K|M|G]: the size bound of each tmpfs. */
static int set_tmpfs(const char *value)
{
	uint64_t n = 0;
	const char *p = value;

	if (!p || *p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9' && n <= TMPFS_SIZE_MAX; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	if (*p == 'K' || *p == 'k')
		n <<= 10, p++;
	else if (*p == 'M' || *p == 'm')
		n <<= 20, p++;
	else if (*p == 'G' || *p == 'g')
		n <<= 30, p++;
	if (*p || n < 4096 || n > TMPFS_SIZE_MAX)
		return -EINVAL;
	tmpfs_size = n;
	return 0;
}
KERNEL_PARAM("tmpfs", set_tmpfs, "a size of 4K to 1024G, e.g. 64M");

int vfs_boot(void)
{
	struct tmpfs *root, *tmp;
	int err;

	err = tmpfs_create(tmpfs_size, &root);
	if (err)
		return err;
	err = vfs_set_root(tmpfs_root(root), "tmpfs", 0);
	if (err)
		return err;
	err = vfs_mkdir(NULL, "/tmp", 01777);
	if (err)
		return err;
	err = tmpfs_create(tmpfs_size, &tmp);
	if (err)
		return err;
	return vfs_mount("/tmp", tmpfs_root(tmp), "tmpfs", 0);
}
