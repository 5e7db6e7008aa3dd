/* SPDX-License-Identifier: MIT */
/*
 * <sys/select.h>: fd_set (1024 descriptors, as on Linux) and its macros,
 * select() and pselect(). As on Linux, select() leaves in *tmo the time
 * it did not sleep. There are no signals: pselect()'s mask is ignored.
 */
#ifndef MOSAIC_SYS_SELECT_H
#define MOSAIC_SYS_SELECT_H

#include <signal.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>

#define FD_SETSIZE 1024
#define __NFDBITS (8 * (int)sizeof(long))

typedef struct {
	long fds_bits[FD_SETSIZE / __NFDBITS];
} fd_set;

#define __FD_MASK(fd) (1UL << ((unsigned long)(fd) % __NFDBITS))
#define FD_ZERO(s)                                                             \
	do {                                                                   \
		for (unsigned int __i = 0;                                     \
		     __i < sizeof((s)->fds_bits) / sizeof(long); __i++)        \
			(s)->fds_bits[__i] = 0;                                \
	} while (0)
#define FD_SET(fd, s)                                                          \
	((void)((s)->fds_bits[(fd) / __NFDBITS] |= (long)__FD_MASK(fd)))
#define FD_CLR(fd, s)                                                          \
	((void)((s)->fds_bits[(fd) / __NFDBITS] &= ~(long)__FD_MASK(fd)))
#define FD_ISSET(fd, s)                                                        \
	(((s)->fds_bits[(fd) / __NFDBITS] & (long)__FD_MASK(fd)) != 0)

int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tmo);
int pselect(int nfds, fd_set *rd, fd_set *wr, fd_set *ex,
	    const struct timespec *tmo, const sigset_t *mask);

#endif /* MOSAIC_SYS_SELECT_H */
