/* SPDX-License-Identifier: MIT */
/*
 * The filesystems an appliance starts with: the initrd, read-only, as "/"
 * (a tmpfs when the image has none), a tmpfs on "/tmp", each tmpfs
 * bounded by mosaic.tmpfs=SIZE, and the ext2 disks that mosaic.disk=
 * options name. A disk that cannot be mounted ends the image with status
 * 126 (it refused its configuration) before main() runs.
 *
 * The VFS is linked only into images that resolve a path (open(),
 * stat(), mkdir(), ...): the path walk of vfs.c names the "app" initcall
 * that mounts these, INITCALL_ON_USE (<kernel/init.h>), so an app that
 * only writes to its console carries no VFS, initrd reader or tmpfs.
 * ext2 is linked only into images that use it (mount(), or APP_LINK :=
 * ext2 in the app.mk): the disks are mounted by another "app" initcall and
 * written back by an "exit" one; in any other image mosaic.disk= is
 * refused with a line naming the fix.
 */
#include <fs/vfs.h>

#include <stdbool.h>
#include <string.h>

#include <fs/ext2_vfs.h>
#include <fs/initrd_fs.h>
#include <fs/tmpfs.h>
#include <kernel/blkdev.h>
#include <kernel/errno.h>
#include <kernel/init.h>
#include <kernel/initrd.h>
#include <kernel/log.h>
#include <kernel/param.h>
#include <kernel/power.h>

#define TMPFS_SIZE_MAX (1ull << 40)
#define DISK_MAX 4
#define DISK_DEV_MAX 15
#define DISK_PATH_MAX 128
#define DISK_CACHE_MIN (64ull << 10)
#define DISK_CACHE_MAX (1ull << 30)

static uint64_t tmpfs_size = TMPFS_SIZE_DEFAULT;

/* What one mosaic.disk= option asks for. Set while the command line is
 * parsed (before memory exists: no allocation), used by vfs_boot(). */
struct disk_opt {
	char d_dev[DISK_DEV_MAX + 1];
	char d_path[DISK_PATH_MAX];
	bool d_rdonly;
	uint64_t d_cache_bytes; /* 0: the default */
};

static struct disk_opt disks[DISK_MAX];
static unsigned int ndisks;

/*
 * The option handlers run while the command line is parsed, before the
 * stack protector's canary exists: no local of theirs may be an array or
 * have its address taken (-fstack-protector-strong would check it).
 */

/* Parses N[K|M|G] at p into *out (at most max); returns the end of the
 * number, or NULL. */
static const char *parse_size(const char *p, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (!p || *p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9' && n <= max; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	if (*p == 'K' || *p == 'k')
		n <<= 10, p++;
	else if (*p == 'M' || *p == 'm')
		n <<= 20, p++;
	else if (*p == 'G' || *p == 'g')
		n <<= 30, p++;
	if (n > max)
		return NULL;
	*out = n;
	return p;
}

/* mosaic.tmpfs=N[K|M|G]: the size bound of each tmpfs. (A value refused
 * ends the boot, so it may be left in tmpfs_size.) */
static int set_tmpfs(const char *value)
{
	const char *end = parse_size(value, TMPFS_SIZE_MAX, &tmpfs_size);

	if (!end || *end || tmpfs_size < 4096)
		return -EINVAL;
	return 0;
}
KERNEL_PARAM("tmpfs", set_tmpfs, "a size of 4K to 1024G, e.g. 64M");

/* The options after PATH: ",ro" and ",cache=SIZE", in any order. */
static int disk_flags(const char *p, struct disk_opt *d)
{
	while (*p == ',') {
		p++;
		if (!strncmp(p, "ro", 2) && (p[2] == ',' || !p[2])) {
			d->d_rdonly = true;
			p += 2;
		} else if (!strncmp(p, "cache=", 6)) {
			p = parse_size(p + 6, DISK_CACHE_MAX,
				       &d->d_cache_bytes);
			if (!p || d->d_cache_bytes < DISK_CACHE_MIN)
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	return *p ? -EINVAL : 0;
}

/*
 * mosaic.disk=[DEV:]PATH[,ro][,cache=SIZE]: mount the ext2 file system
 * on disk DEV (vda when left out) at PATH before main(). Repeatable, up
 * to DISK_MAX disks. Fills the next slot in place (see above).
 */
static int set_disk(const char *value)
{
	struct disk_opt *d = &disks[ndisks];
	const char *p = value, *colon, *end;
	size_t n;

	if (!p || ndisks == DISK_MAX)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	memcpy(d->d_dev, "vda", 4);
	colon = strchr(p, ':');
	if (colon && *p != '/') {
		n = (size_t)(colon - p);
		if (!n || n > DISK_DEV_MAX)
			return -EINVAL;
		for (size_t i = 0; i < n; i++)
			if (!((p[i] >= 'a' && p[i] <= 'z') ||
			      (p[i] >= '0' && p[i] <= '9')))
				return -EINVAL;
		memcpy(d->d_dev, p, n);
		d->d_dev[n] = '\0';
		p = colon + 1;
	}
	end = strchr(p, ',');
	n = end ? (size_t)(end - p) : strlen(p);
	if (*p != '/' || n >= DISK_PATH_MAX)
		return -EINVAL;
	memcpy(d->d_path, p, n);
	d->d_path[n] = '\0';
	if (disk_flags(p + n, d))
		return -EINVAL;
	ndisks++;
	return 0;
}
KERNEL_PARAM("disk", set_disk,
	     "[DEV:]PATH[,ro][,cache=SIZE], e.g. vda:/data (DEV: vda)");

static void __noreturn disk_refuse(const struct disk_opt *d, const char *why)
{
	printk("mosaic: mosaic.disk=%s:%s: %s\n", d->d_dev, d->d_path, why);
	kernel_exit_raw(KERNEL_EXIT_BADCONF);
}

/* Mounts one mosaic.disk= disk, making its mount point when missing (in
 * a tmpfs; the initrd is read-only, so it must hold it: the build packs
 * /data in every image's). Ends the image when that fails. */
static void disk_mount(const struct disk_opt *d)
{
	struct blkdev *bd = blkdev_find(d->d_dev);
	struct vattr va;
	int err;

	if (!bd)
		disk_refuse(d, "no such disk (attach one with tools/run "
			       "--disk FILE)");
	err = vfs_stat(NULL, d->d_path, VFS_FOLLOW, &va);
	if (err == -ENOENT) {
		err = vfs_mkdir(NULL, d->d_path, 0755);
		if (err == -EROFS)
			disk_refuse(d, "no such directory in the read-only "
				       "root; use /data, or add the directory "
				       "to the image's rootfs/");
	}
	if (err && err != -EEXIST)
		disk_refuse(d, strerror(-err));
	err = ext2_vfs_mount(bd, d->d_path, d->d_rdonly ? EXT2_VFS_RDONLY : 0,
			     (size_t)d->d_cache_bytes);
	/* ext2 said why in one line for these */
	if (err == -EUCLEAN || err == -EOPNOTSUPP || err == -EINVAL)
		kernel_exit_raw(KERNEL_EXIT_BADCONF);
	if (err)
		disk_refuse(d, strerror(-err));
}

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

/* vfs_boot()'s work, done once. */
static int mount_boot_fs(void)
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
	if (err)
		tmpfs_destroy(tmp);
	if (err == -ENOENT || err == -ENOTDIR) {
		log_warn("mosaic: the initrd has no /tmp directory; no tmpfs "
			 "mounted (pack it with tools/mkinitrd --mkdir tmp)\n");
		err = 0;
	}
	return err;
}

int vfs_boot(void)
{
	static int result = 1; /* 1: not yet mounted */

	/* Both app initcalls call it, in either order, in the first
	 * microapp before main(): one task, no lock needed. */
	if (result == 1)
		result = mount_boot_fs();
	return result;
}

void vfs_disks_check(void)
{
	if (ndisks && !initcall_is_linked("vfs_disks_mount"))
		disk_refuse(&disks[0], "this image has no ext2 (the app does "
				       "not call mount()); add APP_LINK := "
				       "ext2 to its app.mk (MOSAIC_LINK=ext2 "
				       "with tools/mosaic-cc)");
}

/* The file systems of a path-resolving image, before main(). */
static int vfs_start(void)
{
	int err = vfs_boot();

	if (err)
		log_warn("mosaic: no filesystem (%s)\n", strerror(-err));
	return 0;
}
INITCALL_ON_USE(app, vfs_start);

/* The mosaic.disk= disks, before main(), mounted into the VFS. */
static int vfs_disks_mount(void)
{
	int err;

	/* Mounted disks are written back at exit. */
	INITCALL_USE(vfs_disks_sync);
	err = vfs_boot();
	if (err && ndisks)
		disk_refuse(&disks[0], strerror(-err));
	for (unsigned int i = 0; !err && i < ndisks; i++)
		disk_mount(&disks[i]);
	return 0;
}
INITCALL_ON_USE(app, vfs_disks_mount);

/* At exit() and _Exit(): writes the ext2 file systems back and marks
 * them clean (after stdio's flush). */
static int vfs_disks_sync(void)
{
	(void)ext2_vfs_shutdown();
	return 0;
}
INITCALL_ON_USE(exit, vfs_disks_sync);
