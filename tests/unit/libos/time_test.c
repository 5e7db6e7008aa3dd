/* SPDX-License-Identifier: MIT */
/*
 * <time.h> and <sys/time.h> (libos/libc/time.c) against glibc with
 * TZ=UTC: gmtime_r/localtime_r over random times in [-2^40, 2^40] and
 * every day from 1900 to 2400, timegm/mktime normalising out-of-range
 * fields, strftime for every conversion, modifier and flag over random
 * dates, asctime_r/ctime_r; and the clocks and sleeps over a fake
 * monotonic clock whose sleeps may wake early. Fixed seeds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "time_names.h"
#include "time.h" /* Mosaic's, through -iquote libos/include */
#include "sys/time.h"
#define LIBC_NAMES_UNDO
#include "time_names.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "libc_test_util.h"

/* <unistd.h>'s, implemented in time.c. */
unsigned int mosaic_sleep(unsigned int seconds);
int mosaic_usleep(unsigned int usec);

/* The kernel's clocks and mapp_sleep_ns(), faked: each sleep advances
 * the monotonic clock by its request divided by sleep_divisor (at least
 * 1 ns), so a divisor above 1 wakes early. */
static uint64_t fake_mono_ns = 5 * 1000000000ull;
static uint64_t fake_rtc_ns; /* wall clock at fake_mono_ns == 0; 0: none */
static uint64_t sleep_divisor = 1;
static unsigned int sleep_calls;

uint64_t time_ns(void);
uint64_t time_wall_ns(void);
void mapp_sleep_ns(uint64_t ns);

uint64_t time_ns(void)
{
	return fake_mono_ns;
}

uint64_t time_wall_ns(void)
{
	return fake_rtc_ns ? fake_rtc_ns + fake_mono_ns : 0;
}

void mapp_sleep_ns(uint64_t ns)
{
	uint64_t step = ns / sleep_divisor;

	sleep_calls++;
	fake_mono_ns += step ? step : 1;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define TWO_40 (1ll << 40)

static int setup_utc(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

static void to_mosaic(const struct tm *g, struct mosaic_tm *m)
{
	memset(m, 0, sizeof(*m));
	m->tm_sec = g->tm_sec;
	m->tm_min = g->tm_min;
	m->tm_hour = g->tm_hour;
	m->tm_mday = g->tm_mday;
	m->tm_mon = g->tm_mon;
	m->tm_year = g->tm_year;
	m->tm_wday = g->tm_wday;
	m->tm_yday = g->tm_yday;
	m->tm_isdst = g->tm_isdst;
	m->tm_gmtoff = g->tm_gmtoff;
	m->tm_zone = g->tm_zone;
}

static void check_same_tm(const struct mosaic_tm *m, const struct tm *g,
			  long long what)
{
	if (m->tm_sec != g->tm_sec || m->tm_min != g->tm_min ||
	    m->tm_hour != g->tm_hour || m->tm_mday != g->tm_mday ||
	    m->tm_mon != g->tm_mon || m->tm_year != g->tm_year ||
	    m->tm_wday != g->tm_wday || m->tm_yday != g->tm_yday ||
	    m->tm_isdst != g->tm_isdst || m->tm_gmtoff != g->tm_gmtoff ||
	    strcmp(m->tm_zone, g->tm_zone) != 0)
		fail_msg("%lld: mosaic %d-%d-%d %d:%d:%d wd%d yd%d dst%d %s, "
			 "glibc %d-%d-%d %d:%d:%d wd%d yd%d dst%d %s",
			 what, m->tm_year, m->tm_mon, m->tm_mday, m->tm_hour,
			 m->tm_min, m->tm_sec, m->tm_wday, m->tm_yday,
			 m->tm_isdst, m->tm_zone, g->tm_year, g->tm_mon,
			 g->tm_mday, g->tm_hour, g->tm_min, g->tm_sec,
			 g->tm_wday, g->tm_yday, g->tm_isdst, g->tm_zone);
}

static void check_breakdown(long long t)
{
	time_t gt = (time_t)t;
	mosaic_time_t mt = (mosaic_time_t)t;
	struct tm g;
	struct mosaic_tm m;

	assert_non_null(gmtime_r(&gt, &g));
	assert_ptr_equal(mosaic_gmtime_r(&mt, &m), &m);
	check_same_tm(&m, &g, t);
	assert_non_null(localtime_r(&gt, &g));
	assert_ptr_equal(mosaic_localtime_r(&mt, &m), &m);
	check_same_tm(&m, &g, t);
	/* and back */
	assert_int_equal(mosaic_timegm(&m), t);
}

static void test_gmtime_random(void **state)
{
	(void)state;
	test_rng_seed(0x7133);
	for (int i = 0; i < 200000; i++)
		check_breakdown((long long)(test_rng() % (2 * TWO_40 + 1)) -
				TWO_40);
	check_breakdown(-TWO_40);
	check_breakdown(TWO_40);
	check_breakdown(0);
	check_breakdown(-1);
}

static void test_gmtime_every_day_1900_2400(void **state)
{
	long long first = -2208988800ll; /* 1900-01-01 */
	long long last = 13569465600ll; /* 2400-12-31 */

	(void)state;
	test_rng_seed(0x1900);
	for (long long day = first; day <= last; day += 86400) {
		check_breakdown(day);
		check_breakdown(day + (long long)test_rng_below(86400));
	}
}

static void test_gmtime_overflow(void **state)
{
	mosaic_time_t t = LONG_MAX;
	struct mosaic_tm m;

	(void)state;
	errno = 0;
	assert_null(mosaic_gmtime_r(&t, &m));
	assert_int_equal(errno, EOVERFLOW);
	t = LONG_MIN;
	assert_null(mosaic_localtime(&t));
	/* the largest year that fits */
	t = 67768036191676799l;
	assert_non_null(mosaic_gmtime_r(&t, &m));
	assert_int_equal(m.tm_year, INT_MAX);
	t++;
	assert_null(mosaic_gmtime_r(&t, &m));
}

static int pick(const int *v, size_t n)
{
	return v[test_rng_below(n)];
}

/* A broken-down time with fields out of range as a caller might leave
 * them. */
static void random_unnormalised(struct tm *g)
{
	static const int mons[] = { 0, 1, 11, 12, 13, -1, -12, -13, 24, 25, 6 };
	static const int days[] = { 1,	0,  -1,	 28,   29,  30,	  31,
				    32, 60, 400, -400, 366, -366, 15 };
	static const int hours[] = { 0, 23, 24, 25, -1, -25, 48, 12 };
	static const int mins[] = { 0, 59, 60, 61, -1, -61, 1440, 30 };
	static const int secs[] = { 0,	  59,	 60,	 61,	  -1, -61,
				    3600, 86400, -86401, 1000000, 45 };

	memset(g, 0, sizeof(*g));
	g->tm_year = (int)test_rng_below(700) - 200; /* 1700..2399 */
	g->tm_mon = test_rng_below(3) ? (int)test_rng_below(12)
				      : pick(mons, COUNT(mons));
	g->tm_mday = test_rng_below(2) ? (int)test_rng_below(28) + 1
				       : pick(days, COUNT(days));
	g->tm_hour = pick(hours, COUNT(hours));
	g->tm_min = pick(mins, COUNT(mins));
	g->tm_sec = pick(secs, COUNT(secs));
	g->tm_wday = (int)test_rng_below(100) - 50; /* ignored */
	g->tm_yday = (int)test_rng_below(1000) - 500;
	g->tm_isdst = test_rng_below(2) ? 0 : -1;
}

static void test_mktime_normalises_as_glibc(void **state)
{
	(void)state;
	test_rng_seed(0x3d7);
	for (int i = 0; i < 100000; i++) {
		struct tm g, g2;
		struct mosaic_tm m, m2;
		time_t gt, gt2;

		random_unnormalised(&g);
		g2 = g;
		to_mosaic(&g, &m);
		m2 = m;
		gt = mktime(&g);
		assert_int_equal(mosaic_mktime(&m), gt);
		check_same_tm(&m, &g, i);
		gt2 = timegm(&g2);
		assert_int_equal(mosaic_timegm(&m2), gt2);
		check_same_tm(&m2, &g2, i);
	}
}

static void test_mktime_extremes(void **state)
{
	struct mosaic_tm m = { 0 };
	struct tm g = { 0 };

	(void)state;
	m.tm_year = INT_MAX;
	m.tm_mon = 12; /* year INT_MAX + 1901: does not fit */
	m.tm_mday = 1;
	errno = 0;
	assert_int_equal(mosaic_mktime(&m), -1);
	assert_int_equal(errno, EOVERFLOW);
	assert_int_equal(m.tm_mon, 12); /* unchanged */
	/* -1 as a valid time: 1969-12-31T23:59:59 */
	m = (struct mosaic_tm){ .tm_year = 69,
				.tm_mon = 11,
				.tm_mday = 31,
				.tm_hour = 23,
				.tm_min = 59,
				.tm_sec = 59 };
	assert_int_equal(mosaic_mktime(&m), -1);
	assert_int_equal(m.tm_wday, 3);
	/* every field at INT_MIN or INT_MAX: glibc computes the same */
	g = (struct tm){ .tm_year = 100,
			 .tm_mon = INT_MAX,
			 .tm_mday = INT_MIN,
			 .tm_hour = INT_MAX,
			 .tm_min = INT_MIN,
			 .tm_sec = INT_MAX };
	to_mosaic(&g, &m);
	assert_int_equal(mosaic_timegm(&m), timegm(&g));
	check_same_tm(&m, &g, 0);
}

/* Every conversion of glibc, and the modifiers and flags of interest. */
static const char *const strftime_formats[] = {
	"%a",
	"%A",
	"%b",
	"%B",
	"%c",
	"%C",
	"%d",
	"%D",
	"%e",
	"%F",
	"%g",
	"%G",
	"%h",
	"%H",
	"%I",
	"%j",
	"%k",
	"%l",
	"%m",
	"%M",
	"%n",
	"%p",
	"%P",
	"%r",
	"%R",
	"%s",
	"%S",
	"%t",
	"%T",
	"%u",
	"%U",
	"%V",
	"%w",
	"%W",
	"%x",
	"%X",
	"%y",
	"%Y",
	"%z",
	"%Z",
	"%%",
	"%Ec",
	"%EC",
	"%Ex",
	"%EX",
	"%Ey",
	"%EY",
	"%Od",
	"%Oe",
	"%OH",
	"%OI",
	"%Om",
	"%OM",
	"%OS",
	"%Ou",
	"%OU",
	"%OV",
	"%Ow",
	"%OW",
	"%Oy",
	"%Ob",
	"%OB",
	"%Oh",
	"%-d",
	"%-e",
	"%-H",
	"%-j",
	"%-m",
	"%-y",
	"%_d",
	"%_H",
	"%_m",
	"%_j",
	"%0e",
	"%0k",
	"%5d",
	"%_5d",
	"%-5d",
	"%05e",
	"%10Y",
	"%_10Y",
	"%-10Y",
	"%3C",
	"%_3C",
	"%012s",
	"%_12s",
	"%5G",
	"%^a",
	"%^A",
	"%^b",
	"%^B",
	"%^h",
	"%#a",
	"%#A",
	"%#b",
	"%#B",
	"%#p",
	"%^p",
	"%#P",
	"%^P",
	"%#Z",
	"%^Z",
	"%10a",
	"%010b",
	"%-10A",
	"%^c",
	"%12D",
	"%^r",
	"%30c",
	"%_12T",
	"%5%",
	"%3n",
	"%Y-%m-%dT%H:%M:%S%z",
	"date: %c (%Z)",
	"week %V of %G, day %u",
	"%E",
	"%O",
	"%Ea",
	"%EA",
	"%Oa",
	"%OA",
	"%ED",
	"%OF",
	"%Eb",
	"%Ed",
	"%EH",
	"%OY",
	"%OC",
	"%Ox",
	"%OX",
	"%Oc",
	"%Q",
	"%q",
	"%i",
	"%5Ed",
	"%E5d",
	"abc%",
	"x%_",
	"%5",
	"%^",
	"",
	"plain text",
};

static void compare_strftime(const struct tm *g, const char *fmt)
{
	char want[512], got[512];
	struct mosaic_tm m;
	size_t wn, gn;

	to_mosaic(g, &m);
	wn = strftime(want, sizeof(want), fmt, g);
	memset(got, 'X', sizeof(got));
	gn = mosaic_strftime(got, sizeof(got), fmt, &m);
	if (gn != wn || strcmp(got, want) != 0)
		fail_msg("strftime(\"%s\") of %d-%d-%d: mosaic %zu \"%s\", "
			 "glibc %zu \"%s\"",
			 fmt, g->tm_year + 1900, g->tm_mon + 1, g->tm_mday, gn,
			 got, wn, want);
	/* a buffer one byte too small fails as in glibc */
	if (wn > 0) {
		wn = strftime(want, wn, fmt, g);
		gn = mosaic_strftime(got, wn ? wn : sizeof(got), fmt, &m);
		assert_int_equal(wn, 0);
		assert_int_equal(mosaic_strftime(got, strlen(want), fmt, &m),
				 0);
	}
}

static void random_tm(struct tm *g, long long range)
{
	time_t t = (time_t)((long long)(test_rng() % (2 * range + 1)) - range);

	if (test_rng_below(2))
		assert_non_null(gmtime_r(&t, g));
	else
		assert_non_null(localtime_r(&t, g));
}

static void test_strftime_every_conversion(void **state)
{
	(void)state;
	test_rng_seed(0x5f7);
	for (int i = 0; i < 3000; i++) {
		struct tm g;

		/* years 1 to about 4000, and then anything up to 2^40 s */
		random_tm(&g, i < 2000 ? 64000000000ll : TWO_40);
		for (size_t f = 0; f < COUNT(strftime_formats); f++)
			compare_strftime(&g, strftime_formats[f]);
	}
}

/* Every character after %, %E and %O, and after each flag. */
static void test_strftime_every_character(void **state)
{
	static const char *const prefixes[] = { "%",  "%E", "%O", "%-", "%_",
						"%0", "%^", "%#", "%4" };
	struct tm g;

	(void)state;
	test_rng_seed(0xc4a);
	for (int i = 0; i < 40; i++) {
		random_tm(&g, 4000000000ll);
		for (size_t p = 0; p < COUNT(prefixes); p++) {
			for (int c = 1; c < 128; c++) {
				char fmt[8];

				if (c == '+') /* glibc's '+' flag: not here */
					continue;
				snprintf(fmt, sizeof(fmt), "%s%c", prefixes[p],
					 c);
				compare_strftime(&g, fmt);
			}
		}
	}
}

/* ISO weeks turn over at year ends: check every day around them. */
static void test_strftime_iso_year_ends(void **state)
{
	(void)state;
	for (int year = 1890; year <= 2110; year++) {
		struct tm g = { .tm_year = year - 1900,
				.tm_mon = 11,
				.tm_mday = 25 };
		time_t t = timegm(&g);

		for (int d = 0; d < 14; d++, t += 86400) {
			assert_non_null(gmtime_r(&t, &g));
			compare_strftime(&g, "%G %g %V %U %W %j %u %w");
		}
	}
}

static void test_asctime_ctime(void **state)
{
	char want[64], got[64];
	struct tm g;
	struct mosaic_tm m;

	(void)state;
	test_rng_seed(0xa5c);
	for (int i = 0; i < 20000; i++) {
		time_t t;

		random_tm(&g, 250000000000ll); /* up to year ~9900 */
		to_mosaic(&g, &m);
		t = timegm(&g);
		/* years below -999 need 27 bytes: both fail */
		if (!asctime_r(&g, want)) {
			assert_null(mosaic_asctime_r(&m, got));
			assert_null(mosaic_ctime_r(&t, got));
			continue;
		}
		assert_ptr_equal(mosaic_asctime_r(&m, got), got);
		assert_string_equal(got, want);
		assert_string_equal(mosaic_ctime_r(&t, got), ctime_r(&t, want));
	}
	/* names out of range, and a year too wide for 26 bytes */
	memset(&g, 0, sizeof(g));
	g.tm_wday = 9;
	g.tm_mon = -1;
	to_mosaic(&g, &m);
	assert_string_equal(mosaic_asctime(&m), asctime(&g));
	m.tm_year = 100000;
	errno = 0;
	assert_null(mosaic_asctime_r(&m, got));
	assert_int_equal(errno, EOVERFLOW);
}

static void test_clock_gettime_getres(void **state)
{
	static const int clocks[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	struct mosaic_timespec ts;

	(void)state;
	fake_rtc_ns = 0;
	fake_mono_ns = 7500000001ull;
	for (size_t i = 0; i < COUNT(clocks); i++) {
		ts.tv_sec = ts.tv_nsec = -1;
		assert_int_equal(mosaic_clock_getres(clocks[i], &ts), 0);
		assert_int_equal(ts.tv_sec, 0);
		assert_int_equal(ts.tv_nsec, 1);
		assert_int_equal(mosaic_clock_gettime(clocks[i], &ts), 0);
		assert_int_equal(ts.tv_sec, 7);
		assert_int_equal(ts.tv_nsec, 500000001);
	}
	assert_int_equal(mosaic_clock_getres(CLOCK_MONOTONIC, NULL), 0);
	errno = 0;
	assert_int_equal(mosaic_clock_getres(8, &ts), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(mosaic_clock_gettime(-1, &ts), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(mosaic_clock_gettime(CLOCK_REALTIME, NULL), -1);
	assert_int_equal(errno, EFAULT);
	/* with an RTC the realtime clock adds it */
	fake_rtc_ns = 1700000000ull * 1000000000ull;
	assert_int_equal(mosaic_clock_gettime(CLOCK_REALTIME, &ts), 0);
	assert_int_equal(ts.tv_sec, 1700000007);
	assert_int_equal(mosaic_time(NULL), 1700000007);
	assert_int_equal(mosaic_timespec_get(&ts, TIME_UTC), TIME_UTC);
	assert_int_equal(mosaic_timespec_get(&ts, 2), 0);
	assert_int_equal(mosaic_clock(), 7500000);
	fake_rtc_ns = 0;
}

static void test_gettimeofday(void **state)
{
	struct mosaic_timeval tv;
	struct mosaic_timezone tz = { -60, 1 };

	(void)state;
	fake_rtc_ns = 1000000000ull * 1000000000ull;
	fake_mono_ns = 1234567891ull;
	assert_int_equal(mosaic_gettimeofday(&tv, &tz), 0);
	assert_int_equal(tv.tv_sec, 1000000001);
	assert_int_equal(tv.tv_usec, 234567);
	assert_int_equal(tz.tz_minuteswest, 0);
	assert_int_equal(tz.tz_dsttime, 0);
	assert_int_equal(mosaic_gettimeofday(NULL, NULL), 0);
	fake_rtc_ns = 0;
}

static void test_nanosleep_never_early(void **state)
{
	static const uint64_t divisors[] = { 1, 2, 3, 1000000000000ull };
	struct mosaic_timespec req = { 1, 500 }, rem = { 9, 9 };

	(void)state;
	for (size_t i = 0; i < COUNT(divisors); i++) {
		uint64_t start = fake_mono_ns;

		sleep_divisor = divisors[i];
		sleep_calls = 0;
		req.tv_nsec = i < 3 ? 500 : 20; /* the last: 1 ns per call */
		req.tv_sec = i < 3 ? 1 : 0;
		assert_int_equal(mosaic_nanosleep(&req, &rem), 0);
		assert_true(fake_mono_ns - start >=
			    (uint64_t)req.tv_sec * 1000000000ull +
				    (uint64_t)req.tv_nsec);
		assert_true(sleep_calls >= 1);
		assert_int_equal(rem.tv_sec, 0);
		assert_int_equal(rem.tv_nsec, 0);
	}
	sleep_divisor = 1;
	/* zero sleeps not at all */
	req.tv_sec = req.tv_nsec = 0;
	sleep_calls = 0;
	assert_int_equal(mosaic_nanosleep(&req, NULL), 0);
	assert_int_equal(sleep_calls, 0);
}

static void test_nanosleep_invalid(void **state)
{
	struct mosaic_timespec bad[] = {
		{ 0, -1 }, { 0, 1000000000 }, { -1, 0 }, { 5, LONG_MAX }
	};

	(void)state;
	for (size_t i = 0; i < COUNT(bad); i++) {
		errno = 0;
		assert_int_equal(mosaic_nanosleep(&bad[i], NULL), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(mosaic_clock_nanosleep(CLOCK_MONOTONIC, 0,
							&bad[i], NULL),
				 EINVAL);
	}
	errno = 0;
	assert_int_equal(mosaic_nanosleep(NULL, NULL), -1);
	assert_int_equal(errno, EFAULT);
}

static void test_clock_nanosleep(void **state)
{
	struct mosaic_timespec req, rem = { 3, 3 };

	(void)state;
	sleep_divisor = 3;
	/* absolute on the monotonic clock */
	fake_mono_ns = 10000000000ull;
	req = (struct mosaic_timespec){ 12, 5 };
	assert_int_equal(mosaic_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
						&req, &rem),
			 0);
	assert_true(fake_mono_ns >= 12000000005ull);
	assert_int_equal(rem.tv_sec, 3); /* untouched */
	/* a deadline already past returns at once */
	sleep_calls = 0;
	req = (struct mosaic_timespec){ 1, 0 };
	assert_int_equal(mosaic_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
						&req, NULL),
			 0);
	assert_int_equal(sleep_calls, 0);
	/* absolute on the realtime clock */
	fake_rtc_ns = 1600000000ull * 1000000000ull;
	req = (struct mosaic_timespec){ 1600000020, 0 };
	assert_int_equal(mosaic_clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME,
						&req, NULL),
			 0);
	assert_true(time_wall_ns() >= 1600000020ull * 1000000000ull);
	/* relative on the realtime clock */
	req = (struct mosaic_timespec){ 0, 999 };
	assert_int_equal(mosaic_clock_nanosleep(CLOCK_REALTIME, 0, &req, &rem),
			 0);
	assert_int_equal(rem.tv_sec, 0);
	fake_rtc_ns = 0;
	sleep_divisor = 1;
	/* clocks */
	assert_int_equal(
		mosaic_clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL),
		EINVAL);
	assert_int_equal(
		mosaic_clock_nanosleep(CLOCK_MONOTONIC_RAW, 0, &req, NULL),
		ENOTSUP);
	assert_int_equal(mosaic_clock_nanosleep(42, 0, &req, NULL), EINVAL);
	assert_int_equal(mosaic_clock_nanosleep(CLOCK_BOOTTIME, 0, NULL, NULL),
			 EFAULT);
}

static void test_sleep_usleep(void **state)
{
	uint64_t start;

	(void)state;
	sleep_divisor = 2;
	start = fake_mono_ns;
	assert_int_equal(mosaic_sleep(3), 0);
	assert_true(fake_mono_ns - start >= 3000000000ull);
	start = fake_mono_ns;
	assert_int_equal(mosaic_usleep(1500), 0);
	assert_true(fake_mono_ns - start >= 1500000ull);
	start = fake_mono_ns;
	assert_int_equal(mosaic_usleep(0), 0);
	assert_int_equal(fake_mono_ns, start);
	sleep_divisor = 1;
}

static void test_difftime(void **state)
{
	static const long pairs[][2] = { { 0, 0 },
					 { 10, 3 },
					 { -5, 7 },
					 { LONG_MAX, LONG_MIN },
					 { LONG_MIN, LONG_MAX },
					 { 1ll << 53, -(1ll << 53) },
					 { 123456789, -1 } };

	(void)state;
	for (size_t i = 0; i < COUNT(pairs); i++)
		assert_true(mosaic_difftime(pairs[i][0], pairs[i][1]) ==
			    difftime(pairs[i][0], pairs[i][1]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gmtime_random),
		cmocka_unit_test(test_gmtime_every_day_1900_2400),
		cmocka_unit_test(test_gmtime_overflow),
		cmocka_unit_test(test_mktime_normalises_as_glibc),
		cmocka_unit_test(test_mktime_extremes),
		cmocka_unit_test(test_strftime_every_conversion),
		cmocka_unit_test(test_strftime_every_character),
		cmocka_unit_test(test_strftime_iso_year_ends),
		cmocka_unit_test(test_asctime_ctime),
		cmocka_unit_test(test_clock_gettime_getres),
		cmocka_unit_test(test_gettimeofday),
		cmocka_unit_test(test_nanosleep_never_early),
		cmocka_unit_test(test_nanosleep_invalid),
		cmocka_unit_test(test_clock_nanosleep),
		cmocka_unit_test(test_sleep_usleep),
		cmocka_unit_test(test_difftime),
	};

	return cmocka_run_group_tests(tests, setup_utc, NULL);
}
