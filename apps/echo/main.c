/* SPDX-License-Identifier: MIT */
/*
 * Echo appliance (RFC 862): whatever a TCP connection or a UDP datagram
 * brings to the port (7 unless -p PORT) goes back unchanged. Each TCP
 * connection gets its own microapp, UDP one more. -n N ends the appliance
 * with status 0 once N TCP connections have closed (0, the default: serve
 * for ever); tests use it to get an exit status.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mosaic/mapp.h>

#define TCP_BUF_BYTES 16384
#define UDP_BUF_BYTES 65536 /* larger than any IPv4 datagram's payload */
#define MAX_COUNTED_CONNS 4096
#define LISTEN_BACKLOG 64
#define BACKOFF_NS 10000000ULL /* 10 ms when out of memory or fds */

static void usage(void)
{
	fprintf(stderr, "usage: echo [-p PORT] [-n CONNECTIONS]\n");
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

/* Errors that pass when memory or descriptors are freed: worth a retry
 * after a pause rather than giving up the service. */
static int is_transient(int err)
{
	return err == ENOMEM || err == ENOBUFS || err == EMFILE ||
	       err == ENFILE;
}

static int write_all(int fd, const char *p, size_t len)
{
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

static int tcp_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = malloc(TCP_BUF_BYTES);
	ssize_t n;

	if (!buf) {
		close(fd);
		return 1;
	}
	for (;;) {
		n = read(fd, buf, TCP_BUF_BYTES);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || write_all(fd, buf, (size_t)n))
			break;
	}
	free(buf);
	close(fd);
	return 0;
}

/* Runs until the appliance ends (when main() returns) or the socket
 * fails for good. */
static int udp_loop(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = malloc(UDP_BUF_BYTES);
	struct sockaddr_in from;
	socklen_t fl;
	ssize_t n;

	if (!buf) {
		fprintf(stderr, "echo: no memory for the UDP buffer\n");
		return 1;
	}
	for (;;) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, UDP_BUF_BYTES, 0,
			     (struct sockaddr *)&from, &fl);
		if (n < 0 && (errno == EINTR || is_transient(errno))) {
			if (errno != EINTR)
				mapp_sleep_ns(BACKOFF_NS);
			continue;
		}
		if (n < 0) {
			fprintf(stderr, "echo: UDP recvfrom: %s\n",
				strerror(errno));
			free(buf);
			return 1;
		}
		if (fl != sizeof(from))
			continue;
		/* A lost reply is what UDP promises; nothing to do about it. */
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
}

static int open_socket(int type, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int one = 1;
	int fd = socket(AF_INET, type, 0);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type == SOCK_STREAM && listen(fd, LISTEN_BACKLOG))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Accepts connections, a microapp each; with max_conns > 0, stops after
 * that many and waits for them to close. */
static int serve_tcp(int lfd, long max_conns)
{
	mapp_t *conns = NULL;
	long n = 0;
	int c, rc, err = 0;

	if (max_conns > 0 &&
	    !(conns = calloc((size_t)max_conns, sizeof(*conns))))
		return -ENOMEM;
	while (max_conns == 0 || n < max_conns) {
		c = accept(lfd, NULL, NULL);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (is_transient(errno)) {
				mapp_sleep_ns(BACKOFF_NS);
				continue;
			}
			fprintf(stderr, "echo: accept: %s\n", strerror(errno));
			err = -EIO;
			break;
		}
		rc = mapp_spawn(conns ? &conns[n] : NULL, "echo-tcp", tcp_conn,
				(void *)(intptr_t)c, NULL);
		if (rc) {
			fprintf(stderr, "echo: no microapp for a connection\n");
			close(c);
			continue;
		}
		n++;
	}
	for (long i = 0; conns && i < n; i++)
		mapp_join(conns[i], NULL);
	free(conns);
	return err;
}

int main(int argc, char **argv)
{
	long port = 7, max_conns = 0;
	int opt, tfd, ufd;

	while ((opt = getopt(argc, argv, "p:n:")) != -1) {
		if (opt == 'p' && (port = parse_num(optarg, 1, 65535)) > 0)
			continue;
		if (opt == 'n' &&
		    (max_conns = parse_num(optarg, 0, MAX_COUNTED_CONNS)) >= 0)
			continue;
		usage();
		return 2;
	}
	if (optind != argc) {
		usage();
		return 2;
	}
	tfd = open_socket(SOCK_STREAM, (int)port);
	ufd = open_socket(SOCK_DGRAM, (int)port);
	if (tfd < 0 || ufd < 0) {
		fprintf(stderr, "echo: cannot listen on port %ld: %s\n", port,
			strerror(errno));
		return 1;
	}
	if (mapp_spawn(NULL, "echo-udp", udp_loop, (void *)(intptr_t)ufd,
		       NULL)) {
		fprintf(stderr, "echo: no microapp for UDP\n");
		return 1;
	}
	printf("echo: listening on port %ld\n", port);
	fflush(stdout);
	return serve_tcp(tfd, max_conns) ? 1 : 0;
}
