/* SPDX-License-Identifier: MIT */
/*
 * The parking lot: idle keep-alive connections wait here without a
 * microapp, a stack or a request buffer, as a small record in one epoll
 * set, so that tens of thousands of them fit in a small appliance. One
 * microapp watches the set: a connection that becomes readable (or is
 * hung up) gets a microapp again, one whose idle deadline passes is
 * closed. Every connection shares one idle timeout, so the records are
 * kept in deadline order and only the oldest needs a timer.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <mosaic/mapp.h>

#include "httpd.h"

#define PARK_EVENTS 64
#define PARK_STACK_BYTES (16 << 10)
#define NS_PER_MS 1000000ull

/* One parked connection: all it costs besides its socket. */
struct park_rec {
	struct park_rec *pr_prev, *pr_next; /* [L] deadline order */
	unsigned long long pr_deadline_ns; /* [I] */
	int pr_fd; /* [I] */
	uint32_t pr_addr; /* [I] network order */
};

/*
 * Locking: [L] p_lock, [I] immutable after park_start(). A record is
 * added to the epoll set and to the list in one p_lock section, and
 * only the lot's microapp takes records off, so an event always finds
 * its record on the list.
 */
struct park {
	struct httpd *p_srv; /* [I] */
	int p_ep; /* [I] the epoll set */
	int p_wake[2]; /* [I] a pipe: parking at the head wakes the lot */
	pthread_mutex_t p_lock;
	struct park_rec *p_head, *p_tail; /* [L] */
	unsigned int p_count; /* [L] */
};

/* Caller holds p_lock. Inserts r in deadline order: from the tail, as
 * new deadlines are nearly always the latest. Returns whether r is the
 * new head. */
static bool list_insert(struct park *p, struct park_rec *r)
{
	struct park_rec *after = p->p_tail;

	while (after && after->pr_deadline_ns > r->pr_deadline_ns)
		after = after->pr_prev;
	r->pr_prev = after;
	r->pr_next = after ? after->pr_next : p->p_head;
	if (r->pr_next)
		r->pr_next->pr_prev = r;
	else
		p->p_tail = r;
	if (after)
		after->pr_next = r;
	else
		p->p_head = r;
	p->p_count++;
	return !after;
}

/* Caller holds p_lock. */
static void list_remove(struct park *p, struct park_rec *r)
{
	if (r->pr_prev)
		r->pr_prev->pr_next = r->pr_next;
	else
		p->p_head = r->pr_next;
	if (r->pr_next)
		r->pr_next->pr_prev = r->pr_prev;
	else
		p->p_tail = r->pr_prev;
	p->p_count--;
}

int park_conn(struct park *p, int fd, uint32_t addr,
	      unsigned long long deadline_ns)
{
	struct park_rec *r = malloc(sizeof(*r));
	struct epoll_event ev = { .events =
					  EPOLLIN | EPOLLRDHUP | EPOLLONESHOT };
	bool head;

	if (!r)
		return -1;
	r->pr_deadline_ns = deadline_ns;
	r->pr_fd = fd;
	r->pr_addr = addr;
	ev.data.ptr = r;
	pthread_mutex_lock(&p->p_lock);
	if (epoll_ctl(p->p_ep, EPOLL_CTL_ADD, fd, &ev)) {
		pthread_mutex_unlock(&p->p_lock);
		free(r);
		return -1;
	}
	head = list_insert(p, r);
	pthread_mutex_unlock(&p->p_lock);
	/* The lot may be sleeping until a later deadline, or for ever. A
	 * failed write means the pipe is full: it holds a wake-up already. */
	if (head)
		write(p->p_wake[1], "", 1);
	return 0;
}

unsigned int park_count(struct park *p)
{
	unsigned int n;

	pthread_mutex_lock(&p->p_lock);
	n = p->p_count;
	pthread_mutex_unlock(&p->p_lock);
	return n;
}

/* Closes the connections whose deadline has passed. Returns how long
 * epoll_wait() may sleep (ms, -1: for ever). */
static int expire(struct park *p)
{
	unsigned long long now = now_ns(), left;
	struct park_rec *r;
	int timeout = -1;

	pthread_mutex_lock(&p->p_lock);
	while ((r = p->p_head) && r->pr_deadline_ns <= now) {
		list_remove(p, r);
		__atomic_fetch_sub(&p->p_srv->active, 1, __ATOMIC_RELEASE);
		close(r->pr_fd); /* which also takes it out of the set */
		free(r);
	}
	if (r) {
		left = (r->pr_deadline_ns - now + NS_PER_MS - 1) / NS_PER_MS;
		timeout = left > 60000 ? 60000 : (int)left;
	}
	pthread_mutex_unlock(&p->p_lock);
	return timeout;
}

/* r's socket is readable or hung up: serve it again, or drop it when
 * there is no memory for its microapp. */
static void unpark(struct park *p, struct park_rec *r)
{
	pthread_mutex_lock(&p->p_lock);
	list_remove(p, r);
	pthread_mutex_unlock(&p->p_lock);
	epoll_ctl(p->p_ep, EPOLL_CTL_DEL, r->pr_fd, NULL);
	if (conn_start(p->p_srv, r->pr_fd, r->pr_addr, r->pr_deadline_ns)) {
		__atomic_fetch_sub(&p->p_srv->active, 1, __ATOMIC_RELEASE);
		close(r->pr_fd);
	}
	free(r);
}

static int park_main(void *arg)
{
	struct park *p = arg;
	struct epoll_event evs[PARK_EVENTS];
	char drain[64];
	int n, i;

	for (;;) {
		n = epoll_wait(p->p_ep, evs, PARK_EVENTS, expire(p));
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr)
				unpark(p, evs[i].data.ptr);
			else
				while (read(p->p_wake[0], drain,
					    sizeof(drain)) > 0)
					;
		}
		if (n < 0 && errno != EINTR)
			mapp_sleep_ns(100 * NS_PER_MS); /* out of memory */
	}
	return 0;
}

int park_start(struct httpd *srv, struct park **out)
{
	static const struct mapp_opts opts = { .stack_size = PARK_STACK_BYTES };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct park *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -1;
	p->p_srv = srv;
	pthread_mutex_init(&p->p_lock, NULL);
	p->p_ep = epoll_create1(0);
	if (p->p_ep < 0)
		goto err_free;
	if (pipe2(p->p_wake, O_NONBLOCK))
		goto err_close_ep;
	if (epoll_ctl(p->p_ep, EPOLL_CTL_ADD, p->p_wake[0], &ev))
		goto err_close_pipe;
	err = mapp_spawn(NULL, "http:park", park_main, p, &opts);
	if (err) {
		errno = -err;
		goto err_close_pipe;
	}
	*out = p;
	return 0;
err_close_pipe:
	close(p->p_wake[0]);
	close(p->p_wake[1]);
err_close_ep:
	close(p->p_ep);
err_free:
	free(p);
	return -1;
}
