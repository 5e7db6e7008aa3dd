/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.x request head parser (RFC 9112 §2.2, §3, §5; RFC 9110 §5.6,
 * §7.2). Strict where leniency has caused request smuggling: no
 * whitespace before a field's colon, no obsolete line folding, no bare
 * CR, one Host, one Content-Length value. Lines may end in CRLF or LF.
 */
#include "http.h"

#include <string.h>

/* One line of the head: [p, p + len), without its LF or a CR right
 * before that LF. */
struct line {
	const char *p;
	size_t len;
};

/* tchar of RFC 9110 §5.6.2. */
static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_token(const char *p, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_tchar((unsigned char)p[i]))
			return false;
	return true;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool http_str_eq(struct http_str s, const char *w)
{
	size_t n = strlen(w);

	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s.p[i]) != w[i])
			return false;
	return true;
}

/* The line starting at buf[pos], or false when no LF ends it before len.
 * A CR is allowed only right before the LF. */
static bool next_line(const char *buf, size_t len, size_t pos, struct line *ln,
		      bool *bad_cr)
{
	const char *lf = memchr(buf + pos, '\n', len - pos);

	if (!lf)
		return false;
	ln->p = buf + pos;
	ln->len = (size_t)(lf - ln->p);
	if (ln->len && ln->p[ln->len - 1] == '\r')
		ln->len--;
	*bad_cr = memchr(ln->p, '\r', ln->len) != NULL;
	return true;
}

/* While the request line is still arriving: 414 as soon as the target
 * seen so far is too long, else 0. */
static int early_target_check(const char *p, size_t len)
{
	const char *sp1 = memchr(p, ' ', len), *sp2;
	size_t rest;

	if (!sp1)
		return 0;
	rest = len - (size_t)(sp1 + 1 - p);
	sp2 = memchr(sp1 + 1, ' ', rest);
	if (sp2)
		rest = (size_t)(sp2 - (sp1 + 1));
	return rest > HTTP_TARGET_MAX_BYTES ? 414 : 0;
}

static int parse_version(const char *v, size_t len, int *minor)
{
	if (len != 8 || memcmp(v, "HTTP/", 5) || v[6] != '.' || v[5] < '0' ||
	    v[5] > '9' || v[7] < '0' || v[7] > '9')
		return 400;
	if (v[5] != '1')
		return 505;
	*minor = v[7] - '0';
	return 0;
}

static int parse_request_line(struct line ln, struct http_request *req)
{
	const char *end = ln.p + ln.len, *sp1, *sp2;
	size_t tlen;

	req->line.p = ln.p;
	req->line.len = ln.len;
	sp1 = memchr(ln.p, ' ', ln.len);
	if (!sp1 || !is_token(ln.p, (size_t)(sp1 - ln.p)))
		return 400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2)
		return (size_t)(end - sp1 - 1) > HTTP_TARGET_MAX_BYTES ? 414
								       : 400;
	tlen = (size_t)(sp2 - sp1 - 1);
	if (tlen > HTTP_TARGET_MAX_BYTES)
		return 414;
	if (!tlen)
		return 400;
	for (size_t i = 1; i <= tlen; i++)
		if ((unsigned char)sp1[i] <= 0x20 ||
		    (unsigned char)sp1[i] >= 0x7f)
			return 400;
	req->target.p = sp1 + 1;
	req->target.len = tlen;
	if (sp1 - ln.p == 3 && !memcmp(ln.p, "GET", 3))
		req->method = HTTP_METHOD_GET;
	else if (sp1 - ln.p == 4 && !memcmp(ln.p, "HEAD", 4))
		req->method = HTTP_METHOD_HEAD;
	return parse_version(sp2 + 1, (size_t)(end - sp2 - 1), &req->minor);
}

/* What the fields said about the connection and the body. */
struct field_state {
	unsigned int hosts;
	bool has_length;
	unsigned long long length;
	bool chunked_or_te;
	bool conn_close;
	bool conn_keep_alive;
};

/* Each comma-separated token of a Connection value (RFC 9110 §7.6.1). */
static void parse_connection(struct http_str v, struct field_state *fs)
{
	size_t i = 0;

	while (i < v.len) {
		size_t start, end;

		while (i < v.len &&
		       (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == ','))
			i++;
		start = i;
		while (i < v.len && v.p[i] != ',')
			i++;
		end = i;
		while (end > start &&
		       (v.p[end - 1] == ' ' || v.p[end - 1] == '\t'))
			end--;
		struct http_str tok = { v.p + start, end - start };
		if (http_str_eq(tok, "close"))
			fs->conn_close = true;
		else if (http_str_eq(tok, "keep-alive"))
			fs->conn_keep_alive = true;
	}
}

/* 1*DIGIT, at most 18 of them (no overflow); repeats must agree. */
static int parse_content_length(struct http_str v, struct field_state *fs)
{
	unsigned long long n = 0;

	if (!v.len || v.len > 18)
		return 400;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return 400;
		n = n * 10 + (unsigned long long)(v.p[i] - '0');
	}
	if (fs->has_length && fs->length != n)
		return 400;
	fs->has_length = true;
	fs->length = n;
	return 0;
}

static int apply_field(struct http_str name, struct http_str value,
		       struct http_request *req, struct field_state *fs)
{
	if (http_str_eq(name, "host"))
		fs->hosts++;
	else if (http_str_eq(name, "content-length"))
		return parse_content_length(value, fs);
	else if (http_str_eq(name, "transfer-encoding"))
		fs->chunked_or_te = true;
	else if (http_str_eq(name, "connection"))
		parse_connection(value, fs);
	else if (http_str_eq(name, "if-none-match"))
		req->if_none_match = value;
	else if (http_str_eq(name, "if-modified-since"))
		req->if_modified_since = value;
	else if (http_str_eq(name, "range"))
		req->range = value;
	else if (http_str_eq(name, "if-range"))
		req->if_range = value;
	return 0;
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 §5). */
static int parse_field(struct line ln, struct http_request *req,
		       struct field_state *fs)
{
	const char *colon = memchr(ln.p, ':', ln.len);
	struct http_str name, value;
	size_t b, e;

	if (!colon || !is_token(ln.p, (size_t)(colon - ln.p)))
		return 400;
	name.p = ln.p;
	name.len = (size_t)(colon - ln.p);
	b = name.len + 1;
	e = ln.len;
	while (b < e && (ln.p[b] == ' ' || ln.p[b] == '\t'))
		b++;
	while (e > b && (ln.p[e - 1] == ' ' || ln.p[e - 1] == '\t'))
		e--;
	for (size_t i = b; i < e; i++) {
		unsigned char c = (unsigned char)ln.p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 400;
	}
	value.p = ln.p + b;
	value.len = e - b;
	return apply_field(name, value, req, fs);
}

static int finish(struct http_request *req, const struct field_state *fs)
{
	if (fs->hosts > 1 || (req->minor >= 1 && fs->hosts == 0))
		return 400;
	req->has_body = fs->chunked_or_te || (fs->has_length && fs->length);
	if (req->minor >= 1)
		req->keep_alive = !fs->conn_close;
	else
		req->keep_alive = fs->conn_keep_alive && !fs->conn_close;
	return 0;
}

/* Offset just past the LF that ends ln. */
static size_t line_end(const char *buf, struct line ln)
{
	size_t pos = (size_t)(ln.p - buf) + ln.len;

	return pos + (buf[pos] == '\r' ? 2 : 1);
}

/* Parses the field lines after the request line, which ended at pos.
 * Returns the head's length, or 0 while incomplete; *err gets a status. */
static size_t parse_fields(const char *buf, size_t len, size_t pos,
			   struct http_request *req, int *err)
{
	struct field_state fs = { 0 };
	unsigned int n = 0;
	struct line ln;
	bool bad_cr;

	for (;;) {
		if (!next_line(buf, len, pos, &ln, &bad_cr))
			return 0;
		pos = line_end(buf, ln);
		if (bad_cr) {
			*err = 400;
			return pos;
		}
		if (!ln.len)
			break;
		if (++n > HTTP_FIELDS_MAX) {
			*err = 431;
			return pos;
		}
		/* Leading whitespace: obsolete line folding (RFC 9112 §5.2). */
		if (ln.p[0] == ' ' || ln.p[0] == '\t')
			*err = 400;
		else
			*err = parse_field(ln, req, &fs);
		if (*err)
			return pos;
	}
	*err = finish(req, &fs);
	return pos;
}

size_t http_parse(const char *buf, size_t len, struct http_request *req)
{
	size_t start = 0, head;
	struct line ln;
	bool bad_cr;
	int err = 0;

	memset(req, 0, sizeof(*req));
	/* RFC 9112 §2.2: empty lines before the request line are ignored. */
	while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	if (!next_line(buf, len, start, &ln, &bad_cr)) {
		err = early_target_check(buf + start, len - start);
		if (!err && len >= HTTP_HEAD_MAX_BYTES)
			err = 431;
		req->error = err;
		return err ? len : 0;
	}
	err = bad_cr ? 400 : parse_request_line(ln, req);
	if (err) {
		req->error = err;
		return line_end(buf, ln);
	}
	head = parse_fields(buf, len, line_end(buf, ln), req, &err);
	if (!head) {
		if (len < HTTP_HEAD_MAX_BYTES)
			return 0;
		err = 431;
		head = len;
	}
	if (!err && head > HTTP_HEAD_MAX_BYTES)
		err = 431;
	req->error = err;
	if (err)
		req->keep_alive = false;
	return head;
}
