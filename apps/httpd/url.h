/* SPDX-License-Identifier: MIT */
/*
 * Request targets to file paths and back (RFC 3986 §2.1, §5.2.4;
 * RFC 9112 §3.2): percent-decoding, dot-segment removal that cannot climb
 * above the root, and the escaping a generated page needs. Pure functions
 * over caller buffers.
 */
#ifndef HTTPD_URL_H
#define HTTPD_URL_H

#include <stdbool.h>
#include <stddef.h>

/* What url_to_path() found in the target besides the path. */
struct url_parts {
	const char *raw_path; /* the path as sent, before '?' */
	size_t raw_path_len;
	const char *query; /* after '?' (without it), or NULL */
	size_t query_len;
	bool dir; /* the path ended in '/' (or a dot segment) */
};

/*
 * Turns the request target [target, target + len) (origin-form "/a/b?q"
 * or absolute-form "http://host/a/b") into a normalised absolute path in
 * out[0..cap): it starts with '/', has no empty, "." or ".." segments, and
 * ends in '/' only when it is "/" or parts->dir. Returns 0, 400 (not a
 * path, a bad or NUL %-escape, ".." above the root) or 414 (the result
 * does not fit in cap bytes with its NUL).
 */
int url_to_path(const char *target, size_t len, char *out, size_t cap,
		struct url_parts *parts);

/*
 * Appends name to out (which holds *used bytes of cap), escaped for an
 * HTML text or attribute (url_html_escape) or as one path segment of a
 * URL (url_encode_segment: every byte but unreserved ones as %XX). Both
 * return 0, or -1 when it did not fit (out is then unchanged); out stays
 * NUL-terminated.
 */
int url_html_escape(char *out, size_t cap, size_t *used, const char *name);
int url_encode_segment(char *out, size_t cap, size_t *used, const char *name);

/*
 * Appends the normalised path `path` (from url_to_path()) %-encoded as the
 * path of a URL: '/' and the other bytes RFC 3986 allows in a path stay.
 * As a path from url_to_path() has no empty segment, the result never
 * starts with "//" (which a browser would take for another host). Returns
 * 0 or -1 as url_encode_segment().
 */
int url_encode_path(char *out, size_t cap, size_t *used, const char *path);

#endif /* HTTPD_URL_H */
