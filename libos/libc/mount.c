/* SPDX-License-Identifier: MIT */
/*
 * mount(), umount(), umount2() (<sys/mount.h>) over <fs/ext2_vfs.h>. An
 * image that calls mount() also links mosaic.disk= and the file systems'
 * write-back at exit (libos/fs/boot.c's initcalls). mount() takes
 * "ext2" only (ENODEV for another type), the flags MS_RDONLY, MS_NOATIME,
 * MS_NODIRATIME and MS_SILENT (EINVAL for others), and no data (EINVAL);
 * a source that names no disk is ENOENT, a disk or target in use EBUSY,
 * a corrupt file system EUCLEAN and unsupported features EOPNOTSUPP (the
 * log says which). umount2() takes no flags (EINVAL).
 */
#include <sys/mount.h>

#include <errno.h>
#include <string.h>

#include <fs/ext2_vfs.h>
#include <kernel/blkdev.h>
#include <kernel/init.h>

#include "libc_impl.h"

#define MS_SUPPORTED (MS_RDONLY | MS_NOATIME | MS_NODIRATIME | MS_SILENT)

static int ret(int rc)
{
	if (rc >= 0)
		return rc;
	errno = -rc;
	return -1;
}

int mount(const char *source, const char *target, const char *fstype,
	  unsigned long flags, const void *data)
{
	struct blkdev *bd;

	INITCALL_USE(vfs_disks_mount);
	if (!source || !target || !fstype)
		return ret(-EFAULT);
	if (strcmp(fstype, "ext2"))
		return ret(-ENODEV);
	if ((flags & ~MS_SUPPORTED) || (data && *(const char *)data))
		return ret(-EINVAL);
	if (!strncmp(source, "/dev/", 5))
		source += 5;
	bd = blkdev_find(source);
	if (!bd)
		return ret(-ENOENT);
	return ret(ext2_vfs_mount(bd, target,
				  flags & MS_RDONLY ? EXT2_VFS_RDONLY : 0, 0));
}

int umount2(const char *target, int flags)
{
	if (!target)
		return ret(-EFAULT);
	if (flags)
		return ret(-EINVAL);
	return ret(ext2_vfs_unmount(target));
}

int umount(const char *target)
{
	return umount2(target, 0);
}
