/* SPDX-License-Identifier: MIT */
/*
 * The initrd as a read-only filesystem of the VFS (<fs/vfs.h>) over the
 * archive reader (<fs/initrd.h>). Every modifying op is absent, so the VFS
 * answers EROFS; data is read in place from the archive.
 */
#ifndef FS_INITRD_FS_H
#define FS_INITRD_FS_H

#include <stddef.h>

#include <kernel/compiler.h>

struct vnode;

/*
 * Validates the archive (initrd_open()) and returns its root directory,
 * referenced, in *root. The archive must stay mapped for ever (it is the
 * image's .initrd section or a boot module). Returns 0; -EINVAL for a
 * malformed archive (the reader's diagnosis is logged once); -ENOMEM.
 * Thread context.
 */
int __must_check initrd_fs_create(const void *archive, size_t len,
				  struct vnode **root);

#endif /* FS_INITRD_FS_H */
