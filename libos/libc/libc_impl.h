/* SPDX-License-Identifier: MIT */
/* Shared between libc's own files; never seen by applications. */
#ifndef LIBOS_LIBC_IMPL_H
#define LIBOS_LIBC_IMPL_H

/* Flushes every open stream; exit() calls it. */
void libc_stdio_flush_all(void);

/* The default action of signal `sig` (<signal.h>): nothing for the ones
 * ignored by default; else ends the microapp as a fault. */
void libc_signal_default(int sig);

#endif /* LIBOS_LIBC_IMPL_H */
