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

/* Room for every field, a Location of a whole target among them. */
#define HEAD_BYTES (HTTP_TARGET_MAX_BYTES + 1024)

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

/* Appends a formatted "Name: value\r\n" when value is not NULL. */
static void add(char *h, size_t *n, const char *name, const char *value)
{
	int w;

	if (!value || *n >= HEAD_BYTES)
		return;
	w = snprintf(h + *n, HEAD_BYTES - *n, "%s: %s\r\n", name, value);
	*n = w < 0 ? HEAD_BYTES : *n + (size_t)w;
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

int resp_send(struct conn *c, const struct response *r, const void *body,
	      size_t body_len)
{
	char h[HEAD_BYTES], date[HTTP_DATE_BYTES], clen[24];
	size_t n = 0;
	int st = r->status;

	c->status = st;
	http_date_format(time(NULL), date);
	n = (size_t)snprintf(h, sizeof(h), "HTTP/1.1 %d %s\r\n", st,
			     reason(st));
	add(h, &n, "Date", date);
	add(h, &n, "Server", "mosaic-httpd");
	add(h, &n, "Content-Type", r->content_type);
	snprintf(clen, sizeof(clen), "%lld", r->content_length);
	add(h, &n, "Content-Length", r->content_length >= 0 ? clen : NULL);
	add(h, &n, "Content-Range", r->content_range);
	add(h, &n, "Accept-Ranges", r->ranges ? "bytes" : NULL);
	add(h, &n, "ETag", r->etag);
	add(h, &n, "Last-Modified", r->last_modified);
	add(h, &n, "Location", r->location);
	add(h, &n, "Allow", r->allow ? "GET, HEAD" : NULL);
	if (c->close)
		add(h, &n, "Connection", "close");
	else if (c->req.minor == 0)
		add(h, &n, "Connection", "keep-alive");
	if (n + 2 >= sizeof(h)) { /* cannot happen with the limits above */
		c->close = true;
		return -1;
	}
	memcpy(h + n, "\r\n", 2);
	c->body_bytes += (long long)body_len;
	return writev_all(c->fd, h, n + 2, body, body_len);
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
