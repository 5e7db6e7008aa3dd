/* SPDX-License-Identifier: MIT */
/*
 * Host tests of libos/net/dns.c: the query's exact bytes and the name
 * rules (label and name lengths, characters, dots); responses with one
 * and many addresses, CNAME chains (in and out of order, too long, a
 * loop), every RCODE, TC, wrong ID/QR/opcode/question; and the malformed
 * inputs RFC 9267 names: compression pointers to themselves, in a
 * two-pointer cycle, forwards, into the header, into the name's own
 * labels, chains beyond the hop limit, names over 255 bytes, reserved
 * label types, bad counts, rdlength beyond the message, A records of
 * other sizes, CNAME rdata that is not exactly one name, and a valid
 * response truncated at every byte offset (each copy in a buffer of its
 * exact size, so ASan sees any over-read). Then seeded random mutations.
 */
#include <net/dns.h>

#include <kernel/errno.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define ID 0x1234
#define QNAME "www.example.com"
#define QR_RD_RA 0x8180u
#define OFF_QNAME 12 /* where the question's name starts */

struct msg {
	uint8_t b[4096];
	size_t len;
};

static void put8(struct msg *m, unsigned int v)
{
	m->b[m->len++] = (uint8_t)v;
}

static void put16(struct msg *m, unsigned int v)
{
	put8(m, v >> 8);
	put8(m, v);
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

static void set16(struct msg *m, size_t off, unsigned int v)
{
	m->b[off] = (uint8_t)(v >> 8);
	m->b[off + 1] = (uint8_t)v;
}

/* Labels of text (no compression); returns where the name starts. */
static size_t put_name(struct msg *m, const char *text)
{
	size_t start = m->len;

	while (*text) {
		const char *dot = strchr(text, '.');
		size_t n = dot ? (size_t)(dot - text) : strlen(text);
		put8(m, (unsigned int)n);
		memcpy(m->b + m->len, text, n);
		m->len += n;
		text += n;
		if (*text == '.')
			text++;
	}
	put8(m, 0);
	return start;
}

static void put_ptr(struct msg *m, size_t target)
{
	put16(m, 0xc000u | (unsigned int)target);
}

static void put_header(struct msg *m, unsigned int flags, unsigned int qd,
		       unsigned int an, unsigned int ns, unsigned int ar)
{
	m->len = 0;
	put16(m, ID);
	put16(m, flags);
	put16(m, qd);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
}

static void put_question(struct msg *m, const char *name)
{
	put_name(m, name);
	put16(m, DNS_TYPE_A);
	put16(m, DNS_CLASS_IN);
}

static void put_rr(struct msg *m, unsigned int type, uint32_t ttl,
		   unsigned int rdlen)
{
	put16(m, type);
	put16(m, DNS_CLASS_IN);
	put32(m, ttl);
	put16(m, rdlen);
}

/* An A record owned by the question's name (pointer to offset 12). */
static void put_a(struct msg *m, uint32_t ttl, uint8_t a, uint8_t b, uint8_t c,
		  uint8_t d)
{
	put_ptr(m, OFF_QNAME);
	put_rr(m, DNS_TYPE_A, ttl, 4);
	put8(m, a);
	put8(m, b);
	put8(m, c);
	put8(m, d);
}

/* The usual answer: one A record, 192.0.2.1, TTL 300. */
static void make_simple(struct msg *m)
{
	put_header(m, QR_RD_RA, 1, 1, 0, 0);
	put_question(m, QNAME);
	put_a(m, 300, 192, 0, 2, 1);
}

static int parse(const struct msg *m, struct dns_result *r)
{
	return dns_response_parse(m->b, m->len, QNAME, ID, r);
}

static uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint32_t v;
	uint8_t x[4] = { a, b, c, d };
	memcpy(&v, x, 4);
	return v;
}

/* ---- Queries. */

static void test_query_bytes(void **state)
{
	static const uint8_t want[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 3,	'w',  'w',  'w',  7,	'e',
		'x',  'a',  'm',  'p',	'l',  'e',  3,	  'c',	'o',
		'm',  0,    0x00, 0x01, 0x00, 0x01,
	};
	uint8_t buf[DNS_QUERY_MAX];
	(void)state;

	assert_int_equal(dns_query_build(buf, sizeof(buf), QNAME, ID),
			 sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* A final dot changes nothing. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(dns_query_build(buf, sizeof(buf), QNAME ".", ID),
			 sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* Exactly enough room, then one byte short. */
	assert_int_equal(dns_query_build(buf, sizeof(want), QNAME, ID),
			 sizeof(want));
	assert_int_equal(dns_query_build(buf, sizeof(want) - 1, QNAME, ID),
			 -ENOSPC);
}

/* A name of labels of 63 characters (the last one shorter) and total
 * length n. */
static char *long_name(size_t n, size_t label)
{
	char *s = malloc(n + 2);
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		if (run == label && i + 1 < n) {
			s[i] = '.';
			run = 0;
		} else {
			s[i] = (char)('a' + i % 26);
			run++;
		}
	}
	s[n] = '\0';
	return s;
}

static int build(const char *name)
{
	uint8_t buf[DNS_QUERY_MAX + 16];
	return dns_query_build(buf, sizeof(buf), name, 1);
}

static void test_query_names(void **state)
{
	(void)state;
	assert_int_equal(build("a"), 12 + 3 + 4);
	assert_int_equal(build("A-b_9.c"), 12 + 9 + 4);
	assert_int_equal(build(""), -EINVAL);
	assert_int_equal(build("."), -EINVAL);
	assert_int_equal(build(".a"), -EINVAL);
	assert_int_equal(build("a..b"), -EINVAL);
	assert_int_equal(build("a.."), -EINVAL);
	assert_int_equal(build("a b"), -EINVAL);
	assert_int_equal(build("a\\.b"), -EINVAL);
	assert_int_equal(build("caf\xc3\xa9"), -EINVAL);
	assert_int_equal(build("a/b"), -EINVAL);

	/* Labels: 63 is the limit. */
	char *l63 = long_name(63, 63), *l64 = long_name(64, 64);
	assert_int_equal(build(l63), 12 + 65 + 4);
	assert_int_equal(build(l64), -EINVAL);
	free(l63);
	free(l64);

	/* Names: 253 characters is the limit, 254 with a final dot. */
	char *n253 = long_name(253, 63), *n254 = long_name(254, 63);
	assert_int_equal(build(n253), DNS_QUERY_MAX);
	assert_int_equal(build(n254), -EINVAL);
	strcat(n253, ".");
	assert_int_equal(build(n253), DNS_QUERY_MAX);
	free(n253);
	free(n254);
}

/* ---- Good responses. */

static void test_simple(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	make_simple(&m);
	assert_int_equal(parse(&m, &r), 0);
	assert_int_equal(r.dr_naddrs, 1);
	assert_int_equal(r.dr_addrs[0], ip(192, 0, 2, 1));
	assert_int_equal(r.dr_ttl, 300);
	assert_string_equal(r.dr_canon, QNAME);
}

static void test_case_insensitive(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	put_header(&m, QR_RD_RA, 1, 1, 0, 0);
	put_question(&m, "WWW.Example.COM");
	put_a(&m, 30, 10, 0, 0, 1);
	assert_int_equal(parse(&m, &r), 0);
	assert_int_equal(r.dr_addrs[0], ip(10, 0, 0, 1));
	/* The canonical name is the answer's spelling. */
	assert_string_equal(r.dr_canon, "WWW.Example.COM");
	/* And the query may be in any case too. */
	assert_int_equal(
		dns_response_parse(m.b, m.len, "www.EXAMPLE.com.", ID, &r), 0);
}

static void test_many_addresses(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	put_header(&m, QR_RD_RA, 1, DNS_ADDRS_MAX + 4, 0, 0);
	put_question(&m, QNAME);
	for (unsigned int i = 0; i < DNS_ADDRS_MAX + 4; i++)
		put_a(&m, 1000 - i, 10, 0, 1, (uint8_t)i);
	assert_int_equal(parse(&m, &r), 0);
	assert_int_equal(r.dr_naddrs, DNS_ADDRS_MAX);
	for (unsigned int i = 0; i < DNS_ADDRS_MAX; i++)
		assert_int_equal(r.dr_addrs[i], ip(10, 0, 1, (uint8_t)i));
	/* The smallest TTL over every record used (the ignored ones too). */
	assert_int_equal(r.dr_ttl, 1000 - (DNS_ADDRS_MAX + 3));
}

static void test_other_records_skipped(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	/* An AAAA and a TXT for the name, an A for another name, an A of
	 * class CH with 16 bytes, then ours; plus authority and additional
	 * records. */
	put_header(&m, QR_RD_RA, 1, 5, 1, 1);
	put_question(&m, QNAME);
	put_ptr(&m, OFF_QNAME);
	put_rr(&m, 28, 60, 16);
	for (int i = 0; i < 16; i++)
		put8(&m, (unsigned int)i);
	put_ptr(&m, OFF_QNAME);
	put_rr(&m, 16, 60, 3);
	put8(&m, 2);
	put8(&m, 'h');
	put8(&m, 'i');
	put_name(&m, "other.example.com");
	put_rr(&m, DNS_TYPE_A, 60, 4);
	put32(&m, 0x01020304);
	put_ptr(&m, OFF_QNAME);
	put16(&m, DNS_TYPE_A);
	put16(&m, 3); /* CH */
	put32(&m, 60);
	put16(&m, 16);
	for (int i = 0; i < 16; i++)
		put8(&m, 0);
	put_a(&m, 60, 198, 51, 100, 7);
	put_ptr(&m, OFF_QNAME + 4); /* example.com: an NS record */
	put_rr(&m, 2, 60, 2);
	put_ptr(&m, OFF_QNAME + 4);
	put_name(&m, ""); /* the root: an OPT-like record */
	put_rr(&m, 41, 0, 0);
	assert_int_equal(parse(&m, &r), 0);
	assert_int_equal(r.dr_naddrs, 1);
	assert_int_equal(r.dr_addrs[0], ip(198, 51, 100, 7));
	/* Trailing bytes are ignored. */
	put32(&m, 0xdeadbeef);
	assert_int_equal(parse(&m, &r), 0);
}

static void test_ttl_top_bit(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	put_header(&m, QR_RD_RA, 1, 1, 0, 0);
	put_question(&m, QNAME);
	put_a(&m, 0x7fffffffu, 1, 1, 1, 1);
	assert_int_equal(parse(&m, &r), 0);
	assert_int_equal(r.dr_ttl, 0x7fffffffu);
	set16(&m, 6, 2);
	put_a(&m, 0x80000000u, 1, 1, 1, 2);
	assert_int_equal(parse(&m, &r), 0);
	assert_int_equal(r.dr_ttl, 0);
}

/* ---- CNAME chains. */

/* qname -> c1.example.net -> c2.example.org -> A, in the order given by
 * `order` (a permutation of 0..2: 0 and 1 the CNAMEs, 2 the A). */
static void make_chain(struct msg *m, const int order[3])
{
	size_t c1 = 0, c2 = 0;

	put_header(m, QR_RD_RA, 1, 4, 0, 0);
	put_question(m, QNAME);
	/* Write the names first in an unknown record so that pointers to
	 * them point backwards whatever the order. */
	put_ptr(m, OFF_QNAME);
	size_t rdlen_at = m->len + 8;
	put_rr(m, 99, 60, 0);
	size_t rd = m->len;
	c1 = put_name(m, "c1.example.net");
	c2 = put_name(m, "c2.example.org");
	set16(m, rdlen_at, (unsigned int)(m->len - rd));
	for (int i = 0; i < 3; i++) {
		switch (order[i]) {
		case 0:
			put_ptr(m, OFF_QNAME);
			put_rr(m, DNS_TYPE_CNAME, 50, 2);
			put_ptr(m, c1);
			break;
		case 1:
			put_ptr(m, c1);
			put_rr(m, DNS_TYPE_CNAME, 40, 2);
			put_ptr(m, c2);
			break;
		default:
			put_ptr(m, c2);
			put_rr(m, DNS_TYPE_A, 70, 4);
			put32(m, 0xc0000263u);
			break;
		}
	}
}

static void test_cname_chain(void **state)
{
	static const int orders[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
		{ 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	struct msg m;
	struct dns_result r;
	(void)state;

	for (int i = 0; i < 6; i++) {
		make_chain(&m, orders[i]);
		assert_int_equal(parse(&m, &r), 0);
		assert_int_equal(r.dr_naddrs, 1);
		assert_int_equal(r.dr_addrs[0], ip(192, 0, 2, 99));
		assert_string_equal(r.dr_canon, "c2.example.org");
		assert_int_equal(r.dr_ttl, 40);
	}
}

/* A chain of n CNAMEs from the question's name, c0 -> c1 -> ... and an A
 * record for the last one (unless loop: then the last points back to
 * c0). */
static void make_long_chain(struct msg *m, unsigned int n, bool loop)
{
	size_t names[16];
	char name[24];

	put_header(m, QR_RD_RA, 1, n + 2, 0, 0);
	put_question(m, QNAME);
	put_ptr(m, OFF_QNAME);
	size_t rdlen_at = m->len + 8;
	put_rr(m, 99, 60, 0);
	size_t rd = m->len;
	for (unsigned int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "c%u.test", i);
		names[i] = put_name(m, name);
	}
	set16(m, rdlen_at, (unsigned int)(m->len - rd));
	put_ptr(m, OFF_QNAME);
	put_rr(m, DNS_TYPE_CNAME, 60, 2);
	put_ptr(m, names[0]);
	for (unsigned int i = 0; i + 1 < n; i++) {
		put_ptr(m, names[i]);
		put_rr(m, DNS_TYPE_CNAME, 60, 2);
		put_ptr(m, names[i + 1]);
	}
	put_ptr(m, names[n - 1]);
	if (loop) {
		put_rr(m, DNS_TYPE_CNAME, 60, 2);
		put_ptr(m, names[0]);
	} else {
		put_rr(m, DNS_TYPE_A, 60, 4);
		put32(m, 0x0a000001);
	}
}

static void test_cname_limits(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	make_long_chain(&m, DNS_CNAME_MAX, false);
	assert_int_equal(parse(&m, &r), 0);
	assert_string_equal(r.dr_canon, "c7.test");
	make_long_chain(&m, DNS_CNAME_MAX + 1, false);
	assert_int_equal(parse(&m, &r), -ELOOP);
	make_long_chain(&m, 2, true);
	assert_int_equal(parse(&m, &r), -ELOOP);
}

static void test_cname_dangling(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	/* A CNAME whose target has no A record in the answer. */
	put_header(&m, QR_RD_RA, 1, 1, 0, 0);
	put_question(&m, QNAME);
	put_ptr(&m, OFF_QNAME);
	put_rr(&m, DNS_TYPE_CNAME, 60, 8);
	put_name(&m, "x.test");
	assert_int_equal(parse(&m, &r), -ENXIO);
}

static void test_canon_unprintable(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	/* The chain ends at a name with a space: addresses are fine, the
	 * canonical name falls back to the question's. */
	put_header(&m, QR_RD_RA, 1, 2, 0, 0);
	put_question(&m, QNAME);
	put_ptr(&m, OFF_QNAME);
	put_rr(&m, DNS_TYPE_CNAME, 60, 8);
	size_t t = put_name(&m, "a b.cd");
	put_ptr(&m, t);
	put_rr(&m, DNS_TYPE_A, 60, 4);
	put32(&m, 0x0a000002);
	assert_int_equal(parse(&m, &r), 0);
	assert_int_equal(r.dr_addrs[0], ip(10, 0, 0, 2));
	assert_string_equal(r.dr_canon, QNAME);
}

/* ---- Not ours, errors. */

static void test_not_ours(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	make_simple(&m);
	assert_int_equal(dns_response_parse(m.b, m.len, QNAME, ID + 1, &r),
			 -ESRCH);
	assert_int_equal(
		dns_response_parse(m.b, m.len, "www.example.org", ID, &r),
		-ESRCH);
	assert_int_equal(dns_response_parse(m.b, m.len, "a b", ID, &r),
			 -EINVAL);
	m.b[2] &= 0x7f; /* QR clear: a query */
	assert_int_equal(parse(&m, &r), -ESRCH);
	m.b[2] |= 0x80 | 0x10; /* opcode 2 */
	assert_int_equal(parse(&m, &r), -ESRCH);

	/* The question's type, then its class. */
	make_simple(&m);
	m.b[OFF_QNAME + 17 + 1] = 28;
	assert_int_equal(parse(&m, &r), -ESRCH);
	make_simple(&m);
	m.b[OFF_QNAME + 17 + 3] = 3;
	assert_int_equal(parse(&m, &r), -ESRCH);
}

static void test_rcodes(void **state)
{
	static const struct {
		unsigned int rcode;
		int err;
	} map[] = {
		{ 1, -EINVAL },	    { 2, -EAGAIN },	  { 3, -ENOENT },
		{ 4, -EOPNOTSUPP }, { 5, -ECONNREFUSED }, { 6, -EINVAL },
		{ 15, -EINVAL },
	};
	struct msg m;
	struct dns_result r;
	(void)state;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		put_header(&m, QR_RD_RA | map[i].rcode, 1, 0, 1, 0);
		put_question(&m, QNAME);
		/* An SOA-ish authority record, as NXDOMAIN carries. */
		put_ptr(&m, OFF_QNAME + 4);
		put_rr(&m, 6, 60, 4);
		put32(&m, 0);
		assert_int_equal(parse(&m, &r), map[i].err);
	}
	/* NOERROR with no answer: the name has no A record. */
	put_header(&m, QR_RD_RA, 1, 0, 0, 0);
	put_question(&m, QNAME);
	assert_int_equal(parse(&m, &r), -ENXIO);
	/* A malformed authority record spoils an NXDOMAIN too. */
	put_header(&m, QR_RD_RA | 3, 1, 0, 1, 0);
	put_question(&m, QNAME);
	put_ptr(&m, OFF_QNAME + 4);
	put_rr(&m, 6, 60, 40);
	put32(&m, 0);
	assert_int_equal(parse(&m, &r), -EIO);
}

static void test_truncated_flag(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	/* TC set, the answer cut off inside its record, counts too big:
	 * still "truncated", not "malformed". */
	put_header(&m, QR_RD_RA | 0x0200, 1, 40, 0, 0);
	put_question(&m, QNAME);
	put_a(&m, 60, 1, 2, 3, 4);
	m.len -= 3;
	assert_int_equal(parse(&m, &r), -EMSGSIZE);
	/* But the question must still be ours. */
	assert_int_equal(dns_response_parse(m.b, m.len, "other.test", ID, &r),
			 -ESRCH);
}

/* ---- Malformed: compression. */

static void test_ptr_self(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	/* The question's name is a pointer to itself. */
	put_header(&m, QR_RD_RA, 1, 0, 0, 0);
	put_ptr(&m, OFF_QNAME);
	put16(&m, 1);
	put16(&m, 1);
	assert_int_equal(parse(&m, &r), -EIO);

	/* An answer's owner points to itself. */
	make_simple(&m);
	size_t owner = OFF_QNAME + 17 + 4;
	set16(&m, owner, 0xc000u | (unsigned int)owner);
	assert_int_equal(parse(&m, &r), -EIO);

	/* A label followed by a pointer to that label. */
	put_header(&m, QR_RD_RA, 1, 1, 0, 0);
	put_question(&m, QNAME);
	size_t own = m.len;
	put8(&m, 1);
	put8(&m, 'x');
	put_ptr(&m, own);
	put_rr(&m, DNS_TYPE_A, 60, 4);
	put32(&m, 1);
	assert_int_equal(parse(&m, &r), -EIO);
}

static void test_ptr_cycle(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	/* Two pointers in an unknown record's rdata, each to the other;
	 * the answer's owner points at the first. */
	put_header(&m, QR_RD_RA, 1, 2, 0, 0);
	put_question(&m, QNAME);
	put_ptr(&m, OFF_QNAME);
	put_rr(&m, 99, 60, 4);
	size_t p1 = m.len;
	put_ptr(&m, p1 + 2);
	put_ptr(&m, p1);
	put_ptr(&m, p1);
	put_rr(&m, DNS_TYPE_A, 60, 4);
	put32(&m, 1);
	assert_int_equal(parse(&m, &r), -EIO);
	/* And from the second one. */
	m.len -= 16;
	put_ptr(&m, p1 + 2);
	put_rr(&m, DNS_TYPE_A, 60, 4);
	put32(&m, 1);
	assert_int_equal(parse(&m, &r), -EIO);
}

static void test_ptr_forward(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	/* The answer's owner points to a valid name further on. */
	put_header(&m, QR_RD_RA, 1, 2, 0, 0);
	put_question(&m, QNAME);
	size_t own = m.len;
	put_ptr(&m, own + 2 + 10 + 4 + 2 + 10);
	put_rr(&m, DNS_TYPE_A, 60, 4);
	put32(&m, 1);
	put_ptr(&m, OFF_QNAME);
	put_rr(&m, 99, 60, 5);
	put_name(&m, "abc");
	assert_int_equal(parse(&m, &r), -EIO);
	/* The same bytes with the owner pointing back are fine. */
	set16(&m, own, 0xc000u | OFF_QNAME);
	assert_int_equal(parse(&m, &r), 0);
}

static void test_ptr_into_header(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	for (unsigned int t = 0; t < OFF_QNAME; t++) {
		make_simple(&m);
		set16(&m, OFF_QNAME + 17 + 4, 0xc000u | t);
		assert_int_equal(parse(&m, &r), -EIO);
	}
	/* A pointer beyond the message. */
	make_simple(&m);
	set16(&m, OFF_QNAME + 17 + 4, 0xc000u | 0x3fff);
	assert_int_equal(parse(&m, &r), -EIO);
}

/* n pointers, each to the one before, the first to the question's name;
 * an A record owned by a pointer to the last. */
static void make_ptr_chain(struct msg *m, unsigned int n)
{
	put_header(m, QR_RD_RA, 1, 2, 0, 0);
	put_question(m, QNAME);
	put_ptr(m, OFF_QNAME);
	put_rr(m, 99, 60, 2 * (n - 1));
	size_t prev = OFF_QNAME;
	for (unsigned int i = 0; i + 1 < n; i++) {
		size_t here = m->len;
		put_ptr(m, prev);
		prev = here;
	}
	put_ptr(m, prev);
	put_rr(m, DNS_TYPE_A, 60, 4);
	put32(m, 0x0a000003);
}

static void test_ptr_hops(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	make_ptr_chain(&m, DNS_PTR_HOPS_MAX);
	assert_int_equal(parse(&m, &r), 0);
	assert_int_equal(r.dr_addrs[0], ip(10, 0, 0, 3));
	make_ptr_chain(&m, DNS_PTR_HOPS_MAX + 1);
	assert_int_equal(parse(&m, &r), -EIO);
}

static void test_name_too_long(void **state)
{
	struct msg m;
	struct dns_result r;
	char label[64];
	(void)state;

	memset(label, 'x', 63);
	label[63] = '\0';
	/* Four 63-byte labels (256 bytes with the root) built up through
	 * pointers: each name is a label and a pointer to the previous. */
	for (int total = 3; total <= 4; total++) {
		put_header(&m, QR_RD_RA, 1, 2, 0, 0);
		put_question(&m, QNAME);
		put_ptr(&m, OFF_QNAME);
		size_t rdlen_at = m.len + 8;
		put_rr(&m, 99, 60, 0);
		size_t rd = m.len;
		size_t prev = put_name(&m, label);
		for (int i = 1; i < total; i++) {
			size_t here = m.len;
			put8(&m, 63);
			memcpy(m.b + m.len, label, 63);
			m.len += 63;
			put_ptr(&m, prev);
			prev = here;
		}
		set16(&m, rdlen_at, (unsigned int)(m.len - rd));
		/* A CNAME to the long name, so the decoder reads it. */
		put_ptr(&m, OFF_QNAME);
		put_rr(&m, DNS_TYPE_CNAME, 60, 2);
		put_ptr(&m, prev);
		/* 3 labels: 193 bytes, fine (no A record: -ENXIO). */
		assert_int_equal(parse(&m, &r), total == 3 ? -ENXIO : -EIO);
	}
}

static void test_reserved_labels(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	static const uint8_t types[] = { 0x40, 0x41, 0x80, 0xbf };
	for (size_t i = 0; i < sizeof(types); i++) {
		make_simple(&m);
		m.b[OFF_QNAME + 17 + 4] = types[i];
		assert_int_equal(parse(&m, &r), -EIO);
	}
	/* In the question too. */
	make_simple(&m);
	m.b[OFF_QNAME] = 0x43;
	assert_int_equal(parse(&m, &r), -EIO);
}

/* ---- Malformed: lengths and counts. */

static void test_bad_counts(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	static const unsigned int qd[] = { 0, 2, 65535 };
	for (size_t i = 0; i < 3; i++) {
		make_simple(&m);
		set16(&m, 4, qd[i]);
		assert_int_equal(parse(&m, &r), -EIO);
	}
	/* One record more than the message holds, in each section. */
	for (size_t sec = 6; sec <= 10; sec += 2) {
		make_simple(&m);
		set16(&m, sec, sec == 6 ? 2 : 1);
		assert_int_equal(parse(&m, &r), -EIO);
		make_simple(&m);
		set16(&m, sec, 65535);
		assert_int_equal(parse(&m, &r), -EIO);
	}
	/* Counts that fit the bytes but not the records. */
	put_header(&m, QR_RD_RA, 1, 1, 0, 3);
	put_question(&m, QNAME);
	put_a(&m, 60, 1, 1, 1, 1);
	for (int i = 0; i < 33; i++)
		put8(&m, 0xc0);
	assert_int_equal(parse(&m, &r), -EIO);
}

static void test_bad_rdlength(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	size_t rdlen = OFF_QNAME + 17 + 4 + 2 + 8;
	for (unsigned int len = 0; len < 16; len++) {
		make_simple(&m);
		set16(&m, rdlen, len);
		if (len > 4) {
			memset(m.b + m.len, 0, len - 4);
			m.len += len - 4;
		} else {
			m.len -= 4 - len;
		}
		assert_int_equal(parse(&m, &r), len == 4 ? 0 : -EIO);
	}
	/* rdlength beyond the message, by one byte and by a lot. */
	make_simple(&m);
	set16(&m, rdlen, 5);
	assert_int_equal(parse(&m, &r), -EIO);
	set16(&m, rdlen, 0xffff);
	assert_int_equal(parse(&m, &r), -EIO);
	/* For a type we skip as well. */
	make_simple(&m);
	set16(&m, rdlen - 8, 99);
	set16(&m, rdlen, 5);
	assert_int_equal(parse(&m, &r), -EIO);
}

static void test_bad_cname_rdata(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	/* rdlength longer than the name, then shorter. */
	for (int delta = -1; delta <= 1; delta += 2) {
		put_header(&m, QR_RD_RA, 1, 1, 0, 0);
		put_question(&m, QNAME);
		put_ptr(&m, OFF_QNAME);
		put_rr(&m, DNS_TYPE_CNAME, 60, (unsigned int)(8 + delta));
		put_name(&m, "x.test");
		put8(&m, 0);
		assert_int_equal(parse(&m, &r), -EIO);
	}
	/* An empty CNAME. */
	put_header(&m, QR_RD_RA, 1, 1, 0, 0);
	put_question(&m, QNAME);
	put_ptr(&m, OFF_QNAME);
	put_rr(&m, DNS_TYPE_CNAME, 60, 0);
	assert_int_equal(parse(&m, &r), -EIO);
}

static void test_short_header(void **state)
{
	struct msg m;
	struct dns_result r;
	(void)state;

	make_simple(&m);
	for (size_t len = 0; len < 12; len++)
		assert_int_equal(dns_response_parse(m.b, len, QNAME, ID, &r),
				 -EIO);
}

/* Every prefix of the response, each in a buffer of its exact size. */
static void truncate_all(const struct msg *m, int want_full)
{
	struct dns_result r;

	for (size_t len = 0; len <= m->len; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, m->b, len);
		memset(&r, 0xa5, sizeof(r));
		int err = dns_response_parse(copy, len, QNAME, ID, &r);
		free(copy);
		assert_int_equal(err, len == m->len ? want_full : -EIO);
	}
}

static void test_truncation_every_offset(void **state)
{
	struct msg m;
	static const int order[3] = { 0, 1, 2 };
	(void)state;

	make_simple(&m);
	truncate_all(&m, 0);
	make_chain(&m, order);
	truncate_all(&m, 0);
	put_header(&m, QR_RD_RA | 3, 1, 0, 1, 0);
	put_question(&m, QNAME);
	put_ptr(&m, OFF_QNAME + 4);
	put_rr(&m, 6, 60, 4);
	put32(&m, 0);
	truncate_all(&m, -ENOENT);
}

/* Random byte changes, insertions and cuts of good responses: the
 * decoder must only ever give one of its documented answers (ASan and
 * UBSan watch the rest). */
static void test_random_mutations(void **state)
{
	static const int order[3] = { 2, 1, 0 };
	struct msg base[2], m;
	struct dns_result r;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	unsigned int ok = 0;
	(void)state;

	make_simple(&base[0]);
	make_chain(&base[1], order);
	for (int iter = 0; iter < 200000; iter++) {
		m = base[iter & 1];
		int edits = 1 + (int)(s % 4);
		for (int e = 0; e < edits; e++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			size_t at = (size_t)(s >> 8) % m.len;
			if ((s & 7) == 0)
				m.len = at;
			else
				m.b[at] = (uint8_t)(s >> 40);
			if (m.len == 0)
				break;
		}
		uint8_t *copy = malloc(m.len ? m.len : 1);
		memcpy(copy, m.b, m.len);
		int err = dns_response_parse(copy, m.len, QNAME, ID, &r);
		free(copy);
		switch (err) {
		case 0:
			ok++;
			assert_true(r.dr_naddrs >= 1 &&
				    r.dr_naddrs <= DNS_ADDRS_MAX);
			assert_true(strlen(r.dr_canon) <= DNS_NAME_MAX);
			break;
		case -ESRCH:
		case -EIO:
		case -EMSGSIZE:
		case -ENOENT:
		case -ENXIO:
		case -ELOOP:
		case -EAGAIN:
		case -ECONNREFUSED:
		case -EOPNOTSUPP:
		case -EINVAL:
			break;
		default:
			fail_msg("unexpected %d", err);
		}
	}
	/* Some mutations (a TTL byte, an address byte) leave it valid. */
	assert_true(ok > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_bytes),
		cmocka_unit_test(test_query_names),
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_case_insensitive),
		cmocka_unit_test(test_many_addresses),
		cmocka_unit_test(test_other_records_skipped),
		cmocka_unit_test(test_ttl_top_bit),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_cname_limits),
		cmocka_unit_test(test_cname_dangling),
		cmocka_unit_test(test_canon_unprintable),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_rcodes),
		cmocka_unit_test(test_truncated_flag),
		cmocka_unit_test(test_ptr_self),
		cmocka_unit_test(test_ptr_cycle),
		cmocka_unit_test(test_ptr_forward),
		cmocka_unit_test(test_ptr_into_header),
		cmocka_unit_test(test_ptr_hops),
		cmocka_unit_test(test_name_too_long),
		cmocka_unit_test(test_reserved_labels),
		cmocka_unit_test(test_bad_counts),
		cmocka_unit_test(test_bad_rdlength),
		cmocka_unit_test(test_bad_cname_rdata),
		cmocka_unit_test(test_short_header),
		cmocka_unit_test(test_truncation_every_offset),
		cmocka_unit_test(test_random_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
