/* SPDX-License-Identifier: MIT */
/* The socket object, shared by socket.c, sock_io.c and sockopt.c. */
#ifndef NET_SOCKET_IMPL_H
#define NET_SOCKET_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <fs/fd.h>
#include <fs/poll.h>
#include <kernel/sync.h>
#include <net/sock.h>

struct tcp_pcb;
struct udp_pcb;

/*
 * Locking: [N] the stack mutex (net_lock), [I] immutable once the file
 * is in the descriptor table. so_head has its own lock (<fs/poll.h>).
 */
struct socket {
	struct pollhead so_head; /* poll/epoll waiters */
	struct cond so_cv; /* [N] blocked calls sleep here */
	int so_type; /* [I] SOCK_STREAM or SOCK_DGRAM */
	union {
		struct tcp_pcb *tcp;
		struct udp_pcb *udp;
	} so_pcb; /* [I] (accept sets it before installing the file) */
	uint32_t so_gen; /* [N] notify hook calls, to spot one during a kick */
	uint64_t so_rcvtimeo_ns; /* [N] 0: none */
	uint64_t so_sndtimeo_ns; /* [N] 0: none */
	int so_linger_s; /* [N] SO_LINGER seconds, -1 off */
	bool so_shut_rd, so_shut_wr; /* [N] UDP only (TCP's pcb knows) */
};

/* The socket behind fd; *fp referenced. -EBADF, -ENOTSOCK. */
int sock_lookup(int fd, struct file **fp, struct socket **sop);

static inline bool sock_is_tcp(const struct socket *so)
{
	return so->so_type == SOCK_STREAM;
}

/* An AF_INET address from the caller (port in host order, address in
 * network order): 0, -EFAULT (sa NULL), -EINVAL (len short),
 * -EAFNOSUPPORT. */
int sock_addr_in(const struct sockaddr *sa, socklen_t len, uint32_t *addr,
		 uint16_t *port);
/* Stores an AF_INET address as getsockname() does: truncated to *len,
 * which becomes the full size. sa NULL: nothing stored, 0. -EFAULT (len
 * NULL), -EINVAL (*len negative as an int). */
int sock_addr_out(uint32_t addr, uint16_t port, struct sockaddr *sa,
		  socklen_t *len);

/* read() and write() on a socket file: recv/send with no flags
 * (sock_io.c). */
ssize_t sock_file_recv(struct file *f, void *buf, size_t len);
ssize_t sock_file_send(struct file *f, const void *buf, size_t len);

/* time_ns() deadline for a SO_*TIMEO value (0: none). */
uint64_t sock_deadline(uint64_t timeo_ns);

/*
 * Caller holds the stack mutex and made a stack call that returned
 * -EAGAIN after reading so_gen into `seen`: kicks the stack, then sleeps
 * until the notify hook runs or the deadline. Returns 0 to try again,
 * -EAGAIN when the deadline passed. A kick that itself made the socket
 * ready (loopback) returns 0 at once.
 */
int sock_wait(struct socket *so, uint32_t seen, uint64_t deadline);

/* The pcb's side of the options (sockopt.c needs no transport header:
 * glibc's <netinet/tcp.h>, in host tests, names TCP states too). Caller
 * holds the stack mutex. */
int sock_pcb_setopt(struct socket *so, enum net_opt opt, int val);
int sock_pcb_getopt(struct socket *so, enum net_opt opt, int *val);
/* The pending error as a positive errno (0: none), cleared. */
int sock_pcb_error(struct socket *so);
bool sock_pcb_listening(struct socket *so);

/* Wakes the socket's blocked calls and pollers, as the notify hook does
 * (caller holds the stack mutex). */
void sock_wake(struct socket *so, unsigned int events);

#endif /* NET_SOCKET_IMPL_H */
