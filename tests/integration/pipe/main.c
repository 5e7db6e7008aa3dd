/* SPDX-License-Identifier: MIT */
/*
 * Integration test: pipes, poll(), select() and epoll through the libc
 * calls, between microapps on every CPU:
 *   - pipe()/pipe2() semantics: data, EOF, EPIPE, O_NONBLOCK, flags,
 *     fstat, errors;
 *   - a producer microapp on the last CPU streams 1 MiB through a pipe
 *     to main, which waits with poll(), then again with edge-triggered
 *     epoll; every byte arrives in order and the end shows as POLLHUP;
 *   - select() timeouts and readiness, poll() on files and the console;
 *   - epoll: level-triggered, one-shot, errors, a closed descriptor
 *     leaving the set, and a microapp blocked in epoll_wait() woken by
 *     a write from another CPU.
 * Prints TEST PASS or TEST FAIL: why.
 */
#include <errno.h>
#include <fcntl.h>
#include <mosaic/mapp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <itest.h>

#define STREAM_BYTES (1 << 20)

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 7 + (i >> 11));
}

static int spawn_last(mapp_t *t, const char *name, int (*fn)(void *), void *arg)
{
	struct mapp_opts o = { .cpu_mask = 1ull << (mapp_ncpus() - 1) };

	return mapp_spawn(t, name, fn, arg, &o);
}

static int joined_ok(mapp_t t)
{
	struct mapp_exit ex;

	return mapp_join(t, &ex) == 0 && !ex.faulted && ex.status == 0;
}

static void test_basics(void)
{
	char buf[16];
	struct stat st;
	int p[2], q[2];

	CHECK(pipe(p) == 0, "pipe: errno %d", errno);
	CHECK(write(p[1], "hello", 5) == 5, "write");
	CHECK(read(p[0], buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5),
	      "read");
	CHECK(fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode), "fstat");
	CHECK(write(p[0], "x", 1) == -1 && errno == EBADF, "write read end");
	CHECK(lseek(p[0], 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek");
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0, "F_SETFL");
	CHECK(read(p[0], buf, 1) == -1 && errno == EAGAIN, "EAGAIN");
	CHECK(write(p[1], "ab", 2) == 2 && close(p[1]) == 0, "write, close");
	CHECK(read(p[0], buf, 8) == 2 && read(p[0], buf, 8) == 0, "EOF");
	close(p[0]);

	CHECK(pipe2(q, O_NONBLOCK | O_CLOEXEC) == 0, "pipe2");
	CHECK(fcntl(q[0], F_GETFL) == (O_RDONLY | O_NONBLOCK) &&
		      fcntl(q[1], F_GETFL) == (O_WRONLY | O_NONBLOCK),
	      "pipe2 F_GETFL %d %d", fcntl(q[0], F_GETFL),
	      fcntl(q[1], F_GETFL));
	CHECK(fcntl(q[1], F_GETFD) == FD_CLOEXEC, "pipe2 F_GETFD");
	close(q[0]);
	CHECK(write(q[1], "x", 1) == -1 && errno == EPIPE, "EPIPE: errno %d",
	      errno);
	close(q[1]);
	CHECK(pipe2(q, 1) == -1 && errno == EINVAL, "pipe2 flags");

	/* writev() of up to PIPE_BUF bytes is one atomic write: with less
	 * room than that, nothing goes (the pieces one by one would put
	 * the first in). */
	static char fill[4096];
	struct iovec iov[2] = { { fill, 80 }, { fill, 80 } };
	size_t room = 0;
	CHECK(pipe2(q, O_NONBLOCK) == 0, "pipe2");
	while (write(q[1], fill, sizeof(fill)) == (ssize_t)sizeof(fill))
		;
	while (write(q[1], fill, 1) == 1)
		;
	CHECK(read(q[0], fill, 100) == 100, "make room");
	room = 100;
	CHECK(writev(q[1], iov, 2) == -1 && errno == EAGAIN,
	      "writev of 160 bytes into %lu of room: errno %d",
	      (unsigned long)room, errno);
	CHECK(write(q[1], fill, 100) == 100 && write(q[1], fill, 1) == -1,
	      "room unchanged");
	close(q[0]);
	close(q[1]);
}

/* --- streaming between CPUs --- */

static int producer(void *arg)
{
	int fd = *(int *)arg;
	static unsigned char chunk[9000];
	size_t sent = 0, k = 1;

	while (sent < STREAM_BYTES) {
		size_t n = k < STREAM_BYTES - sent ? k : STREAM_BYTES - sent;
		for (size_t i = 0; i < n; i++)
			chunk[i] = pattern(sent + i);
		if (write(fd, chunk, n) != (ssize_t)n)
			return 1;
		sent += n;
		k = k * 3 % sizeof(chunk) + 1; /* sizes 1..9000, mixed */
	}
	return close(fd) != 0;
}

/* Reads what is there; false at end of file. Checks every byte. */
static bool drain(int fd, size_t *got, bool *bad)
{
	static unsigned char buf[5000];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return false;
		if (n < 0) {
			CHECK(errno == EAGAIN, "drain: errno %d", errno);
			return errno == EAGAIN;
		}
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pattern(*got + (size_t)i))
				*bad = true;
		*got += (size_t)n;
	}
}

static void test_stream_poll(void)
{
	size_t got = 0;
	bool bad = false;
	int p[2], wakes = 0;
	mapp_t t;

	CHECK(pipe2(p, O_NONBLOCK) == 0, "pipe2");
	/* The producer blocks when the pipe is full: its end blocks. */
	CHECK(fcntl(p[1], F_SETFL, 0) == 0, "blocking write end");
	CHECK(spawn_last(&t, "producer", producer, &p[1]) == 0, "spawn");
	for (;;) {
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		int r = poll(&pf, 1, 30000);
		CHECK(r == 1, "poll: %d errno %d", r, errno);
		if (r != 1)
			break;
		wakes++;
		if (!drain(p[0], &got, &bad)) {
			CHECK(pf.revents & POLLHUP || got == STREAM_BYTES,
			      "revents %x at the end", pf.revents);
			break;
		}
	}
	CHECK(joined_ok(t), "producer");
	CHECK(got == STREAM_BYTES && !bad, "poll stream: %lu bytes, bad %d",
	      (unsigned long)got, bad);
	printf("pipe: poll stream of %lu bytes in %d wakes\n",
	       (unsigned long)got, wakes);
	close(p[0]);
}

static void test_stream_epoll(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = 77 };
	int p[2], ep = epoll_create1(EPOLL_CLOEXEC);
	size_t got = 0;
	bool bad = false, more = true;
	mapp_t t;

	CHECK(ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC, "epoll_create1");
	CHECK(pipe(p) == 0 && fcntl(p[0], F_SETFL, O_NONBLOCK) == 0, "pipe");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "epoll_ctl");
	CHECK(spawn_last(&t, "producer", producer, &p[1]) == 0, "spawn");
	while (more) {
		struct epoll_event out;
		int r = epoll_wait(ep, &out, 1, 30000);
		CHECK(r == 1 && out.data.u64 == 77, "epoll_wait: %d errno %d",
		      r, errno);
		if (r != 1)
			break;
		more = drain(p[0], &got, &bad);
	}
	CHECK(joined_ok(t), "producer");
	CHECK(got == STREAM_BYTES && !bad, "epoll stream: %lu bytes, bad %d",
	      (unsigned long)got, bad);
	printf("pipe: epoll stream of %lu bytes\n", (unsigned long)got);
	close(p[0]);
	close(ep);
}

/* --- select and poll on other files --- */

static void test_select_poll(void)
{
	struct timeval tv = { 0, 20000 };
	uint64_t t0;
	fd_set r;
	int p[2], f = open("/tmp/pipe-test", O_RDWR | O_CREAT, 0644);
	struct pollfd pf[2] = { { .fd = f, .events = POLLIN | POLLOUT },
				{ .fd = 1, .events = POLLOUT } };

	CHECK(pipe(p) == 0, "pipe");
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	t0 = now_ns();
	CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 0, "select timeout");
	CHECK(now_ns() - t0 >= 20000000, "select returned early");
	CHECK(tv.tv_sec == 0 && tv.tv_usec == 0, "time left %ld.%06ld",
	      (long)tv.tv_sec, (long)tv.tv_usec);
	CHECK(!FD_ISSET(p[0], &r), "set cleared");
	CHECK(write(p[1], "x", 1) == 1, "write");
	FD_SET(p[0], &r);
	CHECK(select(p[0] + 1, &r, NULL, NULL, NULL) == 1 && FD_ISSET(p[0], &r),
	      "select ready");
	close(p[1]);
	FD_SET(p[1], &r);
	CHECK(select(p[1] + 1, &r, NULL, NULL, NULL) == -1 && errno == EBADF,
	      "select EBADF");
	CHECK(f >= 0 && poll(pf, 2, -1) == 2 &&
		      pf[0].revents == (POLLIN | POLLOUT) &&
		      pf[1].revents == POLLOUT,
	      "poll on a file and stdout");
	close(p[0]);
	close(f);
}

/* --- epoll details --- */

struct waiter {
	int ep;
	int r;
	struct epoll_event ev;
};

static int ep_waiter(void *arg)
{
	struct waiter *w = arg;

	w->r = epoll_wait(w->ep, &w->ev, 1, 30000);
	return 0;
}

static void test_epoll_details(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[4];
	int ep = epoll_create(1), p[2], d, f = open("/tmp/pipe-test", O_RDONLY);
	struct waiter w = { .ep = ep };
	char c;
	mapp_t t;

	CHECK(pipe(p) == 0, "pipe");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0, "add");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EEXIST,
	      "EEXIST");
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev) == -1 && errno == ENOENT,
	      "ENOENT");
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev) == -1 && errno == EPERM,
	      "EPERM for a file: errno %d", errno);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev) == -1 && errno == EINVAL,
	      "EINVAL for itself");
	CHECK(epoll_wait(ep, out, 0, 0) == -1 && errno == EINVAL, "maxevents");
	CHECK(epoll_create(0) == -1 && errno == EINVAL, "epoll_create(0)");
	/* Level-triggered: again and again while unread. */
	CHECK(write(p[1], "ab", 2) == 2, "write");
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && epoll_wait(ep, out, 4, 0) == 1,
	      "level-triggered");
	/* One-shot: once, until re-armed. */
	ev.events = EPOLLIN | EPOLLONESHOT;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0, "mod");
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && epoll_wait(ep, out, 4, 0) == 0,
	      "one-shot");
	CHECK(read(p[0], &c, 1) == 1 && read(p[0], &c, 1) == 1, "read");
	/* A microapp on another CPU sleeps in epoll_wait until a write. */
	ev.events = EPOLLIN;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0, "re-arm");
	CHECK(spawn_last(&t, "epwait", ep_waiter, &w) == 0, "spawn");
	mapp_sleep_ns(5000000); /* let it block first (not required) */
	CHECK(write(p[1], "z", 1) == 1, "write");
	CHECK(joined_ok(t) && w.r == 1 && w.ev.events == EPOLLIN,
	      "woken waiter: %d events %x", w.r, w.ev.events);
	/* A descriptor whose file lives on (a dup) stays; the last close
	 * takes it out. */
	d = dup(p[0]);
	close(p[0]);
	CHECK(epoll_wait(ep, out, 4, 0) == 1, "dup keeps it");
	close(d);
	CHECK(epoll_wait(ep, out, 4, 0) == 0, "closed file left the set");
	close(p[1]);
	close(f);
	close(ep);
}

int main(void)
{
	printf("pipe: %u CPUs\n", mapp_ncpus());
	test_basics();
	test_stream_poll();
	test_stream_epoll();
	test_select_poll();
	test_epoll_details();
	if (!failures)
		printf("TEST PASS\n");
	return failures != 0;
}
