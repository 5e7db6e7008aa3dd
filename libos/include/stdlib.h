/* SPDX-License-Identifier: MIT */
/*
 * The start of <stdlib.h>: process exit. The libc issue (#5) completes it;
 * the heap arrives with the memory issue (#3).
 */
#ifndef MOSAIC_STDLIB_H
#define MOSAIC_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/* Runs atexit handlers (last registered first), flushes stdio, ends the
 * image with `status` (0..125 reach the host; see docs/architecture.md). */
void exit(int status) __attribute__((noreturn));
/* Ends the image at once: no handlers, no flush. */
void _Exit(int status) __attribute__((noreturn));
/* Ends the image with a panic record (backtrace included). */
void abort(void) __attribute__((noreturn));
/* Registers fn for exit(); returns 0, or -1 when 32 are registered. */
int atexit(void (*fn)(void));

int abs(int v);
long labs(long v);

#endif /* MOSAIC_STDLIB_H */
