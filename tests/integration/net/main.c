/* SPDX-License-Identifier: MIT */
/*
 * Integration test: the network stack end to end, through the POSIX
 * calls. One image, a role per case (argv[1]):
 *
 *   loop               TCP and UDP between microapps over 127.0.0.1
 *   echo PORT N        TCP echo, a microapp per connection (blocking
 *                      calls), until N connections have closed
 *   udpecho PORT N     UDP echo of at least N datagrams, until "quit"
 *   udpbye PORT N [warm]  on the first datagram, sends N datagrams back
 *                      and returns from main() at once: exit() must not
 *                      lose them, whether they wait for ARP or sit in
 *                      the device's queue; warm: answers "ok" first (so
 *                      the next hop is known) and sends on "end"
 *   http PORT N        a tiny HTTP/1.1 responder driven by poll(),
 *                      keep-alive, until N requests are answered (0:
 *                      for ever); prints the guest time from the first
 *                      request to the last answer (bench/net.py turns
 *                      it into instructions per request under -icount)
 *   httpself PORT N    the http role in a microapp and a keep-alive
 *                      client in another, N requests over 127.0.0.1;
 *                      prints the guest time they took (under -icount,
 *                      instructions: bench/net.py)
 *   conc PORT N        N connections held open at once, served by one
 *                      microapp with edge-triggered epoll
 *   resolve NAME ADDR  waits for the DHCP lease, resolves NAME and
 *                      expects ADDR
 *   sink PORT BYTES    counts BYTES from one connection, prints a hash
 *   source PORT BYTES  sends BYTES of a known stream to one connection,
 *                      then prints how many TCP super-frames the network
 *                      devices took (segmentation offload)
 *   sendfile PORT [FILE]  sends FILE (/sendfile.txt of the initrd) with
 *                      sendfile() (lent to TCP, not copied: the
 *                      tcp_lent_bytes counter says so), then a tmpfs
 *                      file (copied)
 *
 * A server prints "net-test: ready" once it listens; the harness starts
 * its host client on that line. Each role ends with TEST PASS or FAIL.
 */
#define _GNU_SOURCE /* memmem, accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <itest.h>

/* bench/net.py builds this file for a Linux guest too (serving the same
 * bytes): there, the Mosaic-only figures are left out. */
#ifndef NET_TEST_LINUX
#include <mosaic/memstats.h>
#include <mosaic/netstats.h>

static long free_bytes(void)
{
	struct mosaic_memstats ms;

	return mosaic_memstats(&ms) ? -1 : (long)ms.ms_free_pages * 4096;
}

static long long lent_bytes(void)
{
	unsigned long long v;

	return mosaic_netstat("tcp_lent_bytes", &v) ? -1 : (long long)v;
}

/* TCP super-frames the network devices took (segmentation offload). */
static long long tso_frames(void)
{
	unsigned long long v;

	return mosaic_netstat("dev_tx_tso", &v) ? -1 : (long long)v;
}
#else
static long free_bytes(void)
{
	return -1;
}

static long long lent_bytes(void)
{
	return -1;
}

static long long tso_frames(void)
{
	return -1;
}
#endif

static void ready(void)
{
	printf("net-test: ready\n");
	fflush(stdout);
}

static int listen_on(int port, int backlog)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	CHECK(fd >= 0, "socket: errno %d", errno);
	CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0,
	      "SO_REUSEADDR");
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	      "bind %d: errno %d", port, errno);
	CHECK(listen(fd, backlog) == 0, "listen: errno %d", errno);
	return fd;
}

/* write() until everything went or an error. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- loop: both ends in the appliance. */

struct loop_srv {
	int lfd;
	int got;
};

static void *loop_server(void *arg)
{
	struct loop_srv *s = arg;
	char buf[4096];
	long total = 0;
	int c = accept(s->lfd, NULL, NULL);

	CHECK(c >= 0, "loop accept: errno %d", errno);
	for (;;) {
		ssize_t n = read(c, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			CHECK((unsigned char)buf[i] ==
				      (unsigned char)((total + i) * 7),
			      "loop byte %ld", total + i);
		total += n;
	}
	s->got = (int)total;
	CHECK(write_all(c, "bye", 3) == 0, "loop reply");
	close(c);
	return NULL;
}

static void role_loop(void)
{
	struct loop_srv s = { .lfd = listen_on(5000, 4) };
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(5000),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static char buf[1 << 20];
	pthread_t t;
	char reply[8];

	CHECK(pthread_create(&t, NULL, loop_server, &s) == 0, "pthread");
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0,
	      "loop connect: errno %d", errno);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	CHECK(write_all(c, buf, sizeof(buf)) == 0, "loop write");
	CHECK(shutdown(c, SHUT_WR) == 0, "shutdown");
	CHECK(read(c, reply, sizeof(reply)) == 3 && !memcmp(reply, "bye", 3),
	      "loop reply read");
	CHECK(read(c, reply, sizeof(reply)) == 0, "loop EOF");
	pthread_join(t, NULL);
	CHECK(s.got == (int)sizeof(buf), "loop got %d", s.got);
	close(c);
	close(s.lfd);

	/* A refused connection: nobody listens on 5001. */
	c = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons(5001);
	CHECK(connect(c, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
		      errno == ECONNREFUSED,
	      "refused: errno %d", errno);
	close(c);

	/* UDP to ourselves. */
	int u1 = socket(AF_INET, SOCK_DGRAM, 0),
	    u2 = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	sa.sin_port = htons(5002);
	CHECK(bind(u1, (struct sockaddr *)&sa, sizeof(sa)) == 0, "udp bind");
	CHECK(sendto(u2, "ping", 4, 0, (struct sockaddr *)&sa, sizeof(sa)) == 4,
	      "udp sendto: errno %d", errno);
	CHECK(recvfrom(u1, reply, sizeof(reply), 0, (struct sockaddr *)&from,
		       &fl) == 4 &&
		      !memcmp(reply, "ping", 4),
	      "udp recvfrom");
	CHECK(from.sin_addr.s_addr == htonl(INADDR_LOOPBACK), "udp source");
	close(u1);
	close(u2);
}

/* ---- echo: blocking calls, a microapp per connection. */

static int echo_left;
static pthread_mutex_t echo_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t echo_cv = PTHREAD_COND_INITIALIZER;

static void *echo_conn(void *arg)
{
	int c = (int)(intptr_t)arg;
	char *buf = malloc(16384);

	CHECK(buf != NULL, "malloc");

	for (;;) {
		ssize_t n = read(c, buf, 16384);
		if (n <= 0) {
			CHECK(n == 0, "echo read: errno %d", errno);
			break;
		}
		if (write_all(c, buf, (size_t)n)) {
			CHECK(0, "echo write: errno %d", errno);
			break;
		}
	}
	free(buf);
	close(c);
	pthread_mutex_lock(&echo_mu);
	if (--echo_left == 0)
		pthread_cond_signal(&echo_cv);
	pthread_mutex_unlock(&echo_mu);
	return NULL;
}

static void role_echo(int port, int n)
{
	int lfd = listen_on(port, 64);
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	echo_left = n;
	ready();
	for (int i = 0; i < n; i++) {
		pthread_t t;
		int c = accept(lfd, NULL, NULL);
		CHECK(c >= 0, "accept: errno %d", errno);
		if (c < 0)
			break;
		CHECK(pthread_create(&t, &attr, echo_conn,
				     (void *)(intptr_t)c) == 0,
		      "pthread_create");
	}
	pthread_mutex_lock(&echo_mu);
	while (echo_left > 0)
		pthread_cond_wait(&echo_cv, &echo_mu);
	pthread_mutex_unlock(&echo_mu);
	close(lfd);
}

/* ---- udpecho. */

static void role_udpecho(int port, int n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	static char buf[65536];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind");
	ready();
	/* The client resends what got lost, so a count of datagrams says
	 * nothing: it says "quit" once every echo came back. */
	for (int i = 0;; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(fd, buf, sizeof(buf), 0,
				       (struct sockaddr *)&from, &fl);
		CHECK(len >= 0, "recvfrom: errno %d", errno);
		if (len == 4 && !memcmp(buf, "quit", 4)) {
			CHECK(i >= n, "quit after %d datagrams of %d", i, n);
			break;
		}
		CHECK(sendto(fd, buf, (size_t)len, 0, (struct sockaddr *)&from,
			     fl) == len,
		      "sendto: errno %d", errno);
	}
	close(fd);
}

/* ---- udpbye. */

static void role_udpbye(int port, int n, bool warm)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	char buf[64];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "bind");
	ready();
	CHECK(recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		       &fl) >= 0,
	      "recvfrom: errno %d", errno);
	if (warm) {
		CHECK(sendto(fd, "ok", 2, 0, (struct sockaddr *)&from, fl) == 2,
		      "sendto ok: errno %d", errno);
		ssize_t len;
		do {
			fl = sizeof(from);
			len = recvfrom(fd, buf, sizeof(buf), 0,
				       (struct sockaddr *)&from, &fl);
			CHECK(len >= 0, "recvfrom: errno %d", errno);
		} while (len != 3 || memcmp(buf, "end", 3) != 0);
	}
	for (int i = 0; i < n; i++) {
		int len = snprintf(buf, sizeof(buf), "bye %d", i);
		CHECK(sendto(fd, buf, (size_t)len, 0, (struct sockaddr *)&from,
			     fl) == len,
		      "sendto %d: errno %d", i, errno);
	}
	/* No close(), no wait: main() returns and exit() drains. */
}

/* ---- http: poll() over a listener and its connections. */

#define HTTP_MAX 64
static const char http_body[] = "hello from mosaic\n";

struct http_conn {
	int fd;
	size_t have;
	char req[2048];
};

/* Answers each complete request in c; returns -1 to close it. */
static int http_serve(struct http_conn *c, int *served)
{
	char *end;

	while ((end = memmem(c->req, c->have, "\r\n\r\n", 4)) != NULL) {
		size_t used = (size_t)(end - c->req) + 4;
		bool close_after =
			memmem(c->req, used, "Connection: close", 17) != NULL;
		/* One write per response: two would meet Nagle's rule and
		 * the client's delayed ACK. */
		char resp[256];
		int len = snprintf(
			resp, sizeof(resp),
			"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			"Content-Length: %zu\r\n%s\r\n%s",
			sizeof(http_body) - 1,
			close_after ? "Connection: close\r\n" : "", http_body);
		if (write_all(c->fd, resp, (size_t)len))
			return -1;
		(*served)++;
		memmove(c->req, c->req + used, c->have - used);
		c->have -= used;
		if (close_after)
			return -1;
	}
	if (c->have == sizeof(c->req))
		return -1; /* a header this long is not ours to parse */
	return 0;
}

static void role_http(int port, int n)
{
	static struct http_conn conns[HTTP_MAX];
	struct pollfd pfd[HTTP_MAX + 1];
	int lfd = listen_on(port, 128), served = 0;
	uint64_t first = 0;

	for (int i = 0; i < HTTP_MAX; i++)
		conns[i].fd = -1;
	ready();
	while (n == 0 || served < n) {
		int np = 0;
		pfd[np++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < HTTP_MAX; i++)
			pfd[np++] = (struct pollfd){ .fd = conns[i].fd,
						     .events = POLLIN };
		int r = poll(pfd, (nfds_t)np, n == 0 ? -1 : 30000);
		CHECK(r > 0, "poll: %d errno %d", r, errno);
		if (r <= 0)
			break;
		if (first == 0)
			first = now_ns();
		if (pfd[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
			int slot = -1;
			for (int i = 0; i < HTTP_MAX && slot < 0; i++)
				if (conns[i].fd < 0)
					slot = i;
			if (c >= 0 && slot >= 0) {
				conns[slot].fd = c;
				conns[slot].have = 0;
			} else if (c >= 0) {
				close(c);
			}
		}
		for (int i = 0; i < HTTP_MAX; i++) {
			struct http_conn *c = &conns[i];
			if (c->fd < 0 || !(pfd[i + 1].revents &
					   (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t got = read(c->fd, c->req + c->have,
					   sizeof(c->req) - c->have);
			if (got < 0 && errno == EAGAIN)
				continue;
			if (got <= 0 || (c->have += (size_t)got,
					 http_serve(c, &served) < 0)) {
				close(c->fd);
				c->fd = -1;
			}
		}
	}
	for (int i = 0; i < HTTP_MAX; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	close(lfd);
	printf("net-test: %d requests served in %llu ns\n", served,
	       (unsigned long long)(now_ns() - first));
}

/* ---- httpself: client and server in the guest, over the loopback. */

struct httpself_srv {
	int port, n;
};

static void *httpself_server(void *arg)
{
	struct httpself_srv *s = arg;

	role_http(s->port, s->n);
	return NULL;
}

static void role_httpself(int port, int n)
{
	struct httpself_srv srv = { port, n };
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[512];
	pthread_t t;
	int c = -1;

	CHECK(pthread_create(&t, NULL, httpself_server, &srv) == 0, "thread");
	/* The server listens soon: retry the first connect until then. */
	for (int tries = 0; tries < 1000; tries++) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(c);
		c = -1;
		usleep(1000);
	}
	CHECK(c >= 0, "httpself connect: errno %d", errno);
	uint64_t t0 = now_ns();
	for (int i = 0; i < n && c >= 0; i++) {
		size_t want = 0, got = 0;
		CHECK(write_all(c, req, sizeof(req) - 1) == 0, "request %d", i);
		/* One response: headers and the known body. */
		while (want == 0 || got < want) {
			ssize_t r = read(c, buf + got, sizeof(buf) - got);
			if (r <= 0)
				break;
			got += (size_t)r;
			char *end = memmem(buf, got, "\r\n\r\n", 4);
			if (end)
				want = (size_t)(end - buf) + 4 +
				       sizeof(http_body) - 1;
		}
		CHECK(want != 0 && got == want, "response %d: %zu of %zu", i,
		      got, want);
	}
	uint64_t t1 = now_ns();
	close(c);
	pthread_join(t, NULL);
	printf("net-test: %d loopback requests in %llu ns\n", n,
	       (unsigned long long)(t1 - t0));
}

/* ---- conc: N connections at once, one microapp, edge-triggered epoll. */

static void role_conc(int port, int n)
{
	int lfd = listen_on(port, n);
	int ep = epoll_create1(0);
	int open_now = 0, peak = 0, accepted = 0, closed = 0;
	long before = free_bytes(), per_conn = -1;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
	static struct epoll_event evs[64];
	static char buf[4096];

	CHECK(ep >= 0, "epoll_create1: errno %d", errno);
	CHECK(fcntl(lfd, F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == 0, "epoll_ctl");
	ready();
	while (closed < n) {
		int r = epoll_wait(ep, evs, 64, 30000);
		CHECK(r > 0, "epoll_wait: %d errno %d", r, errno);
		if (r <= 0)
			break;
		for (int i = 0; i < r; i++) {
			int fd = evs[i].data.fd;
			if (fd == lfd) {
				int c;
				while ((c = accept4(lfd, NULL, NULL,
						    SOCK_NONBLOCK)) >= 0) {
					struct epoll_event cev = {
						.events = EPOLLIN | EPOLLET |
							  EPOLLRDHUP,
						.data.fd = c
					};
					CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, c,
							&cev) == 0,
					      "epoll add conn");
					accepted++;
					if (++open_now > peak)
						peak = open_now;
					if (peak == n && per_conn < 0 &&
					    before >= 0)
						per_conn = (before -
							    free_bytes()) /
							   n;
				}
				CHECK(errno == EAGAIN, "accept4: errno %d",
				      errno);
				continue;
			}
			/* Edge-triggered: read until EAGAIN or EOF. */
			for (;;) {
				ssize_t got = read(fd, buf, sizeof(buf));
				if (got > 0) {
					CHECK(write_all(fd, buf, (size_t)got) ==
						      0,
					      "conc write");
					continue;
				}
				if (got < 0 && errno == EAGAIN)
					break;
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				open_now--;
				closed++;
				break;
			}
		}
	}
	close(ep);
	close(lfd);
	printf("net-test: %d connections, %d open at once\n", accepted, peak);
	if (per_conn >= 0)
		printf("net-test: %ld bytes per idle connection (socket, "
		       "descriptor, TCP state, buffers)\n",
		       per_conn);
	CHECK(peak == n, "peak %d of %d", peak, n);
}

/* ---- resolve. */

static void role_resolve(const char *name, const char *want)
{
	struct addrinfo hints = { .ai_family = AF_INET,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char got[INET_ADDRSTRLEN] = "";
	int err = getaddrinfo(name, "80", &hints, &res);

	CHECK(err == 0, "getaddrinfo %s: %s", name, gai_strerror(err));
	if (err == 0) {
		struct sockaddr_in *sa = (struct sockaddr_in *)res->ai_addr;
		inet_ntop(AF_INET, &sa->sin_addr, got, sizeof(got));
		CHECK(ntohs(sa->sin_port) == 80, "port");
		freeaddrinfo(res);
	}
	printf("net-test: %s is %s\n", name, got);
	CHECK(!strcmp(got, want), "%s resolved to %s, not %s", name, got, want);
	CHECK(getaddrinfo("no-such-name.invalid", NULL, &hints, &res) ==
		      EAI_NONAME,
	      "NXDOMAIN");
}

/* ---- sink and source: one long connection carrying a known stream:
 * 64 KiB chunks, each the same xorshift block with its first 8 bytes
 * replaced by the chunk's number (little-endian), so that loss,
 * duplication or reordering anywhere shows. client.py makes the same. */

#define CHUNK 65536

static void chunk_make(unsigned char *p, uint64_t k)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < CHUNK; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
	memcpy(p, &k, 8);
}

static void role_sink(int port, long bytes)
{
	static unsigned char want[CHUNK], buf[CHUNK];
	int lfd = listen_on(port, 1);
	long total = 0, bad = -1;

	ready();
	int c = accept(lfd, NULL, NULL);
	CHECK(c >= 0, "accept: errno %d", errno);
	chunk_make(want, 0);
	for (;;) {
		ssize_t n = read(c, buf, sizeof(buf));
		if (n <= 0) {
			CHECK(n == 0, "sink read: errno %d", errno);
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			long off = (total + i) % CHUNK;
			if (off == 0)
				chunk_make(want,
					   (uint64_t)((total + i) / CHUNK));
			if (buf[i] != want[off] && bad < 0)
				bad = total + i;
		}
		total += n;
	}
	close(c);
	close(lfd);
	printf("net-test: sink %ld bytes\n", total);
	CHECK(total == bytes, "sink got %ld of %ld", total, bytes);
	CHECK(bad < 0, "sink: byte %ld differs", bad);
}

static void role_source(int port, long bytes)
{
	static unsigned char buf[CHUNK];
	int lfd = listen_on(port, 1);

	ready();
	int c = accept(lfd, NULL, NULL);
	CHECK(c >= 0, "accept: errno %d", errno);
	for (long off = 0; off < bytes; off += CHUNK) {
		size_t n = bytes - off < CHUNK ? (size_t)(bytes - off) : CHUNK;
		chunk_make(buf, (uint64_t)(off / CHUNK));
		if (write_all(c, buf, n)) {
			CHECK(0, "source write: errno %d", errno);
			break;
		}
	}
	close(c);
	close(lfd);
	printf("net-test: source %ld bytes sent, %lld TSO frames\n", bytes,
	       tso_frames());
}

/* ---- sendfile: a file of the initrd, lent; a tmpfs file, copied. */

/* sendfile() until count bytes went; off as sendfile's. */
static long sendfile_all(int out, int in, off_t *off, long count)
{
	long total = 0;

	while (total < count) {
		ssize_t n = sendfile(out, in, off, (size_t)(count - total));
		if (n <= 0)
			break;
		total += n;
	}
	return total;
}

static void role_sendfile(int port, const char *path)
{
	static const char tail[] = "copied from tmpfs\n";
	int lfd = listen_on(port, 1), in, tmp, c;
	long long lent0 = lent_bytes();
	struct stat st;
	off_t off;

	in = open(path, O_RDONLY);
	CHECK(in >= 0 && fstat(in, &st) == 0, "%s: errno %d", path, errno);
	tmp = open("/tmp/tail.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(tmp >= 0 && write_all(tmp, tail, sizeof(tail) - 1) == 0,
	      "/tmp/tail.txt: errno %d", errno);
	ready();
	c = accept(lfd, NULL, NULL);
	CHECK(c >= 0, "accept: errno %d", errno);
	/* The file's offset first, then an explicit one, which leaves the
	 * file's offset alone. */
	CHECK(sendfile_all(c, in, NULL, 1000) == 1000, "sendfile head");
	CHECK(lseek(in, 0, SEEK_CUR) == 1000, "offset after sendfile");
	off = 1000;
	CHECK(sendfile_all(c, in, &off, st.st_size - 1000) == st.st_size - 1000,
	      "sendfile rest: errno %d", errno);
	CHECK(off == st.st_size && lseek(in, 0, SEEK_CUR) == 1000,
	      "offsets after sendfile with off");
	off = 0;
	CHECK(sendfile_all(c, tmp, &off, sizeof(tail) - 1) ==
		      (long)sizeof(tail) - 1,
	      "sendfile from tmpfs: errno %d", errno);
	close(c);
	close(lfd);
	long long lent = lent_bytes() - lent0;
	printf("net-test: sendfile %s: %ld bytes, %lld lent\n", path,
	       (long)st.st_size + (long)sizeof(tail) - 1, lent);
	CHECK(lent == (long long)st.st_size, "lent %lld of %ld", lent,
	      (long)st.st_size);
}

int main(int argc, char **argv)
{
	const char *role = argc > 1 ? argv[1] : "loop";
	int port = argc > 2 ? atoi(argv[2]) : 0;
	long n = argc > 3 ? atol(argv[3]) : 1;

	if (!strcmp(role, "loop"))
		role_loop();
	else if (!strcmp(role, "echo"))
		role_echo(port, (int)n);
	else if (!strcmp(role, "udpecho"))
		role_udpecho(port, (int)n);
	else if (!strcmp(role, "udpbye"))
		role_udpbye(port, (int)n, argc > 4 && !strcmp(argv[4], "warm"));
	else if (!strcmp(role, "http"))
		role_http(port, (int)n);
	else if (!strcmp(role, "httpself"))
		role_httpself(port, (int)n);
	else if (!strcmp(role, "conc"))
		role_conc(port, (int)n);
	else if (!strcmp(role, "resolve") && argc > 3)
		role_resolve(argv[2], argv[3]);
	else if (!strcmp(role, "sink"))
		role_sink(port, n);
	else if (!strcmp(role, "source"))
		role_source(port, n);
	else if (!strcmp(role, "sendfile"))
		role_sendfile(port, argc > 3 ? argv[3] : "/sendfile.txt");
	else
		CHECK(0, "unknown role %s", role);
	printf(failures ? "TEST FAIL\n" : "TEST PASS\n");
	return failures ? 1 : 0;
}
