/* SPDX-License-Identifier: MIT */
/* <sys/sendfile.h>: sendfile(). */
#ifndef MOSAIC_SYS_SENDFILE_H
#define MOSAIC_SYS_SENDFILE_H

#include <sys/types.h>

/* Sends up to count bytes of in (at *off, which it advances, leaving
 * in's offset alone; or at in's offset when off is NULL) to out. From a
 * file of the initrd to a TCP socket the bytes are not copied: the
 * stack sends them from where they lie. Otherwise they are copied
 * through a buffer. Returns the bytes sent, or -1 with errno. */
ssize_t sendfile(int out, int in, off_t *off, size_t count);

#endif /* MOSAIC_SYS_SENDFILE_H */
