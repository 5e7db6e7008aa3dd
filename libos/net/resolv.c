/* SPDX-License-Identifier: MIT */
/*
 * Name resolution for apps (<netdb.h>): getaddrinfo(), freeaddrinfo(),
 * gai_strerror(), gethostbyname() and h_errno, IPv4 only.
 *
 * Numeric addresses and "localhost" are answered without the network.
 * Other names go as A queries (libos/net/dns.c) over UDP, through the
 * POSIX socket calls, to the DNS servers the stack knows (static or from
 * DHCP: net_dns_servers()), after waiting for the network to be
 * configured if it is not yet. Each query gets its own socket, bound to
 * port 0, which our stack turns into a random ephemeral port, and a
 * random ID (RFC 5452: both unpredictable). Each server is tried twice,
 * waiting RESOLV_TRY1_MS then RESOLV_TRY2_MS. While waiting, an answer
 * from another address or port, with another ID or question, or
 * malformed, is dropped and counted (NC_dns_bad) and the wait goes on.
 * A truncated answer (TC) fails with EAI_FAIL: there is no TCP fallback.
 * No cache, no hosts file, no search domains, no IPv6.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <net/dns.h>
#include <net/netd.h>

#define RESOLV_SERVERS_MAX 3
#define RESOLV_TRIES 2
#define RESOLV_TRY1_MS 2000
#define RESOLV_TRY2_MS 4000
/* Room for any UDP answer a server sends without EDNS, and then some:
 * a longer datagram is cut and fails the decoder's checks. */
#define RESOLV_BUF 1500

int h_errno;

static uint16_t resolv_port = DNS_PORT;
static int resolv_try_ms[RESOLV_TRIES] = { RESOLV_TRY1_MS, RESOLV_TRY2_MS };

#ifdef UNIT_TEST
/* Host tests: the fake server's port and shorter waits. */
void resolv_test_hook(uint16_t port, int try1_ms, int try2_ms);
void resolv_test_hook(uint16_t port, int try1_ms, int try2_ms)
{
	resolv_port = port;
	resolv_try_ms[0] = try1_ms;
	resolv_try_ms[1] = try2_ms;
}
#endif /* UNIT_TEST */

const char *gai_strerror(int code)
{
	switch (code) {
	case EAI_BADFLAGS:
		return "Bad value for ai_flags";
	case EAI_NONAME:
		return "Name or service not known";
	case EAI_AGAIN:
		return "Temporary failure in name resolution";
	case EAI_FAIL:
		return "Non-recoverable failure in name resolution";
	case EAI_NODATA:
		return "No address associated with hostname";
	case EAI_FAMILY:
		return "ai_family not supported";
	case EAI_SOCKTYPE:
		return "ai_socktype not supported";
	case EAI_SERVICE:
		return "Servname not supported for ai_socktype";
	case EAI_ADDRFAMILY:
		return "Address family for hostname not supported";
	case EAI_MEMORY:
		return "Memory allocation failure";
	case EAI_SYSTEM:
		return "System error";
	default: /* glibc's text for EAI_OVERFLOW too */
		return "Unknown error";
	}
}

/* ---- DNS over UDP. */

static void resolv_count_bad(void)
{
	struct netstack *ns = net_stack();

	if (ns == NULL)
		return;
	net_lock();
	net_count(ns, NC_dns_bad);
	net_unlock();
}

static int64_t resolv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the datagram came from where we sent the query. */
static bool resolv_from_server(const struct sockaddr_in *from,
			       socklen_t fromlen, uint32_t server)
{
	return fromlen >= sizeof(*from) && from->sin_family == AF_INET &&
	       from->sin_addr.s_addr == server &&
	       from->sin_port == htons(resolv_port);
}

/* One query's state. buf (RESOLV_BUF bytes) is on the heap, not on a
 * microapp's stack. */
struct resolv_q {
	const char *rq_name;
	uint32_t rq_server; /* network order */
	uint16_t rq_id;
	uint8_t *rq_buf;
};

/* Waits up to timeout_ms on fd for the answer to query q. Returns what
 * dns_response_parse() does for it, or -ETIMEDOUT, or -errno of poll()
 * or recvfrom(). */
static int resolv_wait(int fd, const struct resolv_q *q, int timeout_ms,
		       struct dns_result *res)
{
	int64_t deadline = resolv_now_ms() + timeout_ms;

	for (;;) {
		int64_t left = deadline - resolv_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t len = recvfrom(fd, q->rq_buf, RESOLV_BUF, MSG_DONTWAIT,
				       (struct sockaddr *)&from, &fromlen);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		int err = -EIO;
		if (resolv_from_server(&from, fromlen, q->rq_server))
			err = dns_response_parse(q->rq_buf, (size_t)len,
						 q->rq_name, q->rq_id, res);
		if (err != -EIO && err != -ESRCH)
			return err;
		resolv_count_bad();
	}
}

/* Sends query q (a new ID each time) over fd and waits for it. */
static int resolv_query(int fd, struct resolv_q *q, int timeout_ms,
			struct dns_result *res)
{
	uint8_t msg[DNS_QUERY_MAX];
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(resolv_port),
				  .sin_addr.s_addr = q->rq_server };

	if (getrandom(&q->rq_id, sizeof(q->rq_id), 0) != sizeof(q->rq_id))
		return -EIO;
	int len = dns_query_build(msg, sizeof(msg), q->rq_name, q->rq_id);
	if (len < 0)
		return len;
	if (sendto(fd, msg, (size_t)len, 0, (struct sockaddr *)&to,
		   sizeof(to)) != len)
		return -errno;
	return resolv_wait(fd, q, timeout_ms, res);
}

/* A UDP socket on a fresh random port, or -1 with errno. */
static int resolv_socket(void)
{
	struct sockaddr_in any = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* The servers to ask; starts the stack if nobody has yet, and waits for
 * the network if no server is known. Returns how many, or an EAI_*
 * code. */
static int resolv_servers(uint32_t *servers)
{
	int err = net_start();

	if (err) {
		errno = -err;
		return EAI_SYSTEM;
	}
	int n = net_dns_servers(servers, RESOLV_SERVERS_MAX);
	if (n > 0)
		return n;
	/* Booting: DHCP may not have answered yet. */
	if (net_wait_configured(0) != 0)
		return EAI_AGAIN;
	n = net_dns_servers(servers, RESOLV_SERVERS_MAX);
	return n > 0 ? n : EAI_FAIL;
}

/*
 * Asks the servers, each twice, in turn (q's name and buffer set).
 * Returns 0 with *res, or an EAI_*
 * code: the first definite answer (NXDOMAIN, no data, truncated) ends
 * the search; silence and SERVFAIL give EAI_AGAIN, only refusals
 * EAI_FAIL.
 */
static int resolv_ask(const uint32_t *servers, int n, struct resolv_q *q,
		      struct dns_result *res)
{
	bool temporary = false;

	for (int t = 0; t < RESOLV_TRIES; t++) {
		for (int i = 0; i < n; i++) {
			int fd = resolv_socket();
			if (fd < 0)
				return EAI_SYSTEM;
			q->rq_server = servers[i];
			int err = resolv_query(fd, q, resolv_try_ms[t], res);
			close(fd);
			switch (err) {
			case 0:
				return 0;
			case -ENOENT:
				return EAI_NONAME;
			case -ENXIO:
				return EAI_NODATA;
			case -EMSGSIZE:
			case -ELOOP:
				return EAI_FAIL;
			case -ECONNREFUSED:
			case -EOPNOTSUPP:
			case -EINVAL:
				break;
			default: /* silence, SERVFAIL, a send that failed */
				temporary = true;
				break;
			}
		}
	}
	return temporary ? EAI_AGAIN : EAI_FAIL;
}

static int resolv_dns(const char *name, struct dns_result *res)
{
	uint32_t servers[RESOLV_SERVERS_MAX];
	struct resolv_q q = { .rq_name = name };
	int n = resolv_servers(servers);

	if (n < 0)
		return n;
	q.rq_buf = malloc(RESOLV_BUF);
	if (q.rq_buf == NULL)
		return EAI_MEMORY;
	int err = resolv_ask(servers, n, &q, res);
	free(q.rq_buf);
	return err;
}

/* ---- getaddrinfo(). */

#define GAI_FLAGS                                                              \
	(AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL |   \
	 AI_ADDRCONFIG | AI_NUMERICSERV)
#define GAI_TCP 1u
#define GAI_UDP 2u

/* The kinds of socket a result may be for, in the order glibc lists. */
static const struct {
	int socktype;
	int protocol;
	unsigned int bit;
} gai_kinds[] = {
	{ SOCK_STREAM, IPPROTO_TCP, GAI_TCP },
	{ SOCK_DGRAM, IPPROTO_UDP, GAI_UDP },
};

/* Service names we know (a small /etc/services). */
static const struct {
	const char *name;
	uint16_t port;
	unsigned int kinds;
} gai_services[] = {
	{ "echo", 7, GAI_TCP | GAI_UDP },
	{ "ftp", 21, GAI_TCP },
	{ "ssh", 22, GAI_TCP },
	{ "telnet", 23, GAI_TCP },
	{ "smtp", 25, GAI_TCP },
	{ "domain", 53, GAI_TCP | GAI_UDP },
	{ "http", 80, GAI_TCP },
	{ "www", 80, GAI_TCP },
	{ "pop3", 110, GAI_TCP },
	{ "ntp", 123, GAI_UDP },
	{ "imap", 143, GAI_TCP },
	{ "snmp", 161, GAI_UDP },
	{ "https", 443, GAI_TCP | GAI_UDP },
	{ "syslog", 514, GAI_UDP },
	{ "submission", 587, GAI_TCP },
	{ "imaps", 993, GAI_TCP },
	{ "pop3s", 995, GAI_TCP },
	{ "mysql", 3306, GAI_TCP },
	{ "postgresql", 5432, GAI_TCP },
	{ "redis", 6379, GAI_TCP },
	{ "http-alt", 8080, GAI_TCP },
};

/* What the caller asked for, checked. */
struct gai_req {
	int flags;
	unsigned int kinds; /* GAI_TCP | GAI_UDP: the results wanted */
	uint16_t port; /* host order */
	uint32_t addrs[DNS_ADDRS_MAX]; /* network order */
	unsigned int naddrs;
	char canon[DNS_NAME_MAX + 1]; /* for AI_CANONNAME */
};

static int gai_hints(const struct addrinfo *h, struct gai_req *rq)
{
	if (h->ai_flags & ~GAI_FLAGS)
		return EAI_BADFLAGS;
	if (h->ai_family != AF_UNSPEC && h->ai_family != AF_INET)
		return EAI_FAMILY;
	if (h->ai_socktype != 0 && h->ai_socktype != SOCK_STREAM &&
	    h->ai_socktype != SOCK_DGRAM)
		return EAI_SOCKTYPE;
	rq->flags = h->ai_flags;
	rq->kinds = 0;
	for (size_t i = 0; i < sizeof(gai_kinds) / sizeof(gai_kinds[0]); i++)
		if ((h->ai_socktype == 0 ||
		     h->ai_socktype == gai_kinds[i].socktype) &&
		    (h->ai_protocol == 0 ||
		     h->ai_protocol == gai_kinds[i].protocol))
			rq->kinds |= gai_kinds[i].bit;
	return rq->kinds != 0 ? 0 : EAI_SOCKTYPE;
}

/* Decimal 0-65535 and nothing else; -1 when it is not. */
static long gai_number(const char *s)
{
	long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return -1;
	}
	return v;
}

static int gai_service(const char *service, struct gai_req *rq)
{
	rq->port = 0;
	if (service == NULL)
		return 0;
	long n = gai_number(service);
	if (n >= 0) {
		rq->port = (uint16_t)n;
		return 0;
	}
	if (rq->flags & AI_NUMERICSERV)
		return EAI_NONAME;
	for (size_t i = 0; i < sizeof(gai_services) / sizeof(gai_services[0]);
	     i++) {
		if (strcmp(service, gai_services[i].name) != 0)
			continue;
		rq->kinds &= gai_services[i].kinds;
		rq->port = gai_services[i].port;
		return rq->kinds != 0 ? 0 : EAI_SERVICE;
	}
	return EAI_SERVICE;
}

static bool gai_is_localhost(const char *node)
{
	return strcasecmp(node, "localhost") == 0 ||
	       strcasecmp(node, "localhost.") == 0;
}

/* A dotted address in any form inet_aton() takes ("10.1", "0x7f.1"), as
 * glibc's getaddrinfo() does, but with nothing after it. */
static bool gai_numeric(const char *node, uint32_t *addr)
{
	struct in_addr a;

	for (const char *p = node; *p; p++)
		if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
			return false;
	if (!inet_aton(node, &a))
		return false;
	*addr = a.s_addr;
	return true;
}

static void gai_one(struct gai_req *rq, uint32_t addr, const char *canon)
{
	rq->addrs[0] = addr;
	rq->naddrs = 1;
	strncpy(rq->canon, canon, DNS_NAME_MAX);
	rq->canon[DNS_NAME_MAX] = '\0';
}

static int gai_host(const char *node, struct gai_req *rq)
{
	struct dns_result r;
	uint8_t scratch[DNS_QUERY_MAX];
	struct in6_addr a6;
	uint32_t a;

	rq->canon[0] = '\0';
	if (node == NULL) {
		a = htonl((rq->flags & AI_PASSIVE) ? INADDR_ANY
						   : INADDR_LOOPBACK);
		gai_one(rq, a, "");
		return 0;
	}
	if (gai_numeric(node, &a)) {
		gai_one(rq, a, node);
		return 0;
	}
	if (inet_pton(AF_INET6, node, &a6) == 1)
		return EAI_ADDRFAMILY;
	if (rq->flags & AI_NUMERICHOST)
		return EAI_NONAME;
	if (gai_is_localhost(node)) {
		gai_one(rq, htonl(INADDR_LOOPBACK), "localhost");
		return 0;
	}
	/* A name no server could have: no need to ask. */
	if (dns_query_build(scratch, sizeof(scratch), node, 0) < 0)
		return EAI_NONAME;
	int err = resolv_dns(node, &r);
	if (err)
		return err;
	memcpy(rq->addrs, r.dr_addrs, r.dr_naddrs * sizeof(r.dr_addrs[0]));
	rq->naddrs = r.dr_naddrs;
	memcpy(rq->canon, r.dr_canon, sizeof(rq->canon));
	return 0;
}

/* One result: the addrinfo and its address in one allocation. */
struct gai_entry {
	struct addrinfo e_ai;
	struct sockaddr_in e_sin;
};

static struct addrinfo *gai_entry_new(uint32_t addr, uint16_t port,
				      int socktype, int protocol)
{
	struct gai_entry *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->e_sin.sin_family = AF_INET;
	e->e_sin.sin_port = htons(port);
	e->e_sin.sin_addr.s_addr = addr;
	e->e_ai.ai_family = AF_INET;
	e->e_ai.ai_socktype = socktype;
	e->e_ai.ai_protocol = protocol;
	e->e_ai.ai_addrlen = sizeof(e->e_sin);
	e->e_ai.ai_addr = (struct sockaddr *)&e->e_sin;
	return &e->e_ai;
}

/* The list: each address, for each kind wanted. */
static int gai_list(const struct gai_req *rq, struct addrinfo **res)
{
	struct addrinfo *head = NULL, **tail = &head;

	for (unsigned int i = 0; i < rq->naddrs; i++) {
		for (size_t k = 0; k < sizeof(gai_kinds) / sizeof(gai_kinds[0]);
		     k++) {
			if (!(rq->kinds & gai_kinds[k].bit))
				continue;
			*tail = gai_entry_new(rq->addrs[i], rq->port,
					      gai_kinds[k].socktype,
					      gai_kinds[k].protocol);
			if (*tail == NULL)
				goto err_free;
			tail = &(*tail)->ai_next;
		}
	}
	if (rq->flags & AI_CANONNAME) {
		head->ai_canonname = strdup(rq->canon);
		if (head->ai_canonname == NULL)
			goto err_free;
	}
	*res = head;
	return 0;
err_free:
	freeaddrinfo(head);
	return EAI_MEMORY;
}

int getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res)
{
	static const struct addrinfo none = { .ai_family = AF_UNSPEC };
	struct gai_req rq;
	int err;

	if (res == NULL) {
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	*res = NULL;
	err = gai_hints(hints != NULL ? hints : &none, &rq);
	if (err)
		return err;
	if (node == NULL && service == NULL)
		return EAI_NONAME;
	if (node == NULL && (rq.flags & AI_CANONNAME))
		return EAI_BADFLAGS;
	err = gai_service(service, &rq);
	if (err)
		return err;
	err = gai_host(node, &rq);
	if (err)
		return err;
	return gai_list(&rq, res);
}

void freeaddrinfo(struct addrinfo *res)
{
	while (res != NULL) {
		struct addrinfo *next = res->ai_next;
		free(res->ai_canonname);
		free(container_of(res, struct gai_entry, e_ai));
		res = next;
	}
}

/* ---- gethostbyname(). */

static int gai_to_h_errno(int err)
{
	switch (err) {
	case EAI_NONAME:
		return HOST_NOT_FOUND;
	case EAI_NODATA:
		return NO_DATA;
	case EAI_AGAIN:
		return TRY_AGAIN;
	default:
		return NO_RECOVERY;
	}
}

struct hostent *gethostbyname(const char *name)
{
	/* One result for the whole image, as the interface has it. */
	static struct {
		struct hostent he;
		char name[DNS_NAME_MAX + 1];
		char *aliases[1];
		char *addr_list[DNS_ADDRS_MAX + 1];
		struct in_addr addrs[DNS_ADDRS_MAX];
	} hb;
	const struct addrinfo hints = { .ai_family = AF_INET,
					.ai_socktype = SOCK_STREAM,
					.ai_flags = AI_CANONNAME };
	struct addrinfo *res, *ai;
	unsigned int n = 0;
	int err = getaddrinfo(name, NULL, &hints, &res);

	if (err) {
		h_errno = gai_to_h_errno(err);
		return NULL;
	}
	memset(&hb, 0, sizeof(hb));
	strncpy(hb.name, res->ai_canonname, DNS_NAME_MAX);
	for (ai = res; ai != NULL && n < DNS_ADDRS_MAX; ai = ai->ai_next) {
		hb.addrs[n] = ((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		hb.addr_list[n] = (char *)&hb.addrs[n];
		n++;
	}
	freeaddrinfo(res);
	hb.he.h_name = hb.name;
	hb.he.h_aliases = hb.aliases;
	hb.he.h_addrtype = AF_INET;
	hb.he.h_length = 4;
	hb.he.h_addr_list = hb.addr_list;
	return &hb.he;
}
