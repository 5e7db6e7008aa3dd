/* SPDX-License-Identifier: MIT */
/*
 * Host tests of libos/libc/time.c: renames Mosaic's <time.h> and
 * <sys/time.h> names to mosaic_*, so that they link next to glibc, the
 * oracle. unit.mk force-includes this file in time.c; time_test.c includes
 * glibc's headers, then this file and Mosaic's headers, then this file
 * again with LIBC_NAMES_UNDO defined. No include guard, on purpose.
 */
#ifndef LIBC_NAMES_UNDO
/* glibc's differ in spelling: Mosaic's headers define their own. */
#undef CLOCKS_PER_SEC
#undef timerisset
#undef timerclear
#undef timercmp
#undef timeradd
#undef timersub
#define time_t mosaic_time_t
#define clock_t mosaic_clock_t
#define clockid_t mosaic_clockid_t
#define suseconds_t mosaic_suseconds_t
#define timespec mosaic_timespec
#define timeval mosaic_timeval
#define timezone mosaic_timezone
#define tm mosaic_tm
#define clock_gettime mosaic_clock_gettime
#define clock_getres mosaic_clock_getres
#define nanosleep mosaic_nanosleep
#define clock_nanosleep mosaic_clock_nanosleep
#define time mosaic_time
#define timespec_get mosaic_timespec_get
#define clock mosaic_clock
#define difftime mosaic_difftime
#define gmtime_r mosaic_gmtime_r
#define gmtime mosaic_gmtime
#define localtime_r mosaic_localtime_r
#define localtime mosaic_localtime
#define mktime mosaic_mktime
#define timegm mosaic_timegm
#define tzset mosaic_tzset
#define asctime_r mosaic_asctime_r
#define asctime mosaic_asctime
#define ctime_r mosaic_ctime_r
#define ctime mosaic_ctime
#define strftime mosaic_strftime
#define gettimeofday mosaic_gettimeofday
#define sleep mosaic_sleep
#define utimes mosaic_utimes
#define usleep mosaic_usleep
#else /* LIBC_NAMES_UNDO */
#undef CLOCKS_PER_SEC
#undef timerisset
#undef timerclear
#undef timercmp
#undef timeradd
#undef timersub
#undef time_t
#undef clock_t
#undef clockid_t
#undef suseconds_t
#undef timespec
#undef timeval
#undef timezone
#undef tm
#undef clock_gettime
#undef clock_getres
#undef nanosleep
#undef clock_nanosleep
#undef time
#undef timespec_get
#undef clock
#undef difftime
#undef gmtime_r
#undef gmtime
#undef localtime_r
#undef localtime
#undef mktime
#undef timegm
#undef tzset
#undef asctime_r
#undef asctime
#undef ctime_r
#undef ctime
#undef strftime
#undef gettimeofday
#undef sleep
#undef utimes
#undef usleep
#endif /* LIBC_NAMES_UNDO */
