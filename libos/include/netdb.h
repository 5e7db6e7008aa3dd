/* SPDX-License-Identifier: MIT */
/*
 * <netdb.h>: name resolution, with glibc's constants and struct layouts.
 * Resolving needs the network issue: until then getaddrinfo() returns
 * EAI_SYSTEM with errno ENOSYS and gethostbyname() returns NULL with
 * h_errno NO_RECOVERY, each saying so once on stderr.
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

/* Returns EAI_SYSTEM with errno ENOSYS for now (network issue); *res is
 * set to NULL. */
int getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res);

/* Frees a list from getaddrinfo(); NULL is allowed. */
void freeaddrinfo(struct addrinfo *res);

/* glibc's message for an EAI_* code ("Unknown error" for others). */
const char *gai_strerror(int code);

/* Returns NULL with h_errno NO_RECOVERY for now (network issue). */
struct hostent *gethostbyname(const char *name);

#endif /* MOSAIC_NETDB_H */
