/* SPDX-License-Identifier: MIT */
/*
 * The start of <time.h>: clock_gettime() and time() over the kernel's
 * clocks (<kernel/time.h>): a monotonic clock from the TSC and a wall
 * clock from the RTC read at boot. No time zones (UTC only), no timers,
 * no sleeping; the libc issue (#5) completes it.
 */
#ifndef MOSAIC_TIME_H
#define MOSAIC_TIME_H

#include <stddef.h>

typedef long time_t; /* seconds since 1970-01-01T00:00:00Z */
typedef int clockid_t;

struct timespec {
	time_t tv_sec;
	long tv_nsec; /* 0 to 999,999,999 */
};

/* Linux's numbering, so ported code that hard-codes it still works. */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_MONOTONIC_RAW 4 /* same as CLOCK_MONOTONIC here */
#define CLOCK_REALTIME_COARSE 5 /* same as CLOCK_REALTIME here */
#define CLOCK_MONOTONIC_COARSE 6 /* same as CLOCK_MONOTONIC here */
#define CLOCK_BOOTTIME 7 /* same as CLOCK_MONOTONIC: nothing suspends */

/*
 * Stores the time of clock `clk` in *ts, to the nanosecond.
 * CLOCK_MONOTONIC (and _RAW, _COARSE, CLOCK_BOOTTIME) counts from boot and
 * never goes backwards on a CPU. CLOCK_REALTIME (and _COARSE) is the RTC
 * date read at boot plus the monotonic time since (to the second of the
 * RTC, not disciplined); with no readable RTC it counts from
 * 1970-01-01T00:00:00Z at boot. Returns 0, or -1 for an unknown clock
 * (EINVAL) or a NULL ts (EFAULT). errno arrives with issue #5.
 */
int clock_gettime(clockid_t clk, struct timespec *ts);

/* Seconds since the epoch (CLOCK_REALTIME), also stored in *t unless t
 * is NULL. Never fails. */
time_t time(time_t *t);

#endif /* MOSAIC_TIME_H */
