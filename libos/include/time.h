/* SPDX-License-Identifier: MIT */
/*
 * <time.h> (C11 7.27, POSIX): the clocks of <kernel/time.h> (a monotonic
 * clock from the TSC, a wall clock from the RTC read at boot), sleeping
 * over mapp_sleep_ns(), and calendar conversions. There are no time zones:
 * local time is UTC, as glibc's with TZ=UTC. No timers (timer_create).
 * Conversions handle any year that fits an int, on the proleptic Gregorian
 * calendar, with no leap seconds.
 */
#ifndef MOSAIC_TIME_H
#define MOSAIC_TIME_H

#include <stddef.h>

typedef long time_t; /* seconds since 1970-01-01T00:00:00Z */
typedef long clock_t; /* clock(): CLOCKS_PER_SEC ticks a second */
typedef int clockid_t;

struct timespec {
	time_t tv_sec;
	long tv_nsec; /* 0 to 999,999,999 */
};

/* A broken-down time; the layout and field names are glibc's. */
struct tm {
	int tm_sec; /* 0-60 */
	int tm_min; /* 0-59 */
	int tm_hour; /* 0-23 */
	int tm_mday; /* 1-31 */
	int tm_mon; /* 0-11 */
	int tm_year; /* years since 1900 */
	int tm_wday; /* 0-6, Sunday = 0 */
	int tm_yday; /* 0-365, January 1 = 0 */
	int tm_isdst; /* always 0 when set by this libc */
	long tm_gmtoff; /* seconds east of UTC: always 0 here */
	const char *tm_zone; /* "GMT" (gmtime) or "UTC" (localtime) */
};

#define CLOCKS_PER_SEC 1000000l
#define TIME_UTC 1 /* timespec_get() */
#define TIMER_ABSTIME 1 /* clock_nanosleep(): req is a deadline */

/* Linux's numbering, so ported code that hard-codes it still works. */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
/* No per-task CPU accounting: both CPU-time clocks read CLOCK_MONOTONIC,
 * an upper bound on the CPU time of the caller (tasks are never
 * preempted, but may block). */
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4 /* same as CLOCK_MONOTONIC here */
#define CLOCK_REALTIME_COARSE 5 /* same as CLOCK_REALTIME here */
#define CLOCK_MONOTONIC_COARSE 6 /* same as CLOCK_MONOTONIC here */
#define CLOCK_BOOTTIME 7 /* same as CLOCK_MONOTONIC: nothing suspends */

/*
 * Stores the time of clock `clk` in *ts, to the nanosecond.
 * CLOCK_MONOTONIC (and _RAW, _COARSE, CLOCK_BOOTTIME, and the two CPU-time
 * clocks) counts from boot and never goes backwards on a CPU.
 * CLOCK_REALTIME (and _COARSE) is the RTC date read at boot plus the
 * monotonic time since (to the second of the RTC, not disciplined); with
 * no readable RTC it counts from 1970-01-01T00:00:00Z at boot. Returns 0,
 * or -1 for an unknown clock (errno EINVAL) or a NULL ts (EFAULT).
 */
int clock_gettime(clockid_t clk, struct timespec *ts);

/* Stores the resolution of clock `clk` (1 ns for every clock that
 * clock_gettime() knows) in *res unless res is NULL. Returns 0, or -1
 * with errno EINVAL for an unknown clock. */
int clock_getres(clockid_t clk, struct timespec *res);

/*
 * Blocks the calling microapp for at least *req of CLOCK_MONOTONIC; never
 * returns early (no signal interrupts it), so *rem, unless NULL, is set to
 * zero. Returns 0, or -1 with errno EINVAL (tv_nsec outside 0..999999999
 * or a negative tv_sec) or EFAULT (NULL req). May yield.
 */
int nanosleep(const struct timespec *req, struct timespec *rem);

/*
 * nanosleep() on clock `clk`: CLOCK_MONOTONIC, CLOCK_BOOTTIME,
 * CLOCK_REALTIME or CLOCK_PROCESS_CPUTIME_ID (as the monotonic clock).
 * With TIMER_ABSTIME in `flags`, *req is the time of `clk` to wait for (a
 * time already past returns at once) and rem is not used; otherwise *req
 * is a relative interval and *rem, unless NULL, is set to zero. Returns 0
 * or an error number (errno is not set): EINVAL for a bad req or an
 * unknown clock or CLOCK_THREAD_CPUTIME_ID, ENOTSUP for the other clocks,
 * EFAULT for a NULL req. May yield.
 */
int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
		    struct timespec *rem);

/* Seconds since the epoch (CLOCK_REALTIME), also stored in *t unless t
 * is NULL. Never fails. */
time_t time(time_t *t);

/* C11 timespec_get(): stores CLOCK_REALTIME in *ts for base TIME_UTC and
 * returns base; returns 0 for any other base or a NULL ts. */
int timespec_get(struct timespec *ts, int base);

/* The caller's processor time, approximated by CLOCK_MONOTONIC (see
 * CLOCK_PROCESS_CPUTIME_ID), in CLOCKS_PER_SEC units. */
clock_t clock(void);

/* end - start, in seconds. */
double difftime(time_t end, time_t start);

/*
 * Breaks *t down into *tm as UTC: every field, tm_isdst 0, tm_gmtoff 0,
 * tm_zone "GMT". Returns tm, or NULL with errno EOVERFLOW when the year
 * does not fit an int (or EFAULT for a NULL argument).
 */
struct tm *gmtime_r(const time_t *t, struct tm *tm);

/* gmtime_r() into a buffer of the calling microapp's, overwritten by the
 * next gmtime() or localtime() call from it. */
struct tm *gmtime(const time_t *t);

/* Local time is UTC: gmtime_r()/gmtime(), except that tm_zone is "UTC". */
struct tm *localtime_r(const time_t *t, struct tm *tm);
struct tm *localtime(const time_t *t);

/*
 * The time_t of broken-down local time (UTC) *tm. Out-of-range fields are
 * carried as glibc does (tm_mon 13 is February of the next year, tm_mday 0
 * the last day of the previous month, tm_sec 61 a minute and a second on,
 * negative values count back); tm_wday, tm_yday and tm_isdst are ignored
 * on input. On success every field of *tm is rewritten, normalised, and
 * tm_zone is "UTC". Returns the time, or -1 with errno EOVERFLOW (and *tm
 * unchanged) when the result does not fit a time_t or its year an int.
 */
time_t mktime(struct tm *tm);

/* mktime() for a broken-down UTC time (tm_zone becomes "GMT"). */
time_t timegm(struct tm *tm);

/* Does nothing: there are no time zones to load. */
void tzset(void);

/*
 * Formats *tm as "Sun Sep 16 01:03:52 1973\n" into buf, which must hold at
 * least 26 bytes. Names out of range print as "???". Returns buf, or NULL
 * with errno EOVERFLOW when the year needs more room. asctime() uses a
 * buffer of the calling microapp's.
 */
char *asctime_r(const struct tm *tm, char *buf);
char *asctime(const struct tm *tm);

/* asctime_r(localtime_r(t)); ctime() uses asctime()'s buffer. */
char *ctime_r(const time_t *t, char *buf);
char *ctime(const time_t *t);

/*
 * Formats *tm by `fmt` into s, at most `max` bytes with the final NUL, in
 * the C locale: every conversion of C11 and POSIX (%a %A %b %B %c %C %d %D
 * %e %F %g %G %h %H %I %j %m %M %n %p %r %R %S %t %T %u %U %V %w %W %x %X
 * %y %Y %z %Z %%), the E and O modifiers where C11 allows them (ignored),
 * and glibc's extensions %k %l %P %s and the flags _ - 0 ^ # with a field
 * width (as in "%-d", "%_5H"). %z prints tm_gmtoff, %Z tm_zone ("UTC" when
 * NULL). An unknown conversion is copied as it stands, as glibc does.
 * Returns the length of the result without its NUL, or 0 when it does not
 * fit in max bytes (s then holds an unspecified string).
 */
size_t strftime(char *restrict s, size_t max, const char *restrict fmt,
		const struct tm *restrict tm);

#endif /* MOSAIC_TIME_H */
