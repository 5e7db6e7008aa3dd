/* SPDX-License-Identifier: MIT */
/*
 * What protocol control blocks (UDP, TCP) tell the socket layer.
 *
 * A pcb reports readiness as poll(2) event bits (the POLL* values of
 * <poll.h>, repeated here so the core needs no libc header): its
 * *_poll() call says what is ready now, and its notify hook is called
 * whenever that may have changed (data arrived, room freed, connection
 * established, error, peer closed). The hook runs inside a stack call
 * (the caller's serialisation held): it must only record and wake -- it
 * must not call back into the stack.
 */
#ifndef NET_SOCK_H
#define NET_SOCK_H

#define NET_POLLIN 0x001u
#define NET_POLLPRI 0x002u
#define NET_POLLOUT 0x004u
#define NET_POLLERR 0x008u
#define NET_POLLHUP 0x010u
#define NET_POLLRDHUP 0x2000u

/* Flags of the send/recv calls: the MSG_* values of <sys/socket.h>. */
#define NET_MSG_PEEK 0x02
#define NET_MSG_TRUNC 0x20
#define NET_MSG_DONTWAIT 0x40
#define NET_MSG_WAITALL 0x100
#define NET_MSG_NOSIGNAL 0x4000

/* Called with the events that may have changed (a hint: the callee asks
 * *_poll() for the truth). */
typedef void (*net_notify_fn)(void *arg, unsigned int events);

/* Options shared by the pcb setopt/getopt calls. */
enum net_opt {
	NET_OPT_REUSEADDR, /* bool */
	NET_OPT_RCVBUF, /* bytes */
	NET_OPT_SNDBUF, /* bytes */
	NET_OPT_KEEPALIVE, /* bool */
	NET_OPT_LINGER, /* -1 off, else seconds (0: abort on close) */
	NET_OPT_BROADCAST, /* bool (UDP) */
	NET_OPT_NODELAY, /* bool (TCP) */
	NET_OPT_KEEPIDLE, /* seconds (TCP) */
	NET_OPT_KEEPINTVL, /* seconds (TCP) */
	NET_OPT_KEEPCNT, /* probes (TCP) */
	NET_OPT_MAXSEG, /* bytes (TCP) */
	NET_OPT_TTL, /* IP */
	NET_OPT_TOS, /* IP */
};

#endif /* NET_SOCK_H */
