/* SPDX-License-Identifier: MIT */
/*
 * One connection (RFC 9112 §9): read, parse, answer, in order, for as long
 * as the client keeps the connection open and its requests allow it.
 * Pipelined requests are answered from the bytes already read before
 * reading again. Each request head must arrive whole within the idle
 * timeout of the connection's start or the previous response: a client
 * trickling a byte now and then cannot hold a connection for longer (a
 * partial head then gets a 408, an idle connection is just closed). A
 * stalled reader is dropped after the same time without progress
 * (SO_SNDTIMEO). A connection with nothing buffered that stays silent
 * for PARK_GRACE_NS goes to the parking lot (park.c), keeping its
 * deadline, and this microapp ends: an active client keeps its microapp
 * between requests, an idle one costs only its socket and a record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <mosaic/mapp.h>
#include <mosaic/memstats.h>

#include "httpd.h"

#define LOG_LINE_MAX_BYTES 200 /* of the request line, escaped */
#define DRAIN_MAX_BYTES (64 << 10)
#define LINGER_NS 2000000000ull
#define NS_PER_S 1000000000ull
#define PARK_GRACE_NS 100000000ull
#define PARKED 2 /* await(): the lot has the connection now */

/* Escapes the request line for the console: printable ASCII stays. */
static void log_escape(char *out, size_t cap, struct http_str line)
{
	size_t o = 0, i;

	if (!line.p) {
		snprintf(out, cap, "-");
		return;
	}
	for (i = 0; i < line.len && o + 8 < cap; i++) {
		unsigned char ch = (unsigned char)line.p[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
	}
	if (i < line.len)
		o += (size_t)snprintf(out + o, cap - o, "...");
	out[o] = '\0';
}

static void log_request(const struct conn *c)
{
	char line[LOG_LINE_MAX_BYTES + 16], msg[LOG_LINE_MAX_BYTES + 96];
	int n;

	log_escape(line, sizeof(line), c->req.line);
	n = snprintf(msg, sizeof(msg), "httpd: %s \"%s\" %d %lld\n", c->peer,
		     line, c->status, c->body_bytes);
	/* One write: lines of several connections never interleave. */
	if (n > 0)
		write_all(1, msg,
			  (size_t)n < sizeof(msg) ? (size_t)n
						  : sizeof(msg) - 1);
}

static int quit(struct conn *c)
{
	static const char bye[] = "bye\n";
	struct response r = { .status = 200,
			      .content_type = "text/plain; charset=utf-8",
			      .content_length = sizeof(bye) - 1 };

	c->close = true;
	c->quit = true;
	return resp_send(c, &r, bye, sizeof(bye) - 1);
}

/* The figures a benchmark watches while it holds connections open. */
static int stats(struct conn *c)
{
	struct response r = { .status = 200,
			      .content_type = "text/plain; charset=utf-8" };
	struct mosaic_memstats ms;
	struct mapp_stats ss;
	char body[448];
	int n;

	if (mosaic_memstats(&ms))
		return resp_error(c, 500, NULL);
	mapp_get_stats(&ss);
	n = snprintf(
		body, sizeof(body),
		"conns %u\nparked %u\ntotal_pages %lu\nfree_pages %lu\n"
		"heap_objects %lu\nheap_pages %lu\nheap_large_pages %lu\n"
		"switches %llu\nipis %llu\nsteals %llu\n",
		__atomic_load_n(&c->srv->active, __ATOMIC_RELAXED),
		c->srv->park ? park_count(c->srv->park) : 0, ms.ms_total_pages,
		ms.ms_free_pages, ms.ms_heap_objects, ms.ms_heap_pages,
		ms.ms_heap_large_pages, (unsigned long long)ss.switches,
		(unsigned long long)ss.ipis, (unsigned long long)ss.steals);
	if (n < 0 || (size_t)n >= sizeof(body))
		return resp_error(c, 500, NULL);
	r.content_length = n;
	return resp_send(c, &r, body, (size_t)n);
}

/* Whether the request is a GET of exactly target q (NULL: none). */
static bool is_target(const struct conn *c, const char *q)
{
	return q && c->req.method == HTTP_METHOD_GET &&
	       c->req.target.len == strlen(q) &&
	       !memcmp(c->req.target.p, q, c->req.target.len);
}

/* Answers the parsed request. Returns 0, or -1 when the connection broke. */
static int answer(struct conn *c)
{
	const struct http_request *req = &c->req;
	int rc;

	c->status = 0;
	c->body_bytes = 0;
	c->close = !req->keep_alive;
	if (req->error)
		rc = resp_error(c, req->error, NULL);
	else if (req->has_body) /* its bytes would be read as a request */
		rc = resp_error(c, 413, NULL);
	else if (req->method == HTTP_METHOD_OTHER)
		rc = resp_error(c, 405, NULL);
	else if (is_target(c, c->cfg->quit_target))
		rc = quit(c);
	else if (is_target(c, c->cfg->stats_target))
		rc = stats(c);
	else
		rc = file_serve(c);
	if (c->cfg->log && c->status)
		log_request(c);
	return rc;
}

unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * NS_PER_S +
	       (unsigned long long)ts.tv_nsec;
}

/* Lets the next read wait until `deadline` at most. Returns false when it
 * has passed. */
static bool read_until(struct conn *c, unsigned long long deadline)
{
	unsigned long long now = now_ns(), left;
	struct timeval tv;

	if (now >= deadline)
		return false;
	left = deadline - now;
	tv.tv_sec = (time_t)(left / NS_PER_S);
	tv.tv_usec = (suseconds_t)(left % NS_PER_S / 1000);
	if (!tv.tv_sec && !tv.tv_usec)
		tv.tv_usec = 1; /* a zero timeval means "no timeout" */
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return true;
}

/* Reads more of the request stream before `deadline`. Returns 1 when it
 * read some, 0 at end of stream or an error, -1 when the deadline passed. */
static int fill(struct conn *c, unsigned long long deadline)
{
	ssize_t n;

	if (c->len == sizeof(c->buf))
		return 0;
	do {
		if (!read_until(c, deadline))
			return -1;
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -1;
	if (n <= 0)
		return 0;
	c->len += (size_t)n;
	return 1;
}

/* Waits for more of the request stream as fill(), but when nothing is
 * buffered and nothing comes for a moment, parks the connection (and
 * returns PARKED) rather than keep this microapp for an idle client. */
static int await(struct conn *c, unsigned long long deadline)
{
	unsigned long long grace = now_ns() + PARK_GRACE_NS;
	int rc;

	if (c->len || !c->srv->park || grace >= deadline)
		return fill(c, deadline);
	rc = fill(c, grace);
	if (rc >= 0)
		return rc;
	if (!park_conn(c->srv->park, c->fd, c->addr, deadline))
		return PARKED;
	return fill(c, deadline);
}

/* After the last response: stop sending, and read what the client still
 * sends for a moment (at most LINGER_NS in all, however it trickles), so
 * that closing with unread data does not reset the connection before the
 * client has read the response (RFC 9112 §9.6). */
static void linger(struct conn *c)
{
	unsigned long long deadline = now_ns() + LINGER_NS;
	size_t total = 0;
	ssize_t n;

	shutdown(c->fd, SHUT_WR);
	while (total < DRAIN_MAX_BYTES && read_until(c, deadline) &&
	       (n = read(c->fd, c->buf, sizeof(c->buf))) > 0)
		total += (size_t)n;
}

/* The head did not arrive in time: say so if it had begun (RFC 9110
 * §15.5.9), and close. */
static void timed_out(struct conn *c)
{
	int rc;

	if (!c->len)
		return;
	memset(&c->req, 0, sizeof(c->req));
	c->status = 0;
	c->body_bytes = 0;
	c->close = true;
	rc = resp_error(c, 408, NULL);
	if (c->cfg->log && c->status)
		log_request(c);
	if (!rc)
		linger(c);
}

void conn_serve(struct conn *c)
{
	unsigned long long idle_ns = c->cfg->idle_timeout_s * NS_PER_S;
	unsigned long long deadline =
		c->deadline_ns ? c->deadline_ns : now_ns() + idle_ns;
	struct timeval tv = { .tv_sec = c->cfg->idle_timeout_s };
	size_t n;
	int rc;

	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (;;) {
		n = http_parse(c->buf, c->len, &c->req);
		if (!n) {
			rc = await(c, deadline);
			if (rc == PARKED)
				return;
			if (rc < 0)
				timed_out(c);
			if (rc <= 0)
				break;
			continue;
		}
		if (answer(c))
			break;
		deadline = now_ns() + idle_ns;
		if (c->close) {
			linger(c);
			break;
		}
		memmove(c->buf, c->buf + n, c->len - n);
		c->len -= n;
	}
	__atomic_fetch_sub(&c->srv->active, 1, __ATOMIC_RELEASE);
	close(c->fd);
	if (c->quit) {
		printf("httpd: exiting on request\n");
		/* exit() waits until the peer has acknowledged our data. */
		exit(0);
	}
}
