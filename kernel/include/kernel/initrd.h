/* SPDX-License-Identifier: MIT */
/*
 * The initrd archive the kernel found: the first boot module when the
 * loader passed one (QEMU -initrd, a GRUB module line, a PVH modlist
 * entry), else the archive tools/mkinitrd packed into the image (linker
 * section .initrd, empty when the app has no rootfs/); an empty module, or
 * one outside mapped RAM, is ignored with a warning. The kernel does
 * not parse it: libos/fs/initrd.c does. Its bytes are read-only: the
 * module's frames stay reserved for the whole run and its whole pages are
 * mapped read-only; the embedded one lies in the image's rodata.
 */
#ifndef KERNEL_INITRD_H
#define KERNEL_INITRD_H

#include <stddef.h>

struct boot_info;

/* Picks the archive and makes a module's pages read-only. Called once by
 * kernel_main() after mm_init(), on the boot CPU. */
void kernel_initrd_init(const struct boot_info *bi);

/*
 * The archive's first byte, its length in *len (if len is not NULL).
 * Returns NULL with *len = 0 when there is none. Any context, any CPU;
 * the answer never changes after boot. Never write through the pointer.
 */
const void *kernel_initrd(size_t *len);

#endif /* KERNEL_INITRD_H */
