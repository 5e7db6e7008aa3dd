/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.x request head parser (RFC 9112 §2-3, §5; RFC 9110 §5): a pure
 * function over a byte buffer that may hold a partial head, a whole one,
 * or a head followed by further pipelined requests. It reads nothing past
 * `len`, allocates nothing and keeps pointers into the caller's buffer.
 * Message bodies are not parsed: a request announcing one is refused.
 */
#ifndef HTTPD_HTTP_H
#define HTTPD_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* Limits: the whole head (request line and fields), the request target,
 * and the number of field lines. */
#define HTTP_HEAD_MAX_BYTES 8192
#define HTTP_TARGET_MAX_BYTES 2048
#define HTTP_FIELDS_MAX 100

enum http_method {
	HTTP_METHOD_OTHER,
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD,
};

/* A byte range inside the buffer given to http_parse(); len 0 and p NULL
 * when absent. Not NUL-terminated. */
struct http_str {
	const char *p;
	size_t len;
};

struct http_request {
	/* Set when the request line was complete, even for most errors:
	 * what the access log shows. */
	struct http_str line;
	enum http_method method;
	struct http_str target;
	int minor; /* HTTP/1.<minor>, after the request line parsed */
	bool keep_alive; /* the connection may serve another request */

	/* Fields the server acts on; the last one wins except where noted. */
	struct http_str if_none_match;
	struct http_str if_modified_since;
	struct http_str range;
	struct http_str if_range;
	bool has_body; /* Content-Length > 0 or any Transfer-Encoding */

	/* 0, or the status to answer with (400, 414, 431, 505): the stream
	 * cannot be trusted after it, so the connection must close. */
	int error;
};

/*
 * Parses the request head at the start of buf[0..len).
 * Returns 0 when the head is not complete yet and nothing is wrong so far
 * (more bytes are needed; *req is then unspecified). Otherwise fills *req
 * and returns a positive length, at most len: the head's length when
 * req->error is 0, else how far the parser got. Errors are reported as
 * soon as they are seen, before the head is complete when they can be: a
 * bad request line or field line (400, 505), a target longer than
 * HTTP_TARGET_MAX_BYTES (414, even while the request line is arriving),
 * more than HTTP_FIELDS_MAX field lines or HTTP_HEAD_MAX_BYTES without
 * the end of the head (431).
 */
size_t http_parse(const char *buf, size_t len, struct http_request *req);

/* True when s equals the NUL-terminated lower-case word w, ignoring
 * ASCII case. */
bool http_str_eq(struct http_str s, const char *w);

#endif /* HTTPD_HTTP_H */
