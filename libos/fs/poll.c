/* SPDX-License-Identifier: MIT */
/*
 * Pollheads and poll()/select() over them (<fs/poll.h>). poll() makes one
 * pass over the descriptors that registers a pollwait on each, until one
 * is found ready; then it sleeps on a per-call flag that any registered
 * object's wake sets, and looks again. Semantics as POSIX.1-2017 poll()
 * and select(), with Linux's mapping of events onto select's sets.
 */
#include <fs/poll.h>

#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/select.h>

#include <fs/fd.h>
#include <kernel/compiler.h>
#include <kernel/errno.h>
#include <kernel/sched.h>
#include <kernel/sync.h>
#include <kernel/time.h>

#include "poll_impl.h"

static struct mutex persist_mutex = MUTEX_INIT("poll persist");

void poll_persist_lock(void)
{
	mutex_lock(&persist_mutex);
}

void poll_persist_unlock(void)
{
	mutex_unlock(&persist_mutex);
}

uint64_t poll_deadline(int64_t timeout_ns)
{
	uint64_t now = time_ns(), d;

	if (timeout_ns < 0)
		return 0;
	if (__builtin_add_overflow(now, (uint64_t)timeout_ns, &d))
		return 0; /* beyond any uptime: as good as none */
	return d ? d : 1;
}

/* --- pollheads --- */

void pollhead_init(struct pollhead *h, const char *name)
{
	spin_init(&h->ph_lock, name);
	h->ph_first = NULL;
}

void pollwait_init(struct pollwait *pw, pollwait_wake_fn wake,
		   pollwait_gone_fn gone)
{
	pw->pw_next = pw->pw_prev = NULL;
	pw->pw_head = NULL;
	pw->pw_wake = wake;
	pw->pw_gone = gone;
}

/* Caller holds h->ph_lock. */
static void unlink_pw(struct pollhead *h, struct pollwait *pw)
{
	if (pw->pw_prev)
		pw->pw_prev->pw_next = pw->pw_next;
	else
		__atomic_store_n(&h->ph_first, pw->pw_next, __ATOMIC_RELAXED);
	if (pw->pw_next)
		pw->pw_next->pw_prev = pw->pw_prev;
	pw->pw_next = pw->pw_prev = NULL;
	pw->pw_head = NULL;
}

void pollhead_add(struct pollhead *h, struct pollwait *pw)
{
	spin_lock(&h->ph_lock);
	pw->pw_head = h;
	pw->pw_prev = NULL;
	pw->pw_next = h->ph_first;
	if (pw->pw_next)
		pw->pw_next->pw_prev = pw;
	__atomic_store_n(&h->ph_first, pw, __ATOMIC_RELAXED);
	spin_unlock(&h->ph_lock);
}

void pollhead_remove(struct pollwait *pw)
{
	struct pollhead *h = pw->pw_head;

	if (!h)
		return;
	spin_lock(&h->ph_lock);
	unlink_pw(h, pw);
	spin_unlock(&h->ph_lock);
}

void pollhead_wake(struct pollhead *h, unsigned int events)
{
	/* Registrations are made under the lock the caller holds, so a
	 * registration this load misses came after the change the caller
	 * made, and its fo_poll saw that change. */
	if (!__atomic_load_n(&h->ph_first, __ATOMIC_RELAXED))
		return;
	spin_lock(&h->ph_lock);
	for (struct pollwait *pw = h->ph_first; pw; pw = pw->pw_next)
		pw->pw_wake(pw, events);
	spin_unlock(&h->ph_lock);
}

void pollhead_release(struct pollhead *h)
{
	struct pollwait *pw;
	bool empty;

	/* Under the lock, not a bare load: an epoll instance's release may
	 * still be inside this lock, unlinking the last registration. */
	spin_lock(&h->ph_lock);
	empty = h->ph_first == NULL;
	spin_unlock(&h->ph_lock);
	if (empty)
		return;
	poll_persist_lock();
	spin_lock(&h->ph_lock);
	while ((pw = h->ph_first) != NULL) {
		unlink_pw(h, pw);
		spin_unlock(&h->ph_lock);
		pw->pw_gone(pw);
		spin_lock(&h->ph_lock);
	}
	spin_unlock(&h->ph_lock);
	poll_persist_unlock();
}

/* --- poll() --- */

/* What one poll() call sleeps on: any registered object's wake sets
 * ps_fired. */
struct poll_sleeper {
	struct spinlock ps_lock;
	struct waitq ps_wq; /* [ps_lock] */
	bool ps_fired; /* [ps_lock] */
};

struct poll_entry {
	struct pollwait pe_pw;
	struct poll_sleeper *pe_ps; /* [I] */
	struct file *pe_file; /* referenced, or NULL */
	unsigned int pe_want; /* [I] events asked, with ERR and HUP */
	unsigned int pe_index; /* [I] its pollfd in the caller's array */
};

#define POLL_STACK_ENTRIES 8
#define POLL_ALWAYS (POLLERR | POLLHUP | POLLNVAL)

static void entry_wake(struct pollwait *pw, unsigned int events)
{
	struct poll_entry *pe = container_of(pw, struct poll_entry, pe_pw);
	struct poll_sleeper *ps = pe->pe_ps;

	if (!(events & pe->pe_want))
		return;
	spin_lock(&ps->ps_lock);
	ps->ps_fired = true;
	waitq_wake_all(&ps->ps_wq);
	spin_unlock(&ps->ps_lock);
}

/* Makes an entry for each descriptor of fds that is not negative (a
 * negative one is ignored: its revents is 0), taking a reference to its
 * file; a closed one gets POLLNVAL. pe has room for *m entries; *m is set
 * to how many were made. Each fd is read once: the array is the
 * caller's, and another task may change it meanwhile (poll_fds() counted
 * the entries from an earlier read). Returns how many pollfds have
 * revents set. */
static int poll_begin(struct pollfd *fds, unsigned long n,
		      struct poll_entry *pe, unsigned long *m,
		      struct poll_sleeper *ps)
{
	struct poll_entry *first = pe, *end = pe + *m;
	int count = 0;

	for (unsigned long i = 0; i < n; i++) {
		int fd = __atomic_load_n(&fds[i].fd, __ATOMIC_RELAXED);

		fds[i].revents = 0;
		if (fd < 0 || pe == end)
			continue;
		pollwait_init(&pe->pe_pw, entry_wake, NULL);
		pe->pe_ps = ps;
		pe->pe_file = NULL;
		pe->pe_want = (unsigned short)fds[i].events | POLL_ALWAYS;
		pe->pe_index = (unsigned int)i;
		if (fd_get(fd, &pe->pe_file)) {
			fds[i].revents = POLLNVAL;
			count++;
		}
		pe++;
	}
	*m = (unsigned long)(pe - first);
	return count;
}

/* One look at every file; registers with each (until one is ready)
 * when `reg`. Returns how many are ready. */
static int poll_scan(struct pollfd *fds, struct poll_entry *pe, unsigned long n,
		     bool reg)
{
	int count = 0;

	for (unsigned long i = 0; i < n; i++) {
		struct pollwait *pw = NULL;
		unsigned int ev;

		if (!pe[i].pe_file)
			continue;
		if (reg && count == 0 && !pe[i].pe_pw.pw_head)
			pw = &pe[i].pe_pw;
		ev = file_poll(pe[i].pe_file, pw) & pe[i].pe_want;
		fds[pe[i].pe_index].revents = (short)ev;
		if (ev)
			count++;
	}
	return count;
}

static void poll_end(struct poll_entry *pe, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		if (!pe[i].pe_file)
			continue;
		pollhead_remove(&pe[i].pe_pw);
		file_put(pe[i].pe_file);
	}
}

/* Sleeps until an entry fires or the deadline; false on timeout. */
static bool poll_sleep(struct poll_sleeper *ps, uint64_t deadline)
{
	int err = 0;

	spin_lock(&ps->ps_lock);
	while (!ps->ps_fired && !err)
		err = waitq_wait(&ps->ps_wq, &ps->ps_lock, deadline, NULL);
	ps->ps_fired = false;
	spin_unlock(&ps->ps_lock);
	return err == 0;
}

/* poll() over the n pollfds of fds, with room in pe for the m that are
 * not negative. */
static int poll_loop(struct pollfd *fds, unsigned long n, struct poll_entry *pe,
		     unsigned long m, int64_t timeout_ns)
{
	struct poll_sleeper ps = { SPINLOCK_INIT("poll"), WAITQ_INIT, false };
	uint64_t deadline = poll_deadline(timeout_ns);
	int nval = poll_begin(fds, n, pe, &m, &ps), count;
	bool more = timeout_ns != 0 && nval == 0;

	for (;;) {
		/* Registered objects set ps_fired from here on, so a change
		 * after this scan looked at an object is not lost. */
		count = nval + poll_scan(fds, pe, m, more);
		if (count || !more)
			break;
		more = poll_sleep(&ps, deadline);
	}
	poll_end(pe, m);
	return count;
}

int poll_fds(struct pollfd *fds, unsigned long n, int64_t timeout_ns)
{
	struct poll_entry stack_pe[POLL_STACK_ENTRIES], *pe = stack_pe;
	unsigned long m = 0;
	int count;

	if (n > FD_MAX)
		return -EINVAL;
	/* Entries only for the descriptors polled: an array with unused
	 * slots set to -1 (a server's table of connections) stays on the
	 * stack while few are open. */
	for (unsigned long i = 0; i < n; i++)
		m += __atomic_load_n(&fds[i].fd, __ATOMIC_RELAXED) >= 0;
	if (m > POLL_STACK_ENTRIES) {
		/* poll_begin() sets every field. */
		pe = malloc(m * sizeof(*pe));
		if (!pe)
			return -ENOMEM;
	}
	count = poll_loop(fds, n, pe, m, timeout_ns);
	if (pe != stack_pe)
		free(pe);
	return count;
}

/* --- select() --- */

/* Linux's mapping of poll events onto select's three sets. */
#define SEL_IN (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define SEL_OUT (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define SEL_EX POLLPRI

static bool in_set(void *set, int fd)
{
	return set && FD_ISSET(fd, (fd_set *)set);
}

/* The pollfds select's sets ask for; returns how many, or -ENOMEM. */
static int select_build(int nfds, void *rd, void *wr, void *ex,
			struct pollfd **out)
{
	struct pollfd *pf;
	int n = 0;

	for (int fd = 0; fd < nfds; fd++)
		if (in_set(rd, fd) || in_set(wr, fd) || in_set(ex, fd))
			n++;
	pf = calloc(n ? (size_t)n : 1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	n = 0;
	for (int fd = 0; fd < nfds; fd++) {
		short ev = (short)((in_set(rd, fd) ? POLLIN : 0) |
				   (in_set(wr, fd) ? POLLOUT : 0) |
				   (in_set(ex, fd) ? POLLPRI : 0));
		if (ev)
			pf[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	*out = pf;
	return n;
}

/* Sets back the ready bits; returns how many. */
static int select_result(struct pollfd *pf, int n, void *rd, void *wr, void *ex)
{
	int bits = 0;

	if (rd)
		FD_ZERO((fd_set *)rd);
	if (wr)
		FD_ZERO((fd_set *)wr);
	if (ex)
		FD_ZERO((fd_set *)ex);
	for (int i = 0; i < n; i++) {
		unsigned int ev = (unsigned short)pf[i].revents;
		if ((pf[i].events & POLLIN) && (ev & SEL_IN)) {
			FD_SET(pf[i].fd, (fd_set *)rd);
			bits++;
		}
		if ((pf[i].events & POLLOUT) && (ev & SEL_OUT)) {
			FD_SET(pf[i].fd, (fd_set *)wr);
			bits++;
		}
		if ((pf[i].events & POLLPRI) && (ev & SEL_EX)) {
			FD_SET(pf[i].fd, (fd_set *)ex);
			bits++;
		}
	}
	return bits;
}

int poll_select(int nfds, void *rd, void *wr, void *ex, int64_t timeout_ns)
{
	struct pollfd *pf;
	int n, rc;

	if (nfds < 0 || nfds > FD_SETSIZE)
		return -EINVAL;
	n = select_build(nfds, rd, wr, ex, &pf);
	if (n < 0)
		return n;
	rc = poll_fds(pf, (unsigned long)n, timeout_ns);
	for (int i = 0; rc > 0 && i < n; i++)
		if (pf[i].revents & POLLNVAL)
			rc = -EBADF;
	if (rc >= 0)
		rc = select_result(pf, n, rd, wr, ex);
	free(pf);
	return rc;
}
