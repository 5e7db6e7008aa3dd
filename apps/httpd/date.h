/* SPDX-License-Identifier: MIT */
/* HTTP-date (RFC 9110 §5.6.7): IMF-fixdate out; IMF-fixdate, the obsolete
 * RFC 850 form and asctime's form in. Always GMT. */
#ifndef HTTPD_DATE_H
#define HTTPD_DATE_H

#include <stddef.h>
#include <time.h>

#define HTTP_DATE_BYTES 30 /* "Sun, 06 Nov 1994 08:49:37 GMT" and NUL */

/* Writes t as an IMF-fixdate into out. */
void http_date_format(time_t t, char out[HTTP_DATE_BYTES]);

/* Parses [p, p + len) as an HTTP-date. Returns 0 and sets *t, or -1 when
 * it is not one (the caller then ignores the field, RFC 9110 §13.1.3). */
int http_date_parse(const char *p, size_t len, time_t *t);

#endif /* HTTPD_DATE_H */
