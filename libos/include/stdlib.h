/* SPDX-License-Identifier: MIT */
/*
 * The start of <stdlib.h>: memory and process exit. The libc issue (#5)
 * completes it.
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
/* Ends the calling microapp with a fault record (backtrace included);
 * in main(), the image with a panic record. */
void abort(void) __attribute__((noreturn));
/* Registers fn for exit(); returns 0, or -1 when 32 are registered. */
int atexit(void (*fn)(void));

/*
 * The heap: 16-byte aligned blocks; a failure returns NULL with errno
 * ENOMEM. A double free, a free of a pointer the heap never returned or
 * corrupted heap metadata ends the calling microapp with a fault record
 * naming the violation (in main(), the image, with a panic record).
 */
void *malloc(size_t size);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
/* align must be a power of two; NULL otherwise. */
void *aligned_alloc(size_t align, size_t size);
/* 0, EINVAL (align not a power-of-two multiple of sizeof(void *)) or
 * ENOMEM; *out is set only on success. */
int posix_memalign(void **out, size_t align, size_t size);

int abs(int v);
long labs(long v);

#endif /* MOSAIC_STDLIB_H */
