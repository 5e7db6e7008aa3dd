/* SPDX-License-Identifier: MIT */
/*
 * <arpa/inet.h>: text forms of Internet addresses, as glibc parses and
 * prints them. These work now; they need no network.
 */
#ifndef MOSAIC_ARPA_INET_H
#define MOSAIC_ARPA_INET_H

#include <netinet/in.h>

/* Parses `src` as AF_INET (exactly four decimal parts, no leading zeros)
 * or AF_INET6 (RFC 4291 text, with an optional dotted IPv4 tail) into
 * `dst` (4 or 16 bytes, network order). Returns 1, 0 for malformed text,
 * or -1 with errno EAFNOSUPPORT for another family. */
int inet_pton(int af, const char *src, void *dst);

/* Prints the address at `src` into `dst` (`size` bytes): dotted decimal,
 * or IPv6 in RFC 5952 form (lower case, the first longest run of two or
 * more zero groups as "::", "::a.b.c.d" and "::ffff:a.b.c.d" for
 * IPv4-compatible and -mapped addresses). Returns dst, or NULL with errno
 * ENOSPC (too small) or EAFNOSUPPORT. */
const char *inet_ntop(int af, const void *src, char *dst, socklen_t size);

/* The classic parser: one to four parts ("a", "a.b", "a.b.c", "a.b.c.d"),
 * each decimal, octal (0...) or hex (0x...), may be followed by white
 * space. Returns 1 and stores the address, or 0. */
int inet_aton(const char *cp, struct in_addr *inp);

/* inet_aton()'s address, or INADDR_NONE if `cp` is malformed. */
in_addr_t inet_addr(const char *cp);

/* Dotted decimal in a static buffer, overwritten by the next call. */
char *inet_ntoa(struct in_addr in);

#endif /* MOSAIC_ARPA_INET_H */
