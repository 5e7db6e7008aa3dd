/* SPDX-License-Identifier: MIT */
/*
 * Pipes (libos/fs/pipe.c): a bounded byte ring between a read end and a
 * write end, each a file (<fs/fd.h>) that can be waited for
 * (<fs/poll.h>). As POSIX.1-2017 pipe(): writes of at most PIPE_BUF_ATOMIC
 * bytes are never interleaved with others; reads block while the ring is
 * empty and a writer remains, then return 0 (end of file); writes block
 * while it is full and fail with -EPIPE once the read end is closed (no
 * SIGPIPE: there are no signals to deliver). With FILE_NONBLOCK either
 * returns -EAGAIN instead of blocking.
 */
#ifndef FS_PIPE_H
#define FS_PIPE_H

#include <stdbool.h>

#include <kernel/compiler.h>

#define PIPE_CAPACITY 65536 /* bytes the ring holds, as Linux's default */
#define PIPE_BUF_ATOMIC 4096 /* <limits.h> PIPE_BUF */

/* A new pipe: fds[0] its read end, fds[1] its write end (the lowest free
 * descriptors), each with O_NONBLOCK and close-on-exec as asked. Returns
 * 0, -EMFILE or -ENOMEM (nothing open then). */
int __must_check pipe_create(int fds[2], bool nonblock, bool cloexec);

#endif /* FS_PIPE_H */
