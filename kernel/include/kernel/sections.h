/* SPDX-License-Identifier: MIT */
/*
 * The only place C names symbols defined by linker/image.ld or generated
 * at link time (tools/mksyms). Addresses only: never write through them.
 */
#ifndef KERNEL_SECTIONS_H
#define KERNEL_SECTIONS_H

#include <kernel/app.h>
#include <kernel/init.h>
#include <kernel/ksym.h>
#include <kernel/param.h>

extern char __image_start[], __image_end[];
extern char __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __bss_start[], __bss_end[];

/* The TLS template (.tdata, then .tbss zeroes); the last two are
 * absolute symbols: use their addresses as numbers. */
extern const char __tdata_start[], __tdata_end[];
extern const char __tls_memsz[], __tls_align[];

/* The boot stack and its unmapped guard page (boot/entry.S). */
extern char boot_stack_guard[], boot_stack_top[];

/* Tables that modules fill through section attributes. */
extern const struct initcall __initcall_start[], __initcall_end[];
extern const struct kparam __kparam_start[], __kparam_end[];
extern const app_entry_fn __kentry_start[], __kentry_end[];

/* The initrd archive tools/mkinitrd packed into the image (.initrd in
 * rodata; empty when the app has no rootfs/). */
extern const char __initrd_start[], __initrd_end[];

/* The symbol table tools/mksyms links in. */
extern const struct ksym_table ksym_table;

/* The application's name, argv[0] of its main() (tools/mksyms --app). */
extern const char mosaic_app_name[];

#endif /* KERNEL_SECTIONS_H */
