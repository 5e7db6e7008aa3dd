/* SPDX-License-Identifier: MIT */
/*
 * <sys/ioctl.h>: the request numbers portable programs use (Linux
 * values). ioctl() fails with ENOSYS until the network issue lands
 * (FIONBIO, FIONREAD), saying so once on stderr.
 */
#ifndef MOSAIC_SYS_IOCTL_H
#define MOSAIC_SYS_IOCTL_H

#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541B
#define FIONBIO 0x5421
#define FIOCLEX 0x5451
#define FIONCLEX 0x5450

struct winsize {
	unsigned short ws_row;
	unsigned short ws_col;
	unsigned short ws_xpixel;
	unsigned short ws_ypixel;
};

/* ENOSYS for now. */
int ioctl(int fd, unsigned long request, ...);

#endif /* MOSAIC_SYS_IOCTL_H */
