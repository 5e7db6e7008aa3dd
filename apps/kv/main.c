/* SPDX-License-Identifier: MIT */
/*
 * kv: an in-memory key-value store speaking memcached's text protocol.
 * main() parses the options, creates the store and accepts connections,
 * each served by a microapp of its own (proto.c) on whichever CPU the
 * scheduler picks; the store (store.c) is shared under its mutex.
 *
 *   kv [-p PORT] [-m MEGABYTES] [-c MAXCONN] [-v] [-A]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mosaic/mapp.h>

#include "proto.h"
#include "store.h"

#define KV_DEFAULT_PORT 11211
#define KV_DEFAULT_MB 64
#define KV_MAX_MB (1u << 20)
#define KV_DEFAULT_CONNS 1024
#define KV_MAX_ITEM_BYTES (1u << 20)
#define KV_CONN_STACK (32u << 10)
/* How long the acceptor backs off when accept() runs out of something. */
#define KV_ACCEPT_BACKOFF_NS 10000000ull

struct kv_opts {
	unsigned int port;
	unsigned int mb;
	unsigned int max_conns;
	bool verbose;
	bool shutdown_ok;
};

/* What a connection's microapp is handed; it frees it. */
struct conn_start {
	struct kv_server *cs_srv;
	int cs_fd;
	uint64_t cs_id;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kv [-p PORT] [-m MEGABYTES] [-c MAXCONN] [-v] [-A]\n"
		"  -p PORT       TCP port to listen on (default 11211)\n"
		"  -m MEGABYTES  memory for items (default 64)\n"
		"  -c MAXCONN    most connections at once (default 1024)\n"
		"  -v            log connections\n"
		"  -A            let the shutdown command end the appliance\n");
}

/* A decimal number in [min, max], nothing else. */
static bool parse_uint(const char *s, unsigned long min, unsigned long max,
		       unsigned int *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* Returns 0 to run, 1 for -h, 2 for bad options (the exit status). */
static int parse_opts(int argc, char **argv, struct kv_opts *o)
{
	int ch;

	while ((ch = getopt(argc, argv, "p:m:c:vAh")) != -1) {
		bool ok = true;

		if (ch == 'p')
			ok = parse_uint(optarg, 1, 65535, &o->port);
		else if (ch == 'm')
			ok = parse_uint(optarg, 1, KV_MAX_MB, &o->mb);
		else if (ch == 'c')
			ok = parse_uint(optarg, 1, 1000000, &o->max_conns);
		else if (ch == 'v')
			o->verbose = true;
		else if (ch == 'A')
			o->shutdown_ok = true;
		else if (ch == 'h')
			return 1;
		else
			ok = false;
		if (!ok) {
			if (ch != '?')
				fprintf(stderr, "kv: bad value for -%c: %s\n",
					ch, optarg);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "kv: unexpected argument: %s\n", argv[optind]);
		return 2;
	}
	return 0;
}

static int listen_on(unsigned int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 128) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int conn_main(void *arg)
{
	struct conn_start *cs = arg;
	struct kv_server *srv = cs->cs_srv;

	kv_conn_serve(srv, cs->cs_fd);
	/* Free the slot before the client can see the close, so that a
	 * client that saw it may connect again at once. */
	__atomic_sub_fetch(&srv->srv_curr_conns, 1, __ATOMIC_RELAXED);
	close(cs->cs_fd);
	if (srv->srv_verbose) {
		printf("kv: connection %llu closed\n",
		       (unsigned long long)cs->cs_id);
		fflush(stdout);
	}
	free(cs);
	return 0;
}

static void log_open(uint64_t id, int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	char addr[INET_ADDRSTRLEN] = "?";

	if (getpeername(fd, (struct sockaddr *)&sa, &len) == 0)
		inet_ntop(AF_INET, &sa.sin_addr, addr, sizeof(addr));
	printf("kv: connection %llu from %s:%u\n", (unsigned long long)id, addr,
	       ntohs(sa.sin_port));
	fflush(stdout);
}

/* Hands fd to a new microapp, or turns it away over the limit. */
static void admit(struct kv_server *srv, int fd)
{
	static const char full[] = "ERROR Too many open connections\r\n";
	const struct mapp_opts mo = { .stack_size = KV_CONN_STACK };
	struct conn_start *cs;
	int one = 1;

	if (__atomic_add_fetch(&srv->srv_curr_conns, 1, __ATOMIC_RELAXED) >
	    srv->srv_max_conns) {
		__atomic_add_fetch(&srv->srv_rejected_conns, 1,
				   __ATOMIC_RELAXED);
		if (write(fd, full, sizeof(full) - 1) < 0)
			errno = 0; /* the client left first: nothing to do */
		goto out_close;
	}
	cs = malloc(sizeof(*cs));
	if (!cs)
		goto out_close;
	cs->cs_srv = srv;
	cs->cs_fd = fd;
	cs->cs_id =
		__atomic_add_fetch(&srv->srv_last_conn_id, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&srv->srv_total_conns, 1, __ATOMIC_RELAXED);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (srv->srv_verbose)
		log_open(cs->cs_id, fd);
	if (mapp_spawn(NULL, "kv-conn", conn_main, cs, &mo) == 0)
		return;
	free(cs);
out_close:
	__atomic_sub_fetch(&srv->srv_curr_conns, 1, __ATOMIC_RELAXED);
	close(fd);
}

static int server_init(struct kv_server *srv, const struct kv_opts *o)
{
	uint64_t seed[2];
	struct timespec ts;
	int rc;

	arc4random_buf(seed, sizeof(seed));
	srv->srv_limit_bytes = (uint64_t)o->mb << 20;
	rc = kv_store_create(srv->srv_limit_bytes, KV_MAX_ITEM_BYTES, seed,
			     &srv->srv_store);
	if (rc)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	srv->srv_start_ns =
		(uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	srv->srv_start_time = (int64_t)time(NULL);
	srv->srv_max_conns = o->max_conns;
	srv->srv_verbose = o->verbose;
	srv->srv_shutdown_ok = o->shutdown_ok;
	return 0;
}

int main(int argc, char **argv)
{
	static struct kv_server srv;
	struct kv_opts o = { .port = KV_DEFAULT_PORT,
			     .mb = KV_DEFAULT_MB,
			     .max_conns = KV_DEFAULT_CONNS };
	int rc = parse_opts(argc, argv, &o);
	int lfd;

	if (rc) {
		usage(rc == 1 ? stdout : stderr);
		return rc == 1 ? 0 : 2;
	}
	if (server_init(&srv, &o)) {
		fprintf(stderr, "kv: out of memory for the store\n");
		return 1;
	}
	lfd = listen_on(o.port);
	if (lfd < 0) {
		fprintf(stderr, "kv: cannot listen on port %u: %s\n", o.port,
			strerror(errno));
		return 1;
	}
	printf("kv: listening on port %u\n", o.port);
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd >= 0)
			admit(&srv, fd);
		else if (errno != EINTR && errno != ECONNABORTED)
			mapp_sleep_ns(KV_ACCEPT_BACKOFF_NS);
	}
}
