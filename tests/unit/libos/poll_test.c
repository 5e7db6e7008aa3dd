/* SPDX-License-Identifier: MIT */
/*
 * Pipes, poll(), select() and epoll on the host (libos/fs/pipe.c, poll.c,
 * epoll.c over the real descriptor table), with the kernel's mutexes and
 * wait queues over the fake scheduler: each fake task is a thread.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>

#include <cmocka.h>

#include <fs/fd.h>
#include <fs/pipe.h>
#include <fs/poll.h>
#include <kernel/errno.h>
#include <kernel/sync.h>
#include <kernel/time.h>

#include "fake_sched.h"

#define MS (1000000ll)
/* Long enough never to pass in a working run; a lost wake-up shows as a
 * failed assertion instead of a hang. */
#define GUARD_NS (30000ll * MS)

static int teardown(void **state)
{
	(void)state;
	fd_reset();
	return 0;
}

/* --- helpers over the descriptor table --- */

static ssize_t rd(int fd, void *buf, size_t len)
{
	struct file *f;
	ssize_t n = fd_get(fd, &f);

	if (n)
		return n;
	n = file_read(f, buf, len);
	file_put(f);
	return n;
}

static ssize_t wr(int fd, const void *buf, size_t len)
{
	struct file *f;
	ssize_t n = fd_get(fd, &f);

	if (n)
		return n;
	n = file_write(f, buf, len);
	file_put(f);
	return n;
}

static void set_nonblock(int fd)
{
	struct file *f;

	assert_int_equal(fd_get(fd, &f), 0);
	file_set_flags(f, FILE_NONBLOCK);
	file_put(f);
}

static void new_pipe(int p[2], bool nonblock)
{
	assert_int_equal(pipe_create(p, nonblock, false), 0);
	assert_true(p[0] >= 0 && p[1] >= 0 && p[0] != p[1]);
}

static int dup_fd(int fd)
{
	struct file *f;
	int nfd;

	assert_int_equal(fd_get(fd, &f), 0);
	nfd = fd_install(f, 0, false);
	assert_true(nfd >= 0);
	return nfd;
}

static void fill_pattern(unsigned char *b, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(i * 31 + seed);
}

/* A file kind with no fo_poll (as regular files). */
static int plain_stat(struct file *f, struct vattr *va)
{
	(void)f;
	memset(va, 0, sizeof(*va));
	return 0;
}

static const struct file_ops plain_ops = { .fo_stat = plain_stat };

static int plain_fd(void)
{
	struct file *f;
	int fd;

	assert_int_equal(file_alloc(&plain_ops, FILE_RDWR, NULL, &f), 0);
	fd = fd_install(f, 0, false);
	assert_true(fd >= 0);
	return fd;
}

/* --- pipes --- */

static void test_pipe_basic(void **state)
{
	unsigned char in[300], out[300];
	int p[2];

	(void)state;
	new_pipe(p, false);
	fill_pattern(in, sizeof(in), 7);
	assert_int_equal(wr(p[1], in, 100), 100);
	assert_int_equal(wr(p[1], in + 100, 200), 200);
	assert_int_equal(wr(p[1], in, 0), 0);
	assert_int_equal(rd(p[0], out, 50), 50);
	assert_int_equal(rd(p[0], out + 50, 1000), 250);
	assert_memory_equal(in, out, sizeof(in));
	/* Each end goes one way only. */
	assert_int_equal(rd(p[1], out, 1), -EBADF);
	assert_int_equal(wr(p[0], in, 1), -EBADF);
	/* The writer gone: what is left, then end of file, for good. */
	assert_int_equal(wr(p[1], "xy", 2), 2);
	assert_int_equal(fd_close(p[1]), 0);
	assert_int_equal(rd(p[0], out, 10), 2);
	assert_memory_equal(out, "xy", 2);
	assert_int_equal(rd(p[0], out, 10), 0);
	assert_int_equal(rd(p[0], out, 10), 0);
	/* The reader gone: EPIPE. */
	new_pipe(p, false);
	assert_int_equal(fd_close(p[0]), 0);
	assert_int_equal(wr(p[1], "z", 1), -EPIPE);
}

static void test_pipe_stat(void **state)
{
	struct vattr va;
	struct file *f;
	int p[2];

	(void)state;
	new_pipe(p, false);
	assert_int_equal(wr(p[1], "abc", 3), 3);
	assert_int_equal(fd_get(p[0], &f), 0);
	assert_int_equal(file_stat(f, &va), 0);
	assert_int_equal(va.va_mode, 0010600);
	assert_int_equal(va.va_size, 3);
	assert_int_equal(file_get_flags(f), FILE_RDONLY);
	assert_int_equal(file_seek(f, 0, 0), -ESPIPE);
	file_put(f);
	assert_int_equal(pipe_create(p, true, false), 0);
	assert_int_equal(fd_get(p[1], &f), 0);
	assert_int_equal(file_get_flags(f), FILE_WRONLY | FILE_NONBLOCK);
	file_put(f);
}

static void test_pipe_nonblock(void **state)
{
	static unsigned char buf[PIPE_CAPACITY + 10];
	size_t total = 0;
	ssize_t n;
	int p[2];

	(void)state;
	new_pipe(p, true);
	assert_int_equal(rd(p[0], buf, 10), -EAGAIN);
	while ((n = wr(p[1], buf, 1000)) > 0)
		total += (size_t)n;
	assert_int_equal(n, -EAGAIN);
	/* 1000-byte writes are atomic: the last one did not fit whole. */
	assert_int_equal(total, PIPE_CAPACITY / 1000 * 1000);
	/* A write above PIPE_BUF_ATOMIC takes what fits. */
	assert_int_equal(wr(p[1], buf, PIPE_BUF_ATOMIC + 1),
			 PIPE_CAPACITY - total);
	assert_int_equal(wr(p[1], buf, 1), -EAGAIN);
	/* Room for a small write that is less than it asks: still EAGAIN. */
	assert_int_equal(rd(p[0], buf, 10), 10);
	assert_int_equal(wr(p[1], buf, 11), -EAGAIN);
	assert_int_equal(wr(p[1], buf, 10), 10);
	assert_int_equal(rd(p[0], buf, sizeof(buf)), PIPE_CAPACITY);
	assert_int_equal(rd(p[0], buf, sizeof(buf)), -EAGAIN);
}

struct xfer {
	int fd;
	size_t len;
	unsigned char *buf;
	ssize_t result;
};

static int reader_task(void *arg)
{
	struct xfer *x = arg;
	size_t got = 0;
	ssize_t n;

	while (got < x->len && (n = rd(x->fd, x->buf + got, x->len - got)) > 0)
		got += (size_t)n;
	x->result = (ssize_t)got;
	return 0;
}

static int writer_task(void *arg)
{
	struct xfer *x = arg;

	x->result = wr(x->fd, x->buf, x->len);
	return 0;
}

static void test_pipe_blocking(void **state)
{
	size_t len = 3 * PIPE_CAPACITY + 123;
	unsigned char *in = malloc(len), *out = malloc(len);
	struct xfer r = { .len = len, .buf = out };
	struct xfer w = { .len = len, .buf = in };
	struct fake_task *rt, *wt;
	int p[2];

	(void)state;
	new_pipe(p, false);
	fill_pattern(in, len, 3);
	r.fd = p[0];
	w.fd = p[1];
	/* The reader sleeps on an empty pipe... */
	rt = fake_task_start(reader_task, &r);
	assert_true(fake_wait_sleepers(1));
	/* ...and the writer on a full one, until the reader drains it. */
	wt = fake_task_start(writer_task, &w);
	assert_int_equal(fake_task_join(wt), 0);
	assert_int_equal(fake_task_join(rt), 0);
	assert_int_equal(w.result, (ssize_t)len);
	assert_int_equal(r.result, (ssize_t)len);
	assert_memory_equal(in, out, len);
	free(in);
	free(out);
}

static void test_pipe_close_wakes(void **state)
{
	unsigned char buf[16];
	struct xfer r = { .len = sizeof(buf), .buf = buf };
	static unsigned char big[PIPE_CAPACITY + 100];
	struct xfer w = { .len = sizeof(big), .buf = big };
	struct fake_task *t;
	int p[2];

	(void)state;
	/* A reader blocked on an empty pipe sees EOF when the writer goes. */
	new_pipe(p, false);
	r.fd = p[0];
	t = fake_task_start(reader_task, &r);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(fd_close(p[1]), 0);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(r.result, 0);
	/* A writer blocked on a full pipe gets what it wrote when the
	 * reader goes. */
	new_pipe(p, false);
	w.fd = p[1];
	t = fake_task_start(writer_task, &w);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(fd_close(p[0]), 0);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(w.result, PIPE_CAPACITY);
}

/* A read blocked in a stream must not hold up a write on the same
 * description (a socket's two directions): file_read() keeps f_lock
 * only for seekable files. The kind below blocks reads on a semaphore
 * that its writes post. */
static ssize_t duplex_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	(void)buf, (void)off;
	sem_down(f->f_priv);
	return (ssize_t)len;
}

static ssize_t duplex_write(struct file *f, const void *buf, size_t len,
			    int64_t *off, bool append)
{
	(void)buf, (void)off, (void)append;
	sem_up(f->f_priv);
	return (ssize_t)len;
}

static const struct file_ops duplex_ops = {
	.fo_read = duplex_read,
	.fo_write = duplex_write,
	.fo_stat = plain_stat,
};

static void test_stream_not_serialised(void **state)
{
	struct sem sem = SEM_INIT("duplex", 0);
	unsigned char buf[4];
	struct xfer r = { .len = 4, .buf = buf };
	struct fake_task *t;
	struct file *f;

	(void)state;
	assert_int_equal(file_alloc(&duplex_ops, FILE_RDWR, &sem, &f), 0);
	r.fd = fd_install(f, 0, false);
	t = fake_task_start(reader_task, &r);
	assert_true(fake_wait_sleepers(1));
	assert_true(mutex_trylock(&f->f_lock));
	mutex_unlock(&f->f_lock);
	assert_int_equal(wr(r.fd, "abcd", 4), 4);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(r.result, 4);
}

/* --- poll --- */

static void test_poll_states(void **state)
{
	struct pollfd pf[4];
	int p[2];

	(void)state;
	new_pipe(p, false);
	pf[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	pf[2] = (struct pollfd){ .fd = -1, .events = POLLIN, .revents = 7 };
	pf[3] = (struct pollfd){ .fd = p[1], .events = POLLIN };
	assert_int_equal(poll_fds(pf, 4, 0), 1);
	assert_int_equal(pf[0].revents, 0);
	assert_int_equal(pf[1].revents, POLLOUT);
	assert_int_equal(pf[2].revents, 0);
	assert_int_equal(pf[3].revents, 0);
	assert_int_equal(wr(p[1], "x", 1), 1);
	pf[0].events = POLLIN | POLLRDNORM | POLLOUT;
	assert_int_equal(poll_fds(pf, 2, 0), 2);
	assert_int_equal(pf[0].revents, POLLIN | POLLRDNORM);
	/* The writer gone: POLLHUP even if not asked, and still POLLIN. */
	assert_int_equal(fd_close(p[1]), 0);
	pf[0].events = 0;
	assert_int_equal(poll_fds(pf, 1, 0), 1);
	assert_int_equal(pf[0].revents, POLLHUP);
	/* A closed descriptor: POLLNVAL, counted. */
	pf[1] = (struct pollfd){ .fd = p[1], .events = POLLIN };
	assert_int_equal(poll_fds(pf, 2, -1), 2);
	assert_int_equal(pf[1].revents, POLLNVAL);
	/* The reader gone: POLLERR on the write end. */
	new_pipe(p, false);
	assert_int_equal(fd_close(p[0]), 0);
	pf[0] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	assert_int_equal(poll_fds(pf, 1, 0), 1);
	assert_int_equal(pf[0].revents, POLLOUT | POLLERR);
	/* A kind without fo_poll is always ready. */
	pf[0] = (struct pollfd){ .fd = plain_fd(), .events = POLLIN | POLLOUT };
	assert_int_equal(poll_fds(pf, 1, 0), 1);
	assert_int_equal(pf[0].revents, POLLIN | POLLOUT);
	assert_int_equal(poll_fds(pf, FD_MAX + 1, 0), -EINVAL);
}

static void test_poll_timeout(void **state)
{
	struct pollfd pf;
	uint64_t t0;
	int p[2];

	(void)state;
	new_pipe(p, false);
	pf = (struct pollfd){ .fd = p[0], .events = POLLIN };
	t0 = time_ns();
	assert_int_equal(poll_fds(&pf, 1, 20 * MS), 0);
	assert_true(time_ns() - t0 >= 20 * MS);
	assert_int_equal(pf.revents, 0);
	/* Nothing left registered: a write now must not touch the stack
	 * frame of the poll that returned (ASan would say so). */
	assert_int_equal(wr(p[1], "x", 1), 1);
	assert_int_equal(poll_fds(NULL, 0, 1 * MS), 0);
}

struct poller {
	struct pollfd *pf;
	unsigned long n;
	int64_t timeout;
	int result;
};

static int poll_task(void *arg)
{
	struct poller *pl = arg;

	pl->result = poll_fds(pl->pf, pl->n, pl->timeout);
	return 0;
}

static void test_poll_wakes(void **state)
{
	struct pollfd pf[20];
	struct poller pl = { .pf = pf, .n = 20, .timeout = GUARD_NS };
	struct fake_task *t;
	int p[20][2];

	(void)state;
	/* More descriptors than fit on the stack: the heap path. */
	for (int i = 0; i < 20; i++) {
		new_pipe(p[i], false);
		pf[i] = (struct pollfd){ .fd = p[i][0], .events = POLLIN };
	}
	t = fake_task_start(poll_task, &pl);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(wr(p[14][1], "x", 1), 1);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(pl.result, 1);
	for (int i = 0; i < 20; i++)
		assert_int_equal(pf[i].revents, i == 14 ? POLLIN : 0);
	/* Every registration went: writing to each must be harmless. */
	for (int i = 0; i < 20; i++)
		assert_int_equal(wr(p[i][1], "y", 1), 1);
	/* A hang-up wakes a poll that asked for nothing else. */
	pf[0] = (struct pollfd){ .fd = p[3][0], .events = POLLOUT };
	assert_int_equal(rd(p[3][0], (char[4]){ 0 }, 4), 1);
	pl.n = 1;
	t = fake_task_start(poll_task, &pl);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(fd_close(p[3][1]), 0);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(pl.result, 1);
	assert_int_equal(pf[0].revents, POLLHUP);
}

/* A server's table: most slots -1 (ignored, revents 0), the descriptors
 * polled anywhere in it, few (on the stack) or many (on the heap); each
 * result lands in its own slot, a wake-up too. */
static void test_poll_sparse(void **state)
{
	struct pollfd pf[64];
	struct poller pl = { .pf = pf, .n = 64, .timeout = GUARD_NS };
	struct fake_task *t;
	int p[12][2], slot[12], q[2];

	(void)state;
	for (int k = 0; k < 12; k++) {
		new_pipe(p[k], false);
		slot[k] = 5 * k + 3;
	}
	for (int used = 3; used <= 12; used += 9) {
		for (int i = 0; i < 64; i++)
			pf[i] = (struct pollfd){ .fd = -1,
						 .events = POLLIN,
						 .revents = 7 };
		for (int k = 0; k < used; k++)
			pf[slot[k]] = (struct pollfd){ .fd = p[k][0],
						       .events = POLLIN };
		assert_int_equal(poll_fds(pf, 64, 0), 0);
		for (int i = 0; i < 64; i++)
			assert_int_equal(pf[i].revents, 0);
		/* Ready descriptors report in their own slots. */
		assert_int_equal(wr(p[used - 1][1], "x", 1), 1);
		assert_int_equal(poll_fds(pf, 64, 0), 1);
		for (int i = 0; i < 64; i++)
			assert_int_equal(pf[i].revents,
					 i == slot[used - 1] ? POLLIN : 0);
		assert_int_equal(rd(p[used - 1][0], (char[4]){ 0 }, 4), 1);
		/* A wake-up of the one in the first used slot. */
		t = fake_task_start(poll_task, &pl);
		assert_true(fake_wait_sleepers(1));
		assert_int_equal(wr(p[0][1], "y", 1), 1);
		assert_int_equal(fake_task_join(t), 0);
		assert_int_equal(pl.result, 1);
		for (int i = 0; i < 64; i++)
			assert_int_equal(pf[i].revents,
					 i == slot[0] ? POLLIN : 0);
		assert_int_equal(rd(p[0][0], (char[4]){ 0 }, 4), 1);
	}
	/* A closed descriptor among them: POLLNVAL in its slot. */
	new_pipe(q, false);
	assert_int_equal(fd_close(q[1]), 0);
	pf[60] = (struct pollfd){ .fd = q[1], .events = POLLIN };
	assert_int_equal(poll_fds(pf, 64, 0), 1);
	for (int i = 0; i < 64; i++)
		assert_int_equal(pf[i].revents, i == 60 ? POLLNVAL : 0);
}

/* Another task changes a slot while poll() runs: between the count of
 * the descriptors and the making of their entries. The entries stay
 * within their room and every one made is set up (ASan and UBSan watch). */
static struct pollfd flip_pf[9];
static int flip_fd;
static int flip_stop;

static int flip_slot(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&flip_stop, __ATOMIC_RELAXED)) {
		__atomic_store_n(&flip_pf[8].fd, flip_fd, __ATOMIC_RELAXED);
		__atomic_store_n(&flip_pf[8].fd, -1, __ATOMIC_RELAXED);
	}
	return 0;
}

static void test_poll_array_changes(void **state)
{
	struct fake_task *t;
	int p[9][2];

	(void)state;
	for (int k = 0; k < 9; k++) {
		new_pipe(p[k], false);
		flip_pf[k] = (struct pollfd){ .fd = p[k][0], .events = POLLIN };
	}
	flip_fd = p[8][0];
	flip_pf[8].fd = -1;
	__atomic_store_n(&flip_stop, 0, __ATOMIC_RELAXED);
	t = fake_task_start(flip_slot, NULL);
	for (int i = 0; i < 300000; i++) {
		int r = poll_fds(flip_pf, 9, 0);

		assert_true(r == 0);
	}
	__atomic_store_n(&flip_stop, 1, __ATOMIC_RELAXED);
	assert_int_equal(fake_task_join(t), 0);
}

/* A wake whose state is not enough (too little room) leaves the poller
 * asleep: it returns only with what it asked for. */
static void test_poll_rechecks(void **state)
{
	static unsigned char big[PIPE_CAPACITY];
	struct pollfd pf;
	struct poller pl = { .pf = &pf, .n = 1, .timeout = GUARD_NS };
	struct fake_task *t;
	int p[2];

	(void)state;
	new_pipe(p, false);
	assert_int_equal(wr(p[1], big, sizeof(big)), sizeof(big));
	pf = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	t = fake_task_start(poll_task, &pl);
	assert_true(fake_wait_sleepers(1));
	/* Reading a little leaves less than PIPE_BUF_ATOMIC of room: the
	 * poller is woken, finds nothing and sleeps again. */
	assert_int_equal(rd(p[0], big, 100), 100);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(rd(p[0], big, PIPE_BUF_ATOMIC), PIPE_BUF_ATOMIC);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(pl.result, 1);
	assert_int_equal(pf.revents, POLLOUT);
}

/* --- select --- */

static void test_select(void **state)
{
	fd_set r, w, e;
	int p[2], q[2], nfds;

	(void)state;
	new_pipe(p, false);
	new_pipe(q, false);
	nfds = q[1] + 1;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(p[0], &r);
	FD_SET(q[0], &r);
	FD_SET(p[1], &w);
	FD_SET(p[0], &e);
	assert_int_equal(wr(q[1], "x", 1), 1);
	assert_int_equal(poll_select(nfds, &r, &w, &e, 0), 2);
	assert_false(FD_ISSET(p[0], &r));
	assert_true(FD_ISSET(q[0], &r));
	assert_true(FD_ISSET(p[1], &w));
	assert_false(FD_ISSET(p[0], &e));
	/* Timeout: every set cleared. */
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_SET(q[1], &e);
	assert_int_equal(poll_select(nfds, &r, NULL, &e, 5 * MS), 0);
	assert_false(FD_ISSET(p[0], &r));
	assert_false(FD_ISSET(q[1], &e));
	/* A hang-up makes a read set bit. */
	assert_int_equal(fd_close(p[1]), 0);
	FD_SET(p[0], &r);
	assert_int_equal(poll_select(nfds, &r, NULL, NULL, -1), 1);
	assert_true(FD_ISSET(p[0], &r));
	/* A closed descriptor in a set: EBADF, sets untouched. */
	FD_SET(p[1], &r);
	assert_int_equal(poll_select(nfds, &r, NULL, NULL, 0), -EBADF);
	assert_true(FD_ISSET(p[1], &r));
	assert_int_equal(poll_select(-1, NULL, NULL, NULL, 0), -EINVAL);
	assert_int_equal(poll_select(FD_SETSIZE + 1, NULL, NULL, NULL, 0),
			 -EINVAL);
	/* No sets at all: a sleep. */
	assert_int_equal(poll_select(0, NULL, NULL, NULL, 1 * MS), 0);
}

/* --- epoll --- */

static void ep_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
}

static void ep_mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev), 0);
}

static void test_epoll_level(void **state)
{
	struct epoll_event evs[4];
	unsigned char buf[8];
	int ep = eventpoll_create(0), p[2];

	(void)state;
	assert_true(ep >= 0);
	new_pipe(p, false);
	ep_add(ep, p[0], EPOLLIN, 0xabcdef0123ull);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 0);
	assert_int_equal(wr(p[1], "hello", 5), 5);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 1);
	assert_int_equal(evs[0].events, EPOLLIN);
	assert_int_equal(evs[0].data.u64, 0xabcdef0123ull);
	/* Level-triggered: reported again while data remain. */
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 1);
	assert_int_equal(rd(p[0], buf, 3), 3);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 1);
	assert_int_equal(rd(p[0], buf, 8), 2);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 0);
	/* Out on the write end; only what is asked is reported. */
	ep_add(ep, p[1], EPOLLOUT | EPOLLIN, 2);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 1);
	assert_int_equal(evs[0].events, EPOLLOUT);
	assert_int_equal(evs[0].data.u64, 2);
}

static void test_epoll_edge(void **state)
{
	struct epoll_event evs[4];
	unsigned char buf[8];
	int ep = eventpoll_create(0), p[2];

	(void)state;
	new_pipe(p, false);
	ep_add(ep, p[0], EPOLLIN | EPOLLET, 1);
	assert_int_equal(wr(p[1], "ab", 2), 2);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 1);
	assert_int_equal(evs[0].events, EPOLLIN);
	/* No new edge: nothing, though data remain. */
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 0);
	assert_int_equal(rd(p[0], buf, 1), 1);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 0);
	/* A new write is a new edge. */
	assert_int_equal(wr(p[1], "c", 1), 1);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 1);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 0);
	/* An edge whose state is gone by the wait is not reported. */
	assert_int_equal(wr(p[1], "d", 1), 1);
	assert_int_equal(rd(p[0], buf, 8), 3);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 0);
}

static void test_epoll_oneshot(void **state)
{
	struct epoll_event evs[4];
	int ep = eventpoll_create(0), p[2];

	(void)state;
	new_pipe(p, false);
	ep_add(ep, p[0], EPOLLIN | EPOLLONESHOT, 5);
	assert_int_equal(wr(p[1], "a", 1), 1);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 1);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 0);
	assert_int_equal(wr(p[1], "b", 1), 1);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 0);
	/* MOD re-arms it, and finds it ready at once. */
	ep_mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 6);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 1);
	assert_int_equal(evs[0].data.u64, 6);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 0);
	/* MOD to nothing ready: quiet; DEL: gone. */
	ep_mod(ep, p[0], EPOLLOUT, 7);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 0);
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), 0);
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), -ENOENT);
}

static void test_epoll_errors(void **state)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[1];
	int ep = eventpoll_create(0), ep2 = eventpoll_create(0), p[2];
	int plain = plain_fd();

	(void)state;
	new_pipe(p, false);
	assert_int_equal(eventpoll_create(1), -EINVAL);
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), -EEXIST);
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev), -ENOENT);
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), -ENOENT);
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_ADD, plain, &ev), -EPERM);
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), -EINVAL);
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev), -EINVAL);
	assert_int_equal(eventpoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev),
			 -EINVAL);
	assert_int_equal(eventpoll_ctl(ep, 99, p[1], &ev), -EINVAL);
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_ADD, p[1], NULL), -EFAULT);
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), -EBADF);
	assert_int_equal(eventpoll_ctl(999, EPOLL_CTL_ADD, p[1], &ev), -EBADF);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	assert_int_equal(eventpoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), -EINVAL);
	assert_int_equal(eventpoll_wait(ep, evs, 0, 0), -EINVAL);
	assert_int_equal(eventpoll_wait(ep, NULL, 1, 0), -EFAULT);
	assert_int_equal(eventpoll_wait(p[0], evs, 1, 0), -EINVAL);
	assert_int_equal(eventpoll_wait(999, evs, 1, 0), -EBADF);
}

static void test_epoll_close_removes(void **state)
{
	struct epoll_event evs[4];
	int ep = eventpoll_create(0), p[2], d;

	(void)state;
	new_pipe(p, false);
	ep_add(ep, p[0], EPOLLIN, 10);
	assert_int_equal(wr(p[1], "a", 1), 1);
	/* Another descriptor keeps the file: it stays in the set, under
	 * the descriptor it was added with. */
	d = dup_fd(p[0]);
	assert_int_equal(fd_close(p[0]), 0);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 1);
	assert_int_equal(evs[0].data.u64, 10);
	/* The last reference: the item goes (ASan catches a stale one when
	 * the write end wakes it below). */
	assert_int_equal(fd_close(d), 0);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 0);
	assert_int_equal(fd_close(p[1]), 0);
	/* The descriptor number, reused for a new file, is a new key. */
	new_pipe(p, false);
	ep_add(ep, p[0], EPOLLIN, 11);
	assert_int_equal(wr(p[1], "b", 1), 1);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 1);
	assert_int_equal(evs[0].data.u64, 11);
	/* Closing the instance first leaves the pipe unharmed. */
	assert_int_equal(fd_close(ep), 0);
	assert_int_equal(wr(p[1], "c", 1), 1);
	assert_int_equal(rd(p[0], (char[4]){ 0 }, 4), 2);
}

static void test_epoll_hup_err(void **state)
{
	struct epoll_event evs[4];
	int ep = eventpoll_create(0), p[2], q[2];

	(void)state;
	new_pipe(p, false);
	new_pipe(q, false);
	ep_add(ep, p[0], EPOLLIN | EPOLLET, 1);
	ep_add(ep, q[1], EPOLLOUT | EPOLLET, 2);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 1); /* q writable */
	assert_int_equal(fd_close(p[1]), 0);
	assert_int_equal(fd_close(q[0]), 0);
	assert_int_equal(eventpoll_wait(ep, evs, 4, 0), 2);
	for (int i = 0; i < 2; i++) {
		if (evs[i].data.u64 == 1)
			assert_int_equal(evs[i].events, EPOLLHUP);
		else
			assert_int_equal(evs[i].events, EPOLLOUT | EPOLLERR);
	}
}

static void test_epoll_many(void **state)
{
	struct epoll_event evs[8];
	int ep = eventpoll_create(0), p[100][2];
	uint64_t seen = 0;
	int got = 0, n;

	(void)state;
	/* Enough items to grow the index several times. */
	for (int i = 0; i < 100; i++) {
		new_pipe(p[i], false);
		ep_add(ep, p[i][0], EPOLLIN, (uint64_t)i);
	}
	for (int i = 0; i < 100; i += 7)
		assert_int_equal(wr(p[i][1], "x", 1), 1);
	/* 15 ready, reported 8 at most per call, each exactly once while
	 * they stay ready (level-triggered goes round). */
	while (got < 15) {
		n = eventpoll_wait(ep, evs, 8, 0);
		assert_true(n > 0 && n <= 8);
		for (int k = 0; k < n; k++) {
			uint64_t i = evs[k].data.u64;
			assert_int_equal(i % 7, 0);
			assert_false(seen & (1ull << (i / 7)));
			seen |= 1ull << (i / 7);
			assert_int_equal(rd(p[i][0], (char[2]){ 0 }, 2), 1);
		}
		got += n;
	}
	assert_int_equal(eventpoll_wait(ep, evs, 8, 0), 0);
	/* Lookups after growth: DEL each and find them gone. */
	for (int i = 0; i < 100; i++)
		assert_int_equal(
			eventpoll_ctl(ep, EPOLL_CTL_DEL, p[i][0], NULL), 0);
	assert_int_equal(wr(p[0][1], "x", 1), 1);
	assert_int_equal(eventpoll_wait(ep, evs, 8, 0), 0);
}

struct ep_waiter {
	int ep;
	int64_t timeout;
	int result;
	struct epoll_event ev;
};

static int ep_wait_task(void *arg)
{
	struct ep_waiter *w = arg;

	w->result = eventpoll_wait(w->ep, &w->ev, 1, w->timeout);
	return 0;
}

static void test_epoll_blocking(void **state)
{
	struct ep_waiter w = { .ep = eventpoll_create(0), .timeout = GUARD_NS };
	struct pollfd pf;
	struct fake_task *t;
	uint64_t t0;
	int p[2];

	(void)state;
	new_pipe(p, false);
	ep_add(w.ep, p[0], EPOLLIN | EPOLLET, 42);
	t = fake_task_start(ep_wait_task, &w);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(wr(p[1], "x", 1), 1);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(w.result, 1);
	assert_int_equal(w.ev.data.u64, 42);
	/* Timeout. */
	t0 = time_ns();
	assert_int_equal(eventpoll_wait(w.ep, &w.ev, 1, 10 * MS), 0);
	assert_true(time_ns() - t0 >= 10 * MS);
	/* poll() on the instance: readable once an item is ready. */
	pf = (struct pollfd){ .fd = w.ep, .events = POLLIN };
	assert_int_equal(poll_fds(&pf, 1, 0), 0);
	struct poller pl = { .pf = &pf, .n = 1, .timeout = GUARD_NS };
	t = fake_task_start(poll_task, &pl);
	assert_true(fake_wait_sleepers(1));
	assert_int_equal(wr(p[1], "y", 1), 1);
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(pl.result, 1);
	assert_int_equal(pf.revents, POLLIN);
}

/* A producer and an edge-triggered consumer on real threads: every byte
 * arrives, in order, with no wake-up lost. */
struct stream {
	int fd;
	size_t len;
};

static int producer(void *arg)
{
	struct stream *s = arg;
	unsigned char chunk[97];
	size_t sent = 0;

	while (sent < s->len) {
		size_t k = s->len - sent < sizeof(chunk) ? s->len - sent
							 : sizeof(chunk);
		for (size_t i = 0; i < k; i++)
			chunk[i] = (unsigned char)((sent + i) % 251);
		if (wr(s->fd, chunk, k) != (ssize_t)k)
			return -1;
		sent += k;
	}
	return fd_close(s->fd);
}

static void test_epoll_stream(void **state)
{
	struct stream s = { .len = 2000000 };
	struct epoll_event ev;
	unsigned char buf[1000];
	int ep = eventpoll_create(0), p[2];
	struct fake_task *t;
	size_t got = 0;
	bool eof = false;

	(void)state;
	new_pipe(p, false);
	set_nonblock(p[0]);
	s.fd = p[1];
	ep_add(ep, p[0], EPOLLIN | EPOLLET, 0);
	t = fake_task_start(producer, &s);
	while (!eof) {
		assert_int_equal(eventpoll_wait(ep, &ev, 1, GUARD_NS), 1);
		for (;;) {
			ssize_t n = rd(p[0], buf, sizeof(buf));
			if (n == -EAGAIN)
				break;
			assert_true(n >= 0);
			if (n == 0) {
				eof = true;
				break;
			}
			for (ssize_t i = 0; i < n; i++)
				assert_int_equal(buf[i],
						 (got + (size_t)i) % 251);
			got += (size_t)n;
		}
	}
	assert_int_equal(fake_task_join(t), 0);
	assert_int_equal(got, s.len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pipe_basic, teardown),
		cmocka_unit_test_teardown(test_pipe_stat, teardown),
		cmocka_unit_test_teardown(test_pipe_nonblock, teardown),
		cmocka_unit_test_teardown(test_pipe_blocking, teardown),
		cmocka_unit_test_teardown(test_pipe_close_wakes, teardown),
		cmocka_unit_test_teardown(test_stream_not_serialised, teardown),
		cmocka_unit_test_teardown(test_poll_states, teardown),
		cmocka_unit_test_teardown(test_poll_timeout, teardown),
		cmocka_unit_test_teardown(test_poll_wakes, teardown),
		cmocka_unit_test_teardown(test_poll_sparse, teardown),
		cmocka_unit_test_teardown(test_poll_array_changes, teardown),
		cmocka_unit_test_teardown(test_poll_rechecks, teardown),
		cmocka_unit_test_teardown(test_select, teardown),
		cmocka_unit_test_teardown(test_epoll_level, teardown),
		cmocka_unit_test_teardown(test_epoll_edge, teardown),
		cmocka_unit_test_teardown(test_epoll_oneshot, teardown),
		cmocka_unit_test_teardown(test_epoll_errors, teardown),
		cmocka_unit_test_teardown(test_epoll_close_removes, teardown),
		cmocka_unit_test_teardown(test_epoll_hup_err, teardown),
		cmocka_unit_test_teardown(test_epoll_many, teardown),
		cmocka_unit_test_teardown(test_epoll_blocking, teardown),
		cmocka_unit_test_teardown(test_epoll_stream, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
