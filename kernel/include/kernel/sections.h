/* SPDX-License-Identifier: MIT */
/*
 * The only place C names symbols defined by linker/image.ld or generated
 * at link time (tools/mksyms). Addresses only: never write through them.
 */
#ifndef KERNEL_SECTIONS_H
#define KERNEL_SECTIONS_H

extern char __image_start[], __image_end[];
extern char __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __bss_start[], __bss_end[];

/* The boot stack and its unmapped guard page (boot/entry.S). */
extern char boot_stack_guard[], boot_stack_top[];

/* The application's name, argv[0] of its main() (tools/mksyms --app). */
extern const char mosaic_app_name[];

#endif /* KERNEL_SECTIONS_H */
