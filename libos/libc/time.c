/* SPDX-License-Identifier: MIT */
/*
 * <time.h>: clock_gettime() and time() over <kernel/time.h>. The kernel's
 * wall clock reads 0 when the RTC was unusable; the realtime clock then
 * starts at the epoch at boot, as Linux does on a machine without an RTC.
 */
#include <time.h>

#include <errno.h>

#include <stdint.h>

#include <kernel/time.h>

static uint64_t realtime_ns(void)
{
	uint64_t ns = time_wall_ns();

	return ns ? ns : time_ns();
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	uint64_t ns;

	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		ns = realtime_ns();
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		ns = time_ns();
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (!ts) {
		errno = EFAULT;
		return -1;
	}
	ts->tv_sec = (time_t)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
	return 0;
}

time_t time(time_t *t)
{
	time_t now = (time_t)(realtime_ns() / NSEC_PER_SEC);

	if (t)
		*t = now;
	return now;
}
