/* SPDX-License-Identifier: MIT */
/*
 * HTTP-date (RFC 9110 §5.6.7). Out: IMF-fixdate only. In: all three forms
 * a recipient must accept; RFC 850's two-digit year is taken to be in
 * 1970-2069 (simpler than §5.6.7's moving window, and the same today).
 */
#include "date.h"

#include <stdbool.h>
#include <string.h>

static const char days[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static void two(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

static void format(time_t t, char out[HTTP_DATE_BYTES])
{
	struct tm tm;
	int year;

	if (!gmtime_r(&t, &tm) || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900 || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11) {
		strcpy(out, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	year = tm.tm_year + 1900;
	memcpy(out, days[tm.tm_wday], 3);
	memcpy(out + 3, ", ", 2);
	two(out + 5, tm.tm_mday);
	out[7] = ' ';
	memcpy(out + 8, months[tm.tm_mon], 3);
	out[11] = ' ';
	two(out + 12, year / 100);
	two(out + 14, year % 100);
	out[16] = ' ';
	two(out + 17, tm.tm_hour);
	out[19] = ':';
	two(out + 20, tm.tm_min);
	out[22] = ':';
	two(out + 23, tm.tm_sec);
	memcpy(out + 25, " GMT", 5);
}

/*
 * Every response carries the current second and most a file's mtime:
 * the last two results are kept, per thread (each connection's microapp
 * answers its requests in turn), so a busy connection formats a date
 * once a second rather than twice a request.
 */
void http_date_format(time_t t, char out[HTTP_DATE_BYTES])
{
	static _Thread_local struct {
		time_t t;
		bool ok;
		char s[HTTP_DATE_BYTES];
	} cache[2];
	static _Thread_local unsigned int next;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (cache[i].ok && cache[i].t == t) {
			memcpy(out, cache[i].s, HTTP_DATE_BYTES);
			return;
		}
	}
	format(t, out);
	i = next;
	next = !next;
	cache[i].t = t;
	cache[i].ok = true;
	memcpy(cache[i].s, out, HTTP_DATE_BYTES);
}

/* n decimal digits at p, or -1. */
static int digits(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static int month_of(const char *p)
{
	for (int i = 0; i < 12; i++)
		if (!memcmp(p, months[i], 3))
			return i;
	return -1;
}

/* "HH:MM:SS" at p into tm. */
static int clock_of(const char *p, struct tm *tm)
{
	if (p[2] != ':' || p[5] != ':')
		return -1;
	tm->tm_hour = digits(p, 2);
	tm->tm_min = digits(p + 3, 2);
	tm->tm_sec = digits(p + 6, 2);
	if (tm->tm_hour < 0 || tm->tm_hour > 23 || tm->tm_min < 0 ||
	    tm->tm_min > 59 || tm->tm_sec < 0 || tm->tm_sec > 60)
		return -1;
	return 0;
}

/* The date after the day name: "06 Nov 1994 08:49:37 GMT" (IMF),
 * "06-Nov-94 08:49:37 GMT" (RFC 850) or "Nov  6 08:49:37 1994" (asctime). */
static int parse_rest(const char *p, size_t len, struct tm *tm)
{
	if (len == 24 && p[2] == ' ' && p[6] == ' ' && p[11] == ' ' &&
	    !memcmp(p + 20, " GMT", 4)) {
		tm->tm_mday = digits(p, 2);
		tm->tm_mon = month_of(p + 3);
		tm->tm_year = digits(p + 7, 4) - 1900;
		return clock_of(p + 12, tm);
	}
	if (len == 22 && p[2] == '-' && p[6] == '-' && p[9] == ' ' &&
	    !memcmp(p + 18, " GMT", 4)) {
		int yy = digits(p + 7, 2);

		tm->tm_mday = digits(p, 2);
		tm->tm_mon = month_of(p + 3);
		tm->tm_year = yy < 0 ? -1 : yy < 70 ? yy + 100 : yy;
		return clock_of(p + 10, tm);
	}
	if (len == 20 && p[3] == ' ' && p[6] == ' ' && p[15] == ' ') {
		tm->tm_mon = month_of(p);
		tm->tm_mday = p[4] == ' ' ? digits(p + 5, 1) : digits(p + 4, 2);
		tm->tm_year = digits(p + 16, 4) - 1900;
		return clock_of(p + 7, tm);
	}
	return -1;
}

static bool is_day(const char *p)
{
	for (int i = 0; i < 7; i++)
		if (!memcmp(p, days[i], 3))
			return true;
	return false;
}

int http_date_parse(const char *p, size_t len, time_t *t)
{
	struct tm tm = { 0 };
	const char *comma = memchr(p, ',', len);
	size_t skip;

	if (comma) { /* IMF-fixdate or RFC 850: a day name and ", " */
		skip = (size_t)(comma - p) + 2;
		if (skip > len || p[skip - 1] != ' ')
			return -1;
	} else { /* asctime: "Sun " */
		skip = 4;
		if (len < skip || p[3] != ' ')
			return -1;
	}
	if (len < 3 || !is_day(p) || parse_rest(p + skip, len - skip, &tm))
		return -1;
	if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_year < 70)
		return -1;
	*t = timegm(&tm);
	return 0;
}
