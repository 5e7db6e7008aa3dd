/* SPDX-License-Identifier: MIT */
/*
 * GET and HEAD on files (RFC 9110 §9.3.1-2): target to path, directories
 * (redirect to the slashed URL, index.html, else a listing), validators
 * (a strong ETag from size and mtime, Last-Modified), the conditionals
 * If-None-Match, If-Modified-Since and If-Range (§13), and one byte range
 * (§14). Bodies go out with sendfile().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "date.h"
#include "httpd.h"
#include "mime.h"
#include "url.h"

#define ETAG_BYTES 48
#define SENDFILE_CHUNK_BYTES (1 << 20)
/* Bodies up to this size are copied next to the head and go out with it
 * in one write, filling segments: a copy this small costs less than a
 * separate, mostly empty segment for the head. */
#define INLINE_BODY_BYTES 4096

enum range_kind { RANGE_WHOLE, RANGE_PART, RANGE_UNSATISFIABLE };

/* A file being answered. */
struct entity {
	int fd;
	const char *path;
	long long size;
	time_t mtime;
	char etag[ETAG_BYTES];
	char last_modified[HTTP_DATE_BYTES];
};

static bool is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* If-None-Match: "*" or a list of entity tags, compared weakly
 * (RFC 9110 §13.1.2: W/ ignored). A malformed list matches nothing. */
static bool etag_listed(struct http_str v, const char *etag)
{
	size_t i = 0, elen = strlen(etag);

	if (v.len == 1 && v.p[0] == '*')
		return true;
	while (i < v.len) {
		const char *close;

		while (i < v.len && (is_ows(v.p[i]) || v.p[i] == ','))
			i++;
		if (i + 2 <= v.len && v.p[i] == 'W' && v.p[i + 1] == '/')
			i += 2;
		if (i >= v.len || v.p[i] != '"')
			return false;
		close = memchr(v.p + i + 1, '"', v.len - i - 1);
		if (!close)
			return false;
		if ((size_t)(close + 1 - (v.p + i)) == elen &&
		    !memcmp(v.p + i, etag, elen))
			return true;
		i = (size_t)(close + 1 - v.p);
	}
	return false;
}

static bool not_modified(const struct http_request *req, const struct entity *e)
{
	time_t since;

	/* If-None-Match, when present, replaces If-Modified-Since. */
	if (req->if_none_match.p)
		return etag_listed(req->if_none_match, e->etag);
	return req->if_modified_since.p &&
	       !http_date_parse(req->if_modified_since.p,
				req->if_modified_since.len, &since) &&
	       e->mtime <= since;
}

/* If-Range (RFC 9110 §13.1.5): a strong match on the ETag, or exactly the
 * Last-Modified date. */
static bool if_range_holds(struct http_str v, const struct entity *e)
{
	time_t t;

	if (!v.p)
		return true;
	if (v.len && v.p[0] == '"')
		return v.len == strlen(e->etag) && !memcmp(v.p, e->etag, v.len);
	return !http_date_parse(v.p, v.len, &t) && t == e->mtime;
}

/* Up to 18 digits at v[*i]; -1 when there are none or too many. */
static long long number(struct http_str v, size_t *i)
{
	long long n = 0;
	size_t start = *i;

	while (*i < v.len && v.p[*i] >= '0' && v.p[*i] <= '9') {
		if (*i - start == 18)
			return -1;
		n = n * 10 + (v.p[(*i)++] - '0');
	}
	return *i == start ? -1 : n;
}

/* One "bytes=first-last", "first-" or "-suffix" (RFC 9110 §14.1.2).
 * Anything else, several ranges included, is ignored: the whole file. */
static enum range_kind parse_range(struct http_str v, long long size,
				   long long *first, long long *last)
{
	size_t i = 6;
	long long a = -1, b = -1;

	if (v.len < 7 || strncasecmp(v.p, "bytes=", 6) ||
	    memchr(v.p, ',', v.len))
		return RANGE_WHOLE;
	if (v.p[i] != '-')
		a = number(v, &i);
	if (i >= v.len || v.p[i++] != '-')
		return RANGE_WHOLE;
	if (i < v.len && (b = number(v, &i)) < 0)
		return RANGE_WHOLE;
	if (i != v.len || (a < 0 && b < 0) || (a >= 0 && b >= 0 && b < a))
		return RANGE_WHOLE;
	if (a < 0) { /* suffix */
		if (b == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*first = b >= size ? 0 : size - b;
		*last = size - 1;
		return RANGE_PART;
	}
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	*first = a;
	*last = b < 0 || b >= size ? size - 1 : b;
	return RANGE_PART;
}

static int send_body(struct conn *c, int fd, long long first, long long count)
{
	off_t off = first;

	while (count > 0) {
		size_t chunk = count > SENDFILE_CHUNK_BYTES
				       ? SENDFILE_CHUNK_BYTES
				       : (size_t)count;
		ssize_t n = sendfile(c->fd, fd, &off, chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		count -= n;
		c->body_bytes += n;
	}
	return 0;
}

static int send_entity(struct conn *c, const struct entity *e)
{
	struct response r = {
		.status = 200,
		.content_type = mime_type(e->path),
		.content_length = e->size,
		.etag = e->etag,
		.last_modified = e->last_modified,
		.ranges = true,
	};
	long long first = 0, last = e->size - 1;
	enum range_kind kind = RANGE_WHOLE;
	char crange[64];

	if (not_modified(&c->req, e)) {
		r.status = 304;
		r.content_type = NULL;
		r.content_length = -1;
		return resp_send(c, &r, NULL, 0);
	}
	if (c->req.method == HTTP_METHOD_GET && c->req.range.p &&
	    if_range_holds(c->req.if_range, e))
		kind = parse_range(c->req.range, e->size, &first, &last);
	if (kind == RANGE_UNSATISFIABLE) {
		snprintf(crange, sizeof(crange), "bytes */%lld", e->size);
		r.status = 416;
		r.content_type = "text/plain; charset=utf-8";
		r.content_range = crange;
		r.content_length = 0;
		return resp_send(c, &r, NULL, 0);
	}
	if (kind == RANGE_PART) {
		snprintf(crange, sizeof(crange), "bytes %lld-%lld/%lld", first,
			 last, e->size);
		r.status = 206;
		r.content_range = crange;
		r.content_length = last - first + 1;
	}
	if (c->req.method == HTTP_METHOD_GET &&
	    r.content_length <= INLINE_BODY_BYTES) {
		/* Read straight in behind the head: one write, and no copy
		 * to gather the two. */
		char buf[RESP_HEAD_BYTES + INLINE_BODY_BYTES];
		size_t n = resp_head(c, &r, buf);

		if (!n)
			return -1;
		if (pread(e->fd, buf + n, (size_t)r.content_length, first) ==
		    r.content_length) {
			c->body_bytes += r.content_length;
			return write_all(c->fd, buf,
					 n + (size_t)r.content_length);
		}
		/* Short read (the file changed): sendfile() sorts it out. */
	}
	if (resp_send(c, &r, NULL, 0))
		return -1;
	if (c->req.method == HTTP_METHOD_HEAD)
		return 0;
	return send_body(c, e->fd, first, r.content_length);
}

/* Appends v in lower-case hex at p; returns the end. */
static char *put_hex(char *p, unsigned long long v)
{
	int shift = 60;

	while (shift > 0 && !(v >> shift))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = "0123456789abcdef"[(v >> shift) & 15];
	return p;
}

/* "SIZE-MTIME" in hex, quoted: at most 2 * 16 + 4 bytes with the NUL,
 * within ETAG_BYTES. Built by hand: it is made for every response. */
static void make_etag(char out[ETAG_BYTES], unsigned long long size,
		      unsigned long long mtime)
{
	char *p = out;

	*p++ = '"';
	p = put_hex(p, size);
	*p++ = '-';
	p = put_hex(p, mtime);
	*p++ = '"';
	*p = '\0';
}

/* open() and stat() errors as statuses. */
static int errno_status(int err)
{
	if (err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG ||
	    err == ELOOP)
		return 404;
	return err == EACCES ? 403 : 500;
}

static int serve_regular(struct conn *c, const char *path)
{
	struct entity e = { .path = path };
	struct stat st;
	int rc;

	e.fd = open(path, O_RDONLY);
	if (e.fd < 0)
		return resp_error(c, errno_status(errno), NULL);
	if (fstat(e.fd, &st) || !S_ISREG(st.st_mode)) {
		close(e.fd);
		return resp_error(c, 404, NULL);
	}
	e.size = st.st_size;
	e.mtime = st.st_mtim.tv_sec;
	make_etag(e.etag, (unsigned long long)st.st_size,
		  (unsigned long long)st.st_mtim.tv_sec);
	http_date_format(e.mtime, e.last_modified);
	rc = send_entity(c, &e);
	close(e.fd);
	return rc;
}

/* "/dir" names a directory: send the client to "/dir/" (url_path, with
 * its '/') so that relative links in its page resolve inside it. The
 * Location is made from the normalised path, never the raw one: a raw
 * "//host/..%2fdir" would send a browser to another host. */
static int redirect_slash(struct conn *c, const struct url_parts *u,
			  const char *url_path)
{
	char loc[HTTP_TARGET_MAX_BYTES + 8];
	size_t used = 0;

	if (url_encode_path(loc, sizeof(loc), &used, url_path) ||
	    (u->query && used + 1 + u->query_len >= sizeof(loc)))
		return resp_error(c, 414, NULL);
	if (u->query)
		snprintf(loc + used, sizeof(loc) - used, "?%.*s",
			 (int)u->query_len, u->query);
	return resp_error(c, 301, loc);
}

static int serve_dir(struct conn *c, const struct url_parts *u, size_t path_len)
{
	static const char index_name[] = "index.html";
	char *url_path = c->path + c->cfg->root_len;
	struct stat st;

	if (!u->dir)
		return redirect_slash(c, u, url_path);
	memcpy(c->path + path_len, index_name, sizeof(index_name));
	if (!stat(c->path, &st) && S_ISREG(st.st_mode))
		return serve_regular(c, c->path);
	c->path[path_len] = '\0';
	return dir_list(c, url_path);
}

int file_serve(struct conn *c)
{
	const struct httpd_config *cfg = c->cfg;
	size_t cap = sizeof(c->path) - cfg->root_len - 16, len;
	struct url_parts u;
	struct stat st;
	int rc;

	memcpy(c->path, cfg->root, cfg->root_len);
	rc = url_to_path(c->req.target.p, c->req.target.len,
			 c->path + cfg->root_len, cap, &u);
	if (rc)
		return resp_error(c, rc, NULL);
	if (stat(c->path, &st))
		return resp_error(c, errno_status(errno), NULL);
	len = strlen(c->path);
	if (S_ISDIR(st.st_mode)) {
		if (c->path[len - 1] != '/')
			c->path[len++] = '/';
		c->path[len] = '\0';
		return serve_dir(c, &u, len);
	}
	/* A file named with a trailing slash is not a directory. */
	if (u.dir)
		return resp_error(c, 404, NULL);
	return serve_regular(c, c->path);
}
