/* SPDX-License-Identifier: MIT */
/*
 * Sockets over the real TCP (libos/net/tcp*.c) and the real stack's
 * loopback on the host: transfers between fake tasks (threads) through
 * blocking calls, refused and non-blocking connects, resets, SO_LINGER,
 * and an edge-triggered epoll server with many connections. The stack's
 * timers run in a task of socket_netd_fake.c, as netd runs them. Every
 * wait has a bound far beyond a working run (GUARD_MS), so a lost
 * wake-up fails an assertion instead of hanging.
 */
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cmocka.h>

#include <fs/fd.h>
#include <fs/poll.h>
#include <kernel/errno.h>
#include <net/netd.h>
#include <net/socket.h>

#include "fake_sched.h"
#include "socket_fakes.h"

#define MS (1000000ll)
#define GUARD_MS 30000
#define SA(x) ((struct sockaddr *)&(x))

static int setup(void **state)
{
	(void)state;
	fake_netd_run_timers();
	return 0;
}

static int setup_no_timers(void **state)
{
	(void)state;
	assert_int_equal(net_start(), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fd_reset();
	fake_netd_reset();
	return 0;
}

static struct sockaddr_in loop_addr(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

static int new_sock(int type)
{
	int fd = sock_socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	return fd;
}

/* Bounds every blocking call of fd (a lost wake-up becomes EAGAIN). */
static void guard(int fd)
{
	struct timeval tv = { .tv_sec = GUARD_MS / 1000 };

	assert_int_equal(
		sock_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
		0);
	assert_int_equal(
		sock_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)),
		0);
}

static int listener(uint16_t port, int backlog)
{
	struct sockaddr_in sin = loop_addr(port);
	int fd = new_sock(SOCK_STREAM), one = 1;

	assert_int_equal(sock_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
					 sizeof(one)),
			 0);
	assert_int_equal(sock_bind(fd, SA(sin), sizeof(sin)), 0);
	assert_int_equal(sock_listen(fd, backlog), 0);
	guard(fd);
	return fd;
}

static int connect_to(uint16_t port)
{
	struct sockaddr_in sin = loop_addr(port);
	int fd = new_sock(SOCK_STREAM);

	guard(fd);
	assert_int_equal(sock_connect(fd, SA(sin), sizeof(sin)), 0);
	return fd;
}

static unsigned char pattern(size_t i, unsigned int seed)
{
	return (unsigned char)(i * 7 + seed + (i >> 13));
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = sock_sendto(fd, p, len, 0, NULL, 0);
		if (n <= 0)
			return n ? (int)n : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* --- a transfer between two tasks --- */

struct loop_srv {
	int lfd;
	size_t got;
	bool bad;
	int err;
};

static int loop_server(void *arg)
{
	struct loop_srv *s = arg;
	unsigned char buf[4096];
	int c = sock_accept(s->lfd, NULL, NULL, 0);

	if (c < 0)
		return s->err = c;
	guard(c);
	for (;;) {
		ssize_t n = sock_recvfrom(c, buf, sizeof(buf), 0, NULL, NULL);
		if (n <= 0) {
			s->err = (int)n;
			break;
		}
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern(s->got + (size_t)i, 1))
				s->bad = true;
		s->got += (size_t)n;
	}
	if (write_all(c, (const unsigned char *)"bye", 3))
		s->err = -EIO;
	return fd_close(c);
}

static void test_transfer(void **state)
{
	size_t len = 2 << 20;
	unsigned char *out = malloc(len);
	struct loop_srv s = { .lfd = listener(5000, 4) };
	struct fake_task *t;
	char reply[8];
	int c;

	(void)state;
	for (size_t i = 0; i < len; i++)
		out[i] = pattern(i, 1);
	t = fake_task_start(loop_server, &s);
	c = connect_to(5000);
	assert_int_equal(write_all(c, out, len), 0);
	assert_int_equal(sock_shutdown(c, SHUT_WR), 0);
	assert_int_equal(
		sock_recvfrom(c, reply, sizeof(reply), MSG_WAITALL, NULL, NULL),
		3);
	assert_memory_equal(reply, "bye", 3);
	assert_int_equal(sock_recvfrom(c, reply, sizeof(reply), 0, NULL, NULL),
			 0);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(s.err, 0);
	assert_int_equal(s.got, len);
	assert_false(s.bad);
	free(out);
}

/* Without timers (no netd task) only the socket calls' own kicks move
 * the loopback packets: a call that sleeps without kicking out what it
 * queued hangs (and fails on the guard). */
static void test_transfer_no_timers(void **state)
{
	test_transfer(state);
}

/* An echo server that closes as soon as it has written the last byte:
 * the close is graceful, so everything still reaches the client. */
static int echo_server(void *arg)
{
	struct loop_srv *s = arg;
	unsigned char buf[16384];
	int c = sock_accept(s->lfd, NULL, NULL, 0);
	ssize_t n;

	if (c < 0)
		return s->err = c;
	guard(c);
	while ((n = sock_recvfrom(c, buf, sizeof(buf), 0, NULL, NULL)) > 0) {
		s->got += (size_t)n;
		if (write_all(c, buf, (size_t)n))
			return s->err = -EIO;
	}
	s->err = (int)n;
	return fd_close(c);
}

struct sender {
	int fd;
	const unsigned char *buf;
	size_t len;
	int err;
};

static int send_then_shut(void *arg)
{
	struct sender *sd = arg;

	sd->err = write_all(sd->fd, sd->buf, sd->len);
	if (!sd->err)
		sd->err = sock_shutdown(sd->fd, SHUT_WR);
	return 0;
}

static void test_echo_close(void **state)
{
	size_t len = 4 << 20, got = 0;
	unsigned char *out = malloc(len), *in = malloc(len + 1);
	struct loop_srv s = { .lfd = listener(5006, 4) };
	struct sender sd = { .buf = out, .len = len };
	struct fake_task *srv, *snd;
	ssize_t n;

	(void)state;
	for (size_t i = 0; i < len; i++)
		out[i] = pattern(i, 5);
	srv = fake_task_start(echo_server, &s);
	sd.fd = connect_to(5006);
	snd = fake_task_start(send_then_shut, &sd);
	while ((n = sock_recvfrom(sd.fd, in + got, len + 1 - got, 0, NULL,
				  NULL)) > 0)
		got += (size_t)n;
	assert_int_equal(n, 0);
	assert_int_equal(fake_task_join(snd), 0);
	assert_int_equal(fake_task_join(srv), 0);
	assert_int_equal(sd.err, 0);
	assert_int_equal(s.err, 0);
	assert_int_equal(s.got, len);
	assert_int_equal(got, len);
	assert_memory_equal(in, out, len);
	free(out);
	free(in);
}

/* --- connects --- */

static void test_refused(void **state)
{
	struct sockaddr_in sin = loop_addr(5001);
	int c = new_sock(SOCK_STREAM);

	(void)state;
	guard(c);
	assert_int_equal(sock_connect(c, SA(sin), sizeof(sin)), -ECONNREFUSED);
}

static void test_nonblocking_connect(void **state)
{
	int l = listener(5002, 4), c = new_sock(SOCK_STREAM), a, err = -1;
	struct sockaddr_in sin = loop_addr(5002), peer;
	struct pollfd pf = { .events = POLLOUT };
	socklen_t len = sizeof(err);

	(void)state;
	assert_int_equal(sock_socket(AF_INET, SOCK_STREAM, 0), c + 1);
	assert_int_equal(fd_close(c + 1), 0);
	pf.fd = c = sock_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_int_equal(sock_connect(c, SA(sin), sizeof(sin)), -EINPROGRESS);
	assert_int_equal(poll_fds(&pf, 1, GUARD_MS * MS), 1);
	assert_int_equal(pf.revents, POLLOUT);
	assert_int_equal(sock_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len),
			 0);
	assert_int_equal(err, 0);
	a = sock_accept(l, SA(peer), &len, 0);
	assert_true(a >= 0);
	len = sizeof(peer);
	assert_int_equal(sock_getpeername(c, SA(peer), &len), 0);
	assert_int_equal(peer.sin_port, htons(5002));
	/* A refused one: POLLERR and the error through SO_ERROR. */
	sin = loop_addr(5003);
	pf.fd = c = sock_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	pf.events = POLLOUT;
	assert_int_equal(sock_connect(c, SA(sin), sizeof(sin)), -EINPROGRESS);
	assert_int_equal(poll_fds(&pf, 1, GUARD_MS * MS), 1);
	assert_true(pf.revents & POLLERR);
	len = sizeof(err);
	assert_int_equal(sock_getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len),
			 0);
	assert_int_equal(err, ECONNREFUSED);
}

/* --- endings --- */

static void test_reset_and_pipe(void **state)
{
	int l = listener(5004, 4), c = connect_to(5004);
	int a = sock_accept(l, NULL, NULL, 0);
	char buf[8];

	(void)state;
	assert_true(a >= 0);
	guard(a);
	/* Closing with unread data resets the connection. */
	assert_int_equal(sock_sendto(c, "unread", 6, 0, NULL, 0), 6);
	assert_int_equal(
		sock_recvfrom(a, buf, 1, MSG_PEEK | MSG_WAITALL, NULL, NULL),
		1);
	assert_int_equal(fd_close(a), 0);
	assert_int_equal(sock_recvfrom(c, buf, sizeof(buf), 0, NULL, NULL),
			 -ECONNRESET);
	assert_int_equal(sock_sendto(c, "x", 1, 0, NULL, 0), -EPIPE);
}

static int close_task(void *arg)
{
	return fd_close(*(int *)arg);
}

static void set_nonblock(int fd)
{
	struct file *f;

	assert_int_equal(fd_get(fd, &f), 0);
	file_set_flags(f, FILE_NONBLOCK);
	file_put(f);
}

/* SO_LINGER: close() waits until the peer acknowledged everything. The
 * peer reads nothing at first, so its window stays shut and the close
 * must sleep (the test sees two sleepers: it and the timer task). */
static void test_linger(void **state)
{
	struct linger lg = { .l_onoff = 1, .l_linger = GUARD_MS / 1000 };
	static unsigned char big[65536], in[65536];
	int l = listener(5005, 4), c = connect_to(5005);
	int a = sock_accept(l, NULL, NULL, 0);
	size_t sent = 0, got = 0;
	struct fake_task *t;
	ssize_t n;

	(void)state;
	assert_true(a >= 0);
	guard(a);
	assert_int_equal(
		sock_setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	set_nonblock(c);
	for (;;) {
		for (size_t i = 0; i < sizeof(big); i++)
			big[i] = pattern(sent + i, 3);
		n = sock_sendto(c, big, sizeof(big), 0, NULL, 0);
		if (n == -EAGAIN)
			break;
		assert_true(n > 0);
		sent += (size_t)n;
	}
	t = fake_task_start(close_task, &c);
	assert_true(fake_wait_sleepers(2));
	while ((n = sock_recvfrom(a, in, sizeof(in), 0, NULL, NULL)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			assert_int_equal(in[i], pattern(got + (size_t)i, 3));
		got += (size_t)n;
	}
	assert_int_equal(n, 0);
	assert_int_equal(got, sent);
	assert_int_equal(fake_task_join(t), 0);
}

/* --- an edge-triggered server --- */

#define CONC_CLIENTS 12
#define CONC_BYTES 20000

static int conc_client(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	static __thread unsigned char out[CONC_BYTES], in[CONC_BYTES];
	size_t got = 0;
	int c = connect_to(6000);

	for (size_t i = 0; i < CONC_BYTES; i++)
		out[i] = pattern(i, seed);
	if (write_all(c, out, CONC_BYTES))
		return 1;
	while (got < CONC_BYTES) {
		ssize_t n = sock_recvfrom(c, in + got, CONC_BYTES - got, 0,
					  NULL, NULL);
		if (n <= 0)
			return 2;
		got += (size_t)n;
	}
	if (memcmp(in, out, CONC_BYTES))
		return 3;
	return fd_close(c) ? 4 : 0;
}

/* Echoes what a connection has; false when it ended. */
static bool echo_some(int fd)
{
	unsigned char buf[1500];

	for (;;) {
		ssize_t n = sock_recvfrom(fd, buf, sizeof(buf), 0, NULL, NULL);
		if (n == -EAGAIN)
			return true;
		if (n <= 0)
			return false;
		assert_int_equal(write_all(fd, buf, (size_t)n), 0);
	}
}

static void test_epoll_server(void **state)
{
	int l = listener(6000, CONC_CLIENTS), ep = eventpoll_create(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = l };
	struct fake_task *t[CONC_CLIENTS];
	int closed = 0, accepted = 0;

	(void)state;
	assert_int_equal(sock_socket(AF_INET, 99, 0), -EINVAL);
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_ADD, l, &ev), 0);
	for (unsigned int i = 0; i < CONC_CLIENTS; i++)
		t[i] = fake_task_start(conc_client, (void *)(uintptr_t)i);
	while (closed < CONC_CLIENTS) {
		struct epoll_event out[8];
		int n = eventpoll_wait(ep, out, 8, GUARD_MS * MS);
		assert_true(n > 0);
		for (int k = 0; k < n; k++) {
			int fd = out[k].data.fd, c;
			if (fd == l) {
				c = sock_accept(l, NULL, NULL, SOCK_NONBLOCK);
				assert_true(c >= 0);
				accepted++;
				ev = (struct epoll_event){ .events = EPOLLIN |
								     EPOLLET |
								     EPOLLRDHUP,
							   .data.fd = c };
				assert_int_equal(eventpoll_ctl(ep,
							       EPOLL_CTL_ADD, c,
							       &ev),
						 0);
				/* Data may have come before the ADD: an edge
				 * was missed, so look now. */
				if (echo_some(c))
					continue;
				fd = c;
			} else if (echo_some(fd)) {
				continue;
			}
			assert_int_equal(fd_close(fd), 0);
			closed++;
		}
	}
	for (unsigned int i = 0; i < CONC_CLIENTS; i++)
		assert_int_equal(fake_task_join(t[i]), 0);
	assert_int_equal(accepted, CONC_CLIENTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_transfer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transfer_no_timers,
						setup_no_timers, teardown),
		cmocka_unit_test_setup_teardown(test_echo_close, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonblocking_connect, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reset_and_pipe, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_linger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_epoll_server, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
