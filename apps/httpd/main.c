/* SPDX-License-Identifier: MIT */
/*
 * httpd, Mosaic's HTTP appliance: options, the listening socket, and the
 * acceptor, which gives each connection a microapp of its own (conn.c)
 * until -c connections are open, parked idle ones (park.c) included;
 * past that a client gets a 503 at once. It serves until a GET of the -q
 * target, if one was given, ends it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mosaic/mapp.h>

#include "httpd.h"

#define LISTEN_BACKLOG 1024 /* a burst of connections waits here, not reset */
#define CONN_STACK_BYTES (32 << 10)
/* Descriptors are the limit: 65536, less a few for the listener, the
 * lot's epoll set and pipe, and the console. */
#define MAX_CONNS_LIMIT 65000

static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
			   "Content-Type: text/plain; charset=utf-8\r\n"
			   "Content-Length: 24\r\n"
			   "Retry-After: 1\r\n"
			   "Connection: close\r\n"
			   "\r\n"
			   "503 Service Unavailable\n";

static void usage(void)
{
	fprintf(stderr,
		"usage: httpd [-p PORT] [-r ROOT] [-c MAXCONN] "
		"[-t IDLE_SECONDS] [-l] [-q QUIT_TARGET] [-s STATS_TARGET]\n"
		"  -c  connections open at once, idle ones included "
		"(1-%d; 256)\n"
		"  -t  idle timeout (1-3600 s; 15)\n"
		"  -q  a GET of this target ends the appliance\n"
		"  -s  a GET of this target answers with text/plain lines "
		"\"name value\": conns\n"
		"      (open, this one included), parked (idle, without a "
		"microapp), total_pages,\n"
		"      free_pages (4 KiB frames), heap_objects, heap_pages, "
		"heap_large_pages,\n"
		"      switches, ipis, steals (the scheduler's counts since "
		"boot)\n",
		MAX_CONNS_LIMIT);
}

/* A decimal number in [min, max], or -1. */
static long parse_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	return v;
}

/* Checks and normalises -r (no trailing '/'). Returns 0 or -1. */
static int set_root(struct httpd_config *cfg, char *root)
{
	size_t len = strlen(root);
	struct stat st;

	if (root[0] != '/' || len >= HTTPD_ROOT_MAX_BYTES) {
		fprintf(stderr,
			"httpd: -r needs an absolute path shorter "
			"than %d bytes\n",
			HTTPD_ROOT_MAX_BYTES);
		return -1;
	}
	if (stat(root, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "httpd: %s is not a directory\n", root);
		return -1;
	}
	while (len > 0 && root[len - 1] == '/')
		root[--len] = '\0';
	cfg->root = root;
	cfg->root_len = len;
	return 0;
}

static int parse_args(int argc, char **argv, struct httpd_config *cfg,
		      long *port)
{
	char *root = "/www";
	long v;
	int opt;

	while ((opt = getopt(argc, argv, "p:r:c:t:lq:s:")) != -1) {
		if (opt == 'p' && (*port = parse_num(optarg, 1, 65535)) > 0)
			continue;
		if (opt == 'r') {
			root = optarg;
			continue;
		}
		if (opt == 'c' &&
		    (v = parse_num(optarg, 1, MAX_CONNS_LIMIT)) > 0) {
			cfg->max_conns = (unsigned int)v;
			continue;
		}
		if (opt == 't' && (v = parse_num(optarg, 1, 3600)) > 0) {
			cfg->idle_timeout_s = (unsigned int)v;
			continue;
		}
		if (opt == 'l') {
			cfg->log = true;
			continue;
		}
		if (opt == 'q' && optarg[0] == '/') {
			cfg->quit_target = optarg;
			continue;
		}
		if (opt == 's' && optarg[0] == '/') {
			cfg->stats_target = optarg;
			continue;
		}
		usage();
		return 2;
	}
	if (optind != argc) {
		usage();
		return 2;
	}
	return set_root(cfg, root) ? 1 : 0;
}

static int listen_on(long port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, LISTEN_BACKLOG)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int conn_main(void *arg)
{
	struct conn *c = arg;

	conn_serve(c);
	free(c);
	return 0;
}

/* Too many connections, or no memory for one: say so and hang up. */
static void refuse(const struct httpd_config *cfg, int fd, const char *peer)
{
	char msg[64];
	int n;

	if (!write_all(fd, busy, sizeof(busy) - 1) && cfg->log) {
		/* One write, as conn.c logs: lines never interleave. */
		n = snprintf(msg, sizeof(msg), "httpd: %s \"-\" 503 24\n",
			     peer);
		write_all(1, msg, (size_t)n);
	}
	close(fd);
}

int conn_start(struct httpd *srv, int fd, uint32_t addr,
	       unsigned long long deadline_ns)
{
	static const struct mapp_opts opts = { .stack_size = CONN_STACK_BYTES };
	struct in_addr in = { .s_addr = addr };
	char name[24];
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	c->cfg = srv->cfg;
	c->srv = srv;
	c->fd = fd;
	c->addr = addr;
	c->deadline_ns = deadline_ns;
	if (!inet_ntop(AF_INET, &in, c->peer, sizeof(c->peer)))
		strcpy(c->peer, "?");
	snprintf(name, sizeof(name), "http:%d", fd);
	if (!mapp_spawn(NULL, name, conn_main, c, &opts))
		return 0;
	free(c);
	return -1;
}

static void accept_conn(struct httpd *srv, int fd, const struct sockaddr_in *sa)
{
	static const int one = 1;
	char peer[16];

	/* Each response goes out whole (head and small body in one write,
	 * sendfile() for the rest): Nagle would only hold its tail until
	 * the peer's delayed ACK. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	if (__atomic_add_fetch(&srv->active, 1, __ATOMIC_ACQUIRE) <=
		    srv->cfg->max_conns &&
	    !conn_start(srv, fd, sa->sin_addr.s_addr, 0))
		return;
	__atomic_fetch_sub(&srv->active, 1, __ATOMIC_RELEASE);
	if (!inet_ntop(AF_INET, &sa->sin_addr, peer, sizeof(peer)))
		strcpy(peer, "?");
	refuse(srv->cfg, fd, peer);
}

int main(int argc, char **argv)
{
	static struct httpd_config cfg = { .idle_timeout_s = 15,
					   .max_conns = 256 };
	static struct httpd srv = { .cfg = &cfg };
	struct sockaddr_in sa;
	socklen_t salen;
	long port = 80;
	int lfd, fd, rc;

	rc = parse_args(argc, argv, &cfg, &port);
	if (rc)
		return rc;
	lfd = listen_on(port);
	if (lfd < 0) {
		fprintf(stderr, "httpd: cannot listen on port %ld: %s\n", port,
			strerror(errno));
		return 1;
	}
	if (park_start(&srv, &srv.park))
		fprintf(stderr,
			"httpd: no parking lot (%s): idle connections "
			"keep their microapp\n",
			strerror(errno));
	printf("httpd: serving %s on port %ld\n", cfg.root_len ? cfg.root : "/",
	       port);
	printf("httpd: listening on port %ld\n", port);
	fflush(stdout);
	for (;;) {
		salen = sizeof(sa);
		fd = accept(lfd, (struct sockaddr *)&sa, &salen);
		if (fd >= 0) {
			accept_conn(&srv, fd, &sa);
			continue;
		}
		if (errno != EINTR && errno != ECONNABORTED) {
			/* Out of descriptors or memory: let a connection
			 * end before trying again. */
			fprintf(stderr, "httpd: accept: %s\n", strerror(errno));
			mapp_sleep_ns(100000000);
		}
	}
}
