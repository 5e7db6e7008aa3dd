/* SPDX-License-Identifier: MIT */
/*
 * Host tests of libos/net/resolv.c over the host's sockets: a fake DNS
 * server thread listens on 127.0.0.1 and 127.0.0.2 (same port, given to
 * the resolver through its test hook) and answers as each test scripts:
 * A records, a CNAME, NXDOMAIN, no data, SERVFAIL, REFUSED, TC, silence,
 * or a burst of bad answers (wrong ID, wrong question, malformed with a
 * compression loop, from the wrong port, from the wrong address) before
 * the good one. The stack's side (net_dns_servers(), net_wait_configured(),
 * the NC_dns_bad counter) is faked here. Also: every getaddrinfo() hint
 * and service rule answered without the network, numeric and localhost
 * names, gethostbyname() and h_errno, gai_strerror().
 */
#define _GNU_SOURCE /* glibc's EAI_NODATA and EAI_ADDRFAMILY */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <net/net.h>
#include <net/netd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

int mosaic_getaddrinfo(const char *node, const char *service,
		       const struct addrinfo *hints, struct addrinfo **res);
void mosaic_freeaddrinfo(struct addrinfo *res);
const char *mosaic_gai_strerror(int code);
struct hostent *mosaic_gethostbyname(const char *name);
extern int mosaic_h_errno;
void resolv_test_hook(uint16_t port, int try1_ms, int try2_ms);

/* ---- The stack's side. */

static struct netstack test_ns;
static int nlocked;
static uint32_t servers[3];
static int nservers;
static int servers_calls;
static int wait_calls;
static int wait_result;
/* net_wait_configured() makes the servers appear (DHCP answered). */
static int servers_after_wait;

static int start_calls;
static int start_result;

int net_start(void)
{
	start_calls++;
	return start_result;
}

struct netstack *net_stack(void)
{
	return &test_ns;
}

void net_lock(void)
{
	assert_int_equal(nlocked, 0);
	nlocked++;
}

void net_unlock(void)
{
	assert_int_equal(nlocked, 1);
	nlocked--;
}

int net_dns_servers(uint32_t *out, int max)
{
	int n = nservers < max ? nservers : max;

	servers_calls++;
	memcpy(out, servers, (size_t)n * sizeof(*out));
	return n;
}

int net_wait_configured(uint64_t deadline_ns)
{
	assert_int_equal(deadline_ns, 0);
	wait_calls++;
	if (wait_result == 0)
		nservers = servers_after_wait;
	return wait_result;
}

/* ---- The fake server. */

enum mode {
	M_ANSWER, /* the zone below; NXDOMAIN for other names */
	M_SILENT,
	M_SERVFAIL,
	M_REFUSED,
	M_TC,
	M_SPOOF, /* five bad answers, then the good one */
};

#define LOG_MAX 32

static struct {
	pthread_t th;
	pthread_mutex_t mu;
	int fd[2]; /* 127.0.0.1:port, 127.0.0.2:port */
	int wrong_addr_fd; /* 127.0.0.3:port */
	int wrong_port_fd; /* 127.0.0.1:another */
	uint16_t port;
	bool stop;
	enum mode mode[2]; /* [mu] */
	/* What came in: [mu] */
	unsigned int nq[2];
	uint16_t ids[LOG_MAX], ports[LOG_MAX];
	unsigned int nlog;
	uint8_t query[512];
	size_t query_len;
} srv;

static int udp_on(const char *addr, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static uint16_t port_of(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	return ntohs(sa.sin_port);
}

struct msg {
	uint8_t b[1024];
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

static void put_rr(struct msg *m, unsigned int owner, unsigned int type,
		   unsigned int rdlen)
{
	put16(m, 0xc000 | owner);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 60);
	put16(m, rdlen);
}

static void put_a(struct msg *m, unsigned int owner, const char *addr)
{
	put_rr(m, owner, 1, 4);
	assert_int_equal(inet_pton(AF_INET, addr, m->b + m->len), 1);
	m->len += 4;
}

/* The question's name as text; returns its end (the type field). */
static size_t question_name(const uint8_t *q, size_t len, char *out)
{
	size_t i = 12, o = 0;

	while (i < len && q[i] != 0) {
		size_t n = q[i++];
		if (o)
			out[o++] = '.';
		memcpy(out + o, q + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return i + 1;
}

/* Header and question of the reply to q, with rcode and extra flags. */
static size_t reply_start(struct msg *m, const uint8_t *q, size_t qlen,
			  unsigned int flags)
{
	char name[256];
	size_t end = question_name(q, qlen, name) + 4;

	memcpy(m->b, q, end);
	m->len = end;
	m->b[2] = (uint8_t)((0x8180 | flags) >> 8);
	m->b[3] = (uint8_t)(0x8180 | flags);
	return end;
}

static void set_ancount(struct msg *m, unsigned int n)
{
	m->b[6] = (uint8_t)(n >> 8);
	m->b[7] = (uint8_t)n;
}

/* The zone: answers from the question. */
static void reply_zone(struct msg *m, const uint8_t *q, size_t qlen)
{
	char name[256];

	question_name(q, qlen, name);
	reply_start(m, q, qlen, 0);
	if (!strcasecmp(name, "mosaic-test.example")) {
		set_ancount(m, 1);
		put_a(m, 12, "192.0.2.77");
	} else if (!strcasecmp(name, "multi.example")) {
		set_ancount(m, 3);
		put_a(m, 12, "192.0.2.1");
		put_a(m, 12, "192.0.2.2");
		put_a(m, 12, "192.0.2.3");
	} else if (!strcasecmp(name, "alias.example")) {
		set_ancount(m, 2);
		size_t target = m->len + 12;
		put_rr(m, 12, 5, 14);
		const char real[] = "\4real\7example";
		memcpy(m->b + m->len, real, sizeof(real));
		m->len += sizeof(real);
		put_a(m, (unsigned int)target, "192.0.2.88");
	} else if (!strcasecmp(name, "nodata.example")) {
		/* NOERROR, no answer. */
	} else {
		m->b[3] |= 3; /* NXDOMAIN */
	}
}

static void send_to(int fd, const struct msg *m, const struct sockaddr_in *peer)
{
	assert_int_equal(sendto(fd, m->b, m->len, 0,
				(const struct sockaddr *)peer, sizeof(*peer)),
			 (ssize_t)m->len);
}

/* Five answers the resolver must drop, then the right one. */
static void reply_spoofed(int fd, const uint8_t *q, size_t qlen,
			  const struct sockaddr_in *peer)
{
	struct msg m;

	reply_zone(&m, q, qlen);
	m.b[1] ^= 0x5a; /* another ID */
	send_to(fd, &m, peer);
	reply_zone(&m, q, qlen);
	m.b[12 + 1] ^= 0x20; /* another question ("Mosaic" is the same) */
	m.b[12 + 2] = 'x';
	send_to(fd, &m, peer);
	reply_zone(&m, q, qlen);
	m.b[m.len - 16] = 0xc0; /* the answer's owner points to itself */
	m.b[m.len - 15] = (uint8_t)(m.len - 16);
	send_to(fd, &m, peer);
	reply_zone(&m, q, qlen);
	send_to(srv.wrong_port_fd, &m, peer);
	send_to(srv.wrong_addr_fd, &m, peer);
	send_to(fd, &m, peer);
}

static void serve_one(int which)
{
	uint8_t q[512];
	struct sockaddr_in peer;
	socklen_t plen = sizeof(peer);
	struct msg m;
	ssize_t n = recvfrom(srv.fd[which], q, sizeof(q), 0,
			     (struct sockaddr *)&peer, &plen);

	if (n < 12)
		return;
	pthread_mutex_lock(&srv.mu);
	enum mode mode = srv.mode[which];
	srv.nq[which]++;
	if (srv.nlog < LOG_MAX) {
		srv.ids[srv.nlog] = (uint16_t)(q[0] << 8 | q[1]);
		srv.ports[srv.nlog] = ntohs(peer.sin_port);
		srv.nlog++;
	}
	memcpy(srv.query, q, (size_t)n);
	srv.query_len = (size_t)n;
	pthread_mutex_unlock(&srv.mu);

	switch (mode) {
	case M_ANSWER:
		reply_zone(&m, q, (size_t)n);
		break;
	case M_SILENT:
		return;
	case M_SERVFAIL:
	case M_REFUSED:
		reply_start(&m, q, (size_t)n, mode == M_SERVFAIL ? 2 : 5);
		break;
	case M_TC:
		reply_zone(&m, q, (size_t)n);
		m.b[2] |= 0x02;
		break;
	case M_SPOOF:
		reply_spoofed(srv.fd[which], q, (size_t)n, &peer);
		return;
	}
	send_to(srv.fd[which], &m, &peer);
}

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[2] = { { .fd = srv.fd[0], .events = POLLIN },
				       { .fd = srv.fd[1], .events = POLLIN } };
		pthread_mutex_lock(&srv.mu);
		bool stop = srv.stop;
		pthread_mutex_unlock(&srv.mu);
		if (stop)
			return NULL;
		/* The timeout only bounds how late the stop flag is seen. */
		if (poll(p, 2, 20) <= 0)
			continue;
		for (int i = 0; i < 2; i++)
			if (p[i].revents & POLLIN)
				serve_one(i);
	}
}

static void set_modes(enum mode a, enum mode b)
{
	pthread_mutex_lock(&srv.mu);
	srv.mode[0] = a;
	srv.mode[1] = b;
	pthread_mutex_unlock(&srv.mu);
}

static uint32_t ip(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static int group_setup(void **state)
{
	(void)state;
	pthread_mutex_init(&srv.mu, NULL);
	srv.fd[0] = udp_on("127.0.0.1", 0);
	srv.port = port_of(srv.fd[0]);
	srv.fd[1] = udp_on("127.0.0.2", srv.port);
	srv.wrong_addr_fd = udp_on("127.0.0.3", srv.port);
	srv.wrong_port_fd = udp_on("127.0.0.1", 0);
	assert_int_equal(pthread_create(&srv.th, NULL, serve, NULL), 0);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	pthread_mutex_lock(&srv.mu);
	srv.stop = true;
	pthread_mutex_unlock(&srv.mu);
	pthread_join(srv.th, NULL);
	close(srv.fd[0]);
	close(srv.fd[1]);
	close(srv.wrong_addr_fd);
	close(srv.wrong_port_fd);
	return 0;
}

/* Each test: one server (127.0.0.1) answering from the zone, waits long
 * enough that only silence ends them. */
static int setup(void **state)
{
	(void)state;
	memset(&test_ns, 0, sizeof(test_ns));
	servers[0] = ip("127.0.0.1");
	servers[1] = ip("127.0.0.2");
	nservers = 1;
	servers_calls = wait_calls = wait_result = servers_after_wait = 0;
	start_calls = start_result = 0;
	set_modes(M_ANSWER, M_ANSWER);
	pthread_mutex_lock(&srv.mu);
	srv.nq[0] = srv.nq[1] = 0;
	srv.nlog = 0;
	pthread_mutex_unlock(&srv.mu);
	resolv_test_hook(srv.port, 10000, 10000);
	mosaic_h_errno = 0;
	return 0;
}

static unsigned int queries(int which)
{
	pthread_mutex_lock(&srv.mu);
	unsigned int n = srv.nq[which];
	pthread_mutex_unlock(&srv.mu);
	return n;
}

static int gai(const char *node, const char *service, int family, int socktype,
	       int protocol, int flags, struct addrinfo **res)
{
	struct addrinfo hints = { .ai_family = family,
				  .ai_socktype = socktype,
				  .ai_protocol = protocol,
				  .ai_flags = flags };
	return mosaic_getaddrinfo(node, service, &hints, res);
}

static const char *addr_of(const struct addrinfo *ai)
{
	static char buf[INET_ADDRSTRLEN];
	const struct sockaddr_in *sa = (const struct sockaddr_in *)ai->ai_addr;

	assert_int_equal(ai->ai_family, AF_INET);
	assert_int_equal(ai->ai_addrlen, sizeof(*sa));
	assert_int_equal(sa->sin_family, AF_INET);
	return inet_ntop(AF_INET, &sa->sin_addr, buf, sizeof(buf));
}

static unsigned int port_ai(const struct addrinfo *ai)
{
	return ntohs(((const struct sockaddr_in *)ai->ai_addr)->sin_port);
}

static unsigned int count(const struct addrinfo *ai)
{
	unsigned int n = 0;
	for (; ai; ai = ai->ai_next)
		n++;
	return n;
}

/* ---- Without the network. */

static void test_numeric(void **state)
{
	struct addrinfo *res;
	(void)state;

	assert_int_equal(gai("192.0.2.1", "80", 0, 0, 0, 0, &res), 0);
	assert_int_equal(count(res), 2);
	assert_string_equal(addr_of(res), "192.0.2.1");
	assert_int_equal(port_ai(res), 80);
	assert_int_equal(res->ai_socktype, SOCK_STREAM);
	assert_int_equal(res->ai_protocol, IPPROTO_TCP);
	assert_null(res->ai_canonname);
	assert_string_equal(addr_of(res->ai_next), "192.0.2.1");
	assert_int_equal(port_ai(res->ai_next), 80);
	assert_int_equal(res->ai_next->ai_socktype, SOCK_DGRAM);
	assert_int_equal(res->ai_next->ai_protocol, IPPROTO_UDP);
	mosaic_freeaddrinfo(res);

	/* inet_aton's short forms, as glibc takes them. */
	assert_int_equal(
		gai("10.1", NULL, AF_INET, SOCK_DGRAM, 0, AI_CANONNAME, &res),
		0);
	assert_int_equal(count(res), 1);
	assert_string_equal(addr_of(res), "10.0.0.1");
	assert_int_equal(port_ai(res), 0);
	assert_string_equal(res->ai_canonname, "10.1");
	mosaic_freeaddrinfo(res);

	/* AI_NUMERICHOST refuses names; a v6 literal is the wrong family;
	 * trailing junk is no number (and no valid name either). */
	assert_int_equal(
		gai("example.com", NULL, 0, 0, 0, AI_NUMERICHOST, &res),
		EAI_NONAME);
	assert_null(res);
	assert_int_equal(gai("::1", NULL, 0, 0, 0, 0, &res), EAI_ADDRFAMILY);
	assert_int_equal(gai("1.2.3.4 x", NULL, 0, 0, 0, 0, &res), EAI_NONAME);
	assert_int_equal(servers_calls, 0);
	assert_int_equal(queries(0), 0);
}

static void test_null_node_and_localhost(void **state)
{
	struct addrinfo *res;
	(void)state;

	assert_int_equal(gai(NULL, "8080", 0, SOCK_STREAM, 0, AI_PASSIVE, &res),
			 0);
	assert_int_equal(count(res), 1);
	assert_string_equal(addr_of(res), "0.0.0.0");
	assert_int_equal(port_ai(res), 8080);
	mosaic_freeaddrinfo(res);
	assert_int_equal(gai(NULL, "8080", 0, SOCK_STREAM, 0, 0, &res), 0);
	assert_string_equal(addr_of(res), "127.0.0.1");
	mosaic_freeaddrinfo(res);
	assert_int_equal(mosaic_getaddrinfo(NULL, "53", NULL, &res), 0);
	assert_int_equal(count(res), 2);
	mosaic_freeaddrinfo(res);

	static const char *names[] = { "localhost", "LocalHost", "localhost." };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(gai(names[i], "http", AF_INET, 0, 0,
				     AI_CANONNAME, &res),
				 0);
		assert_int_equal(count(res), 1);
		assert_string_equal(addr_of(res), "127.0.0.1");
		assert_string_equal(res->ai_canonname, "localhost");
		mosaic_freeaddrinfo(res);
	}
	assert_int_equal(servers_calls, 0);
}

static void test_hints(void **state)
{
	struct addrinfo *res = (struct addrinfo *)1;
	(void)state;

	assert_int_equal(mosaic_getaddrinfo(NULL, NULL, NULL, &res),
			 EAI_NONAME);
	assert_null(res);
	assert_int_equal(gai(NULL, "80", 0, 0, 0, AI_CANONNAME, &res),
			 EAI_BADFLAGS);
	assert_int_equal(gai("1.2.3.4", "80", 0, 0, 0, 0x8000, &res),
			 EAI_BADFLAGS);
	assert_int_equal(gai("1.2.3.4", "80", AF_INET6, 0, 0, 0, &res),
			 EAI_FAMILY);
	assert_int_equal(gai("1.2.3.4", "80", 99, 0, 0, 0, &res), EAI_FAMILY);
	assert_int_equal(gai("1.2.3.4", "80", 0, SOCK_RAW, 0, 0, &res),
			 EAI_SOCKTYPE);
	assert_int_equal(
		gai("1.2.3.4", "80", 0, SOCK_STREAM, IPPROTO_UDP, 0, &res),
		EAI_SOCKTYPE);
	assert_int_equal(mosaic_getaddrinfo("1.2.3.4", "80", NULL, NULL),
			 EAI_SYSTEM);
	assert_int_equal(errno, EINVAL);

	/* The protocol alone picks the kind; flags we ignore are fine. */
	assert_int_equal(gai("1.2.3.4", "80", AF_UNSPEC, 0, IPPROTO_UDP,
			     AI_ADDRCONFIG | AI_V4MAPPED | AI_ALL, &res),
			 0);
	assert_int_equal(count(res), 1);
	assert_int_equal(res->ai_socktype, SOCK_DGRAM);
	mosaic_freeaddrinfo(res);
	mosaic_freeaddrinfo(NULL);
}

static void test_services(void **state)
{
	static const struct {
		const char *service;
		int socktype, flags;
		int err;
		unsigned int port, n;
	} cases[] = {
		{ "http", 0, 0, 0, 80, 1 },
		{ "http", SOCK_DGRAM, 0, EAI_SERVICE, 0, 0 },
		{ "https", 0, 0, 0, 443, 2 },
		{ "ntp", 0, 0, 0, 123, 1 },
		{ "ntp", SOCK_STREAM, 0, EAI_SERVICE, 0, 0 },
		{ "ssh", SOCK_STREAM, 0, 0, 22, 1 },
		{ "HTTP", 0, 0, EAI_SERVICE, 0, 0 },
		{ "nosuch", 0, 0, EAI_SERVICE, 0, 0 },
		{ "http", 0, AI_NUMERICSERV, EAI_NONAME, 0, 0 },
		{ "80", 0, AI_NUMERICSERV, 0, 80, 2 },
		{ "0", 0, 0, 0, 0, 2 },
		{ "08", SOCK_STREAM, 0, 0, 8, 1 },
		{ "65535", SOCK_STREAM, 0, 0, 65535, 1 },
		{ "65536", 0, 0, EAI_SERVICE, 0, 0 },
		{ "99999999999999999999", 0, 0, EAI_SERVICE, 0, 0 },
		{ "", 0, 0, EAI_SERVICE, 0, 0 },
		{ "-1", 0, 0, EAI_SERVICE, 0, 0 },
		{ " 80", 0, 0, EAI_SERVICE, 0, 0 },
	};
	struct addrinfo *res;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = gai("192.0.2.9", cases[i].service, 0,
			      cases[i].socktype, 0, cases[i].flags, &res);
		assert_int_equal(err, cases[i].err);
		if (err)
			continue;
		assert_int_equal(count(res), cases[i].n);
		for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
			assert_int_equal(port_ai(ai), cases[i].port);
		mosaic_freeaddrinfo(res);
	}
}

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(mosaic_gai_strerror(EAI_NONAME),
			    "Name or service not known");
	assert_string_equal(mosaic_gai_strerror(EAI_AGAIN),
			    "Temporary failure in name resolution");
	assert_string_equal(mosaic_gai_strerror(EAI_FAIL),
			    "Non-recoverable failure in name resolution");
	assert_string_equal(mosaic_gai_strerror(EAI_NODATA),
			    "No address associated with hostname");
	assert_string_equal(mosaic_gai_strerror(EAI_SYSTEM), "System error");
	assert_string_equal(mosaic_gai_strerror(12345), "Unknown error");
	/* Same texts as glibc's. */
	for (int code = -12; code <= -1; code++)
		if (code != EAI_OVERFLOW)
			assert_string_equal(mosaic_gai_strerror(code),
					    gai_strerror(code));
}

/* ---- Through the fake server. */

static void test_resolve(void **state)
{
	struct addrinfo *res;
	char name[256];
	(void)state;

	assert_int_equal(gai("mosaic-test.example", "80", AF_INET, SOCK_STREAM,
			     0, AI_CANONNAME, &res),
			 0);
	assert_int_equal(count(res), 1);
	assert_string_equal(addr_of(res), "192.0.2.77");
	assert_int_equal(port_ai(res), 80);
	assert_string_equal(res->ai_canonname, "mosaic-test.example");
	mosaic_freeaddrinfo(res);
	assert_int_equal(queries(0), 1);
	assert_int_equal(wait_calls, 0);

	/* What went on the wire: RD, one question, our name, type A, from
	 * a port that is not the server's. */
	pthread_mutex_lock(&srv.mu);
	assert_int_equal(srv.query[2], 0x01);
	assert_int_equal(srv.query[3], 0x00);
	assert_int_equal(srv.query[5], 1);
	size_t end = question_name(srv.query, srv.query_len, name);
	assert_int_equal(srv.query_len, end + 4);
	assert_int_not_equal(srv.ports[0], srv.port);
	pthread_mutex_unlock(&srv.mu);
	assert_string_equal(name, "mosaic-test.example");
	assert_int_equal(test_ns.ns_ctr[NC_dns_bad], 0);
}

static void test_resolve_many_and_cname(void **state)
{
	struct addrinfo *res;
	(void)state;

	assert_int_equal(gai("multi.example", "443", 0, 0, 0, 0, &res), 0);
	assert_int_equal(count(res), 6);
	static const char *want[] = { "192.0.2.1", "192.0.2.2", "192.0.2.3" };
	struct addrinfo *ai = res;
	for (int i = 0; i < 3; i++) {
		assert_string_equal(addr_of(ai), want[i]);
		assert_int_equal(ai->ai_socktype, SOCK_STREAM);
		ai = ai->ai_next;
		assert_string_equal(addr_of(ai), want[i]);
		assert_int_equal(ai->ai_socktype, SOCK_DGRAM);
		ai = ai->ai_next;
	}
	mosaic_freeaddrinfo(res);

	assert_int_equal(gai("Alias.Example.", NULL, AF_INET, SOCK_STREAM, 0,
			     AI_CANONNAME, &res),
			 0);
	assert_string_equal(addr_of(res), "192.0.2.88");
	assert_string_equal(res->ai_canonname, "real.example");
	mosaic_freeaddrinfo(res);
}

static void test_nxdomain_nodata(void **state)
{
	struct addrinfo *res;
	(void)state;

	assert_int_equal(
		gai("no-such-name.invalid", NULL, AF_INET, 0, 0, 0, &res),
		EAI_NONAME);
	assert_null(res);
	assert_int_equal(gai("nodata.example", NULL, AF_INET, 0, 0, 0, &res),
			 EAI_NODATA);
	/* Definite answers: one query each, no retry. */
	assert_int_equal(queries(0), 2);
	assert_null(mosaic_gethostbyname("no-such-name.invalid"));
	assert_int_equal(mosaic_h_errno, HOST_NOT_FOUND);
	assert_null(mosaic_gethostbyname("nodata.example"));
	assert_int_equal(mosaic_h_errno, NO_DATA);
	/* Invalid names never reach a server. */
	assert_int_equal(gai("a..b", NULL, 0, 0, 0, 0, &res), EAI_NONAME);
	assert_int_equal(gai("-_-.x y", NULL, 0, 0, 0, 0, &res), EAI_NONAME);
	assert_int_equal(queries(0), 4);
}

static void test_spoofed_answers_dropped(void **state)
{
	struct addrinfo *res;
	(void)state;

	set_modes(M_SPOOF, M_ANSWER);
	assert_int_equal(gai("mosaic-test.example", NULL, AF_INET, SOCK_STREAM,
			     0, 0, &res),
			 0);
	assert_string_equal(addr_of(res), "192.0.2.77");
	mosaic_freeaddrinfo(res);
	assert_int_equal(queries(0), 1);
	/* Wrong ID, wrong question, compression loop, wrong port, wrong
	 * address: each dropped and counted, the wait went on. */
	assert_int_equal(test_ns.ns_ctr[NC_dns_bad], 5);
	assert_int_equal(nlocked, 0);
}

static void test_truncated(void **state)
{
	struct addrinfo *res;
	(void)state;

	set_modes(M_TC, M_ANSWER);
	nservers = 2;
	assert_int_equal(
		gai("mosaic-test.example", NULL, AF_INET, 0, 0, 0, &res),
		EAI_FAIL);
	/* No TCP, no other server, no retry. */
	assert_int_equal(queries(0), 1);
	assert_int_equal(queries(1), 0);
}

static void test_servfail_next_server(void **state)
{
	struct addrinfo *res;
	(void)state;

	set_modes(M_SERVFAIL, M_ANSWER);
	nservers = 2;
	assert_int_equal(gai("mosaic-test.example", NULL, AF_INET, SOCK_STREAM,
			     0, 0, &res),
			 0);
	assert_string_equal(addr_of(res), "192.0.2.77");
	mosaic_freeaddrinfo(res);
	assert_int_equal(queries(0), 1);
	assert_int_equal(queries(1), 1);

	/* SERVFAIL everywhere: temporary. */
	set_modes(M_SERVFAIL, M_SERVFAIL);
	assert_int_equal(
		gai("mosaic-test.example", NULL, AF_INET, 0, 0, 0, &res),
		EAI_AGAIN);
	assert_null(mosaic_gethostbyname("mosaic-test.example"));
	assert_int_equal(mosaic_h_errno, TRY_AGAIN);
	/* REFUSED everywhere: not. */
	set_modes(M_REFUSED, M_REFUSED);
	assert_int_equal(
		gai("mosaic-test.example", NULL, AF_INET, 0, 0, 0, &res),
		EAI_FAIL);
	assert_null(mosaic_gethostbyname("mosaic-test.example"));
	assert_int_equal(mosaic_h_errno, NO_RECOVERY);
}

static void test_silence(void **state)
{
	struct addrinfo *res;
	(void)state;

	/* The first server never answers: after its wait, the second. */
	resolv_test_hook(srv.port, 100, 200);
	set_modes(M_SILENT, M_ANSWER);
	nservers = 2;
	assert_int_equal(gai("mosaic-test.example", NULL, AF_INET, SOCK_STREAM,
			     0, 0, &res),
			 0);
	assert_string_equal(addr_of(res), "192.0.2.77");
	mosaic_freeaddrinfo(res);
	assert_int_equal(queries(0), 1);
	assert_int_equal(queries(1), 1);

	/* Neither answers: each asked twice, then EAI_AGAIN. Every query
	 * had its own ID and port (not all the same, at least). */
	set_modes(M_SILENT, M_SILENT);
	pthread_mutex_lock(&srv.mu);
	srv.nlog = 0;
	pthread_mutex_unlock(&srv.mu);
	assert_int_equal(
		gai("mosaic-test.example", NULL, AF_INET, 0, 0, 0, &res),
		EAI_AGAIN);
	assert_int_equal(queries(0), 3);
	assert_int_equal(queries(1), 3);
	pthread_mutex_lock(&srv.mu);
	assert_int_equal(srv.nlog, 4);
	bool ids_differ = false, ports_differ = false;
	for (unsigned int i = 1; i < 4; i++) {
		ids_differ |= srv.ids[i] != srv.ids[0];
		ports_differ |= srv.ports[i] != srv.ports[0];
	}
	pthread_mutex_unlock(&srv.mu);
	assert_true(ids_differ);
	assert_true(ports_differ);
}

static void test_waits_for_network(void **state)
{
	struct addrinfo *res;
	(void)state;

	/* No DNS server yet: wait for DHCP, which brings one. */
	nservers = 0;
	servers_after_wait = 1;
	assert_int_equal(gai("mosaic-test.example", NULL, AF_INET, SOCK_STREAM,
			     0, 0, &res),
			 0);
	assert_int_equal(wait_calls, 1);
	assert_string_equal(addr_of(res), "192.0.2.77");
	mosaic_freeaddrinfo(res);

	/* The wait times out (or there is no network). */
	nservers = 0;
	wait_result = -ETIMEDOUT;
	assert_int_equal(gai("mosaic-test.example", NULL, 0, 0, 0, 0, &res),
			 EAI_AGAIN);
	wait_result = -ENETDOWN;
	assert_int_equal(gai("mosaic-test.example", NULL, 0, 0, 0, 0, &res),
			 EAI_AGAIN);
	/* Configured, but no DNS server among the settings. */
	wait_result = 0;
	servers_after_wait = 0;
	assert_int_equal(gai("mosaic-test.example", NULL, 0, 0, 0, 0, &res),
			 EAI_FAIL);
	assert_int_equal(wait_calls, 4);
	assert_int_equal(queries(0), 1);
	/* Each lookup made sure the stack runs; one that cannot start it
	 * says why. */
	assert_int_equal(start_calls, 4);
	start_result = -ENOMEM;
	assert_int_equal(gai("mosaic-test.example", NULL, 0, 0, 0, 0, &res),
			 EAI_SYSTEM);
	assert_int_equal(errno, ENOMEM);
	assert_int_equal(wait_calls, 4);
}

static void test_gethostbyname(void **state)
{
	(void)state;

	struct hostent *he = mosaic_gethostbyname("multi.example");
	assert_non_null(he);
	assert_string_equal(he->h_name, "multi.example");
	assert_int_equal(he->h_addrtype, AF_INET);
	assert_int_equal(he->h_length, 4);
	assert_non_null(he->h_aliases);
	assert_null(he->h_aliases[0]);
	static const char *want[] = { "192.0.2.1", "192.0.2.2", "192.0.2.3" };
	for (int i = 0; i < 3; i++) {
		char buf[INET_ADDRSTRLEN];
		assert_non_null(he->h_addr_list[i]);
		inet_ntop(AF_INET, he->h_addr_list[i], buf, sizeof(buf));
		assert_string_equal(buf, want[i]);
	}
	assert_null(he->h_addr_list[3]);

	he = mosaic_gethostbyname("192.0.2.5");
	assert_non_null(he);
	assert_string_equal(he->h_name, "192.0.2.5");
	assert_null(he->h_addr_list[1]);
	assert_null(mosaic_gethostbyname(NULL));
	assert_int_equal(mosaic_h_errno, HOST_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_numeric, setup),
		cmocka_unit_test_setup(test_null_node_and_localhost, setup),
		cmocka_unit_test_setup(test_hints, setup),
		cmocka_unit_test_setup(test_services, setup),
		cmocka_unit_test_setup(test_strerror, setup),
		cmocka_unit_test_setup(test_resolve, setup),
		cmocka_unit_test_setup(test_resolve_many_and_cname, setup),
		cmocka_unit_test_setup(test_nxdomain_nodata, setup),
		cmocka_unit_test_setup(test_spoofed_answers_dropped, setup),
		cmocka_unit_test_setup(test_truncated, setup),
		cmocka_unit_test_setup(test_servfail_next_server, setup),
		cmocka_unit_test_setup(test_silence, setup),
		cmocka_unit_test_setup(test_waits_for_network, setup),
		cmocka_unit_test_setup(test_gethostbyname, setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
