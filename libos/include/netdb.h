/* SPDX-License-Identifier: MIT */
/*
 * <netdb.h>: name resolution, with glibc's constants and struct layouts
 * (libos/net/resolv.c). IPv4 only: numeric addresses and "localhost" are
 * answered at once, other names by the DNS servers the network was
 * configured with (mosaic.net=static:...,DNS or DHCP), asked for A
 * records over UDP. No hosts file, search domains, cache or TCP.
 */
#ifndef MOSAIC_NETDB_H
#define MOSAIC_NETDB_H

#include <netinet/in.h>
#include <sys/socket.h>

struct addrinfo {
	int ai_flags;
	int ai_family;
	int ai_socktype;
	int ai_protocol;
	socklen_t ai_addrlen;
	struct sockaddr *ai_addr;
	char *ai_canonname;
	struct addrinfo *ai_next;
};

struct hostent {
	char *h_name;
	char **h_aliases;
	int h_addrtype;
	int h_length;
	char **h_addr_list;
};
#define h_addr h_addr_list[0]

#define AI_PASSIVE 0x0001
#define AI_CANONNAME 0x0002
#define AI_NUMERICHOST 0x0004
#define AI_V4MAPPED 0x0008
#define AI_ALL 0x0010
#define AI_ADDRCONFIG 0x0020
#define AI_NUMERICSERV 0x0400

#define EAI_BADFLAGS -1
#define EAI_NONAME -2
#define EAI_AGAIN -3
#define EAI_FAIL -4
#define EAI_NODATA -5
#define EAI_FAMILY -6
#define EAI_SOCKTYPE -7
#define EAI_SERVICE -8
#define EAI_ADDRFAMILY -9
#define EAI_MEMORY -10
#define EAI_SYSTEM -11
#define EAI_OVERFLOW -12

#define NI_MAXHOST 1025
#define NI_MAXSERV 32
#define NI_NUMERICHOST 1
#define NI_NUMERICSERV 2
#define NI_NOFQDN 4
#define NI_NAMEREQD 8
#define NI_DGRAM 16

/* h_errno values. */
#define HOST_NOT_FOUND 1
#define TRY_AGAIN 2
#define NO_RECOVERY 3
#define NO_DATA 4
#define NO_ADDRESS NO_DATA

/* The last gethostbyname() error (one for the whole image). */
extern int h_errno;

/*
 * Resolves node (a dotted IPv4 address in any inet_aton() form,
 * "localhost", a DNS name, or NULL for the wildcard with AI_PASSIVE and
 * the loopback without) and service (decimal, a name from a small
 * built-in table such as "http", or NULL for port 0) into *res: one entry
 * per address and socket type (SOCK_STREAM/TCP first, then SOCK_DGRAM/
 * UDP, unless hints narrow it), ai_canonname on the first one with
 * AI_CANONNAME. hints (may be NULL) take ai_family AF_UNSPEC or AF_INET,
 * ai_socktype 0, SOCK_STREAM or SOCK_DGRAM, ai_protocol 0, IPPROTO_TCP
 * or IPPROTO_UDP, ai_flags AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST,
 * AI_NUMERICSERV (AI_ADDRCONFIG, AI_V4MAPPED, AI_ALL accepted, no
 * effect). May block: if no DNS server is known yet it waits for the
 * network configuration (DHCP), then asks each server twice (2 s, then
 * 4 s). Returns 0, or EAI_BADFLAGS, EAI_FAMILY, EAI_SOCKTYPE,
 * EAI_SERVICE, EAI_NONAME (no such name, or not numeric with
 * AI_NUMERICHOST/AI_NUMERICSERV), EAI_NODATA (the name has no IPv4
 * address), EAI_ADDRFAMILY (an IPv6 literal), EAI_AGAIN (no answer, no
 * network, SERVFAIL), EAI_FAIL (refused, truncated answer, no DNS server
 * configured), EAI_MEMORY, EAI_SYSTEM (errno says why). *res is NULL
 * after a failure.
 */
int getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res);

/* Frees a list from getaddrinfo(); NULL is allowed. */
void freeaddrinfo(struct addrinfo *res);

/* glibc's message for an EAI_* code ("Unknown error" for others). */
const char *gai_strerror(int code);

/* getaddrinfo(name, NULL) for AF_INET as a hostent in static storage,
 * overwritten by the next call (from any microapp: not reentrant), or
 * NULL with h_errno HOST_NOT_FOUND, NO_DATA, TRY_AGAIN or NO_RECOVERY. */
struct hostent *gethostbyname(const char *name);

#endif /* MOSAIC_NETDB_H */
