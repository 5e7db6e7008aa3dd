/* SPDX-License-Identifier: MIT */
/*
 * epoll instances as files (<fs/poll.h>): a set of watched files, each
 * with a persistent registration on the file's pollhead, and a ready
 * list that those registrations fill, so epoll_wait() costs O(ready).
 * Level-triggered items go back on the list after they are reported
 * (the next wait looks at them again); edge-triggered ones come back
 * only with the next wake; one-shot ones are disabled until EPOLL_CTL_MOD.
 * Semantics as Linux's epoll(7); EPOLLEXCLUSIVE and EPOLLWAKEUP are
 * accepted and mean nothing, and an epoll instance cannot be watched by
 * another.
 */
#include <fs/poll.h>

#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include <fs/fd.h>
#include <kernel/compiler.h>
#include <kernel/errno.h>
#include <kernel/sched.h>
#include <kernel/sync.h>

#include "poll_impl.h"

#define EP_FLAG_BITS (EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP)
#define EP_HASH_MIN 16u

struct epitem;

/*
 * Locking: [M] ep_mtx, [R] ep_lock, [MR] written holding both, read
 * holding either, [I] immutable.
 */
struct epoll {
	struct mutex ep_mtx;
	struct spinlock ep_lock;
	struct waitq ep_wq; /* [R] epoll_wait() sleepers */
	struct epitem *ep_rd_head, *ep_rd_tail; /* [R] the ready list */
	unsigned int ep_nready; /* [R] */
	struct epitem **ep_hash; /* [M] by descriptor */
	unsigned int ep_hash_size; /* [M] a power of two */
	unsigned int ep_count; /* [M] items */
	struct pollhead ep_head; /* poll() on the instance itself */
};

/* One watched (descriptor, file) pair. */
struct epitem {
	struct pollwait ei_pw; /* on the file's pollhead */
	struct epoll *ei_ep; /* [I] */
	struct file *ei_file; /* [I] not referenced: its release drops us */
	int ei_fd; /* [I] */
	uint32_t ei_events; /* [MR] asked, with ERR, HUP and flags */
	uint64_t ei_data; /* [M] */
	struct epitem *ei_hnext; /* [M] hash chain */
	struct epitem *ei_rnext, *ei_rprev; /* [R] ready list */
	bool ei_ready; /* [R] on the ready list */
};

static const struct file_ops ep_ops;

/* --- the ready list (caller holds ep_lock) --- */

static void rd_push(struct epoll *ep, struct epitem *ei)
{
	ei->ei_ready = true;
	ei->ei_rnext = NULL;
	ei->ei_rprev = ep->ep_rd_tail;
	if (ep->ep_rd_tail)
		ep->ep_rd_tail->ei_rnext = ei;
	else
		ep->ep_rd_head = ei;
	ep->ep_rd_tail = ei;
	ep->ep_nready++;
}

static void rd_unlink(struct epoll *ep, struct epitem *ei)
{
	if (!ei->ei_ready)
		return;
	if (ei->ei_rprev)
		ei->ei_rprev->ei_rnext = ei->ei_rnext;
	else
		ep->ep_rd_head = ei->ei_rnext;
	if (ei->ei_rnext)
		ei->ei_rnext->ei_rprev = ei->ei_rprev;
	else
		ep->ep_rd_tail = ei->ei_rprev;
	ei->ei_ready = false;
	ep->ep_nready--;
}

/* Queues ei if it waits for any of `events`, waking the waiters. */
static void rd_offer(struct epoll *ep, struct epitem *ei, unsigned int events)
{
	if (ei->ei_ready || !(events & ei->ei_events & ~EP_FLAG_BITS))
		return;
	rd_push(ep, ei);
	waitq_wake_all(&ep->ep_wq);
	pollhead_wake(&ep->ep_head, POLLIN | POLLRDNORM);
}

/* --- registrations on the watched files --- */

static void item_wake(struct pollwait *pw, unsigned int events)
{
	struct epitem *ei = container_of(pw, struct epitem, ei_pw);
	struct epoll *ep = ei->ei_ep;

	spin_lock(&ep->ep_lock);
	rd_offer(ep, ei, events);
	spin_unlock(&ep->ep_lock);
}

/* --- the index (caller holds ep_mtx) --- */

static struct epitem **hash_slot(struct epoll *ep, int fd)
{
	return &ep->ep_hash[(unsigned int)fd & (ep->ep_hash_size - 1)];
}

static struct epitem *hash_find(struct epoll *ep, int fd, struct file *f)
{
	struct epitem *ei = *hash_slot(ep, fd);

	while (ei && (ei->ei_fd != fd || ei->ei_file != f))
		ei = ei->ei_hnext;
	return ei;
}

/* Doubles the table; on allocation failure the chains just grow. */
static void hash_grow(struct epoll *ep)
{
	unsigned int old = ep->ep_hash_size;
	struct epitem **tab = ep->ep_hash;
	struct epitem **nt = calloc(old * 2, sizeof(*nt));

	if (!nt)
		return;
	ep->ep_hash = nt;
	ep->ep_hash_size = old * 2;
	for (unsigned int i = 0; i < old; i++) {
		struct epitem *ei = tab[i], *next;
		for (; ei; ei = next) {
			struct epitem **slot = hash_slot(ep, ei->ei_fd);
			next = ei->ei_hnext;
			ei->ei_hnext = *slot;
			*slot = ei;
		}
	}
	free(tab);
}

static void hash_insert(struct epoll *ep, struct epitem *ei)
{
	struct epitem **slot;

	if (ep->ep_count >= ep->ep_hash_size)
		hash_grow(ep);
	slot = hash_slot(ep, ei->ei_fd);
	ei->ei_hnext = *slot;
	*slot = ei;
	ep->ep_count++;
}

static void hash_remove(struct epoll *ep, struct epitem *ei)
{
	struct epitem **pp = hash_slot(ep, ei->ei_fd);

	while (*pp != ei)
		pp = &(*pp)->ei_hnext;
	*pp = ei->ei_hnext;
	ep->ep_count--;
}

/* Forgets ei, already off its file's pollhead. Caller holds ep_mtx. */
static void item_free(struct epoll *ep, struct epitem *ei)
{
	spin_lock(&ep->ep_lock);
	rd_unlink(ep, ei);
	spin_unlock(&ep->ep_lock);
	hash_remove(ep, ei);
	free(ei);
}

/* The watched file is going away (pollhead_release(), which holds the
 * persistent-registration mutex, so the instance cannot go meanwhile). */
static void item_gone(struct pollwait *pw)
{
	struct epitem *ei = container_of(pw, struct epitem, ei_pw);
	struct epoll *ep = ei->ei_ep;

	mutex_lock(&ep->ep_mtx);
	item_free(ep, ei);
	mutex_unlock(&ep->ep_mtx);
}

/* --- epoll_ctl (caller holds ep_mtx and references f) --- */

static int item_add(struct epoll *ep, int fd, struct file *f,
		    const struct epoll_event *ev)
{
	struct epitem *ei = calloc(1, sizeof(*ei));
	unsigned int ready;

	if (!ei)
		return -ENOMEM;
	pollwait_init(&ei->ei_pw, item_wake, item_gone);
	ei->ei_ep = ep;
	ei->ei_file = f;
	ei->ei_fd = fd;
	ei->ei_events = ev->events | EPOLLERR | EPOLLHUP;
	ei->ei_data = ev->data.u64;
	hash_insert(ep, ei);
	ready = file_poll(f, &ei->ei_pw);
	spin_lock(&ep->ep_lock);
	rd_offer(ep, ei, ready);
	spin_unlock(&ep->ep_lock);
	return 0;
}

static void item_mod(struct epoll *ep, struct epitem *ei,
		     const struct epoll_event *ev)
{
	unsigned int ready;

	spin_lock(&ep->ep_lock);
	ei->ei_events = ev->events | EPOLLERR | EPOLLHUP;
	spin_unlock(&ep->ep_lock);
	ei->ei_data = ev->data.u64;
	ready = file_poll(ei->ei_file, NULL);
	spin_lock(&ep->ep_lock);
	rd_offer(ep, ei, ready);
	spin_unlock(&ep->ep_lock);
}

static void item_del(struct epoll *ep, struct epitem *ei)
{
	pollhead_remove(&ei->ei_pw);
	item_free(ep, ei);
}

static int ep_get(int epfd, struct file **out)
{
	int err = fd_get(epfd, out);

	if (err)
		return err;
	if ((*out)->f_ops != &ep_ops) {
		file_put(*out);
		return -EINVAL;
	}
	return 0;
}

static int ctl_locked(struct epoll *ep, int op, int fd, struct file *f,
		      const struct epoll_event *ev)
{
	struct epitem *ei = hash_find(ep, fd, f);

	switch (op) {
	case EPOLL_CTL_ADD:
		return ei ? -EEXIST : item_add(ep, fd, f, ev);
	case EPOLL_CTL_MOD:
		if (!ei)
			return -ENOENT;
		item_mod(ep, ei, ev);
		return 0;
	default: /* EPOLL_CTL_DEL, checked by the caller */
		if (!ei)
			return -ENOENT;
		item_del(ep, ei);
		return 0;
	}
}

static int ctl_check(int op, struct file *epf, struct file *f,
		     const struct epoll_event *ev)
{
	if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
		return -EINVAL;
	if (f == epf || f->f_ops == &ep_ops)
		return -EINVAL;
	if (!file_can_poll(f))
		return -EPERM;
	if (op != EPOLL_CTL_DEL && !ev)
		return -EFAULT;
	if (op == EPOLL_CTL_MOD && (ev->events & EPOLLEXCLUSIVE))
		return -EINVAL;
	return 0;
}

int eventpoll_ctl(int epfd, int op, int fd, const struct epoll_event *ev)
{
	struct file *epf, *f;
	struct epoll *ep;
	int err = ep_get(epfd, &epf);

	if (err)
		return err;
	err = fd_get(fd, &f);
	if (err)
		goto out_put_ep;
	err = ctl_check(op, epf, f, ev);
	if (err)
		goto out_put;
	ep = epf->f_priv;
	mutex_lock(&ep->ep_mtx);
	err = ctl_locked(ep, op, fd, f, ev);
	mutex_unlock(&ep->ep_mtx);
out_put:
	file_put(f);
out_put_ep:
	file_put(epf);
	return err;
}

/* --- epoll_wait --- */

/* Takes the ready list's head off it, or NULL. */
static struct epitem *rd_pop(struct epoll *ep)
{
	struct epitem *ei;

	spin_lock(&ep->ep_lock);
	ei = ep->ep_rd_head;
	if (ei)
		rd_unlink(ep, ei);
	spin_unlock(&ep->ep_lock);
	return ei;
}

/* After ei was reported: one-shot disables it, level-triggered puts it
 * back for the next wait to look at again. */
static void rd_after_report(struct epoll *ep, struct epitem *ei)
{
	spin_lock(&ep->ep_lock);
	if (ei->ei_events & EPOLLONESHOT)
		ei->ei_events &= EP_FLAG_BITS;
	else if (!(ei->ei_events & EPOLLET) && !ei->ei_ready)
		rd_push(ep, ei);
	spin_unlock(&ep->ep_lock);
}

/*
 * Reports up to max ready items. Looks at no more items than the list
 * held at the start, so an item put back (level-triggered) is not seen
 * twice in one call. Caller holds ep_mtx.
 */
static int harvest(struct epoll *ep, struct epoll_event *evs, int max)
{
	unsigned int budget;
	int n = 0;

	spin_lock(&ep->ep_lock);
	budget = ep->ep_nready;
	spin_unlock(&ep->ep_lock);
	for (; budget > 0 && n < max; budget--) {
		struct epitem *ei = rd_pop(ep);
		unsigned int ev;

		if (!ei)
			break;
		/* Cleared ei_ready first: a wake from now on queues it
		 * again, so an edge during this look is not lost. */
		ev = file_poll(ei->ei_file, NULL) & ei->ei_events &
		     ~EP_FLAG_BITS;
		if (!ev)
			continue;
		evs[n].events = ev;
		evs[n].data.u64 = ei->ei_data;
		n++;
		rd_after_report(ep, ei);
	}
	return n;
}

/* Sleeps until the ready list is not empty; false on timeout. */
static bool ep_sleep(struct epoll *ep, uint64_t deadline)
{
	int err = 0;

	spin_lock(&ep->ep_lock);
	while (!ep->ep_rd_head && !err)
		err = waitq_wait(&ep->ep_wq, &ep->ep_lock, deadline, NULL);
	spin_unlock(&ep->ep_lock);
	return err == 0;
}

int eventpoll_wait(int epfd, struct epoll_event *evs, int max,
		   int64_t timeout_ns)
{
	uint64_t deadline = poll_deadline(timeout_ns);
	bool more = timeout_ns != 0;
	struct epoll *ep;
	struct file *epf;
	int n, err;

	if (max < 1)
		return -EINVAL;
	if (!evs)
		return -EFAULT;
	err = ep_get(epfd, &epf);
	if (err)
		return err;
	ep = epf->f_priv;
	for (;;) {
		mutex_lock(&ep->ep_mtx);
		n = harvest(ep, evs, max);
		mutex_unlock(&ep->ep_mtx);
		if (n || !more)
			break;
		more = ep_sleep(ep, deadline);
	}
	file_put(epf);
	return n;
}

/* --- the instance as a file --- */

static unsigned int ep_poll(struct file *f, struct pollwait *pw)
{
	struct epoll *ep = f->f_priv;
	bool ready;

	spin_lock(&ep->ep_lock);
	if (pw)
		pollhead_add(&ep->ep_head, pw);
	ready = ep->ep_rd_head != NULL;
	spin_unlock(&ep->ep_lock);
	return ready ? POLLIN | POLLRDNORM : 0;
}

static int ep_stat(struct file *f, struct vattr *va)
{
	(void)f;
	*va = (struct vattr){ .va_mode = 0600,
			      .va_nlink = 1,
			      .va_blksize = 4096 };
	return 0;
}

static void ep_release(struct file *f)
{
	struct epoll *ep = f->f_priv;

	pollhead_release(&ep->ep_head);
	/* Against pollhead_release() of a watched file: each item is ended
	 * by exactly one of us. Every registration goes before any item is
	 * freed: until then a wake may still link an item to another. */
	poll_persist_lock();
	for (unsigned int i = 0; i < ep->ep_hash_size; i++)
		for (struct epitem *ei = ep->ep_hash[i]; ei; ei = ei->ei_hnext)
			pollhead_remove(&ei->ei_pw);
	poll_persist_unlock();
	for (unsigned int i = 0; i < ep->ep_hash_size; i++) {
		struct epitem *ei, *next;
		for (ei = ep->ep_hash[i]; ei; ei = next) {
			next = ei->ei_hnext;
			free(ei);
		}
	}
	free(ep->ep_hash);
	free(ep);
}

static const struct file_ops ep_ops = {
	.fo_stat = ep_stat,
	.fo_release = ep_release,
	.fo_poll = ep_poll,
};

int eventpoll_create(int flags)
{
	struct epoll *ep;
	struct file *f;
	int err, fd;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	ep->ep_hash = calloc(EP_HASH_MIN, sizeof(*ep->ep_hash));
	if (!ep->ep_hash) {
		free(ep);
		return -ENOMEM;
	}
	ep->ep_hash_size = EP_HASH_MIN;
	ep->ep_mtx = (struct mutex)MUTEX_INIT("epoll");
	spin_init(&ep->ep_lock, "epoll ready");
	pollhead_init(&ep->ep_head, "epoll pollhead");
	err = file_alloc(&ep_ops, FILE_RDWR, ep, &f);
	if (err) {
		free(ep->ep_hash);
		free(ep);
		return err;
	}
	fd = fd_install(f, 0, flags & EPOLL_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}
