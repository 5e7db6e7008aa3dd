/* SPDX-License-Identifier: MIT */
/*
 * Readiness: how tasks wait for descriptors (poll, select, epoll) and how
 * a file kind (pipe, socket, epoll instance) says that something changed.
 *
 * An object that can be waited for embeds a struct pollhead, the list of
 * registrations (struct pollwait) of those waiting for it, and gives its
 * files an fo_poll op (<fs/fd.h>). A waiter registers through
 * fo_poll(f, pw), which adds pw and reads the object's state under the
 * object's own lock; the object calls pollhead_wake() after every change,
 * under that same lock, and the wake calls each registration's pw_wake.
 * So an event between a waiter's check and its sleep is never lost, and
 * pollhead_wake() costs one load when nobody waits (the lock orders it
 * against the registration).
 *
 * poll() and select() register one pollwait per descriptor for the
 * length of the call; epoll keeps one per watched file for as long as
 * both live (a "persistent" registration, with a pw_gone). An object's
 * release calls pollhead_release() before it frees anything, which ends
 * the persistent registrations: a closed file leaves every epoll set.
 *
 * Lock order (outermost first):
 *   persistent-registration mutex (poll.c; taken to end one, sleeping)
 *   epoll instance mutex (epoll.c, one per instance)
 *   object locks (pipe mutex, the network stack mutex), taken by fo_poll
 *   pollhead lock (spinlock, one per object; pw_wake runs under it)
 *   epoll ready-list lock (spinlock, one per instance)
 *   pollhead lock of an epoll instance (epolls are never in epoll sets)
 *   poll()'s sleeper lock (spinlock, one per call)
 */
#ifndef FS_POLL_H
#define FS_POLL_H

#include <stdint.h>

#include <kernel/spinlock.h>

struct pollwait;
struct pollhead;

/*
 * Called under the pollhead's lock (and the lock of the object that
 * changed) with the POLL* events that may have changed, a hint: the
 * waiter asks fo_poll for the truth. It must only record and wake: no
 * sleeping, no allocation, no call back into the object.
 */
typedef void (*pollwait_wake_fn)(struct pollwait *pw, unsigned int events);
/* A persistent registration's object is going away: pw is already off
 * its pollhead; forget it. Called with no spinlock held (may sleep). */
typedef void (*pollwait_gone_fn)(struct pollwait *pw);

/* Locking: [H] the lock of the pollhead pw is on, [O] pw's owner. */
struct pollwait {
	struct pollwait *pw_next, *pw_prev; /* [H] */
	struct pollhead *pw_head; /* [H][O] NULL when not registered */
	pollwait_wake_fn pw_wake; /* [I] */
	pollwait_gone_fn pw_gone; /* [I] NULL unless persistent */
};

/* Callers touch no field. */
struct pollhead {
	struct spinlock ph_lock;
	struct pollwait *ph_first; /* [ph_lock] written; read alone by wake */
};

#define POLLHEAD_INIT(name)                                                    \
	{                                                                      \
		SPINLOCK_INIT(name), NULL                                      \
	}

void pollhead_init(struct pollhead *h, const char *name);
/* Makes pw an unregistered pollwait. gone: NULL for a registration that
 * its owner always removes itself before the file can go (poll()). */
void pollwait_init(struct pollwait *pw, pollwait_wake_fn wake,
		   pollwait_gone_fn gone);

/* Registers pw (not registered) with h. fo_poll calls it, holding the
 * lock under which the object changes state. Never blocks. */
void pollhead_add(struct pollhead *h, struct pollwait *pw);
/* Unregisters pw if registered; after it returns, pw_wake is not running
 * and will not run. The caller owns pw and keeps its object alive (holds
 * a file reference). Never blocks. */
void pollhead_remove(struct pollwait *pw);
/* Calls pw_wake(pw, events) for every registration. The caller holds
 * the object's lock (see above). Any task context, never blocks. */
void pollhead_wake(struct pollhead *h, unsigned int events);
/* The object is going away (its fo_release, before freeing anything;
 * no file reference is left, so only persistent registrations remain):
 * ends each with its pw_gone. Hold no object lock: may sleep. */
void pollhead_release(struct pollhead *h);

/* poll() and select() on the descriptor table. */

struct pollfd;
/*
 * poll(2): waits until one of the n descriptors in fds is ready for what
 * it asks (POLLERR, POLLHUP and POLLNVAL always count), or timeout_ns
 * passes (negative: no timeout; 0: just look), then sets every revents.
 * A negative fd is skipped; a closed one gets POLLNVAL. Returns the
 * number of entries with revents set (0 on timeout), -EINVAL when n
 * exceeds the table, -ENOMEM. May yield.
 */
int poll_fds(struct pollfd *fds, unsigned long n, int64_t timeout_ns);

/*
 * select(2) over the first nfds descriptors of the three sets (each may
 * be NULL): on return each set holds the ready ones. Returns how many
 * bits are set in all, 0 on timeout (the sets then cleared), -EBADF when
 * a set names a closed descriptor, -EINVAL for nfds outside
 * 0..FD_SETSIZE, -ENOMEM. The fd_set type is <sys/select.h>'s; it is
 * passed as void * so that this header needs no libc header.
 */
int poll_select(int nfds, void *rd, void *wr, void *ex, int64_t timeout_ns);

/* epoll (epoll.c), with the <sys/epoll.h> values. */

struct epoll_event;
/* epoll_create1(flags): a new instance as a descriptor; -EINVAL for a
 * flag other than EPOLL_CLOEXEC, -EMFILE, -ENOMEM. */
int eventpoll_create(int flags);
/*
 * epoll_ctl(): ADD, MOD, DEL fd (its current open file) in epfd's set.
 * -EBADF (either fd closed), -EINVAL (epfd not an epoll, fd == epfd, fd
 * an epoll instance: nesting is not supported, bad op), -EPERM (fd's
 * kind cannot be waited for, as a regular file), -EEXIST (ADD twice),
 * -ENOENT (MOD/DEL of what is not there), -EFAULT (ev NULL for ADD and
 * MOD), -ENOMEM. May yield.
 */
int eventpoll_ctl(int epfd, int op, int fd, const struct epoll_event *ev);
/*
 * epoll_wait(): up to max events, waiting up to timeout_ns (negative:
 * forever; 0: just look). Costs O(ready), not O(watched). Returns the
 * count (0 on timeout), -EBADF, -EINVAL (not an epoll, max < 1),
 * -EFAULT (evs NULL). May yield.
 */
int eventpoll_wait(int epfd, struct epoll_event *evs, int max,
		   int64_t timeout_ns);

#endif /* FS_POLL_H */
