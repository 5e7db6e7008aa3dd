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

void http_date_format(time_t t, char out[HTTP_DATE_BYTES])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(out, HTTP_DATE_BYTES, "%a, %d %b %Y %H:%M:%S GMT", &tm))
		strcpy(out, "Thu, 01 Jan 1970 00:00:00 GMT");
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
