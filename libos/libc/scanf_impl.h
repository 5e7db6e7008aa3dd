/* SPDX-License-Identifier: MIT */
/*
 * The scanf engine behind sscanf (scanf.c) and the stream functions
 * fscanf/scanf (stdio.c). It reads its input one byte at a time through a
 * source and pushes back at most one byte, so any stream can feed it.
 */
#ifndef LIBOS_LIBC_SCANF_IMPL_H
#define LIBOS_LIBC_SCANF_IMPL_H

#include <stdarg.h>

/* Where the engine reads from. Both members are required. */
struct libc_scan_src {
	/* Returns the next byte as an unsigned char, or EOF (-1) at the end
	 * of the input or on an error. */
	int (*get)(void *ctx);
	/* Pushes (c), the byte get() last returned, back; never EOF. */
	void (*unget)(void *ctx, int c);
	void *ctx;
};

/*
 * Scans (src) under the C11 format (fmt) (7.21.6.2, with glibc's choices
 * where C leaves room) and stores through the pointers in (ap). Returns
 * the number of items assigned, or EOF if the input ended before any item
 * was assigned.
 */
int libc_vscan(const struct libc_scan_src *src, const char *fmt, va_list ap);

#endif /* LIBOS_LIBC_SCANF_IMPL_H */
