/* SPDX-License-Identifier: MIT */
/* Shared between libc's own files; never seen by applications. */
#ifndef LIBOS_LIBC_IMPL_H
#define LIBOS_LIBC_IMPL_H

/* Flushes every open stream; exit() calls it. */
void libc_stdio_flush_all(void);

#endif /* LIBOS_LIBC_IMPL_H */
