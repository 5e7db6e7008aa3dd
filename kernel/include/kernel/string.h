/* SPDX-License-Identifier: MIT */
/*
 * The few string routines the kernel and drivers need. memcpy, memmove,
 * memset and memcmp carry their standard names because the compiler emits
 * calls to them even in freestanding code (GCC manual, "Standards"); they
 * are defined once, in kernel/lib/string.c, and libc re-exports them.
 */
#ifndef KERNEL_STRING_H
#define KERNEL_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t kstrlen(const char *s);
int kstrcmp(const char *a, const char *b);
int kstrncmp(const char *a, const char *b, size_t n);
/* Copies at most size - 1 bytes and NUL-terminates; returns kstrlen(src). */
size_t kstrlcpy(char *dst, const char *src, size_t size);

#endif /* KERNEL_STRING_H */
