/* SPDX-License-Identifier: MIT */
/*
 * <sys/time.h> (POSIX, with glibc's BSD macros): struct timeval and
 * gettimeofday() over CLOCK_REALTIME. There are no interval timers
 * (setitimer) and no time zones: struct timezone always reads as UTC.
 */
#ifndef MOSAIC_SYS_TIME_H
#define MOSAIC_SYS_TIME_H

#include <time.h>

typedef long suseconds_t;

struct timeval {
	time_t tv_sec;
	suseconds_t tv_usec; /* 0 to 999,999 */
};

/* Obsolete; gettimeofday() fills it with zeros (UTC, no DST). */
struct timezone {
	int tz_minuteswest;
	int tz_dsttime;
};

/*
 * Stores CLOCK_REALTIME, to the microsecond, in *tv unless tv is NULL, and
 * zeros in *tz (a struct timezone) unless tz is NULL. Returns 0; never
 * fails.
 */
int gettimeofday(struct timeval *restrict tv, void *restrict tz);

/* Sets a file's access and modification times (NULL: now). */
int utimes(const char *path, const struct timeval tv[2]);

/* BSD helpers on struct timeval pointers, as glibc has them. */
#define timerisset(tvp) ((tvp)->tv_sec || (tvp)->tv_usec)
#define timerclear(tvp) ((tvp)->tv_sec = (tvp)->tv_usec = 0)
#define timercmp(a, b, CMP)                                                    \
	(((a)->tv_sec == (b)->tv_sec) ? ((a)->tv_usec CMP(b)->tv_usec)         \
				      : ((a)->tv_sec CMP(b)->tv_sec))
#define timeradd(a, b, result)                                                 \
	do {                                                                   \
		(result)->tv_sec = (a)->tv_sec + (b)->tv_sec;                  \
		(result)->tv_usec = (a)->tv_usec + (b)->tv_usec;               \
		if ((result)->tv_usec >= 1000000) {                            \
			++(result)->tv_sec;                                    \
			(result)->tv_usec -= 1000000;                          \
		}                                                              \
	} while (0)
#define timersub(a, b, result)                                                 \
	do {                                                                   \
		(result)->tv_sec = (a)->tv_sec - (b)->tv_sec;                  \
		(result)->tv_usec = (a)->tv_usec - (b)->tv_usec;               \
		if ((result)->tv_usec < 0) {                                   \
			--(result)->tv_sec;                                    \
			(result)->tv_usec += 1000000;                          \
		}                                                              \
	} while (0)

#endif /* MOSAIC_SYS_TIME_H */
