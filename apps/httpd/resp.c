/* SPDX-License-Identifier: MIT */
/*
 * Response heads (RFC 9112 §4, RFC 9110 §6.6) and the short error
 * responses, each one write() so that a pipelined client sees no partial
 * head between two requests.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "date.h"
#include "httpd.h"

#define HEAD_BYTES RESP_HEAD_BYTES

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 416:
		return "Range Not Satisfiable";
	case 431:
		return "Request Header Fields Too Large";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Internal Server Error";
	}
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Appends len bytes of s; past the end, *n becomes HEAD_BYTES for good.
 * Plain copies rather than snprintf(): the head is built for every
 * response, and formatting cost more than the rest of the head. */
static void put(char *h, size_t *n, const char *s, size_t len)
{
	if (*n >= HEAD_BYTES || len > HEAD_BYTES - *n) {
		*n = HEAD_BYTES;
		return;
	}
	__builtin_memcpy(h + *n, s, len); /* inline for the literals */
	*n += len;
}

static void puts0(char *h, size_t *n, const char *s)
{
	put(h, n, s, strlen(s));
}

/* Appends "Name: value\r\n" when value is not NULL; `field` is the
 * literal "Name: ". */
#define add(h, n, field, value) add_field(h, n, field, sizeof(field) - 1, value)

static void add_field(char *h, size_t *n, const char *field, size_t flen,
		      const char *value)
{
	if (!value)
		return;
	put(h, n, field, flen);
	puts0(h, n, value);
	put(h, n, "\r\n", 2);
}

/* Appends v >= 0 in decimal. */
static void put_dec(char *h, size_t *n, unsigned long long v)
{
	char d[20];
	size_t i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	put(h, n, d + i, sizeof(d) - i);
}

/* Writes both buffers, in as few calls as the socket allows. */
static int writev_all(int fd, const char *a, size_t alen, const char *b,
		      size_t blen)
{
	while (alen) {
		struct iovec iov[2] = { { (void *)a, alen },
					{ (void *)b, blen } };
		ssize_t n = writev(fd, iov, blen ? 2 : 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if ((size_t)n < alen) {
			a += n;
			alen -= (size_t)n;
			continue;
		}
		n -= (ssize_t)alen;
		alen = 0;
		b += n;
		blen -= (size_t)n;
	}
	return write_all(fd, b, blen);
}

size_t resp_head(struct conn *c, const struct response *r, char *h)
{
	char date[HTTP_DATE_BYTES];
	size_t n = 0;
	int st = r->status;

	c->status = st;
	http_date_format(time(NULL), date);
	put(h, &n, "HTTP/1.1 ", 9);
	put_dec(h, &n, (unsigned int)st);
	put(h, &n, " ", 1);
	puts0(h, &n, reason(st));
	put(h, &n, "\r\n", 2);
	add(h, &n, "Date: ", date);
	put(h, &n, "Server: mosaic-httpd\r\n", 22);
	add(h, &n, "Content-Type: ", r->content_type);
	if (r->content_length >= 0) {
		put(h, &n, "Content-Length: ", 16);
		put_dec(h, &n, (unsigned long long)r->content_length);
		put(h, &n, "\r\n", 2);
	}
	add(h, &n, "Content-Range: ", r->content_range);
	add(h, &n, "Accept-Ranges: ", r->ranges ? "bytes" : NULL);
	add(h, &n, "ETag: ", r->etag);
	add(h, &n, "Last-Modified: ", r->last_modified);
	add(h, &n, "Location: ", r->location);
	add(h, &n, "Allow: ", r->allow ? "GET, HEAD" : NULL);
	if (c->close)
		add(h, &n, "Connection: ", "close");
	else if (c->req.minor == 0)
		add(h, &n, "Connection: ", "keep-alive");
	if (n + 2 >= HEAD_BYTES) { /* cannot happen with the limits above */
		c->close = true;
		return 0;
	}
	memcpy(h + n, "\r\n", 2);
	return n + 2;
}

int resp_send(struct conn *c, const struct response *r, const void *body,
	      size_t body_len)
{
	char h[HEAD_BYTES];
	size_t n = resp_head(c, r, h);

	if (!n)
		return -1;
	c->body_bytes += (long long)body_len;
	return writev_all(c->fd, h, n, body, body_len);
}

/* Statuses after which the rest of the stream cannot be parsed. */
static bool must_close(int status)
{
	return status == 400 || status == 408 || status == 413 ||
	       status == 414 || status == 431 || status >= 500;
}

int resp_error(struct conn *c, int status, const char *location)
{
	char body[64];
	struct response r = {
		.status = status,
		.content_type = "text/plain; charset=utf-8",
		.location = location,
		.allow = status == 405,
	};
	int len =
		snprintf(body, sizeof(body), "%d %s\n", status, reason(status));

	if (must_close(status))
		c->close = true;
	r.content_length = len;
	if (c->req.method == HTTP_METHOD_HEAD && !c->req.error)
		return resp_send(c, &r, NULL, 0);
	return resp_send(c, &r, body, (size_t)len);
}
