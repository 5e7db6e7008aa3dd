/* SPDX-License-Identifier: MIT */
/*
 * The socket layer (libos/net/socket.c, sock_io.c, sockopt.c) on the
 * host: UDP through the real stack over its loopback, TCP through the
 * in-memory fake of socket_tcp_fake.c, <net/netd.h> from
 * socket_netd_fake.c, the real descriptor table and poll/epoll, and the
 * kernel's mutexes and condition variables over the fake scheduler
 * (each fake task a thread). The host's <sys/socket.h> and
 * <netinet/in.h> give the Linux ABI the layer is built against.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
#include <fs/pipe.h>
#include <fs/poll.h>
#include <kernel/errno.h>
#include <kernel/sync.h>
#include <kernel/time.h>
#include <net/netd.h>
#include <net/socket.h>

#include "fake_sched.h"
#include "socket_fakes.h"

#define MS (1000000ll)
/* Long enough never to pass in a working run: a lost wake-up shows as a
 * failed assertion, not a hang. */
#define GUARD_NS (30000ll * MS)
#define SA(x) ((struct sockaddr *)&(x))

static int teardown(void **state)
{
	(void)state;
	fd_reset();
	/* Every socket closed: no pcb may be left. */
	assert_int_equal(fake_tcp_live(), 0);
	fake_tcp_hold_connects(false);
	fake_netd_reset();
	return 0;
}

/* --- helpers --- */

static struct sockaddr_in loop_addr(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_int_equal(sock_getsockname(fd, SA(sin), &len), 0);
	assert_int_equal(len, sizeof(sin));
	return ntohs(sin.sin_port);
}

static int new_sock(int type)
{
	int fd = sock_socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	return fd;
}

static int udp_bound(uint16_t port)
{
	struct sockaddr_in sin = loop_addr(port);
	int fd = new_sock(SOCK_DGRAM);

	assert_int_equal(sock_bind(fd, SA(sin), sizeof(sin)), 0);
	return fd;
}

static int tcp_listener(uint16_t *port)
{
	struct sockaddr_in sin = loop_addr(0);
	int fd = new_sock(SOCK_STREAM);

	assert_int_equal(sock_bind(fd, SA(sin), sizeof(sin)), 0);
	assert_int_equal(sock_listen(fd, 8), 0);
	*port = local_port(fd);
	return fd;
}

/* A connected pair: *cl the connecting end, *sv the accepted one. */
static void tcp_pair(int *cl, int *sv)
{
	uint16_t port;
	int l = tcp_listener(&port);
	struct sockaddr_in sin = loop_addr(port);

	*cl = new_sock(SOCK_STREAM);
	assert_int_equal(sock_connect(*cl, SA(sin), sizeof(sin)), 0);
	*sv = sock_accept(l, NULL, NULL, 0);
	assert_true(*sv >= 0);
	assert_int_equal(fd_close(l), 0);
}

static unsigned int file_flags(int fd)
{
	struct file *f;
	unsigned int fl;

	assert_int_equal(fd_get(fd, &f), 0);
	fl = file_get_flags(f);
	file_put(f);
	return fl;
}

static void set_nonblock(int fd)
{
	struct file *f;

	assert_int_equal(fd_get(fd, &f), 0);
	file_set_flags(f, FILE_NONBLOCK);
	file_put(f);
}

static ssize_t fread_fd(int fd, void *buf, size_t len)
{
	struct file *f;
	ssize_t n = fd_get(fd, &f);

	if (n)
		return n;
	n = file_read(f, buf, len);
	file_put(f);
	return n;
}

static ssize_t fwrite_fd(int fd, const void *buf, size_t len)
{
	struct file *f;
	ssize_t n = fd_get(fd, &f);

	if (n)
		return n;
	n = file_write(f, buf, len);
	file_put(f);
	return n;
}

static int get_int_opt(int fd, int level, int name)
{
	int v = -12345;
	socklen_t len = sizeof(v);

	assert_int_equal(sock_getsockopt(fd, level, name, &v, &len), 0);
	assert_int_equal(len, sizeof(int));
	return v;
}

static int set_int_opt(int fd, int level, int name, int v)
{
	return sock_setsockopt(fd, level, name, &v, sizeof(v));
}

static void set_timeo(int fd, int name, long us)
{
	struct timeval tv = { .tv_sec = us / 1000000, .tv_usec = us % 1000000 };

	assert_int_equal(sock_setsockopt(fd, SOL_SOCKET, name, &tv, sizeof(tv)),
			 0);
}

/* A call run in another fake task. */
struct call {
	int fd;
	void *buf;
	size_t len;
	int flags;
	struct sockaddr_in sin;
	ssize_t result;
};

static int recv_task(void *arg)
{
	struct call *c = arg;

	c->result = sock_recvfrom(c->fd, c->buf, c->len, c->flags, NULL, NULL);
	return 0;
}

static int send_task(void *arg)
{
	struct call *c = arg;

	c->result = sock_sendto(c->fd, c->buf, c->len, c->flags, NULL, 0);
	return 0;
}

static int accept_task(void *arg)
{
	struct call *c = arg;
	socklen_t len = sizeof(c->sin);

	c->result = sock_accept(c->fd, SA(c->sin), &len, c->flags);
	return 0;
}

static int connect_task(void *arg)
{
	struct call *c = arg;

	c->result = sock_connect(c->fd, SA(c->sin), sizeof(c->sin));
	return 0;
}

static int close_task(void *arg)
{
	struct call *c = arg;

	c->result = fd_close(c->fd);
	return 0;
}

/* --- socket() --- */

static void test_socket_create(void **state)
{
	struct vattr va;
	struct file *f;
	int fd;

	(void)state;
	assert_int_equal(sock_socket(AF_INET6, SOCK_STREAM, 0), -EAFNOSUPPORT);
	assert_int_equal(sock_socket(AF_UNIX, SOCK_STREAM, 0), -EAFNOSUPPORT);
	assert_int_equal(sock_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP),
			 -EPROTONOSUPPORT);
	assert_int_equal(sock_socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP),
			 -EPROTONOSUPPORT);
	assert_int_equal(sock_socket(AF_INET, SOCK_RAW, 0), -ESOCKTNOSUPPORT);
	assert_int_equal(sock_socket(AF_INET, SOCK_SEQPACKET, 0),
			 -ESOCKTNOSUPPORT);
	assert_int_equal(sock_socket(AF_INET, 99, 0), -EINVAL);
	assert_int_equal(sock_socket(AF_INET, SOCK_STREAM | 0x100, 0), -EINVAL);
	fd = sock_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 IPPROTO_TCP);
	assert_true(fd >= 0);
	assert_int_equal(file_flags(fd), FILE_RDWR | FILE_NONBLOCK);
	assert_int_equal(fd_get_cloexec(fd), 1);
	assert_int_equal(fd_get(fd, &f), 0);
	assert_int_equal(file_stat(f, &va), 0);
	assert_int_equal(va.va_mode, 0140777);
	assert_int_equal(file_seek(f, 0, 0), -ESPIPE);
	file_put(f);
	fd = sock_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	assert_true(fd >= 0);
	assert_int_equal(file_flags(fd), FILE_RDWR);
	assert_int_equal(fd_get_cloexec(fd), 0);
	assert_int_equal(fake_tcp_live(), 1);
	/* A stack that cannot start: its error. */
	fake_netd_fail_start(-ENETDOWN);
	assert_int_equal(sock_socket(AF_INET, SOCK_DGRAM, 0), -ENETDOWN);
}

static void test_not_a_socket(void **state)
{
	struct sockaddr_in sin = loop_addr(1);
	socklen_t len = sizeof(sin);
	struct msghdr msg = { 0 };
	int v = 1, p[2];

	(void)state;
	assert_int_equal(pipe_create(p, false, false), 0);
	assert_int_equal(sock_bind(p[0], SA(sin), len), -ENOTSOCK);
	assert_int_equal(sock_listen(p[0], 1), -ENOTSOCK);
	assert_int_equal(sock_accept(p[0], NULL, NULL, 0), -ENOTSOCK);
	assert_int_equal(sock_connect(p[0], SA(sin), len), -ENOTSOCK);
	assert_int_equal(sock_sendto(p[1], "x", 1, 0, NULL, 0), -ENOTSOCK);
	assert_int_equal(sock_recvfrom(p[0], &v, 1, 0, NULL, NULL), -ENOTSOCK);
	assert_int_equal(sock_sendmsg(p[1], &msg, 0), -ENOTSOCK);
	assert_int_equal(sock_recvmsg(p[0], &msg, 0), -ENOTSOCK);
	assert_int_equal(sock_shutdown(p[0], SHUT_RD), -ENOTSOCK);
	assert_int_equal(
		sock_setsockopt(p[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)),
		-ENOTSOCK);
	assert_int_equal(sock_getsockopt(p[0], SOL_SOCKET, SO_TYPE, &v, &len),
			 -ENOTSOCK);
	assert_int_equal(sock_getsockname(p[0], SA(sin), &len), -ENOTSOCK);
	assert_int_equal(sock_getpeername(p[0], SA(sin), &len), -ENOTSOCK);
	assert_int_equal(sock_bind(77, SA(sin), len), -EBADF);
	assert_int_equal(sock_sendto(77, "x", 1, 0, NULL, 0), -EBADF);
	assert_int_equal(sock_getsockopt(77, SOL_SOCKET, SO_TYPE, &v, &len),
			 -EBADF);
}

/* --- addresses --- */

static void test_bind_names(void **state)
{
	struct sockaddr_in sin = loop_addr(4000), out;
	struct sockaddr_in6 six = { .sin6_family = AF_INET6 };
	socklen_t len;
	int u = new_sock(SOCK_DGRAM), u2 = new_sock(SOCK_DGRAM);
	int t = new_sock(SOCK_STREAM), t2 = new_sock(SOCK_STREAM);

	(void)state;
	assert_int_equal(sock_bind(u, SA(sin), sizeof(sin) - 1), -EINVAL);
	assert_int_equal(sock_bind(u, NULL, sizeof(sin)), -EFAULT);
	assert_int_equal(sock_bind(u, SA(six), sizeof(six)), -EAFNOSUPPORT);
	sin.sin_addr.s_addr = inet_addr("10.9.9.9");
	assert_int_equal(sock_bind(u, SA(sin), sizeof(sin)), -EADDRNOTAVAIL);
	sin = loop_addr(4000);
	assert_int_equal(sock_bind(u, SA(sin), sizeof(sin)), 0);
	assert_int_equal(sock_bind(u, SA(sin), sizeof(sin)), -EINVAL);
	assert_int_equal(sock_bind(u2, SA(sin), sizeof(sin)), -EADDRINUSE);
	assert_int_equal(sock_bind(t, SA(sin), sizeof(sin)), 0);
	assert_int_equal(sock_bind(t2, SA(sin), sizeof(sin)), -EADDRINUSE);
	/* getsockname: the whole address, or as much as fits. */
	memset(&out, 0xaa, sizeof(out));
	len = sizeof(out);
	assert_int_equal(sock_getsockname(u, SA(out), &len), 0);
	assert_int_equal(len, sizeof(out));
	assert_int_equal(out.sin_family, AF_INET);
	assert_int_equal(out.sin_port, htons(4000));
	assert_int_equal(out.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	memset(&out, 0xaa, sizeof(out));
	len = 4;
	assert_int_equal(sock_getsockname(u, SA(out), &len), 0);
	assert_int_equal(len, sizeof(out));
	assert_int_equal(out.sin_port, htons(4000));
	assert_int_equal(out.sin_addr.s_addr, 0xaaaaaaaa);
	len = (socklen_t)-1;
	assert_int_equal(sock_getsockname(u, SA(out), &len), -EINVAL);
	assert_int_equal(sock_getsockname(u, NULL, &len), -EFAULT);
	assert_int_equal(sock_getsockname(u, SA(out), NULL), -EFAULT);
	/* Unbound: 0.0.0.0:0. Port 0 binds an ephemeral port. */
	len = sizeof(out);
	assert_int_equal(sock_getsockname(u2, SA(out), &len), 0);
	assert_int_equal(out.sin_port, 0);
	assert_int_equal(out.sin_addr.s_addr, 0);
	sin.sin_port = 0;
	assert_int_equal(sock_bind(u2, SA(sin), sizeof(sin)), 0);
	assert_true(local_port(u2) >= 49152);
	len = sizeof(out);
	assert_int_equal(sock_getpeername(u, SA(out), &len), -ENOTCONN);
	assert_int_equal(sock_getpeername(t, SA(out), &len), -ENOTCONN);
}

/* --- UDP over the real stack --- */

static void test_udp_loopback(void **state)
{
	struct sockaddr_in to, from;
	socklen_t flen = sizeof(from);
	unsigned int kicks;
	char buf[64];
	int a = udp_bound(5000), b = udp_bound(5001);

	(void)state;
	to = loop_addr(5000);
	kicks = fake_netd_kicks();
	assert_int_equal(sock_sendto(b, "hello", 5, 0, SA(to), sizeof(to)), 5);
	/* The loopback packet went in during the kick of the sendto. */
	assert_true(fake_netd_kicks() > kicks);
	memset(&from, 0, sizeof(from));
	assert_int_equal(sock_recvfrom(a, buf, sizeof(buf), 0, SA(from), &flen),
			 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(flen, sizeof(from));
	assert_int_equal(from.sin_family, AF_INET);
	assert_int_equal(from.sin_port, htons(5001));
	assert_int_equal(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	/* Connected: send/recv, and read/write on the file. */
	to = loop_addr(5001);
	assert_int_equal(sock_connect(a, SA(to), sizeof(to)), 0);
	assert_int_equal(fwrite_fd(a, "abc", 3), 3);
	assert_int_equal(fread_fd(b, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	flen = sizeof(from);
	assert_int_equal(sock_getpeername(a, SA(from), &flen), 0);
	assert_int_equal(from.sin_port, htons(5001));
	/* Nothing queued: EAGAIN without blocking. */
	assert_int_equal(sock_recvfrom(b, buf, 1, MSG_DONTWAIT, NULL, NULL),
			 -EAGAIN);
	set_nonblock(b);
	assert_int_equal(fread_fd(b, buf, 1), -EAGAIN);
	/* AF_UNSPEC dissolves the association. */
	to.sin_family = AF_UNSPEC;
	assert_int_equal(sock_connect(a, SA(to), sizeof(sa_family_t)), 0);
	assert_int_equal(sock_getpeername(a, SA(from), &flen), -ENOTCONN);
	assert_int_equal(sock_sendto(a, "x", 1, 0, NULL, 0), -EDESTADDRREQ);
	to = loop_addr(0);
	assert_int_equal(sock_sendto(a, "x", 1, 0, SA(to), sizeof(to)),
			 -EINVAL);
	assert_int_equal(sock_listen(a, 1), -EOPNOTSUPP);
	assert_int_equal(sock_accept(a, NULL, NULL, 0), -EOPNOTSUPP);
	assert_int_equal(sock_sendto(a, "x", 1, MSG_OOB, SA(to), sizeof(to)),
			 -EOPNOTSUPP);
}

static void test_udp_msg(void **state)
{
	char a1[3], a2[10], big[8];
	struct iovec out[3] = { { "abc", 3 }, { NULL, 0 }, { "defgh", 5 } };
	struct iovec in[2] = { { a1, sizeof(a1) }, { a2, sizeof(a2) } };
	struct sockaddr_in to = loop_addr(6000), from;
	struct msghdr m = { .msg_name = &to,
			    .msg_namelen = sizeof(to),
			    .msg_iov = out,
			    .msg_iovlen = 3 };
	int a = udp_bound(6000), b = udp_bound(6001);

	(void)state;
	/* Gathered into one datagram, scattered on the way in. */
	assert_int_equal(sock_sendmsg(b, &m, 0), 8);
	m = (struct msghdr){ .msg_name = &from,
			     .msg_namelen = sizeof(from),
			     .msg_iov = in,
			     .msg_iovlen = 2,
			     .msg_control = big,
			     .msg_controllen = 8,
			     .msg_flags = 77 };
	assert_int_equal(sock_recvmsg(a, &m, MSG_PEEK), 8);
	assert_int_equal(sock_recvmsg(a, &m, 0), 8);
	assert_memory_equal(a1, "abc", 3);
	assert_memory_equal(a2, "defgh", 5);
	assert_int_equal(m.msg_flags, 0);
	assert_int_equal(m.msg_controllen, 0);
	assert_int_equal(m.msg_namelen, sizeof(from));
	assert_int_equal(from.sin_port, htons(6001));
	/* Truncation: the rest of the datagram is gone; MSG_TRUNC says
	 * how long it was. */
	assert_int_equal(
		sock_sendto(b, "0123456789", 10, 0, SA(to), sizeof(to)), 10);
	assert_int_equal(
		sock_sendto(b, "ABCDEFGHIJ", 10, 0, SA(to), sizeof(to)), 10);
	in[0] = (struct iovec){ a2, 4 };
	m = (struct msghdr){ .msg_iov = in, .msg_iovlen = 1 };
	assert_int_equal(sock_recvmsg(a, &m, 0), 4);
	assert_int_equal(m.msg_flags, MSG_TRUNC);
	assert_memory_equal(a2, "0123", 4);
	assert_int_equal(sock_recvfrom(a, big, 2, MSG_TRUNC, NULL, NULL), 10);
	assert_memory_equal(big, "AB", 2);
	assert_int_equal(sock_recvfrom(a, big, 2, MSG_DONTWAIT, NULL, NULL),
			 -EAGAIN);
	/* Bad vectors. */
	assert_int_equal(sock_sendmsg(b, NULL, 0), -EFAULT);
	m = (struct msghdr){ .msg_iov = NULL, .msg_iovlen = 1 };
	assert_int_equal(sock_sendmsg(b, &m, 0), -EFAULT);
	m = (struct msghdr){ .msg_iov = in, .msg_iovlen = 1025 };
	assert_int_equal(sock_recvmsg(a, &m, 0), -EMSGSIZE);
	assert_int_equal(sock_recvfrom(a, big, 2, 0, SA(from), NULL), -EFAULT);
}

static void test_udp_blocking(void **state)
{
	char buf[16];
	struct call c = { .buf = buf, .len = sizeof(buf) };
	struct sockaddr_in to = loop_addr(7000);
	struct fake_task *t;
	struct pollfd pf;
	uint64_t t0;
	int a = udp_bound(7000), b = new_sock(SOCK_DGRAM);

	(void)state;
	c.fd = a;
	t = fake_task_start(recv_task, &c);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(sock_sendto(b, "wake", 4, 0, SA(to), sizeof(to)), 4);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(c.result, 4);
	assert_memory_equal(buf, "wake", 4);
	/* SO_RCVTIMEO: EAGAIN after the time. */
	set_timeo(a, SO_RCVTIMEO, 20000);
	t0 = time_ns();
	assert_int_equal(sock_recvfrom(a, buf, 4, 0, NULL, NULL), -EAGAIN);
	assert_true(time_ns() - t0 >= 20 * MS);
	/* shutdown(SHUT_RD) ends a blocked receive with 0. */
	set_timeo(a, SO_RCVTIMEO, 0);
	t = fake_task_start(recv_task, &c);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(sock_shutdown(a, SHUT_RD), -ENOTCONN);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(c.result, 0);
	pf = (struct pollfd){ .fd = a, .events = POLLIN | POLLRDHUP };
	assert_int_equal(poll_fds(&pf, 1, 0), 1);
	assert_int_equal(pf.revents, POLLIN | POLLRDHUP);
	assert_int_equal(sock_shutdown(a, SHUT_WR), -ENOTCONN);
	assert_int_equal(poll_fds(&pf, 1, 0), 1);
	assert_int_equal(pf.revents, POLLIN | POLLRDHUP | POLLHUP);
	assert_int_equal(sock_sendto(a, "x", 1, 0, SA(to), sizeof(to)), -EPIPE);
	assert_int_equal(sock_shutdown(a, 3), -EINVAL);
}

/* A connected UDP socket learns of an ICMP port unreachable. */
static void test_udp_refused(void **state)
{
	struct sockaddr_in to = loop_addr(9);
	char buf[4];
	int a = new_sock(SOCK_DGRAM);
	struct pollfd pf = { .fd = a, .events = POLLIN };

	(void)state;
	assert_int_equal(sock_connect(a, SA(to), sizeof(to)), 0);
	assert_int_equal(sock_sendto(a, "x", 1, 0, NULL, 0), 1);
	assert_int_equal(poll_fds(&pf, 1, 0), 1);
	assert_int_equal(pf.revents, POLLIN | POLLERR);
	assert_int_equal(sock_recvfrom(a, buf, 4, 0, NULL, NULL),
			 -ECONNREFUSED);
	assert_int_equal(sock_sendto(a, "x", 1, 0, NULL, 0), 1);
	assert_int_equal(get_int_opt(a, SOL_SOCKET, SO_ERROR), ECONNREFUSED);
	assert_int_equal(get_int_opt(a, SOL_SOCKET, SO_ERROR), 0);
}

/* --- TCP through the fake --- */

static void test_tcp_connect_accept(void **state)
{
	uint16_t port;
	int l = tcp_listener(&port), cl = new_sock(SOCK_STREAM);
	struct call c = { .fd = l };
	struct sockaddr_in sin = loop_addr(port), peer;
	socklen_t len = sizeof(peer);
	struct fake_task *t;
	char buf[16];

	(void)state;
	assert_int_equal(get_int_opt(l, SOL_SOCKET, SO_ACCEPTCONN), 1);
	assert_int_equal(get_int_opt(cl, SOL_SOCKET, SO_ACCEPTCONN), 0);
	/* accept() sleeps until a connection comes. */
	c.flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
	t = fake_task_start(accept_task, &c);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(sock_connect(cl, SA(sin), sizeof(sin)), 0);
	assert_int_equal(fake_task_join(t), 0);
	assert_true(c.result >= 0);
	assert_int_equal(file_flags((int)c.result), FILE_RDWR | FILE_NONBLOCK);
	assert_int_equal(fd_get_cloexec((int)c.result), 1);
	/* The address accept() gave is the client's. */
	assert_int_equal(c.sin.sin_family, AF_INET);
	assert_int_equal(c.sin.sin_port, htons(local_port(cl)));
	assert_int_equal(sock_getpeername(cl, SA(peer), &len), 0);
	assert_int_equal(peer.sin_port, htons(port));
	assert_int_equal(sock_connect(cl, SA(sin), sizeof(sin)), -EISCONN);
	/* Both ways, through send/recv and read/write. */
	assert_int_equal(sock_sendto(cl, "ping", 4, 0, NULL, 0), 4);
	assert_int_equal(fread_fd((int)c.result, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(fwrite_fd((int)c.result, "pong!", 5), 5);
	assert_int_equal(sock_recvfrom(cl, buf, sizeof(buf), 0, NULL, NULL), 5);
	assert_memory_equal(buf, "pong!", 5);
	/* Nothing waiting: EAGAIN from the non-blocking ones. */
	set_nonblock(l);
	assert_int_equal(sock_accept(l, NULL, NULL, 0), -EAGAIN);
	assert_int_equal(fread_fd((int)c.result, buf, 1), -EAGAIN);
	assert_int_equal(sock_accept(l, NULL, NULL, 0x100), -EINVAL);
	assert_int_equal(sock_accept(cl, NULL, NULL, 0), -EINVAL);
	assert_int_equal(sock_accept(l, SA(peer), NULL, 0), -EFAULT);
	assert_int_equal(sock_listen(cl, 5), -EINVAL);
	/* A listener has nothing to read. */
	assert_int_equal(fread_fd(l, buf, 1), -ENOTCONN);
}

static void test_tcp_refused(void **state)
{
	uint16_t port;
	int l = tcp_listener(&port);
	int cl = new_sock(SOCK_STREAM);
	struct sockaddr_in sin = loop_addr(port);

	(void)state;
	assert_int_equal(fd_close(l), 0);
	assert_int_equal(sock_connect(cl, SA(sin), sizeof(sin)), -ECONNREFUSED);
	assert_int_equal(sock_connect(cl, SA(sin), sizeof(sin) - 1), -EINVAL);
	sin.sin_family = AF_INET6;
	assert_int_equal(sock_connect(cl, SA(sin), sizeof(sin)), -EAFNOSUPPORT);
	assert_int_equal(sock_connect(cl, NULL, sizeof(sin)), -EFAULT);
}

static void test_tcp_nonblocking_connect(void **state)
{
	uint16_t port;
	int l = tcp_listener(&port), cl = new_sock(SOCK_STREAM);
	struct sockaddr_in sin = loop_addr(port);
	struct pollfd pf = { .fd = cl, .events = POLLOUT };
	struct call c = { .sin = sin };
	struct fake_task *t;

	(void)state;
	fake_tcp_hold_connects(true);
	set_nonblock(cl);
	assert_int_equal(sock_connect(cl, SA(sin), sizeof(sin)), -EINPROGRESS);
	assert_int_equal(sock_connect(cl, SA(sin), sizeof(sin)), -EALREADY);
	assert_int_equal(poll_fds(&pf, 1, 0), 0);
	assert_int_equal(get_int_opt(cl, SOL_SOCKET, SO_ERROR), 0);
	fake_tcp_finish_connects(0);
	assert_int_equal(poll_fds(&pf, 1, 0), 1);
	assert_int_equal(pf.revents, POLLOUT);
	assert_int_equal(get_int_opt(cl, SOL_SOCKET, SO_ERROR), 0);
	/* A failure shows through SO_ERROR. */
	c.fd = new_sock(SOCK_STREAM);
	set_nonblock(c.fd);
	assert_int_equal(sock_connect(c.fd, SA(sin), sizeof(sin)),
			 -EINPROGRESS);
	fake_tcp_finish_connects(-ETIMEDOUT);
	pf.fd = c.fd;
	assert_int_equal(poll_fds(&pf, 1, 0), 1);
	assert_int_equal(pf.revents, POLLOUT | POLLERR | POLLHUP);
	assert_int_equal(get_int_opt(c.fd, SOL_SOCKET, SO_ERROR), ETIMEDOUT);
	/* A blocking connect sleeps through the handshake... */
	c.fd = new_sock(SOCK_STREAM);
	t = fake_task_start(connect_task, &c);
	assert_true(fake_wait_sleepers(1));
	fake_tcp_finish_connects(0);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(c.result, 0);
	/* ...or fails with its error... */
	c.fd = new_sock(SOCK_STREAM);
	t = fake_task_start(connect_task, &c);
	assert_true(fake_wait_sleepers(1));
	fake_tcp_finish_connects(-EHOSTUNREACH);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(c.result, -EHOSTUNREACH);
	/* ...or gives up at SO_SNDTIMEO with EINPROGRESS. */
	c.fd = new_sock(SOCK_STREAM);
	set_timeo(c.fd, SO_SNDTIMEO, 10000);
	assert_int_equal(sock_connect(c.fd, SA(sin), sizeof(sin)),
			 -EINPROGRESS);
	fake_tcp_finish_connects(0);
	assert_int_equal(fd_close(l), 0);
}

static void test_tcp_eof_and_pipe(void **state)
{
	unsigned int r0;
	char buf[8];
	int cl, sv;

	(void)state;
	tcp_pair(&cl, &sv);
	assert_int_equal(sock_sendto(cl, "last", 4, 0, NULL, 0), 4);
	assert_int_equal(sock_shutdown(cl, SHUT_WR), 0);
	assert_int_equal(sock_sendto(cl, "x", 1, 0, NULL, 0), -EPIPE);
	assert_int_equal(sock_recvfrom(sv, buf, 8, 0, NULL, NULL), 4);
	assert_int_equal(sock_recvfrom(sv, buf, 8, 0, NULL, NULL), 0);
	assert_int_equal(sock_recvfrom(sv, buf, 8, 0, NULL, NULL), 0);
	/* The other direction still works. */
	assert_int_equal(sock_sendto(sv, "back", 4, MSG_NOSIGNAL, NULL, 0), 4);
	assert_int_equal(sock_recvfrom(cl, buf, 8, 0, NULL, NULL), 4);
	/* The peer gone: end of file, then EPIPE on sending. */
	r0 = fake_tcp_resets();
	assert_int_equal(fd_close(cl), 0);
	assert_int_equal(fake_tcp_resets(), r0);
	assert_int_equal(sock_sendto(sv, "x", 1, 0, NULL, 0), -EPIPE);
	assert_int_equal(sock_shutdown(sv, 7), -EINVAL);
	/* Unconnected: ENOTCONN. */
	cl = new_sock(SOCK_STREAM);
	assert_int_equal(sock_sendto(cl, "x", 1, 0, NULL, 0), -ENOTCONN);
	assert_int_equal(sock_recvfrom(cl, buf, 1, 0, NULL, NULL), -ENOTCONN);
	assert_int_equal(sock_shutdown(cl, SHUT_RDWR), -ENOTCONN);
}

static void test_tcp_recv_flags(void **state)
{
	char buf[16] = { 0 };
	struct call c = { .buf = buf, .len = 10, .flags = MSG_WAITALL };
	struct sockaddr_in from = { 0 };
	socklen_t flen = sizeof(from);
	struct fake_task *t;
	int cl, sv;

	(void)state;
	tcp_pair(&cl, &sv);
	assert_int_equal(sock_sendto(cl, "abcdef", 6, 0, NULL, 0), 6);
	assert_int_equal(sock_recvfrom(sv, buf, 3, MSG_PEEK, SA(from), &flen),
			 3);
	assert_memory_equal(buf, "abc", 3);
	/* A stream gives no source address. */
	assert_int_equal(flen, 0);
	/* MSG_TRUNC on a stream drops the bytes. */
	assert_int_equal(sock_recvfrom(sv, NULL, 2, MSG_TRUNC, NULL, NULL), 2);
	assert_int_equal(sock_recvfrom(sv, buf, 16, 0, NULL, NULL), 4);
	assert_memory_equal(buf, "cdef", 4);
	/* MSG_WAITALL waits for the whole buffer over several sends. */
	c.fd = sv;
	t = fake_task_start(recv_task, &c);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(sock_sendto(cl, "0123", 4, 0, NULL, 0), 4);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(sock_sendto(cl, "456789xyz", 9, 0, NULL, 0), 9);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(c.result, 10);
	assert_memory_equal(buf, "0123456789", 10);
	assert_int_equal(sock_recvfrom(sv, buf, 16, 0, NULL, NULL), 3);
	/* ...but returns what it has at end of stream. */
	t = fake_task_start(recv_task, &c);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(sock_sendto(cl, "ab", 2, 0, NULL, 0), 2);
	assert_int_equal(sock_shutdown(cl, SHUT_WR), 0);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(c.result, 2);
	assert_int_equal(sock_recvfrom(sv, buf, 1, MSG_OOB, NULL, NULL),
			 -EOPNOTSUPP);
}

static void test_tcp_recvmsg_iov(void **state)
{
	char a[2], b[5];
	struct iovec out[2] = { { "hel", 3 }, { "lo!", 3 } };
	struct iovec in[2] = { { a, 2 }, { b, 5 } };
	struct sockaddr_in name;
	struct msghdr m = { .msg_iov = out, .msg_iovlen = 2 };
	int cl, sv;

	(void)state;
	tcp_pair(&cl, &sv);
	assert_int_equal(sock_sendmsg(cl, &m, 0), 6);
	m = (struct msghdr){ .msg_name = &name,
			     .msg_namelen = sizeof(name),
			     .msg_iov = in,
			     .msg_iovlen = 2 };
	assert_int_equal(sock_recvmsg(sv, &m, 0), 6);
	assert_memory_equal(a, "he", 2);
	assert_memory_equal(b, "llo!", 4);
	assert_int_equal(m.msg_namelen, 0);
}

/* A blocking send bigger than the peer's buffer sleeps until the peer
 * reads, and moves every byte in order. */
static void test_tcp_send_blocks(void **state)
{
	size_t len = 300000, got = 0;
	unsigned char *out = malloc(len), *in = malloc(len);
	struct call c = { .buf = out, .len = len };
	struct fake_task *t;
	int cl, sv;

	(void)state;
	tcp_pair(&cl, &sv);
	assert_int_equal(set_int_opt(sv, SOL_SOCKET, SO_RCVBUF, 4096), 0);
	for (size_t i = 0; i < len; i++)
		out[i] = (unsigned char)(i * 13 + 1);
	c.fd = cl;
	t = fake_task_start(send_task, &c);
	assert_true(fake_wait_sleepers(1));
	while (got < len) {
		ssize_t n = sock_recvfrom(sv, in + got, 1000, 0, NULL, NULL);
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(c.result, (ssize_t)len);
	assert_memory_equal(in, out, len);
	/* Non-blocking: what fits, then EAGAIN. */
	set_nonblock(cl);
	assert_int_equal(sock_sendto(cl, out, 5000, 0, NULL, 0), 4096);
	assert_int_equal(sock_sendto(cl, out, 1, 0, NULL, 0), -EAGAIN);
	assert_int_equal(sock_sendto(sv, out, 0, 0, NULL, 0), 0);
	free(out);
	free(in);
}

static void test_tcp_send_timeout(void **state)
{
	char big[6000] = { 0 };
	uint64_t t0;
	int cl, sv;

	(void)state;
	tcp_pair(&cl, &sv);
	assert_int_equal(set_int_opt(sv, SOL_SOCKET, SO_RCVBUF, 4096), 0);
	set_timeo(cl, SO_SNDTIMEO, 10000);
	t0 = time_ns();
	/* What fitted is the answer. */
	assert_int_equal(sock_sendto(cl, big, sizeof(big), 0, NULL, 0), 4096);
	assert_true(time_ns() - t0 >= 10 * MS);
	t0 = time_ns();
	assert_int_equal(sock_sendto(cl, big, 1, 0, NULL, 0), -EAGAIN);
	assert_true(time_ns() - t0 >= 10 * MS);
	set_timeo(sv, SO_RCVTIMEO, 10000);
	assert_int_equal(sock_recvfrom(sv, big, sizeof(big), 0, NULL, NULL),
			 4096);
	assert_int_equal(sock_recvfrom(sv, big, 1, 0, NULL, NULL), -EAGAIN);
}

/* Closing with unread data or SO_LINGER 0 resets; SO_LINGER with a time
 * waits for the peer to take the data. */
static void test_tcp_close_linger(void **state)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	unsigned int r0 = fake_tcp_resets();
	char buf[8];
	struct call c;
	struct fake_task *t;
	int cl, sv;

	(void)state;
	tcp_pair(&cl, &sv);
	assert_int_equal(sock_sendto(cl, "unread", 6, 0, NULL, 0), 6);
	assert_int_equal(fd_close(sv), 0);
	assert_int_equal(fake_tcp_resets(), r0 + 1);
	assert_int_equal(sock_recvfrom(cl, buf, 8, 0, NULL, NULL), -ECONNRESET);
	assert_int_equal(fd_close(cl), 0);

	tcp_pair(&cl, &sv);
	assert_int_equal(
		sock_setsockopt(cl, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	assert_int_equal(fd_close(cl), 0);
	assert_int_equal(fake_tcp_resets(), r0 + 2);
	assert_int_equal(sock_recvfrom(sv, buf, 8, 0, NULL, NULL), -ECONNRESET);
	assert_int_equal(fd_close(sv), 0);

	tcp_pair(&cl, &sv);
	lg.l_linger = 30;
	assert_int_equal(
		sock_setsockopt(cl, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	assert_int_equal(sock_sendto(cl, "linger", 6, 0, NULL, 0), 6);
	c = (struct call){ .fd = cl };
	t = fake_task_start(close_task, &c);
	/* The close waits until the peer has everything. */
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(fake_tcp_live(), 2);
	assert_int_equal(sock_recvfrom(sv, buf, 8, 0, NULL, NULL), 6);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(c.result, 0);
	assert_int_equal(fake_tcp_live(), 1);
	assert_int_equal(fake_tcp_resets(), r0 + 2);
	assert_int_equal(sock_recvfrom(sv, buf, 8, 0, NULL, NULL), 0);
}

/* --- options --- */

static void test_sockopts(void **state)
{
	int t = new_sock(SOCK_STREAM), u = new_sock(SOCK_DGRAM), v = 0;
	struct linger lg = { 1, 7 }, lg2;
	struct timeval tv = { 1, 500000 }, tv2;
	socklen_t len;
	char c;

	(void)state;
	assert_int_equal(set_int_opt(t, SOL_SOCKET, SO_REUSEADDR, 5), 0);
	assert_int_equal(get_int_opt(t, SOL_SOCKET, SO_REUSEADDR), 1);
	assert_int_equal(set_int_opt(t, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
	assert_int_equal(get_int_opt(t, SOL_SOCKET, SO_KEEPALIVE), 1);
	assert_int_equal(set_int_opt(t, IPPROTO_TCP, TCP_NODELAY, 1), 0);
	assert_int_equal(get_int_opt(t, IPPROTO_TCP, TCP_NODELAY), 1);
	assert_int_equal(set_int_opt(t, SOL_SOCKET, SO_RCVBUF, 8192), 0);
	assert_int_equal(get_int_opt(t, SOL_SOCKET, SO_RCVBUF), 8192);
	assert_int_equal(set_int_opt(t, SOL_SOCKET, SO_SNDBUF, 9000), 0);
	assert_int_equal(get_int_opt(t, SOL_SOCKET, SO_SNDBUF), 9000);
	assert_int_equal(set_int_opt(t, IPPROTO_TCP, TCP_KEEPIDLE, 60), 0);
	assert_int_equal(get_int_opt(t, IPPROTO_TCP, TCP_KEEPIDLE), 60);
	assert_int_equal(get_int_opt(t, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	assert_int_equal(get_int_opt(u, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
	assert_int_equal(get_int_opt(t, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
	assert_int_equal(get_int_opt(u, SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
	assert_int_equal(get_int_opt(u, SOL_SOCKET, SO_DOMAIN), AF_INET);
	/* UDP options go to the real UDP. */
	assert_int_equal(set_int_opt(u, SOL_SOCKET, SO_BROADCAST, 1), 0);
	assert_int_equal(get_int_opt(u, SOL_SOCKET, SO_BROADCAST), 1);
	assert_int_equal(set_int_opt(u, IPPROTO_IP, IP_TTL, 9), 0);
	assert_int_equal(get_int_opt(u, IPPROTO_IP, IP_TTL), 9);
	assert_int_equal(set_int_opt(u, IPPROTO_IP, IP_TTL, 300), -EINVAL);
	/* SO_LINGER and the timeouts keep what they were given. */
	assert_int_equal(
		sock_setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	len = sizeof(lg2);
	assert_int_equal(sock_getsockopt(t, SOL_SOCKET, SO_LINGER, &lg2, &len),
			 0);
	assert_int_equal(len, sizeof(lg2));
	assert_int_equal(lg2.l_onoff, 1);
	assert_int_equal(lg2.l_linger, 7);
	assert_int_equal(sock_setsockopt(t, SOL_SOCKET, SO_LINGER, &lg, 4),
			 -EINVAL);
	assert_int_equal(
		sock_setsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
		0);
	len = sizeof(tv2);
	assert_int_equal(
		sock_getsockopt(t, SOL_SOCKET, SO_RCVTIMEO, &tv2, &len), 0);
	assert_int_equal(tv2.tv_sec, 1);
	assert_int_equal(tv2.tv_usec, 500000);
	tv.tv_usec = 1000000;
	assert_int_equal(
		sock_setsockopt(t, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)),
		-EDOM);
	/* Errors. */
	assert_int_equal(sock_setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &v, 2),
			 -EINVAL);
	assert_int_equal(sock_setsockopt(t, SOL_SOCKET, SO_REUSEADDR, NULL, 4),
			 -EFAULT);
	assert_int_equal(set_int_opt(t, SOL_SOCKET, SO_TYPE, 1), -ENOPROTOOPT);
	assert_int_equal(set_int_opt(t, SOL_SOCKET, 999, 1), -ENOPROTOOPT);
	assert_int_equal(set_int_opt(t, 12345, 1, 1), -ENOPROTOOPT);
	assert_int_equal(set_int_opt(u, IPPROTO_TCP, TCP_NODELAY, 1),
			 -ENOPROTOOPT);
	len = sizeof(v);
	assert_int_equal(sock_getsockopt(u, IPPROTO_TCP, TCP_NODELAY, &v, &len),
			 -ENOPROTOOPT);
	assert_int_equal(sock_getsockopt(t, SOL_SOCKET, SO_TYPE, &v, NULL),
			 -EFAULT);
	len = (socklen_t)-4;
	assert_int_equal(sock_getsockopt(t, SOL_SOCKET, SO_TYPE, &v, &len),
			 -EINVAL);
	/* A short length gets what fits. */
	len = 1;
	c = 0;
	assert_int_equal(sock_getsockopt(t, SOL_SOCKET, SO_TYPE, &c, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(c, SOCK_STREAM);
}

/* --- readiness --- */

static void test_poll_sockets(void **state)
{
	uint16_t port;
	int l = tcp_listener(&port), cl = new_sock(SOCK_STREAM), sv;
	struct sockaddr_in sin = loop_addr(port);
	struct pollfd pf[2] = { { .fd = l, .events = POLLIN },
				{ .fd = cl, .events = POLLIN | POLLOUT } };
	char buf[4];

	(void)state;
	assert_int_equal(poll_fds(pf, 1, 0), 0);
	assert_int_equal(sock_connect(cl, SA(sin), sizeof(sin)), 0);
	assert_int_equal(poll_fds(pf, 2, 0), 2);
	assert_int_equal(pf[0].revents, POLLIN);
	assert_int_equal(pf[1].revents, POLLOUT);
	sv = sock_accept(l, NULL, NULL, 0);
	assert_true(sv >= 0);
	assert_int_equal(poll_fds(pf, 1, 0), 0);
	pf[0] = (struct pollfd){ .fd = sv, .events = POLLIN | POLLRDHUP };
	assert_int_equal(sock_sendto(cl, "ab", 2, 0, NULL, 0), 2);
	assert_int_equal(poll_fds(pf, 1, 0), 1);
	assert_int_equal(pf[0].revents, POLLIN);
	assert_int_equal(sock_recvfrom(sv, buf, 4, 0, NULL, NULL), 2);
	assert_int_equal(sock_shutdown(cl, SHUT_WR), 0);
	assert_int_equal(poll_fds(pf, 1, 0), 1);
	assert_int_equal(pf[0].revents, POLLIN | POLLRDHUP);
}

struct ep_call {
	int ep;
	struct epoll_event ev[4];
	int result;
};

static int ep_task(void *arg)
{
	struct ep_call *e = arg;

	e->result = eventpoll_wait(e->ep, e->ev, 4, GUARD_NS);
	return 0;
}

static void test_epoll_sockets(void **state)
{
	struct ep_call e = { .ep = eventpoll_create(0) };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET | EPOLLRDHUP };
	struct fake_task *t;
	char buf[8];
	int cl, sv, u = udp_bound(8000), u2 = new_sock(SOCK_DGRAM);
	struct sockaddr_in to = loop_addr(8000);

	(void)state;
	tcp_pair(&cl, &sv);
	ev.data.u64 = 1;
	assert_int_equal(eventpoll_ctl(e.ep, EPOLL_CTL_ADD, sv, &ev), 0);
	ev.data.u64 = 2;
	ev.events = EPOLLIN;
	assert_int_equal(eventpoll_ctl(e.ep, EPOLL_CTL_ADD, u, &ev), 0);
	assert_int_equal(eventpoll_wait(e.ep, e.ev, 4, 0), 0);
	/* Data from another microapp wakes the waiter. */
	t = fake_task_start(ep_task, &e);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(sock_sendto(cl, "data", 4, 0, NULL, 0), 4);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(e.result, 1);
	assert_int_equal(e.ev[0].events, EPOLLIN);
	assert_int_equal(e.ev[0].data.u64, 1);
	/* Edge-triggered: no new edge, nothing. */
	assert_int_equal(eventpoll_wait(e.ep, e.ev, 4, 0), 0);
	/* A datagram over the real loopback. */
	assert_int_equal(sock_sendto(u2, "dg", 2, 0, SA(to), sizeof(to)), 2);
	assert_int_equal(eventpoll_wait(e.ep, e.ev, 4, 0), 1);
	assert_int_equal(e.ev[0].data.u64, 2);
	assert_int_equal(sock_recvfrom(u, buf, 8, 0, NULL, NULL), 2);
	/* The peer's FIN: EPOLLRDHUP. */
	assert_int_equal(sock_shutdown(cl, SHUT_WR), 0);
	assert_int_equal(eventpoll_wait(e.ep, e.ev, 4, 0), 1);
	assert_int_equal(e.ev[0].events, EPOLLIN | EPOLLRDHUP);
	/* Closing the socket takes it out of the set. */
	assert_int_equal(fd_close(sv), 0);
	assert_int_equal(fd_close(cl), 0);
	assert_int_equal(eventpoll_ctl(e.ep, EPOLL_CTL_DEL, u, NULL), 0);
	assert_int_equal(eventpoll_wait(e.ep, e.ev, 4, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_socket_create, teardown),
		cmocka_unit_test_teardown(test_not_a_socket, teardown),
		cmocka_unit_test_teardown(test_bind_names, teardown),
		cmocka_unit_test_teardown(test_udp_loopback, teardown),
		cmocka_unit_test_teardown(test_udp_msg, teardown),
		cmocka_unit_test_teardown(test_udp_blocking, teardown),
		cmocka_unit_test_teardown(test_udp_refused, teardown),
		cmocka_unit_test_teardown(test_tcp_connect_accept, teardown),
		cmocka_unit_test_teardown(test_tcp_refused, teardown),
		cmocka_unit_test_teardown(test_tcp_nonblocking_connect,
					  teardown),
		cmocka_unit_test_teardown(test_tcp_eof_and_pipe, teardown),
		cmocka_unit_test_teardown(test_tcp_recv_flags, teardown),
		cmocka_unit_test_teardown(test_tcp_recvmsg_iov, teardown),
		cmocka_unit_test_teardown(test_tcp_send_blocks, teardown),
		cmocka_unit_test_teardown(test_tcp_send_timeout, teardown),
		cmocka_unit_test_teardown(test_tcp_close_linger, teardown),
		cmocka_unit_test_teardown(test_sockopts, teardown),
		cmocka_unit_test_teardown(test_poll_sockets, teardown),
		cmocka_unit_test_teardown(test_epoll_sockets, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
