/* SPDX-License-Identifier: MIT */
/*
 * Pipes (<fs/pipe.h>): a ring of PIPE_CAPACITY bytes under a mutex, two
 * condition variables for blocked readers and writers, and a pollhead
 * per end. Each end is its own file, so the ring goes with the last of
 * the two releases.
 */
#include <fs/pipe.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <fs/fd.h>
#include <fs/poll.h>
#include <kernel/errno.h>
#include <kernel/sync.h>

#define PIPE_MODE 0010600 /* S_IFIFO | 0600 */

/* Locking: [P] p_lock, [I] immutable. */
struct pipe {
	struct mutex p_lock;
	struct cond p_readable; /* [P] readers wait for data or EOF */
	struct cond p_writable; /* [P] writers wait for room */
	struct pollhead p_rhead; /* the read end's waiters */
	struct pollhead p_whead; /* the write end's waiters */
	char *p_buf; /* [I] PIPE_CAPACITY bytes */
	size_t p_start; /* [P] first unread byte */
	size_t p_len; /* [P] unread bytes */
	bool p_reader; /* [P] the read end is open */
	bool p_writer; /* [P] the write end is open */
};

static bool nonblocking(struct file *f)
{
	return file_get_flags(f) & FILE_NONBLOCK;
}

/* Copies n bytes out of the ring (caller holds p_lock; n <= p_len). */
static void ring_get(struct pipe *p, char *dst, size_t n)
{
	size_t first = PIPE_CAPACITY - p->p_start;

	if (first > n)
		first = n;
	memcpy(dst, p->p_buf + p->p_start, first);
	memcpy(dst + first, p->p_buf, n - first);
	p->p_start = (p->p_start + n) % PIPE_CAPACITY;
	p->p_len -= n;
}

/* Copies n bytes into the ring (caller holds p_lock; n fits). */
static void ring_put(struct pipe *p, const char *src, size_t n)
{
	size_t end = (p->p_start + p->p_len) % PIPE_CAPACITY;
	size_t first = PIPE_CAPACITY - end;

	if (first > n)
		first = n;
	memcpy(p->p_buf + end, src, first);
	memcpy(p->p_buf, src + first, n - first);
	p->p_len += n;
}

static ssize_t pipe_read(struct file *f, void *buf, size_t len, int64_t *off)
{
	struct pipe *p = f->f_priv;
	ssize_t n;

	(void)off;
	if (len == 0)
		return 0;
	mutex_lock(&p->p_lock);
	while (p->p_len == 0 && p->p_writer) {
		if (nonblocking(f)) {
			mutex_unlock(&p->p_lock);
			return -EAGAIN;
		}
		cond_wait(&p->p_readable, &p->p_lock);
	}
	n = (ssize_t)(len < p->p_len ? len : p->p_len);
	if (n > 0) {
		ring_get(p, buf, (size_t)n);
		cond_broadcast(&p->p_writable);
		pollhead_wake(&p->p_whead, POLLOUT | POLLWRNORM);
	}
	mutex_unlock(&p->p_lock);
	return n;
}

/*
 * Writes what fits of buf (len > 0) now; returns the count, 0 when it
 * must wait (a write of at most PIPE_BUF_ATOMIC bytes waits for room for
 * all of it), -EPIPE without a reader. Caller holds p_lock.
 */
static ssize_t write_some(struct pipe *p, const char *buf, size_t len,
			  bool whole)
{
	size_t room = PIPE_CAPACITY - p->p_len;

	if (!p->p_reader)
		return -EPIPE;
	if (room == 0 || (whole && room < len))
		return 0;
	if (len > room)
		len = room;
	ring_put(p, buf, len);
	cond_broadcast(&p->p_readable);
	pollhead_wake(&p->p_rhead, POLLIN | POLLRDNORM);
	return (ssize_t)len;
}

static ssize_t pipe_write(struct file *f, const void *buf, size_t len,
			  int64_t *off, bool append)
{
	struct pipe *p = f->f_priv;
	bool whole = len <= PIPE_BUF_ATOMIC;
	size_t done = 0;
	ssize_t n = 0;

	(void)off, (void)append;
	if (len == 0)
		return 0;
	mutex_lock(&p->p_lock);
	while (done < len) {
		n = write_some(p, (const char *)buf + done, len - done, whole);
		if (n < 0)
			break;
		done += (size_t)n;
		if (n > 0 || done == len)
			continue;
		if (nonblocking(f)) {
			n = -EAGAIN;
			break;
		}
		cond_wait(&p->p_writable, &p->p_lock);
	}
	mutex_unlock(&p->p_lock);
	return done ? (ssize_t)done : n;
}

static unsigned int pipe_rpoll(struct file *f, struct pollwait *pw)
{
	struct pipe *p = f->f_priv;
	unsigned int ev = 0;

	mutex_lock(&p->p_lock);
	if (pw)
		pollhead_add(&p->p_rhead, pw);
	if (p->p_len)
		ev |= POLLIN | POLLRDNORM;
	if (!p->p_writer)
		ev |= POLLHUP;
	mutex_unlock(&p->p_lock);
	return ev;
}

static unsigned int pipe_wpoll(struct file *f, struct pollwait *pw)
{
	struct pipe *p = f->f_priv;
	unsigned int ev = 0;

	mutex_lock(&p->p_lock);
	if (pw)
		pollhead_add(&p->p_whead, pw);
	/* Writable when a write of PIPE_BUF_ATOMIC bytes would not block. */
	if (PIPE_CAPACITY - p->p_len >= PIPE_BUF_ATOMIC)
		ev |= POLLOUT | POLLWRNORM;
	if (!p->p_reader)
		ev |= POLLERR;
	mutex_unlock(&p->p_lock);
	return ev;
}

static int pipe_stat(struct file *f, struct vattr *va)
{
	struct pipe *p = f->f_priv;

	*va = (struct vattr){ .va_mode = PIPE_MODE,
			      .va_nlink = 1,
			      .va_blksize = 4096 };
	mutex_lock(&p->p_lock);
	va->va_size = (int64_t)p->p_len;
	mutex_unlock(&p->p_lock);
	return 0;
}

static void pipe_free(struct pipe *p)
{
	free(p->p_buf);
	free(p);
}

static void pipe_rrelease(struct file *f)
{
	struct pipe *p = f->f_priv;
	bool last;

	pollhead_release(&p->p_rhead);
	mutex_lock(&p->p_lock);
	p->p_reader = false;
	last = !p->p_writer;
	cond_broadcast(&p->p_writable);
	pollhead_wake(&p->p_whead, POLLERR | POLLOUT);
	mutex_unlock(&p->p_lock);
	if (last)
		pipe_free(p);
}

static void pipe_wrelease(struct file *f)
{
	struct pipe *p = f->f_priv;
	bool last;

	pollhead_release(&p->p_whead);
	mutex_lock(&p->p_lock);
	p->p_writer = false;
	last = !p->p_reader;
	cond_broadcast(&p->p_readable);
	pollhead_wake(&p->p_rhead, POLLHUP | POLLIN);
	mutex_unlock(&p->p_lock);
	if (last)
		pipe_free(p);
}

static const struct file_ops pipe_rops = {
	.fo_read = pipe_read,
	.fo_stat = pipe_stat,
	.fo_release = pipe_rrelease,
	.fo_poll = pipe_rpoll,
};

static const struct file_ops pipe_wops = {
	.fo_write = pipe_write,
	.fo_stat = pipe_stat,
	.fo_release = pipe_wrelease,
	.fo_poll = pipe_wpoll,
};

static int pipe_new(struct pipe **out)
{
	struct pipe *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->p_buf = malloc(PIPE_CAPACITY);
	if (!p->p_buf) {
		free(p);
		return -ENOMEM;
	}
	p->p_lock = (struct mutex)MUTEX_INIT("pipe");
	p->p_readable = (struct cond)COND_INIT("pipe readable");
	p->p_writable = (struct cond)COND_INIT("pipe writable");
	pollhead_init(&p->p_rhead, "pipe read end");
	pollhead_init(&p->p_whead, "pipe write end");
	*out = p;
	return 0;
}

/* The two ends as files; on failure nothing is left. */
static int pipe_files(struct pipe *p, unsigned int flags, struct file **rf,
		      struct file **wf)
{
	int err = file_alloc(&pipe_rops, FILE_RDONLY | flags, p, rf);

	if (err) {
		pipe_free(p);
		return err;
	}
	p->p_reader = true;
	err = file_alloc(&pipe_wops, FILE_WRONLY | flags, p, wf);
	if (err) {
		file_put(*rf); /* frees p: no writer */
		return err;
	}
	p->p_writer = true;
	return 0;
}

int pipe_create(int fds[2], bool nonblock, bool cloexec)
{
	struct file *rf, *wf;
	struct pipe *p;
	int err = pipe_new(&p);

	if (err)
		return err;
	err = pipe_files(p, nonblock ? FILE_NONBLOCK : 0, &rf, &wf);
	if (err)
		return err;
	fds[0] = fd_install(rf, 0, cloexec);
	if (fds[0] < 0) {
		file_put(rf);
		file_put(wf);
		return fds[0];
	}
	fds[1] = fd_install(wf, 0, cloexec);
	if (fds[1] < 0) {
		file_put(wf);
		/* fds[0] is ours unless another task closed it meanwhile:
		 * then there is nothing left to undo. */
		if (fd_close(fds[0]) == -EBADF)
			fds[0] = -1;
		return fds[1];
	}
	return 0;
}
