/* SPDX-License-Identifier: MIT */
/*
 * Shared by libc's stubs for calls Mosaic does not implement; never seen
 * by applications.
 */
#ifndef LIBOS_LIBC_ENOSYS_IMPL_H
#define LIBOS_LIBC_ENOSYS_IMPL_H

#include <stdbool.h>

/* Prints "mosaic: <name>() is not available (ENOSYS): <why>" on stderr
 * the first time *said is clear (one flag per function, set atomically,
 * so one line even with threads), then sets errno to ENOSYS and returns
 * -1. */
int libc_enosys(bool *said, const char *name, const char *why);

/* Defines a flag and a call of libc_enosys() for function `fn`. */
#define LIBC_ENOSYS(fn, why)                                                   \
	({                                                                     \
		static bool said_;                                             \
		libc_enosys(&said_, #fn, why);                                 \
	})

#endif /* LIBOS_LIBC_ENOSYS_IMPL_H */
