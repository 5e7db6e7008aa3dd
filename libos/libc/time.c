/* SPDX-License-Identifier: MIT */
/*
 * <time.h> and <sys/time.h>: the clocks over <kernel/time.h>, sleeping over
 * mapp_sleep_ns(), the calendar (proleptic Gregorian, UTC only, no leap
 * seconds) and strftime() in the C locale. The kernel's wall clock reads
 * 0 when the RTC was unusable; the realtime clock then starts at the epoch
 * at boot, as Linux does on a machine without an RTC.
 */
#include <time.h>
#include <unistd.h>

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <kernel/time.h>
#include <mosaic/mapp.h>

#define SECS_PER_DAY 86400
/* Days from 0000-03-01 to 1970-01-01 in the shifted calendar below. */
#define DAYS_TO_EPOCH 719468

static uint64_t realtime_ns(void)
{
	uint64_t ns = time_wall_ns();

	return ns ? ns : time_ns();
}

/* The nanoseconds of clock `clk`, or -EINVAL when it is unknown. */
static int clock_read_ns(clockid_t clk, uint64_t *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = time_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

int clock_gettime(clockid_t clk, struct timespec *ts)
{
	uint64_t ns;

	if (clock_read_ns(clk, &ns)) {
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

int clock_getres(clockid_t clk, struct timespec *res)
{
	uint64_t ns;

	if (clock_read_ns(clk, &ns)) {
		errno = EINVAL;
		return -1;
	}
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = 1;
	}
	return 0;
}

time_t time(time_t *t)
{
	time_t now = (time_t)(realtime_ns() / NSEC_PER_SEC);

	if (t)
		*t = now;
	return now;
}

int timespec_get(struct timespec *ts, int base)
{
	if (base != TIME_UTC || !ts)
		return 0;
	clock_gettime(CLOCK_REALTIME, ts);
	return base;
}

clock_t clock(void)
{
	return (clock_t)(time_ns() / (NSEC_PER_SEC / CLOCKS_PER_SEC));
}

double difftime(time_t end, time_t start)
{
	long diff;

	/* Exact whenever end - start fits a long and 53 bits. */
	if (__builtin_sub_overflow(end, start, &diff))
		return (double)end - (double)start;
	return (double)diff;
}

/* The nanoseconds of a valid *ts (0 before the epoch), saturated. */
static uint64_t timespec_to_ns(const struct timespec *ts)
{
	if (ts->tv_sec < 0)
		return 0;
	if ((uint64_t)ts->tv_sec >= UINT64_MAX / NSEC_PER_SEC)
		return UINT64_MAX;
	return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

static bool timespec_is_valid(const struct timespec *ts)
{
	return ts->tv_nsec >= 0 && ts->tv_nsec < (long)NSEC_PER_SEC;
}

/* Blocks until clock `clk` reads at least deadline_ns. mapp_sleep_ns()
 * waits at least as asked on the monotonic clock; the loop also covers a
 * realtime clock that a later RTC read might move. */
static void sleep_until_ns(clockid_t clk, uint64_t deadline_ns)
{
	uint64_t now;

	for (;;) {
		clock_read_ns(clk, &now);
		if (now >= deadline_ns)
			return;
		mapp_sleep_ns(deadline_ns - now);
	}
}

static void sleep_for_ns(uint64_t ns)
{
	uint64_t start = time_ns();
	uint64_t deadline = start + ns < start ? UINT64_MAX : start + ns;

	sleep_until_ns(CLOCK_MONOTONIC, deadline);
}

int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req,
		    struct timespec *rem)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
		break;
	case CLOCK_THREAD_CPUTIME_ID:
		return EINVAL;
	default:
		/* Linux: known clocks that cannot sleep are ENOTSUP. */
		return clk > CLOCK_THREAD_CPUTIME_ID && clk <= CLOCK_BOOTTIME
			       ? ENOTSUP
			       : EINVAL;
	}
	if (!req)
		return EFAULT;
	if (!timespec_is_valid(req) || req->tv_sec < 0)
		return EINVAL;
	if (flags & TIMER_ABSTIME) {
		sleep_until_ns(clk, timespec_to_ns(req));
		return 0;
	}
	sleep_for_ns(timespec_to_ns(req));
	if (rem) {
		rem->tv_sec = 0;
		rem->tv_nsec = 0;
	}
	return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	int err = clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);

	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

unsigned int sleep(unsigned int seconds)
{
	sleep_for_ns((uint64_t)seconds * NSEC_PER_SEC);
	return 0;
}

int usleep(unsigned int usec)
{
	sleep_for_ns((uint64_t)usec * 1000);
	return 0;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	uint64_t ns = realtime_ns();

	if (tv) {
		tv->tv_sec = (time_t)(ns / NSEC_PER_SEC);
		tv->tv_usec = (suseconds_t)(ns % NSEC_PER_SEC / 1000);
	}
	/* As glibc: an obsolete struct timezone reads as UTC. */
	if (tz)
		memset(tz, 0, sizeof(struct timezone));
	return 0;
}

/* Floor division and modulo, for days and seconds before the epoch. */
static int64_t div_floor(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static int64_t mod_floor(int64_t a, int64_t b)
{
	return a - div_floor(a, b) * b;
}

/*
 * Days since 1970-01-01 of year y, month m (1-12), day d (1-31), on a
 * calendar whose years start on March 1, so that February 29 ends one:
 * each 400-year era has 146097 days, and the day of a shifted year is a
 * linear function of its month (153 days per 5 months).
 */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = div_floor(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - DAYS_TO_EPOCH;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The inverse of days_from_civil(): fills year, month and day of *tm.
 * Returns false when the year does not fit tm_year. */
static bool civil_from_days(int64_t days, struct tm *tm)
{
	int64_t z = days + DAYS_TO_EPOCH;
	int64_t era = div_floor(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);

	if (y - 1900 > INT_MAX || y - 1900 < INT_MIN)
		return false;
	tm->tm_year = (int)(y - 1900);
	tm->tm_mon = (int)m - 1;
	tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->tm_yday = (int)(days - days_from_civil(y, 1, 1));
	return true;
}

/* Breaks t down into *tm with zone name `zone`; false on overflow. */
static bool break_down(time_t t, struct tm *tm, const char *zone)
{
	int64_t days = div_floor(t, SECS_PER_DAY);
	int64_t secs = t - days * SECS_PER_DAY;
	struct tm out;

	if (!civil_from_days(days, &out))
		return false;
	out.tm_hour = (int)(secs / 3600);
	out.tm_min = (int)(secs / 60 % 60);
	out.tm_sec = (int)(secs % 60);
	/* 1970-01-01 was a Thursday. */
	out.tm_wday = (int)mod_floor(days + 4, 7);
	out.tm_isdst = 0;
	out.tm_gmtoff = 0;
	out.tm_zone = zone;
	*tm = out;
	return true;
}

static struct tm *convert(const time_t *t, struct tm *tm, const char *zone)
{
	if (!t || !tm) {
		errno = EFAULT;
		return NULL;
	}
	if (!break_down(*t, tm, zone)) {
		errno = EOVERFLOW;
		return NULL;
	}
	return tm;
}

static _Thread_local struct tm tm_buf;

struct tm *gmtime_r(const time_t *t, struct tm *tm)
{
	return convert(t, tm, "GMT");
}

struct tm *gmtime(const time_t *t)
{
	return gmtime_r(t, &tm_buf);
}

struct tm *localtime_r(const time_t *t, struct tm *tm)
{
	return convert(t, tm, "UTC");
}

struct tm *localtime(const time_t *t)
{
	return localtime_r(t, &tm_buf);
}

void tzset(void)
{
}

/* The time_t of *tm's fields, carried over as needed. With int fields
 * the result stays far inside int64_t (about 2^56 at most). */
static int64_t tm_to_time(const struct tm *tm)
{
	int64_t y = (int64_t)tm->tm_year + 1900 + div_floor(tm->tm_mon, 12);
	int m = (int)mod_floor(tm->tm_mon, 12) + 1;
	int64_t days = days_from_civil(y, m, 1) + tm->tm_mday - 1;

	return days * SECS_PER_DAY + (int64_t)tm->tm_hour * 3600 +
	       (int64_t)tm->tm_min * 60 + tm->tm_sec;
}

static time_t normalise(struct tm *tm, const char *zone)
{
	int64_t t;
	struct tm out;

	if (!tm) {
		errno = EFAULT;
		return -1;
	}
	t = tm_to_time(tm);
	if (!break_down((time_t)t, &out, zone)) {
		errno = EOVERFLOW;
		return -1;
	}
	*tm = out;
	return (time_t)t;
}

time_t mktime(struct tm *tm)
{
	return normalise(tm, "UTC");
}

time_t timegm(struct tm *tm)
{
	return normalise(tm, "GMT");
}

static const char wday_abbr[7][4] = { "Sun", "Mon", "Tue", "Wed",
				      "Thu", "Fri", "Sat" };
static const char mon_abbr[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

char *asctime_r(const struct tm *tm, char *buf)
{
	const char *wday, *mon;
	int n;

	if (!tm || !buf) {
		errno = EFAULT;
		return NULL;
	}
	if (tm->tm_year > INT_MAX - 1900)
		goto overflow;
	wday = tm->tm_wday >= 0 && tm->tm_wday < 7 ? wday_abbr[tm->tm_wday]
						   : "???";
	mon = tm->tm_mon >= 0 && tm->tm_mon < 12 ? mon_abbr[tm->tm_mon] : "???";
	n = snprintf(buf, 26, "%.3s %.3s%3d %.2d:%.2d:%.2d %d\n", wday, mon,
		     tm->tm_mday, tm->tm_hour, tm->tm_min, tm->tm_sec,
		     tm->tm_year + 1900);
	if (n < 0)
		return NULL;
	if (n >= 26)
		goto overflow;
	return buf;
overflow:
	errno = EOVERFLOW;
	return NULL;
}

static _Thread_local char asctime_buf[26];

char *asctime(const struct tm *tm)
{
	return asctime_r(tm, asctime_buf);
}

char *ctime_r(const time_t *t, char *buf)
{
	struct tm tm;

	if (!localtime_r(t, &tm))
		return NULL;
	return asctime_r(&tm, buf);
}

char *ctime(const time_t *t)
{
	return ctime_r(t, asctime_buf);
}

static const char *const wday_name[7] = { "Sunday",    "Monday",   "Tuesday",
					  "Wednesday", "Thursday", "Friday",
					  "Saturday" };
static const char *const mon_name[12] = { "January", "February", "March",
					  "April",   "May",	 "June",
					  "July",    "August",	 "September",
					  "October", "November", "December" };

/* strftime()'s output: everything is counted, bytes past max dropped. */
struct sf_out {
	char *s;
	size_t max;
	size_t len;
};

/* One conversion's flags (glibc's extensions) and width. */
struct sf_spec {
	char pad; /* 0, '_', '0' or '-' */
	bool upcase; /* ^ */
	bool swapcase; /* # */
	int width; /* 0: none */
};

enum sf_case { SF_KEEP, SF_UPPER, SF_LOWER };

static void sf_putc(struct sf_out *o, char c)
{
	if (o->len < o->max)
		o->s[o->len] = c;
	o->len++;
}

static void sf_fill(struct sf_out *o, char c, int n)
{
	while (n-- > 0)
		sf_putc(o, c);
}

/* A string, padded on the left to the width with spaces ('0': zeros). */
static void sf_str(struct sf_out *o, const struct sf_spec *sp, const char *s,
		   size_t n, enum sf_case cs)
{
	sf_fill(o, sp->pad == '0' ? '0' : ' ', sp->width - (int)n);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (cs == SF_UPPER && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (cs == SF_LOWER && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		sf_putc(o, c);
	}
}

/* A name: ^ and # both make it upper case. */
static void sf_name(struct sf_out *o, const struct sf_spec *sp, const char *s)
{
	sf_str(o, sp, s, strlen(s),
	       sp->upcase || sp->swapcase ? SF_UPPER : SF_KEEP);
}

/*
 * A number of at least `digits` digits (padded with `defpad`, '0' or ' ')
 * or of the given width. '_' pads with spaces, '0' with zeros (after the
 * sign), '-' not at all unless a width asks for spaces.
 */
static void sf_num(struct sf_out *o, const struct sf_spec *sp, int64_t v,
		   int digits, char defpad)
{
	char buf[24];
	int n = 0, width = sp->width ? sp->width : digits;
	char pad = sp->pad == '0' ? '0' : sp->pad ? ' ' : defpad;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	if (sp->pad == '-' && !sp->width)
		width = 0;
	do {
		buf[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	width -= n + (v < 0);
	if (pad == ' ')
		sf_fill(o, ' ', width);
	if (v < 0)
		sf_putc(o, '-');
	if (pad == '0')
		sf_fill(o, '0', width);
	while (n)
		sf_putc(o, buf[--n]);
}

static int mod7(int64_t x)
{
	return (int)mod_floor(x, 7);
}

/* Weeks in ISO year y, whose January 1 falls on ISO weekday jan1 (Monday
 * 0): 53 when it starts on a Thursday, or on a Wednesday in a leap year. */
static int iso_weeks(int64_t y, int jan1)
{
	return jan1 == 3 || (jan1 == 2 && is_leap(y)) ? 53 : 52;
}

/* ISO 8601 week-based year and week of *tm (%G, %V). */
static void iso_week(const struct tm *tm, int64_t *year, int *week)
{
	int wd = mod7(tm->tm_wday + 6);
	int jan1 = mod7(wd - tm->tm_yday);
	int64_t y = (int64_t)tm->tm_year + 1900;
	int64_t w = div_floor((int64_t)tm->tm_yday - wd + 10, 7);

	if (w < 1) {
		y--;
		w = iso_weeks(y, mod7(jan1 - (is_leap(y) ? 366 : 365)));
	} else if (w > iso_weeks(y, jan1)) {
		y++;
		w = 1;
	}
	*year = y;
	*week = (int)w;
}

static void sf_format(struct sf_out *o, const char *fmt, const struct tm *tm);

/* A conversion made of others (%c %D %F %r %R %T %x %X): formatted first,
 * then padded to the width; ^ makes it upper case. */
static void sf_sub(struct sf_out *o, const struct sf_spec *sp, const char *fmt,
		   const struct tm *tm)
{
	char buf[128];
	struct sf_out sub = { buf, sizeof(buf), 0 };

	sf_format(&sub, fmt, tm);
	if (sub.len > sizeof(buf))
		sub.len = sizeof(buf); /* only a year of 100+ digits */
	sf_str(o, sp, buf, sub.len, sp->upcase ? SF_UPPER : SF_KEEP);
}

/* %z: the sign, then hhmm, each padded to the width on its own (glibc). */
static void sf_zone_offset(struct sf_out *o, const struct sf_spec *sp,
			   const struct tm *tm)
{
	long off = tm->tm_gmtoff;

	sf_str(o, sp, off < 0 ? "-" : "+", 1, SF_KEEP);
	off = (off < 0 ? -off : off) / 60;
	sf_num(o, sp, off / 60 * 100 + off % 60, 4, '0');
}

/* %s: the seconds since the epoch, padded as a string (zeros, if asked
 * for, go before the sign, as in glibc). */
static void sf_epoch(struct sf_out *o, const struct sf_spec *sp,
		     const struct tm *tm)
{
	char buf[24];
	struct sf_out num = { buf, sizeof(buf), 0 };
	struct sf_spec plain = { 0 };

	sf_num(&num, &plain, tm_to_time(tm), 1, '0');
	sf_str(o, sp, buf, num.len, SF_KEEP);
}

static int hour12(const struct tm *tm)
{
	int h = (int)mod_floor(tm->tm_hour, 12);

	return h ? h : 12;
}

/* Whether conversion c rejects modifier mod (E or O), as glibc does: the
 * sequence is then copied as it stands. */
static bool sf_modifier_is_bad(char c, char mod)
{
	if (mod == 'E')
		return !strchr("CcnpPrRstTuxXyYzZ%", c);
	if (mod == 'O')
		return strchr("AaDFXYcx", c) != NULL;
	return false;
}

/* Conversions of names, text and zones; false if c is none of them. */
static bool sf_text(struct sf_out *o, const struct sf_spec *sp, char c,
		    const struct tm *tm)
{
	bool am = mod_floor(tm->tm_hour, 24) < 12;

	switch (c) {
	case 'a':
		sf_name(o, sp,
			tm->tm_wday >= 0 && tm->tm_wday < 7
				? wday_abbr[tm->tm_wday]
				: "?");
		return true;
	case 'A':
		sf_name(o, sp,
			tm->tm_wday >= 0 && tm->tm_wday < 7
				? wday_name[tm->tm_wday]
				: "?");
		return true;
	case 'b':
	case 'h':
		sf_name(o, sp,
			tm->tm_mon >= 0 && tm->tm_mon < 12
				? mon_abbr[tm->tm_mon]
				: "?");
		return true;
	case 'B':
		sf_name(o, sp,
			tm->tm_mon >= 0 && tm->tm_mon < 12
				? mon_name[tm->tm_mon]
				: "?");
		return true;
	case 'p':
		sf_str(o, sp, am ? "AM" : "PM", 2,
		       sp->swapcase ? SF_LOWER : SF_KEEP);
		return true;
	case 'P':
		sf_str(o, sp, am ? "am" : "pm", 2, SF_KEEP);
		return true;
	case 'Z': {
		const char *zone = tm->tm_zone ? tm->tm_zone : "UTC";

		sf_str(o, sp, zone, strlen(zone),
		       sp->swapcase ? SF_LOWER
		       : sp->upcase ? SF_UPPER
				    : SF_KEEP);
		return true;
	}
	case 'z':
		sf_zone_offset(o, sp, tm);
		return true;
	case 's':
		sf_epoch(o, sp, tm);
		return true;
	case 'n':
		sf_str(o, sp, "\n", 1, SF_KEEP);
		return true;
	case 't':
		sf_str(o, sp, "\t", 1, SF_KEEP);
		return true;
	case '%':
		sf_str(o, sp, "%", 1, SF_KEEP);
		return true;
	default:
		return false;
	}
}

/* Conversions made of others; false if c is none of them. */
static bool sf_composite(struct sf_out *o, const struct sf_spec *sp, char c,
			 const struct tm *tm)
{
	static const char *const subfmt[][2] = {
		{ "c", "%a %b %e %H:%M:%S %Y" },
		{ "D", "%m/%d/%y" },
		{ "F", "%Y-%m-%d" },
		{ "r", "%I:%M:%S %p" },
		{ "R", "%H:%M" },
		{ "T", "%H:%M:%S" },
		{ "x", "%m/%d/%y" },
		{ "X", "%H:%M:%S" },
	};

	for (size_t i = 0; i < sizeof(subfmt) / sizeof(subfmt[0]); i++) {
		if (subfmt[i][0][0] == c) {
			sf_sub(o, sp, subfmt[i][1], tm);
			return true;
		}
	}
	return false;
}

/* Numeric conversions; false if c is none of them. */
static bool sf_number(struct sf_out *o, const struct sf_spec *sp, char c,
		      const struct tm *tm)
{
	int64_t year = (int64_t)tm->tm_year + 1900, iso_year;
	int week;

	switch (c) {
	case 'C':
		sf_num(o, sp, div_floor(year, 100), 1, '0');
		break;
	case 'd':
		sf_num(o, sp, tm->tm_mday, 2, '0');
		break;
	case 'e':
		sf_num(o, sp, tm->tm_mday, 2, ' ');
		break;
	case 'g':
	case 'G':
		iso_week(tm, &iso_year, &week);
		if (c == 'g')
			sf_num(o, sp, mod_floor(iso_year, 100), 2, '0');
		else
			sf_num(o, sp, iso_year, 1, '0');
		break;
	case 'H':
		sf_num(o, sp, tm->tm_hour, 2, '0');
		break;
	case 'I':
		sf_num(o, sp, hour12(tm), 2, '0');
		break;
	case 'j':
		sf_num(o, sp, (int64_t)tm->tm_yday + 1, 3, '0');
		break;
	case 'k':
		sf_num(o, sp, tm->tm_hour, 2, ' ');
		break;
	case 'l':
		sf_num(o, sp, hour12(tm), 2, ' ');
		break;
	case 'm':
		sf_num(o, sp, (int64_t)tm->tm_mon + 1, 2, '0');
		break;
	case 'M':
		sf_num(o, sp, tm->tm_min, 2, '0');
		break;
	case 'S':
		sf_num(o, sp, tm->tm_sec, 2, '0');
		break;
	case 'u':
		sf_num(o, sp, mod7(tm->tm_wday + 6) + 1, 1, '0');
		break;
	case 'U':
		sf_num(o, sp,
		       div_floor((int64_t)tm->tm_yday + 7 - tm->tm_wday, 7), 2,
		       '0');
		break;
	case 'V':
		iso_week(tm, &iso_year, &week);
		sf_num(o, sp, week, 2, '0');
		break;
	case 'w':
		sf_num(o, sp, tm->tm_wday, 1, '0');
		break;
	case 'W':
		sf_num(o, sp,
		       div_floor((int64_t)tm->tm_yday + 7 -
					 mod7(tm->tm_wday + 6),
				 7),
		       2, '0');
		break;
	case 'y':
		sf_num(o, sp, mod_floor(year, 100), 2, '0');
		break;
	case 'Y':
		sf_num(o, sp, year, 1, '0');
		break;
	default:
		return false;
	}
	return true;
}

/* Reads the flags, width and modifier after a '%'; returns the
 * conversion character's position. */
static const char *sf_parse(const char *p, struct sf_spec *sp, char *mod)
{
	*sp = (struct sf_spec){ 0 };
	for (;; p++) {
		if (*p == '_' || *p == '-' || *p == '0')
			sp->pad = *p;
		else if (*p == '^')
			sp->upcase = true;
		else if (*p == '#')
			sp->swapcase = true;
		else
			break;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		if (sp->width < 4096) /* glibc would fail; we stay bounded */
			sp->width = sp->width * 10 + (*p - '0');
	}
	*mod = 0;
	if (*p == 'E' || *p == 'O')
		*mod = *p++;
	return p;
}

static void sf_format(struct sf_out *o, const char *fmt, const struct tm *tm)
{
	const char *p, *start;
	struct sf_spec sp;
	char mod;

	for (p = fmt; *p; p++) {
		if (*p != '%') {
			sf_putc(o, *p);
			continue;
		}
		start = p;
		p = sf_parse(p + 1, &sp, &mod);
		if (*p && !sf_modifier_is_bad(*p, mod) &&
		    (sf_text(o, &sp, *p, tm) || sf_composite(o, &sp, *p, tm) ||
		     sf_number(o, &sp, *p, tm)))
			continue;
		/* Unknown: the sequence as it stands, padded to the width. */
		sf_str(o, &sp, start, (size_t)(p - start) + (*p != 0),
		       sp.upcase ? SF_UPPER : SF_KEEP);
		if (!*p)
			break;
	}
}

size_t strftime(char *restrict s, size_t max, const char *restrict fmt,
		const struct tm *restrict tm)
{
	struct sf_out o = { s, max, 0 };

	sf_format(&o, fmt, tm);
	if (o.len >= max)
		return 0;
	s[o.len] = '\0';
	return o.len;
}
