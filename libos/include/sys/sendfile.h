/* SPDX-License-Identifier: MIT */
/* <sys/sendfile.h>: sendfile(), a copy through a buffer for now. */
#ifndef MOSAIC_SYS_SENDFILE_H
#define MOSAIC_SYS_SENDFILE_H

#include <sys/types.h>

/* Copies up to count bytes from in (at *off, which it advances, leaving
 * in's offset alone; or at in's offset when off is NULL) to out. */
ssize_t sendfile(int out, int in, off_t *off, size_t count);

#endif /* MOSAIC_SYS_SENDFILE_H */
