/* SPDX-License-Identifier: MIT */
/*
 * Host tests of apps/httpd's pure parts: the request head parser (every
 * prefix of a request in a buffer of exactly that size, so ASan catches a
 * read past it), target-to-path mapping, HTTP-dates, media types and the
 * escaping of listed names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "date.h"
#include "http.h"
#include "mime.h"
#include "url.h"

/* Parses s from a heap copy of exactly its length. */
static size_t parse(const char *s, size_t len, struct http_request *req)
{
	char *copy = malloc(len ? len : 1);
	size_t n;

	memcpy(copy, s, len);
	n = http_parse(copy, len, req);
	/* The request's pointers lead into copy: rebase them onto s. */
	if (req->target.p)
		req->target.p = s + (req->target.p - copy);
	if (req->range.p)
		req->range.p = s + (req->range.p - copy);
	if (req->if_none_match.p)
		req->if_none_match.p = s + (req->if_none_match.p - copy);
	if (req->line.p)
		req->line.p = s + (req->line.p - copy);
	free(copy);
	return n;
}

static size_t parse_str(const char *s, struct http_request *req)
{
	return parse(s, strlen(s), req);
}

static void test_simple_get(void **state)
{
	static const char r[] = "GET /a/b?c HTTP/1.1\r\nHost: x\r\n"
				"Range:  bytes=1-2 \r\n"
				"If-None-Match: \"e\"\r\n\r\n";
	struct http_request req;

	(void)state;
	assert_int_equal(parse_str(r, &req), strlen(r));
	assert_int_equal(req.error, 0);
	assert_int_equal(req.method, HTTP_METHOD_GET);
	assert_int_equal(req.minor, 1);
	assert_true(req.keep_alive);
	assert_false(req.has_body);
	assert_int_equal(req.target.len, 6);
	assert_memory_equal(req.target.p, "/a/b?c", 6);
	assert_int_equal(req.range.len, 9);
	assert_memory_equal(req.range.p, "bytes=1-2", 9);
	assert_int_equal(req.if_none_match.len, 3);
	assert_int_equal(req.line.len, 19);
}

/* Every proper prefix is incomplete; the whole is one request. */
static void test_prefixes(void **state)
{
	static const char r[] = "HEAD /x HTTP/1.0\r\nConnection: keep-alive\r\n"
				"X-Other: y\r\n\r\n";
	struct http_request req;

	(void)state;
	for (size_t i = 0; i < strlen(r); i++)
		assert_int_equal(parse(r, i, &req), 0);
	assert_int_equal(parse_str(r, &req), strlen(r));
	assert_int_equal(req.error, 0);
	assert_int_equal(req.method, HTTP_METHOD_HEAD);
	assert_int_equal(req.minor, 0);
	assert_true(req.keep_alive);
}

static void test_pipelined(void **state)
{
	static const char r[] =
		"GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /2 HTTP/1.1\nHost: x\nConnection: close\n\n"
		"GET /3";
	struct http_request req;
	size_t a, b;

	(void)state;
	a = parse_str(r, &req);
	assert_int_equal(a, strlen("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"));
	assert_memory_equal(req.target.p, "/1", 2);
	b = parse(r + a, strlen(r) - a, &req);
	assert_int_equal(req.error, 0);
	assert_false(req.keep_alive);
	assert_memory_equal(req.target.p, "/2", 2);
	assert_int_equal(parse(r + a + b, strlen(r) - a - b, &req), 0);
}

static void test_keep_alive_rules(void **state)
{
	static const struct {
		const char *r;
		bool keep;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: x\r\n\r\n", true },
		{ "GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n",
		  false },
		{ "GET / HTTP/1.1\r\nHost: x\r\nConnection: te, close\r\n\r\n",
		  false },
		{ "GET / HTTP/1.0\r\n\r\n", false },
		{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
		  false },
	};
	struct http_request req;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse_str(cases[i].r, &req),
				 strlen(cases[i].r));
		assert_int_equal(req.error, 0);
		assert_int_equal(req.keep_alive, cases[i].keep);
	}
}

static void test_errors(void **state)
{
	static const struct {
		const char *r;
		int status;
	} cases[] = {
		{ "GARBAGE\r\n\r\n", 400 },
		{ "GET / HTTP/1.1 x\r\nHost: x\r\n\r\n", 400 },
		{ "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\rHost: x\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nX: \x7f\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n", 400 },
		{ "GET / HTTP/1\r\nHost: x\r\n\r\n", 400 },
		{ "GET / HTTP/1.1x\r\nHost: x\r\n\r\n", 400 },
		{ "GET / HTTP/x.1\r\nHost: x\r\n\r\n", 400 },
		{ "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505 },
		{ "GET / HTTP/0.9\r\nHost: x\r\n\r\n", 505 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
		  400 },
		{ "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
		  "Content-Length: 2\r\n\r\n",
		  400 },
		{ "GET / HTTP/1.1\r\nHost: x\r\n"
		  "Content-Length: 9999999999999999999\r\n\r\n",
		  400 },
	};
	struct http_request req;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = parse_str(cases[i].r, &req);

		assert_true(n > 0 && n <= strlen(cases[i].r));
		assert_int_equal(req.error, cases[i].status);
		assert_false(req.keep_alive);
	}
}

static void test_bodies(void **state)
{
	static const char *const r[] = {
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
		"Content-Length: 2\r\n\r\n",
	};
	struct http_request req;

	(void)state;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		assert_int_equal(parse_str(r[i], &req), strlen(r[i]));
		assert_int_equal(req.error, 0);
		assert_true(req.has_body);
	}
	assert_int_equal(parse_str("GET / HTTP/1.1\r\nHost: x\r\n"
				   "Content-Length: 0\r\n\r\n",
				   &req),
			 46);
	assert_false(req.has_body);
	assert_int_equal(req.method, HTTP_METHOD_GET);
	parse_str("get / HTTP/1.1\r\nHost: x\r\n\r\n", &req);
	assert_int_equal(req.method, HTTP_METHOD_OTHER);
}

static void test_limits(void **state)
{
	size_t len = 64 + HTTP_HEAD_MAX_BYTES;
	char *big = malloc(len + 1);
	struct http_request req;
	size_t n;

	(void)state;
	/* A target over the limit: 414 before its request line ends. */
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', HTTP_TARGET_MAX_BYTES);
	assert_int_equal(parse(big, 5 + HTTP_TARGET_MAX_BYTES - 1, &req), 0);
	assert_int_equal(parse(big, 5 + HTTP_TARGET_MAX_BYTES, &req),
			 5 + HTTP_TARGET_MAX_BYTES);
	assert_int_equal(req.error, 414);
	/* Exactly at the limit: fine. */
	memset(big + 5, 'a', HTTP_TARGET_MAX_BYTES - 1);
	n = 4 + HTTP_TARGET_MAX_BYTES;
	n += (size_t)sprintf(big + n, " HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(parse(big, n, &req), n);
	assert_int_equal(req.error, 0);
	assert_int_equal(req.target.len, HTTP_TARGET_MAX_BYTES);
	/* A head that reaches the limit without ending: 431. */
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nHost: x\r\nX: ");
	memset(big + n, 'y', len - n);
	assert_int_equal(parse(big, HTTP_HEAD_MAX_BYTES - 1, &req), 0);
	assert_int_equal(parse(big, HTTP_HEAD_MAX_BYTES, &req),
			 HTTP_HEAD_MAX_BYTES);
	assert_int_equal(req.error, 431);
	/* Too many field lines. */
	n = (size_t)sprintf(big, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < HTTP_FIELDS_MAX; i++)
		n += (size_t)sprintf(big + n, "A: b\r\n");
	n += (size_t)sprintf(big + n, "\r\n");
	parse(big, n, &req);
	assert_int_equal(req.error, 431);
	free(big);
}

static void test_url(void **state)
{
	static const struct {
		const char *target, *path;
		int status;
		bool dir;
	} cases[] = {
		{ "/", "/", 0, true },
		{ "/a/b.html", "/a/b.html", 0, false },
		{ "/a/", "/a/", 0, true },
		{ "//a//b", "/a/b", 0, false },
		{ "/a/./b/../c", "/a/c", 0, false },
		{ "/a/b/..", "/a/", 0, true },
		{ "/a/.", "/a/", 0, true },
		{ "/%61%2Fb", "/a/b", 0, false },
		{ "/a%20b?x=/../..", "/a b", 0, false },
		{ "http://h/x", "/x", 0, false },
		{ "http://h", "/", 0, true },
		{ "/..", NULL, 400, false },
		{ "/a/../..", NULL, 400, false },
		{ "/%2e%2e/x", NULL, 400, false },
		{ "/%00", NULL, 400, false },
		{ "/%0", NULL, 400, false },
		{ "/%g0", NULL, 400, false },
		{ "a", NULL, 400, false },
		{ "*", NULL, 400, false },
		{ "ftp://h/x", NULL, 400, false },
	};
	char out[64];
	struct url_parts u;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *t = cases[i].target;
		int rc = url_to_path(t, strlen(t), out, sizeof(out), &u);

		assert_int_equal(rc, cases[i].status);
		if (rc)
			continue;
		assert_string_equal(out, cases[i].path);
		assert_int_equal(u.dir, cases[i].dir);
	}
	assert_int_equal(url_to_path("/a?q=1", 6, out, sizeof(out), &u), 0);
	assert_int_equal(u.raw_path_len, 2);
	assert_int_equal(u.query_len, 3);
	/* Too long for out: 414, never a write past it. */
	char t[200];
	t[0] = '/';
	memset(t + 1, 'z', sizeof(t) - 1);
	assert_int_equal(url_to_path(t, sizeof(t), out, sizeof(out), &u), 414);
}

static void test_escape(void **state)
{
	char out[64];
	size_t used = 0;

	(void)state;
	assert_int_equal(url_html_escape(out, sizeof(out), &used, "a&<b>\"'"),
			 0);
	assert_string_equal(out, "a&amp;&lt;b&gt;&quot;&#39;");
	used = 0;
	assert_int_equal(url_encode_segment(out, sizeof(out), &used,
					    "a b%/\xc3\xa9-_.~"),
			 0);
	assert_string_equal(out, "a%20b%25%2F%C3%A9-_.~");
	used = 0;
	assert_int_equal(url_encode_segment(out, 8, &used, "\x01\x02\x03"), -1);
	assert_int_equal(used, 0);
	assert_string_equal(out, "");
	used = 0;
	assert_int_equal(url_encode_path(out, sizeof(out), &used,
					 "/a b/%?#\\/!$&'()*+,;=:@-._~/"),
			 0);
	assert_string_equal(out, "/a%20b/%25%3F%23%5C/!$&'()*+,;=:@-._~/");
	used = 0;
	assert_int_equal(url_encode_path(out, 6, &used, "/ab/\\"), -1);
	assert_int_equal(used, 0);
}

/* A redirect's Location is built from url_to_path()'s result: it must
 * never start with "//", whatever the target. */
static void test_redirect_path(void **state)
{
	static const char *const targets[] = {
		"//evil.example/..%2flist",
		"/%2F/evil.example/../list",
		"/%2f%2fx",
		"///x",
		"http://h//x",
		"/././/x",
	};
	char path[256], loc[256];
	struct url_parts u;

	(void)state;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		size_t used = 0;

		assert_int_equal(url_to_path(targets[i], strlen(targets[i]),
					     path, sizeof(path), &u),
				 0);
		assert_int_equal(url_encode_path(loc, sizeof(loc), &used, path),
				 0);
		assert_true(loc[0] == '/' && loc[1] != '/');
	}
}

/* Formatting keeps the last two results: asked in turns, over and over,
 * each time gives its own date, never a neighbour's. */
static void test_date_format_repeats(void **state)
{
	static const struct {
		time_t t;
		const char *s;
	} d[] = {
		{ 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
		{ 784111777, "Sun, 06 Nov 1994 08:49:37 GMT" },
		{ 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },
		{ 253402300799, "Fri, 31 Dec 9999 23:59:59 GMT" },
		{ 784111778, "Sun, 06 Nov 1994 08:49:38 GMT" },
	};
	static const int order[] = { 1, 2, 1, 2, 2, 3, 1, 0, 0, 4, 1, 4, 3 };
	char buf[HTTP_DATE_BYTES];

	(void)state;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		http_date_format(d[order[i]].t, buf);
		assert_string_equal(buf, d[order[i]].s);
	}
}

static void test_date(void **state)
{
	char buf[HTTP_DATE_BYTES];
	time_t t;

	(void)state;
	http_date_format(784111777, buf);
	assert_string_equal(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
	assert_int_equal(http_date_parse(buf, strlen(buf), &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(
		http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", 30, &t), 0);
	assert_int_equal(t, 784111777);
	assert_int_equal(http_date_parse("Sun Nov  6 08:49:37 1994", 24, &t),
			 0);
	assert_int_equal(t, 784111777);
	static const char *const bad[] = {
		"",
		"Sun",
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 25:49:37 GMT",
		"Sun, 06 Xyz 1994 08:49:37 GMT",
		"Abc, 06 Nov 1994 08:49:37 GMT",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"yesterday",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(http_date_parse(bad[i], strlen(bad[i]), &t),
				 -1);
}

static void test_mime(void **state)
{
	(void)state;
	assert_string_equal(mime_type("/a/b.HTML"), "text/html; charset=utf-8");
	assert_string_equal(mime_type("/x.wasm"), "application/wasm");
	assert_string_equal(mime_type("/x.tar.gz"), "application/octet-stream");
	assert_string_equal(mime_type("/d.css/file"),
			    "application/octet-stream");
	assert_string_equal(mime_type("/x."), "application/octet-stream");
	assert_string_equal(mime_type("/.png"), "image/png");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_get),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_keep_alive_rules),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_redirect_path),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_date_format_repeats),
		cmocka_unit_test(test_mime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
