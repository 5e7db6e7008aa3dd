/* SPDX-License-Identifier: MIT */
/*
 * The filesystems an appliance starts with: the initrd, read-only, as "/"
 * (a tmpfs when the image has none) and a tmpfs on "/tmp", each tmpfs
 * bounded by mosaic.tmpfs=SIZE.
 */
#include <fs/vfs.h>

#include <fs/initrd_fs.h>
#include <fs/tmpfs.h>
#include <kernel/errno.h>
#include <kernel/initrd.h>
#include <kernel/log.h>
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

/* The initrd as the read-only root; 1 when there is none (or it is
 * malformed: reported, and the tmpfs root is used instead). */
static int initrd_root(void)
{
	struct vnode *root;
	size_t len = 0;
	const void *archive = kernel_initrd(&len);
	int err;

	if (!archive || !len)
		return 1;
	err = initrd_fs_create(archive, len, &root);
	if (err == -EINVAL)
		return 1;
	if (err)
		return err;
	err = vfs_set_root(root, "initrd", VFS_MNT_RDONLY);
	vnode_put(root);
	return err;
}

int vfs_boot(void)
{
	struct tmpfs *root, *tmp;
	int err;

	err = initrd_root();
	if (err < 0)
		return err;
	if (err) {
		err = tmpfs_create(tmpfs_size, &root);
		if (err)
			return err;
		err = vfs_set_root(tmpfs_root(root), "tmpfs", 0);
		if (err)
			return err;
		err = vfs_mkdir(NULL, "/tmp", 01777);
		if (err)
			return err;
	}
	/* The initrd has /tmp as its mount point (tools/mkinitrd --mkdir
	 * tmp, as the build packs it); a boot module without it gets no
	 * /tmp, said in one line. */
	err = tmpfs_create(tmpfs_size, &tmp);
	if (err)
		return err;
	err = vfs_mount("/tmp", tmpfs_root(tmp), "tmpfs", 0);
	if (!err)
		return 0;
	tmpfs_destroy(tmp);
	if (err == -ENOENT || err == -ENOTDIR) {
		log_warn("mosaic: the initrd has no /tmp directory; no tmpfs "
			 "mounted (pack it with tools/mkinitrd --mkdir tmp)\n");
		return 0;
	}
	return err;
}
