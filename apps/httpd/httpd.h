/* SPDX-License-Identifier: MIT */
/*
 * The server's pieces: the configuration main() fills in, one connection
 * (conn.c, run by its own microapp), the parking lot that holds idle
 * connections without a microapp (park.c), response heads and error
 * pages (resp.c), files, directories and redirects (file.c, dir.c).
 */
#ifndef HTTPD_HTTPD_H
#define HTTPD_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "http.h"

#define HTTPD_ROOT_MAX_BYTES 1024
/* The root, a normalised target (at most twice the target's limit when
 * "%xx" decodes are counted generously), "/index.html" and a NUL. */
#define HTTPD_PATH_BYTES (HTTPD_ROOT_MAX_BYTES + 2 * HTTP_TARGET_MAX_BYTES + 32)

/* Immutable once main() starts accepting. */
struct httpd_config {
	const char *root; /* no trailing '/'; "" for the file system's root */
	size_t root_len;
	bool log; /* one line per request on stdout */
	unsigned int idle_timeout_s;
	unsigned int max_conns;
	/* -q: a GET of exactly this target ends the appliance with status 0
	 * once answered (tests use it); NULL: off. */
	const char *quit_target;
	/* -s: a GET of exactly this target answers with the connection
	 * counts and the appliance's memory figures (text/plain, one
	 * "name value" per line); NULL: off. */
	const char *stats_target;
};

struct park;

/* The server as a whole. Locking: [I] immutable once accepting, [a]
 * atomic. */
struct httpd {
	const struct httpd_config *cfg; /* [I] */
	struct park *park; /* [I] NULL: idle connections keep their microapp */
	unsigned int active; /* [a] open connections, parked ones included;
			      * dropped by one before the socket closes */
};

/* One connection; owned by its microapp alone. */
struct conn {
	const struct httpd_config *cfg;
	struct httpd *srv;
	int fd;
	uint32_t addr; /* the peer's IPv4 address, network order */
	char peer[16]; /* dotted quad, for the log */
	/* when the next request head must have arrived (CLOCK_MONOTONIC
	 * ns); 0: the idle timeout from the start */
	unsigned long long deadline_ns;
	struct http_request req; /* the request being answered */
	bool close; /* answer with "Connection: close", then close */
	bool quit; /* end the appliance after this connection */
	int status; /* of the response, for the log */
	long long body_bytes; /* body bytes sent, for the log */
	size_t len; /* bytes in buf */
	char buf[HTTP_HEAD_MAX_BYTES];
	char path[HTTPD_PATH_BYTES];
};

/* A response head; zero/NULL fields are left out. */
struct response {
	int status;
	const char *content_type;
	long long content_length; /* -1: none (304) */
	const char *etag;
	const char *last_modified;
	const char *location;
	const char *content_range; /* "bytes 0-9/100" or "bytes * /100" */
	bool allow; /* "Allow: GET, HEAD" (405) */
	bool ranges; /* "Accept-Ranges: bytes" */
};

/*
 * Serves the connection on c->fd until it closes, fails, asks to close,
 * or lets the idle timeout pass without sending a whole request head
 * (counted from its start or the previous response, however the bytes
 * trickle in); then closes c->fd and drops c->srv->active. A connection
 * that stays idle for a moment with nothing buffered is handed to the
 * parking lot instead (c->fd and the count go with it). c is freed by
 * the caller either way.
 */
void conn_serve(struct conn *c);

/*
 * Gives connection fd (already counted in srv->active) a microapp of its
 * own running conn_serve(). addr is the peer (network order);
 * deadline_ns as struct conn's. Returns 0, or -1 (no memory) with fd
 * and the count still the caller's.
 */
int conn_start(struct httpd *srv, int fd, uint32_t addr,
	       unsigned long long deadline_ns);

/*
 * Starts the parking lot of srv: one microapp watching idle connections
 * with epoll. When one becomes readable or is hung up it gets a microapp
 * again (conn_start()); when its deadline passes it is closed. Returns 0
 * and *out, or -1 (errno set).
 */
int park_start(struct httpd *srv, struct park **out);

/*
 * Hands idle connection fd (counted in srv->active, nothing buffered) to
 * the lot until it becomes readable, or is closed at deadline_ns. On
 * success the lot owns fd and its count. Returns 0, or -1 (no memory,
 * fd not pollable) and the caller keeps fd. Any microapp.
 */
int park_conn(struct park *p, int fd, uint32_t addr,
	      unsigned long long deadline_ns);

/* Connections in the lot now. Any microapp. */
unsigned int park_count(struct park *p);

/* CLOCK_MONOTONIC in nanoseconds. */
unsigned long long now_ns(void);

/* Writes all of buf to fd. Returns 0, or -1 (errno set). */
int write_all(int fd, const void *buf, size_t len);

/* Room for every field of a head, a Location of a whole target among
 * them. */
#define RESP_HEAD_BYTES (HTTP_TARGET_MAX_BYTES + 1024)

/*
 * Writes r's head, with Date, Server and the Connection field c->close
 * and the request's version call for, into h (RESP_HEAD_BYTES), and
 * records the status for the log. Returns its length, or 0 when it did
 * not fit (cannot happen with the limits; c->close is then set).
 */
size_t resp_head(struct conn *c, const struct response *r, char *h);

/*
 * Sends r's head (as resp_head() makes it) followed by body[0..body_len)
 * (NULL and 0 for none, or when the caller sends the body itself).
 * Records the status and body bytes for the log. Returns 0 or -1 (the
 * connection is then unusable).
 */
int resp_send(struct conn *c, const struct response *r, const void *body,
	      size_t body_len);

/*
 * Sends a complete short response of `status` with a text/plain body
 * naming it (only its head for HEAD); statuses that leave the request
 * stream unreadable set c->close first. location, when not NULL, is sent
 * as Location (301). Returns 0 or -1.
 */
int resp_error(struct conn *c, int status, const char *location);

/*
 * Answers c->req (a valid GET or HEAD) from the files under the root:
 * a file, a directory's index.html or listing, a redirect, or an error.
 * Returns 0, or -1 when the connection must be dropped.
 */
int file_serve(struct conn *c);

/*
 * Answers with a listing of the directory at c->path (a NUL-terminated
 * file path; url_path is the path as the client sees it, ending in '/').
 * Returns 0 or -1 as file_serve().
 */
int dir_list(struct conn *c, const char *url_path);

#endif /* HTTPD_HTTPD_H */
