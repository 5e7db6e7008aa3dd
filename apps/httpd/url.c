/* SPDX-License-Identifier: MIT */
/*
 * Request target to file path: the path is %-decoded first and its dot
 * segments removed afterwards, so an encoded "%2e%2e%2f" is a ".." like
 * any other and cannot climb above the root (a target trying is refused
 * rather than clamped: it is never a browser's). Also the escaping of
 * names for generated HTML.
 */
#include "url.h"

#include <string.h>
#include <strings.h>

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Splits the target into its raw path and query. Returns 0 or 400. */
static int split_target(const char *t, size_t len, struct url_parts *parts)
{
	const char *q;

	memset(parts, 0, sizeof(*parts));
	if (len >= 7 && !strncasecmp(t, "http://", 7)) {
		const char *slash = memchr(t + 7, '/', len - 7);

		/* "http://host" alone means the root (RFC 9112 §3.2.2). */
		if (!slash) {
			parts->raw_path = "/";
			parts->raw_path_len = 1;
			return memchr(t + 7, '?', len - 7) ? 400 : 0;
		}
		len -= (size_t)(slash - t);
		t = slash;
	}
	if (!len || t[0] != '/')
		return 400;
	q = memchr(t, '?', len);
	parts->raw_path = t;
	parts->raw_path_len = q ? (size_t)(q - t) : len;
	if (q) {
		parts->query = q + 1;
		parts->query_len = len - parts->raw_path_len - 1;
	}
	return 0;
}

/* %-decodes [p, p + len) into out (at most len bytes). Returns the
 * decoded length, or -1 for a bad escape or a NUL. */
static long decode(const char *p, size_t len, char *out)
{
	size_t i = 0, o = 0;

	while (i < len) {
		char c = p[i++];

		if (c == '%') {
			int hi = i < len ? hex_val(p[i]) : -1;
			int lo = i + 1 < len ? hex_val(p[i + 1]) : -1;

			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (!c)
			return -1;
		out[o++] = c;
	}
	return (long)o;
}

/* Removes dot segments from the decoded path d[0..len) (which starts with
 * '/') into out. Returns 0, 400 above the root, 414 too long. */
static int normalise(const char *d, size_t len, char *out, size_t cap,
		     bool *dir)
{
	size_t o = 0, i = 0;

	*dir = false;
	while (i < len) {
		size_t s = ++i; /* past the '/' */
		const char *slash = memchr(d + s, '/', len - s);
		size_t n = slash ? (size_t)(slash - (d + s)) : len - s;

		i = s + n;
		*dir = n == 0 || (n == 1 && d[s] == '.') ||
		       (n == 2 && d[s] == '.' && d[s + 1] == '.');
		if (n == 0 || (n == 1 && d[s] == '.'))
			continue;
		if (n == 2 && d[s] == '.' && d[s + 1] == '.') {
			if (!o)
				return 400;
			while (out[--o] != '/')
				;
			continue;
		}
		if (o + 1 + n + 2 > cap)
			return 414;
		out[o++] = '/';
		memcpy(out + o, d + s, n);
		o += n;
	}
	if (!o || *dir)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}

int url_to_path(const char *target, size_t len, char *out, size_t cap,
		struct url_parts *parts)
{
	long n;
	int rc = split_target(target, len, parts);

	if (rc)
		return rc;
	if (parts->raw_path_len + 2 > cap)
		return 414;
	/* Decode into the tail of out, normalise into its head: the decoded
	 * path is never longer than the raw one, and normalising only
	 * shortens it, so the write position never passes the read one. */
	char *tmp = out + cap - parts->raw_path_len;
	n = decode(parts->raw_path, parts->raw_path_len, tmp);
	if (n < 0)
		return 400;
	memmove(out + cap - (size_t)n, tmp, (size_t)n);
	tmp = out + cap - (size_t)n;
	return normalise(tmp, (size_t)n, out, cap - (size_t)n, &parts->dir);
}

/* Appends s[0..n) when it fits. */
static int append(char *out, size_t cap, size_t *used, const char *s, size_t n)
{
	if (*used + n + 1 > cap)
		return -1;
	memcpy(out + *used, s, n);
	*used += n;
	out[*used] = '\0';
	return 0;
}

int url_html_escape(char *out, size_t cap, size_t *used, const char *name)
{
	size_t start = *used;

	for (const char *p = name; *p; p++) {
		const char *rep = NULL;
		int rc;

		switch (*p) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		}
		rc = rep ? append(out, cap, used, rep, strlen(rep))
			 : append(out, cap, used, p, 1);
		if (rc) {
			*used = start;
			out[start] = '\0';
			return -1;
		}
	}
	return 0;
}

/* Appends name with every byte outside [A-Za-z0-9] and `keep` as %XX. */
static int encode(char *out, size_t cap, size_t *used, const char *name,
		  const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t start = *used;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
		bool plain = (*p >= 'a' && *p <= 'z') ||
			     (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || strchr(keep, *p);
		int rc = plain ? append(out, cap, used, (const char *)p, 1)
			       : append(out, cap, used, esc, 3);

		if (rc) {
			*used = start;
			out[start] = '\0';
			return -1;
		}
	}
	return 0;
}

int url_encode_segment(char *out, size_t cap, size_t *used, const char *name)
{
	return encode(out, cap, used, name, "-._~");
}

int url_encode_path(char *out, size_t cap, size_t *used, const char *path)
{
	/* pchar and '/' (RFC 3986 §3.3); '%', '?', '#', '\\' and the rest
	 * are escaped, so the result names exactly this path. */
	return encode(out, cap, used, path, "-._~!$&'()*+,;=:@/");
}
