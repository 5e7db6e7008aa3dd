/* SPDX-License-Identifier: MIT */
/*
 * How the kernel finds the application without naming libos: libc places
 * one entry in the .kentry section; kernel_main() calls it with argv/envp
 * built from the command line and ends the image with its return value.
 */
#ifndef KERNEL_APP_H
#define KERNEL_APP_H

#include <kernel/compiler.h>

/* argv and envp are NULL-terminated and live as long as the image. */
typedef int (*app_entry_fn)(int argc, char **argv, char **envp);

#define KERNEL_APP_ENTRY(fn)                                                   \
	static const app_entry_fn __kentry_##fn __used __section(".kentry")    \
		__aligned(8) = fn

#endif /* KERNEL_APP_H */
