/* SPDX-License-Identifier: MIT */
/* <sys/random.h>: bytes from the kernel's CSPRNG (ChaCha20 seeded from
 * RDRAND). It never blocks: it is seeded before the first microapp. */
#ifndef _SYS_RANDOM_H
#define _SYS_RANDOM_H

#include <sys/types.h>

#define GRND_NONBLOCK 0x01
#define GRND_RANDOM 0x02
#define GRND_INSECURE 0x04

/* Fills buf with len random bytes; returns len (flags are accepted and
 * change nothing), or -1 with EINVAL for unknown flags. */
ssize_t getrandom(void *buf, size_t len, unsigned int flags);

#endif /* _SYS_RANDOM_H */
