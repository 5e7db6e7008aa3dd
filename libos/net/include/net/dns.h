/* SPDX-License-Identifier: MIT */
/*
 * DNS messages for the stub resolver (libos/net/dns.c): builds a query
 * for one name's A records and decodes the response (RFC 1035 sections
 * 3 and 4), hardened as RFC 9267 asks. Pure functions: no I/O, no
 * allocation, no state; the caller owns every buffer. libos/net/resolv.c
 * does the sending, waiting and retrying.
 *
 * Names are given as text: labels of 1-63 letters, digits, '-' or '_'
 * joined by dots, at most 253 characters (one final dot is allowed and
 * does not count), which is at most 255 bytes on the wire. No search
 * domains are appended and no escapes are understood.
 *
 * A response is trusted for nothing before it is checked in full: every
 * count is bounded by the bytes that could hold it, every name is
 * followed only through compression pointers that point strictly
 * backwards (before the start of the part of the name that holds them)
 * and at most DNS_PTR_HOPS_MAX times, every label and name length and
 * every record's rdlength are checked against the message, an A record
 * must have rdlength 4 and a CNAME's rdata must be exactly one name.
 * Every record of every section is checked so, not only those used.
 * Bytes after the last record are ignored.
 */
#ifndef NET_DNS_H
#define NET_DNS_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/compiler.h>

#define DNS_PORT 53
#define DNS_HLEN 12
#define DNS_LABEL_MAX 63
#define DNS_NAME_MAX 253 /* text, without a final dot */
#define DNS_WIRE_NAME_MAX 255 /* on the wire, length bytes included */
/* The largest query dns_query_build() makes. */
#define DNS_QUERY_MAX (DNS_HLEN + DNS_WIRE_NAME_MAX + 4)
/* The largest UDP response a server sends us: we do not offer EDNS
 * (RFC 1035 section 4.2.1). */
#define DNS_UDP_MAX 512
/* Addresses kept from one response (more are ignored). */
#define DNS_ADDRS_MAX 16
/* CNAMEs followed from the question's name to the A records. */
#define DNS_CNAME_MAX 8
/* Compression pointers followed while reading one name. */
#define DNS_PTR_HOPS_MAX 32

#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_CLASS_IN 1

/* What a response said about the name. */
struct dns_result {
	uint32_t dr_addrs[DNS_ADDRS_MAX]; /* network order, as received */
	unsigned int dr_naddrs; /* 1..DNS_ADDRS_MAX on success */
	uint32_t dr_ttl; /* smallest TTL of the records used (the A records
			  * and the CNAMEs followed), seconds */
	/* The name the addresses belong to (the end of the CNAME chain), as
	 * text without a final dot; the question's name when that name has
	 * characters we do not print. */
	char dr_canon[DNS_NAME_MAX + 1];
};

/*
 * Writes a standard query (opcode 0, RD set) with identifier `id` for
 * the A records (class IN) of `name` into buf (size bytes; DNS_QUERY_MAX
 * is always enough). Returns the message length, -EINVAL when name is
 * not a valid name (see above), -ENOSPC when size is too small.
 */
int __must_check dns_query_build(void *buf, size_t size, const char *name,
				 uint16_t id);

/*
 * Decodes msg (len bytes, untrusted) as the response to the query that
 * dns_query_build(..., name, id) made. Returns:
 *   0             *res holds the name's addresses (CNAMEs followed);
 *   -ESRCH        not a response to that query (other ID, QR clear,
 *                 other opcode, another question): keep waiting;
 *   -EIO          malformed (any check above failed): drop and count;
 *   -EMSGSIZE     TC set (truncated; we do not retry over TCP);
 *   -ENOENT       NXDOMAIN: the name does not exist;
 *   -ENXIO        the name exists but has no A record (nor a CNAME that
 *                 leads to one within the answer);
 *   -ELOOP        the CNAME chain is longer than DNS_CNAME_MAX;
 *   -EAGAIN       SERVFAIL: the server could not answer now;
 *   -ECONNREFUSED REFUSED;
 *   -EOPNOTSUPP   NOTIMP;
 *   -EINVAL       FORMERR, or an RCODE we do not know.
 * (The errno list has no ENOMSG, EBADMSG or ENODATA: the nearest codes
 * stand in.) res is written only on success.
 */
int __must_check dns_response_parse(const void *msg, size_t len,
				    const char *name, uint16_t id,
				    struct dns_result *res);

#endif /* NET_DNS_H */
