/* SPDX-License-Identifier: MIT */
/* Shared between libc's own files; never seen by applications. */
#ifndef LIBOS_LIBC_IMPL_H
#define LIBOS_LIBC_IMPL_H

#include <sys/types.h>

/* Flushes every open stream on the way out: exit(), abort(), assert()
 * and fatal signals call it. Safe inside a stdio call of the caller's
 * own task (such streams are skipped) and bounded when another task
 * holds a stream (stdio.c says how). */
void libc_stdio_flush_all(void);

/* Flushes stdout and stderr (not when the caller holds their lock), so
 * that write() to a terminal comes after what they hold. */
void libc_stdio_flush_std(void);

/* The default action of signal `sig` (<signal.h>): nothing for the ones
 * ignored by default; else ends the microapp as a fault. */
void libc_signal_default(int sig);

/* file.c: mounts the filesystems and opens descriptors 0-2 (start.c
 * calls it before main()). */
void libc_files_init(void);

/* file.c: read/write/lseek on a descriptor without touching errno or
 * flushing stdio (stdio's own streams use them); negative errno. */
ssize_t libc_fd_read(int fd, void *buf, size_t len);
ssize_t libc_fd_write(int fd, const void *buf, size_t len);
off_t libc_fd_seek(int fd, off_t off, int whence);
/* sendfile() by copying through a buffer (file.c), for what cannot be
 * lent to a TCP socket (socket.c's sendfile()). */
ssize_t libc_sendfile_copy(int out, int in, off_t *off, size_t count);

#endif /* LIBOS_LIBC_IMPL_H */
