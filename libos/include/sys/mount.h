/* SPDX-License-Identifier: MIT */
/*
 * <sys/mount.h>: mounting ext2 file systems on the appliance's disks, as
 * on Linux. source names a disk: "vda" or "/dev/vda" (<mosaic/dev.h>
 * lists them); fstype must be "ext2"; target an existing directory. An
 * ext2 file system is written back and marked clean by umount() and by
 * exit() (libos/libc/mount.c says what is refused).
 */
#ifndef MOSAIC_SYS_MOUNT_H
#define MOSAIC_SYS_MOUNT_H

/* mount() flags. ext2 never updates access times (as MS_NOATIME). */
#define MS_RDONLY 1ul
#define MS_NOATIME 1024ul
#define MS_NODIRATIME 2048ul
#define MS_SILENT 32768ul

/* umount2() flags; none is supported (EINVAL). */
#define MNT_FORCE 1
#define MNT_DETACH 2
#define MNT_EXPIRE 4
#define UMOUNT_NOFOLLOW 8

int mount(const char *source, const char *target, const char *fstype,
	  unsigned long flags, const void *data);
int umount(const char *target);
int umount2(const char *target, int flags);

#endif /* MOSAIC_SYS_MOUNT_H */
