/* SPDX-License-Identifier: MIT */
/* glibc's <malloc.h> extension that portable programs use. */
#ifndef MOSAIC_MALLOC_H
#define MOSAIC_MALLOC_H

#include <stddef.h>

/* Bytes usable at p (at least what was asked for); 0 for NULL. */
size_t malloc_usable_size(void *p);

#endif /* MOSAIC_MALLOC_H */
