/* SPDX-License-Identifier: MIT */
/* <utime.h>: the obsolete utime(), over utimensat(). */
#ifndef MOSAIC_UTIME_H
#define MOSAIC_UTIME_H

#include <sys/types.h>
#include <time.h>

struct utimbuf {
	time_t actime;
	time_t modtime;
};

/* Sets path's access and modification times (ub NULL: now). */
int utime(const char *path, const struct utimbuf *ub);

#endif /* MOSAIC_UTIME_H */
